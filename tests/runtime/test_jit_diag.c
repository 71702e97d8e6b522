/* test_jit_diag.c — bad input: diagnostics come back as pdc's text (line,
 * column, source line, caret, notes), nothing reaches stderr, nothing
 * crashes, nothing leaks (runtime.valgrind.jit_diag runs this under
 * memcheck). Also bad options and a few thousand mutated sources.
 *
 *   test_jit_diag [--quick] [--cpu=NAME]    (rt_test.h) */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rt_test.h"

/* Whatever the process writes to fd 2 between capture_begin and
 * capture_end goes to a temporary file; capture_end returns how many bytes. */
static FILE *capture;
static int saved_stderr = -1;

static void capture_begin(void) {
  fflush(stderr);
  capture = tmpfile();
  saved_stderr = dup(2);
  dup2(fileno(capture), 2);
}

static long capture_end(void) {
  fflush(stderr);
  long n = (long)lseek(fileno(capture), 0, SEEK_CUR); /* fd 2 shared the offset */
  dup2(saved_stderr, 2);
  close(saved_stderr);
  fclose(capture);
  return n;
}

/* pd_compile with stderr watched: the library must never write there. */
static pd_module *quiet_compile(const char *src, const pd_options *o, char **diag) {
  pd_options defaults = rt_options();
  capture_begin();
  pd_module *m = pd_compile(src, o ? o : &defaults, diag);
  long written = capture_end();
  CHECK(written == 0);
  return m;
}

/* Compiles src, expecting failure with exactly the diagnostics want. */
static void expect_diag(const char *src, const pd_options *o, const char *want) {
  char *diag = NULL;
  pd_module *m = quiet_compile(src, o, &diag);
  CHECK(m == NULL);
  CHECK(diag != NULL);
  if (diag) CHECK_STR(diag, want);
  free(diag);
  pd_module_free(m);
}

static void test_one_error(void) {
  expect_diag("fn f(x) wrt x = x + y\n", NULL,
              "<source>:1:21: error: use of undeclared name 'y'; did you mean 'x'?\n"
              "fn f(x) wrt x = x + y\n"
              "                    ^\n");
}

/* A warning does not fail the compile: the module comes back, and the
 * warning in the diagnostics. */
static void test_warning_on_success(void) {
  char *diag = NULL;
  pd_module *m = quiet_compile("fn f(x) = x + log(0)\n", NULL, &diag);
  CHECK(m != NULL);
  CHECK(diag != NULL);
  if (diag)
    CHECK_STR(diag, "<source>:1:15: warning: this evaluates to the constant -inf\n"
                    "fn f(x) = x + log(0)\n"
                    "              ^~~~~~\n");
  free(diag);
  diag = NULL;
  pd_module_free(m);
  m = quiet_compile("fn f(x) = x^2\n", NULL, &diag);
  CHECK(m != NULL && diag == NULL); /* nothing to say */
  pd_module_free(m);
}

/* docs/cli.md's example: every error of the file, with a note. */
static void test_many_errors_named(void) {
  pd_options o = PD_OPTIONS_INIT;
  o.name = "err.pd";
  expect_diag("fn f(x) wrt x = x + y\n"
              "fn g(x) = sinn(x)\n"
              "fn even(n) = if n > 0 then odd(n - 1) else 1\n"
              "fn odd(n) = if n > 0 then even(n - 1) else 0\n",
              &o,
              "err.pd:1:21: error: use of undeclared name 'y'; did you mean 'x'?\n"
              "fn f(x) wrt x = x + y\n"
              "                    ^\n"
              "err.pd:2:11: error: call to undeclared function 'sinn'; did you mean 'sin'?\n"
              "fn g(x) = sinn(x)\n"
              "          ^~~~\n"
              "err.pd:3:28: error: recursive call cycle: even -> odd -> even (pdc functions cannot call themselves)\n"
              "fn even(n) = if n > 0 then odd(n - 1) else 1\n"
              "                           ^~~\n"
              "err.pd:4:27: note: 'odd' calls 'even' here\n"
              "fn odd(n) = if n > 0 then even(n - 1) else 0\n"
              "                          ^~~~\n");
}

static void test_syntax(void) {
  expect_diag("fn f(x) = (((((x\n", NULL,
              "<source>:2:1: error: expected ')', found end of file\n"
              "\n"
              "^\n"
              "<source>:1:15: note: to match this '('\n"
              "fn f(x) = (((((x\n"
              "              ^\n");
  /* nesting deeper than the parser accepts is an error, not a stack overflow */
  size_t depth = 100000;
  char *deep = malloc(2 * depth + 32);
  size_t n = (size_t)sprintf(deep, "fn f(x) = ");
  memset(deep + n, '(', depth);
  deep[n + depth] = 'x';
  memset(deep + n + depth + 1, ')', depth);
  strcpy(deep + n + 2 * depth + 1, "\n");
  char *diag = NULL;
  CHECK(quiet_compile(deep, NULL, &diag) == NULL);
  CHECK(diag && strstr(diag, "<source>:1:267: error: expression is nested too deeply (more than 256 levels)\n"));
  free(diag);
  free(deep);
}

static void test_collision_and_limits(void) {
  expect_diag("fn f(x) = x^2\nfn f_dx(x) = x\n", NULL,
              "<source>:2:4: error: function 'f_dx' generates the symbol 'f_dx', which function 'f' also defines\n"
              "fn f_dx(x) = x\n"
              "   ^~~~\n"
              "<source>:1:4: note: 'f' is defined here\n"
              "fn f(x) = x^2\n"
              "   ^\n");
  /* 200 errors: pdc stops recording after 50 */
  char *src = malloc(200 * 16 + 1);
  src[0] = '\0';
  for (int i = 0; i < 200; i++) strcat(src, "fn f(x) = q\n");
  char *diag = NULL;
  CHECK(pd_compile(src, NULL, &diag) == NULL);
  CHECK(diag && strstr(diag, "fatal error: too many errors emitted, stopping now"));
  free(diag);
  free(src);
}

static void test_bad_options(void) {
  pd_options o = PD_OPTIONS_INIT;
  o.opt_level = 4;
  expect_diag("fn f(x) = x\n", &o, "pdc: error: opt_level must be 1, 2, 3, PD_OPT_O0 or 0 (the default, -O2), not 4\n");
  o.opt_level = PD_OPT_O0 - 1;
  expect_diag("fn f(x) = x\n", &o, "pdc: error: opt_level must be 1, 2, 3, PD_OPT_O0 or 0 (the default, -O2), not -2\n");
  o = (pd_options)PD_OPTIONS_INIT;
  o.prefix = "9lives";
  expect_diag("fn f(x) = x\n", &o, "pdc: error: prefix must be a C identifier, not '9lives'\n");
  o = (pd_options)PD_OPTIONS_INIT;
  o.cpu = "";
  expect_diag("fn f(x) = x\n", &o, "pdc: error: cpu must be a CPU name, or NULL for the host's\n");
  o.cpu = "pentium-9000";
  char *diag = NULL;
  CHECK(quiet_compile("fn f(x) = x\n", &o, &diag) == NULL); /* checked against llc's list: LLVM never sees it */
  CHECK(diag && strstr(diag, "pdc: error: unknown CPU 'pentium-9000' for target "));
  free(diag);
  /* a prefix that makes a reserved name acceptable, as pdc documents */
  o = (pd_options)PD_OPTIONS_INIT;
  expect_diag("fn main(x) = x\n", &o,
              "<source>:1:4: error: function 'main' would define the symbol 'main', which is reserved (C or C++ "
              "keyword, standard macro or C library name); rename it or use --prefix\n"
              "fn main(x) = x\n"
              "   ^~~~\n");
  o.prefix = "my_";
  o.cpu = rt_cpu;
  pd_module *m = pd_compile("fn main(x) = x\n", &o, NULL);
  CHECK(m && pd_symbol(m, "my_main"));
  pd_module_free(m);
  diag = NULL;
  CHECK(pd_compile(NULL, NULL, &diag) == NULL);
  CHECK(diag && strcmp(diag, "pdc: error: no source (NULL)\n") == 0);
  free(diag);
  CHECK(pd_compile_file(NULL, NULL, NULL) == NULL);
  CHECK(pd_compile("fn f(x) = ", NULL, NULL) == NULL); /* diagnostics are optional */
}

static void test_nul_byte_in_file(void) {
  char path[] = "/tmp/pdrt-nul-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  static const char text[] = "fn f(x) = 1\0 + x\n";
  CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
  close(fd);
  pd_options o = rt_options();
  o.name = "nul.pd";
  char *diag = NULL;
  CHECK(pd_compile_file(path, &o, &diag) == NULL);
  CHECK(diag && strncmp(diag, "nul.pd:1:12: error: NUL byte in source file\n", 44) == 0);
  free(diag);
  unlink(path);
}

static void test_empty(void) {
  char *diag = NULL;
  pd_module *m = rt_compile("", &diag);
  CHECK(m != NULL && diag == NULL && pd_function_count(m) == 0);
  pd_module_free(m);
  m = rt_compile("# only a comment\n\n", &diag);
  CHECK(m != NULL && pd_function_count(m) == 0);
  pd_module_free(m);
}

/* Every prefix of a valid file, and random mutations of it: each compile
 * either succeeds or explains itself, and a module that compiled works. */
static const char corpus[] =
    "const g = 9.81\n"
    "fn trig(x, y) = sin(x)*cos(y) + atan2(y, x) + pi*x\n"
    "fn roots(x, y) = sqrt(x + y) + cbrt(x - 3*y - 2) + abs(x - 3) + pow(x, y) + x^-2\n"
    "fn kinks(x, y) = min(x, y)^2 + max(x, y)*x + (if x < y and not x == 1 then x*y else x + y)\n"
    "fn calls(x, y, k) wrt x, y = kinks(x, y)*k + g*k + d(x^2*y, y)\n"
    "fn block(x, y) {\n"
    "    let r = hypot(x, y)\n"
    "    return exp(-r)*log1p(r)\n"
    "}\n"
    "fn hess(x, y, z) wrt x, y, z hessian = x^2*y*z^3 + exp(x*y)\n";

static const char alphabet[] = "()+-*/^,=\n{};<>!xyzk0123456789.e fnletifthenelsewrtdhessianreturn#\\\t\"";

static int compile_and_probe(const char *src) {
  char *diag = NULL;
  pd_module *m = quiet_compile(src, NULL, &diag);
  CHECK(m ? diag == NULL : diag != NULL && diag[0] != '\0');
  for (int i = 0; m && i < pd_function_count(m); i++) {
    const pd_function *f = pd_function_at(m, i);
    double args[16] = {0.7, 1.3, 0.4, 1.1}, g[16], H[256];
    if (f->nparams > 16) continue;
    f->grad(args, g);
    if (f->hess) f->hess(args, H);
  }
  pd_module_free(m);
  free(diag);
  return m != NULL;
}

static void test_mutations(int quick) {
  size_t len = strlen(corpus);
  char *buf = malloc(len + 1);
  int compiled = 0, total = 0;
  /* prefixes: cut at every 7th byte (every line boundary compiles) */
  for (size_t cut = 0; cut <= len; cut += quick ? 23 : 7) {
    memcpy(buf, corpus, cut);
    buf[cut] = '\0';
    compiled += compile_and_probe(buf);
    total++;
  }
  uint64_t rng = 7;
  int rounds = quick ? 60 : 3000;
  for (int r = 0; r < rounds; r++) {
    memcpy(buf, corpus, len + 1);
    int edits = 1 + (int)rt_uniform(&rng, 0, 4);
    for (int e = 0; e < edits; e++) {
      size_t at = (size_t)rt_uniform(&rng, 0, (double)len);
      buf[at] = alphabet[(size_t)rt_uniform(&rng, 0, sizeof alphabet - 1)];
    }
    compiled += compile_and_probe(buf);
    total++;
  }
  printf("mutations: %d sources, %d compiled, %d rejected with diagnostics\n", total, compiled, total - compiled);
  CHECK(compiled > 0 && compiled < total);
  free(buf);
}

int main(int argc, char **argv) {
  rt_init(argc, argv);
  RUN(test_one_error);
  RUN(test_warning_on_success);
  RUN(test_many_errors_named);
  RUN(test_syntax);
  RUN(test_collision_and_limits);
  RUN(test_bad_options);
  RUN(test_nul_byte_in_file);
  RUN(test_empty);
  test_mutations(rt_quick_mode);
  return unit_report();
}
