/* test_alloc_fail — pd_compile survives every allocation failure and every
 * internal error, inside the host's process.
 *
 * Built from libpdrt's own objects (not the shared library, which exports
 * only pd_*), so that it can reach the compiler's fault injection,
 * pdc_test_fail_allocation (util.h). For each of two sources (scalars;
 * arrays), a clean compile first counts the compiler's allocations; then
 * the compile is repeated with allocation 1, 2, 3, ... failing in turn,
 * each time as out-of-memory and as an internal error, until the whole
 * count is covered. Each failing compile must return
 * NULL with the right diagnostic, nothing on stderr, and — run under
 * LeakSanitizer in the sanitizer build, or valgrind — leave nothing behind.
 * A compile after all that must still work. Allocations LLVM makes itself
 * are outside the hook. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pd_runtime.h"
#include "rt_test.h"
#include "util.h"

/* A function with partials, a Hessian, an if, a constant and a call: every
 * phase, codegen's Hessian and branches, and the JIT wrappers run. */
static const char scalar_source[] = "const k = 3\n"
                                    "fn g(t) = t*t + k\n"
                                    "fn f(x, y) wrt x, y hessian = (if x < y then x*y else g(x)) + exp(x)*sin(y)\n";

/* Whether the module of scalar_source computes what it should. */
static int scalar_works(pd_module *m) {
  double g[2];
  double (*f_grad)(double, double, double *) = (double (*)(double, double, double *))rt_fnptr(pd_symbol(m, "f_grad"));
  double v = f_grad ? f_grad(1, 2, g) : 0, want = 2 + exp(1) * sin(2);
  return f_grad && fabs(v - want) < 1e-12;
}

/* Arrays: sizes, loops, a gradient by an array next to a scalar partial,
 * and the description and sized forms of the runtime. */
static const char array_source[] = "fn r(x[n], k) wrt x, k = sum(i = 0..n-2) k*(x[i+1] - x[i])^2\n";

static int array_works(pd_module *m) {
  const pd_function *f = pd_function_find(m, "r");
  size_t n = 3;
  double x[3] = {1, 3, 0}, k = 2, g[4];
  const double *args[2] = {x, &k};
  return f && f->nsizes == 1 && f->sized_grad(&n, args, g) == 26 && g[0] == -8 && g[3] == 13 &&
         f->sized_partials[1](&n, args) == 13;
}

typedef struct Case {
  const char *source;
  int (*works)(pd_module *m);
} Case;

static const Case cases[] = {{scalar_source, scalar_works}, {array_source, array_works}};

/* Compiles c's source with the nth allocation failing as how; returns 1
 * when the compile failed as it should (or succeeded because n is past the
 * last allocation: *done then). */
static int compile_failing(const Case *c, long n, PdcFailure how, int *done) {
  pd_options o = rt_options();
  char *diag = NULL;
  pdc_test_fail_allocation(n, how);
  pd_module *m = pd_compile(c->source, &o, &diag);
  pdc_test_fail_allocation(0, PDC_FAIL_NONE);
  if (m) {
    *done = 1;
    int ok = c->works(m) && diag == NULL;
    pd_module_free(m);
    free(diag);
    return ok;
  }
  const char *want = how == PDC_FAIL_NO_MEMORY ? "pdc: error: out of memory (" : "pdc: internal error at ";
  int ok = diag && strncmp(diag, want, strlen(want)) == 0 && diag[strlen(diag) - 1] == '\n';
  if (ok && how == PDC_FAIL_INTERNAL) ok = strstr(diag, "injected failure\nthis is a bug in pdc") != NULL;
  if (!ok) fprintf(stderr, "allocation %ld: %s", n, diag ? diag : "(no diagnostic)\n");
  free(diag);
  return ok;
}

/* Fails allocation 1, 2, ... as how until a compile succeeds. */
static void fail_each_allocation(const Case *c, PdcFailure how, long expected) {
  long n = 1, failures = 0;
  int done = 0;
  for (; !done && n <= expected + 16; n++) {
    int ok = compile_failing(c, n, how, &done);
    CHECK(ok);
    failures += !done;
  }
  CHECK(done);
  /* every allocation of the clean compile was made to fail */
  CHECK(failures >= expected);
  printf("%s: %ld compiles failed, one per allocation, then one succeeded\n",
         how == PDC_FAIL_NO_MEMORY ? "out of memory" : "internal error", failures);
}

/* A clean compile, to count the allocations, then each failing in turn. */
static void run_case(const Case *c) {
  pd_options o = rt_options();
  pdc_test_fail_allocation(0, PDC_FAIL_NONE);
  pd_module *m = pd_compile(c->source, &o, NULL);
  long allocations = pdc_test_fail_allocation(0, PDC_FAIL_NONE);
  CHECK(m != NULL && c->works(m));
  pd_module_free(m);
  CHECK(allocations > 100);
  printf("a clean compile makes %ld allocations\n", allocations);
  fail_each_allocation(c, PDC_FAIL_NO_MEMORY, allocations);
  fail_each_allocation(c, PDC_FAIL_INTERNAL, allocations);
}

int main(int argc, char **argv) {
  rt_init(argc, argv);
  pd_options o = rt_options();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
  /* pd_compile_file: reading the file fails too */
  pdc_test_fail_allocation(1, PDC_FAIL_NO_MEMORY);
  char *diag = NULL;
  CHECK(pd_compile_file(argv[0], &o, &diag) == NULL);
  pdc_test_fail_allocation(0, PDC_FAIL_NONE);
  CHECK(diag && strncmp(diag, "pdc: error: out of memory", 25) == 0);
  free(diag);
  return unit_report();
}
