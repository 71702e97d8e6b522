/* test_jit.c — pd_compile, pd_symbol and the introspection API: the seed
 * example's -5, 4, -6, what pd_function says about parameters, wrt
 * variables and Hessians, options, prefixes, files, and several modules
 * alive at once. Built twice: against libpdrt.so and libpdrt.a. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rt_test.h"

typedef double (*fn2)(double, double);
typedef double (*grad2)(double, double, double *);

static void test_seed(void) {
  char *diag = (char *)"unset";
  pd_options o = rt_options(); /* NULL (the defaults) unless --cpu was given */
  pd_module *m = pd_compile("fn f(x, y) = x^2 - y^2\n", rt_cpu ? &o : NULL, &diag);
  CHECK(m != NULL);
  CHECK(diag == NULL);
  if (!m) return;
  grad2 f_grad = (grad2)rt_fnptr(pd_symbol(m, "f_grad"));
  CHECK(f_grad != NULL);
  double g[2] = {0, 0};
  double v = f_grad(2, 3, g);
  printf("JIT f_grad(2, 3) = %g, grad = {%g, %g}\n", v, g[0], g[1]);
  CHECK(v == -5);
  CHECK(g[0] == 4);
  CHECK(g[1] == -6);
  CHECK(((fn2)rt_fnptr(pd_symbol(m, "f")))(2, 3) == -5);
  CHECK(((fn2)rt_fnptr(pd_symbol(m, "f_dx")))(2, 3) == 4);
  CHECK(((fn2)rt_fnptr(pd_symbol(m, "f_dy")))(2, 3) == -6);
  CHECK(pd_symbol(m, "f_hess") == NULL); /* no hessian clause */
  CHECK(pd_symbol(m, "g") == NULL);
  CHECK(pd_symbol(m, "__pda_f") == NULL); /* wrappers are not symbols */
  CHECK(pd_symbol(m, NULL) == NULL);
  CHECK(pd_symbol(NULL, "f") == NULL);
  pd_module_free(m);
  pd_module_free(NULL);
}

static const char spring_src[] =
    "const c = 2\n"
    "fn spring(x, y, k, L) wrt x, y {\n"
    "    let r = sqrt(x^2 + y^2)\n"
    "    return 0.5 * k * (r - L)^2\n"
    "}\n"
    "fn h(a, b) wrt b, a hessian = a^3*b + exp(a*b)\n"
    "fn konst() = c*3\n";

static void check_spring(const pd_function *f) {
  CHECK_STR(f->name, "spring");
  CHECK_STR(f->symbol, "spring");
  CHECK(f->nparams == 4);
  const char *want[] = {"x", "y", "k", "L"};
  for (int i = 0; i < 4 && i < f->nparams; i++) CHECK_STR(f->params[i], want[i]);
  CHECK(f->nwrt == 2 && f->wrt[0] == 0 && f->wrt[1] == 1);
  CHECK_STR(f->partial_symbols[0], "spring_dx");
  CHECK_STR(f->partial_symbols[1], "spring_dy");
  CHECK_STR(f->grad_symbol, "spring_grad");
  CHECK(!f->hessian && f->hess_symbol == NULL && f->hess == NULL);
  /* r = 5: energy 0.5, gradient k (r - L) (x, y) / r = (0.6, 0.8) */
  double args[4] = {3, 4, 1, 4}, g[2];
  CHECK_NEAR(f->grad(args, g), 0.5, 1e-15, 0);
  CHECK_NEAR(g[0], 0.6, 1e-15, 0);
  CHECK_NEAR(g[1], 0.8, 1e-15, 0);
  CHECK(rt_same_bits(f->partials[0](args), g[0]));
  CHECK(rt_same_bits(f->value(args), 0.5));
}

static void check_h(pd_module *m, const pd_function *f) {
  CHECK(f->nparams == 2 && f->nwrt == 2);
  CHECK(f->wrt[0] == 1 && f->wrt[1] == 0); /* wrt order as written: b, a */
  CHECK(f->hessian && f->hess != NULL);
  CHECK_STR(f->hess_symbol, "h_hess");
  CHECK_STR(f->partial_symbols[0], "h_db");
  CHECK(pd_symbol(m, "h_hess") != NULL);
  /* array forms call the same code: the same bits as the native symbols */
  double args[2] = {0.7, 1.3}, H[4], Hn[4];
  f->hess(args, H);
  ((void (*)(double, double, double *))rt_fnptr(pd_symbol(m, "h_hess")))(0.7, 1.3, Hn);
  CHECK(memcmp(H, Hn, sizeof H) == 0);
  CHECK(H[1] == H[2]); /* symmetric */
  double a = 0.7, b = 1.3;
  CHECK_NEAR(H[0], a * a * exp(a * b), 1e-14, 0);          /* d2/db2 */
  CHECK_NEAR(H[3], 6 * a * b + b * b * exp(a * b), 1e-14, 0); /* d2/da2 */
}

static void test_introspection(void) {
  char *diag = NULL;
  pd_module *m = rt_compile(spring_src, &diag);
  CHECK(m != NULL && diag == NULL);
  if (!m) {
    fputs(diag ? diag : "(no diagnostics)\n", stderr);
    free(diag);
    return;
  }
  CHECK(pd_function_count(m) == 3);
  CHECK(pd_function_at(m, 3) == NULL && pd_function_at(m, -1) == NULL);
  check_spring(pd_function_at(m, 0));
  CHECK(pd_function_find(m, "spring") == pd_function_at(m, 0));
  CHECK(pd_function_find(m, "h") == pd_function_at(m, 1));
  CHECK(pd_function_find(m, "c") == NULL); /* a constant is not a function */
  check_h(m, pd_function_find(m, "h"));
  const pd_function *k = pd_function_find(m, "konst");
  CHECK(k && k->nparams == 0 && k->nwrt == 0);
  if (k) CHECK(k->value(NULL) == 6 && k->grad(NULL, NULL) == 6);
  CHECK(pd_function_count(NULL) == 0 && pd_function_at(NULL, 0) == NULL && pd_function_find(m, NULL) == NULL);
  pd_module_free(m);
}

static void test_options(void) {
  pd_options o;
  pd_options_init(&o);
  /* every field's zero is its default */
  CHECK(!o.name && o.opt_level == 0 && !o.cpu && !o.prefix && !o.fast_math && !o.no_fp_contract);
  o.cpu = rt_cpu;
  o.prefix = "my_";
  for (int lvl = PD_OPT_O0; lvl <= 3; lvl++) {
    o.opt_level = lvl;
    o.no_fp_contract = lvl & 1;
    o.fast_math = lvl == 3;
    char *diag = NULL;
    pd_module *m = pd_compile("fn f(x, y) = x^2 - y^2\n", &o, &diag);
    CHECK(m != NULL && diag == NULL);
    if (!m) continue;
    CHECK(pd_symbol(m, "f_grad") == NULL);
    grad2 fg = (grad2)rt_fnptr(pd_symbol(m, "my_f_grad"));
    double g[2];
    CHECK(fg && fg(2, 3, g) == -5 && g[0] == 4 && g[1] == -6);
    const pd_function *f = pd_function_find(m, "f");
    CHECK(f && strcmp(f->symbol, "my_f") == 0 && strcmp(f->partial_symbols[1], "my_f_dy") == 0);
    pd_module_free(m);
  }
  /* a CPU named like pdc --cpu: baseline x86-64 runs on every x86-64 host */
  pd_options_init(&o);
  o.cpu = "x86-64";
  pd_module *m = pd_compile("fn f(x, y) = x^2 - y^2\n", &o, NULL);
  CHECK(m != NULL);
  double g[2];
  if (m) CHECK(((grad2)rt_fnptr(pd_symbol(m, "f_grad")))(2, 3, g) == -5 && g[1] == -6);
  pd_module_free(m);
}

/* x*y - 1 at x = 1 + 2^-30, y = 1 - 2^-30: x*y = 1 - 2^-60 rounds to 1, so
 * the separate multiply and subtract give 0, a fused one -2^-60. */
static double fused_probe(const pd_options *o) {
  pd_module *m = pd_compile("fn f(x, y) = x*y - 1\n", o, NULL);
  CHECK(m != NULL);
  if (!m) return 1;
  double (*f)(double, double) = (double (*)(double, double))rt_fnptr(pd_symbol(m, "f"));
  double r = f(1 + 0x1p-30, 1 - 0x1p-30);
  pd_module_free(m);
  return r;
}

/* A zeroed pd_options is the defaults: contraction on, like NULL options. */
static void test_zero_options(void) {
  pd_options zero = {0};
  pd_options off = {0};
  off.no_fp_contract = 1;
  double by_null = fused_probe(NULL), by_zero = fused_probe(&zero), unfused = fused_probe(&off);
  CHECK(rt_same_bits(by_zero, by_null));
  CHECK(unfused == 0);
  /* on a host with FMA the default fuses (the JIT compiles for the host) */
  if (by_null != 0) CHECK(by_zero == -0x1p-60);
  printf("x*y - 1: zeroed options %a, NULL options %a, no_fp_contract %a\n", by_zero, by_null, unfused);
}

/* Eight modules alive at once, each with its own constant, freed out of
 * order: none may disturb another. */
static void test_many_modules(void) {
  enum { N = 8 };
  pd_module *mods[N];
  for (int i = 0; i < N; i++) {
    char src[128];
    snprintf(src, sizeof src, "const k = %d\nfn f(x) = k*x^2\n", i + 1);
    mods[i] = rt_compile(src, NULL);
    CHECK(mods[i] != NULL);
  }
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < N; i++) {
      if (!mods[i]) continue;
      double g;
      double v = ((double (*)(double, double *))rt_fnptr(pd_symbol(mods[i], "f_grad")))(3, &g);
      CHECK(v == 9.0 * (i + 1) && g == 6.0 * (i + 1));
    }
    /* free every other module, then check the rest still work */
    for (int i = pass; i < N; i += 2) {
      pd_module_free(mods[i]);
      mods[i] = NULL;
    }
  }
}

static void test_file(void) {
  char path[] = "/tmp/pdrt-test-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  static const char text[] = "fn f(x, y) = x^2 - y^2\nfn g(x) = x + z\n";
  CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
  close(fd);
  char *diag = NULL;
  pd_options o = rt_options();
  CHECK(pd_compile_file(path, &o, &diag) == NULL);
  /* diagnostics name the file by its path, as pdc does */
  char want[256];
  snprintf(want, sizeof want, "%s:2:15: error: use of undeclared name 'z'", path);
  CHECK(diag && strncmp(diag, want, strlen(want)) == 0);
  free(diag);
  unlink(path);
  diag = NULL;
  CHECK(pd_compile_file(path, NULL, &diag) == NULL); /* gone now */
  snprintf(want, sizeof want, "pdc: error: cannot read '%s': No such file or directory\n", path);
  CHECK(diag && strcmp(diag, want) == 0);
  free(diag);
  diag = NULL;
  CHECK(pd_compile_file("/tmp", NULL, &diag) == NULL);
  CHECK(diag && strstr(diag, "cannot read '/tmp'"));
  free(diag);
}

/* A host program in a locale whose decimal separator is ',' must not
 * change how "1.5" reads. Skipped when no such locale is installed. */
static void test_locale(void) {
  static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "ru_RU.UTF-8"};
  const char *found = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !found; i++)
    if (setlocale(LC_NUMERIC, names[i])) found = names[i];
  if (!found) {
    printf("test_locale: skipped, no locale with a decimal comma installed\n");
    return;
  }
  pd_module *m = rt_compile("fn f(x) = 1.5*x\n", NULL);
  CHECK(m && ((double (*)(double))rt_fnptr(pd_symbol(m, "f")))(2) == 3.0);
  CHECK(strcmp(localeconv()->decimal_point, ",") == 0); /* the host's setting is untouched */
  pd_module_free(m);
  setlocale(LC_NUMERIC, "C");
}

int main(int argc, char **argv) {
  rt_init(argc, argv);
  RUN(test_seed);
  RUN(test_introspection);
  RUN(test_options);
  RUN(test_zero_options);
  RUN(test_many_modules);
  RUN(test_file);
  RUN(test_locale);
  return unit_report();
}
