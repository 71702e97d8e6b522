/* test_gradcheck.c — the gradient checker passes right gradients and
 * catches wrong ones: hand-written C functions with a sign error, a
 * slightly-off factor and a NaN, next to JIT-compiled ones; the three entry
 * points (module, native signatures, array forms); wrt subsets; bad
 * arguments. */
#include <stdio.h>
#include <stdlib.h>

#include "rt_test.h"

/* f(x, y) = x^2 - y^2 written by hand: right, and with three kinds of bug. */
static double seed_f(double x, double y) { return x * x - y * y; }
static double right_grad(double x, double y, double *g) {
  g[0] = 2 * x;
  g[1] = -2 * y;
  return x * x - y * y;
}
static double sign_error_grad(double x, double y, double *g) {
  g[0] = 2 * x;
  g[1] = 2 * y; /* should be -2y */
  return x * x - y * y;
}
static double slightly_off_grad(double x, double y, double *g) {
  g[0] = 2 * x * (1 + 1e-4); /* 0.01 % too large */
  g[1] = -2 * y;
  return x * x - y * y;
}
static double nan_grad(double x, double y, double *g) {
  g[0] = 2 * x;
  g[1] = NAN;
  return x * x - y * y;
}

/* Array form: f(x, y, k) = k*x*y^2 wrt y only, with the partial off by x. */
static double k_f(const double *a) { return a[2] * a[0] * a[1] * a[1]; }
static double k_wrong_dy(const double *a, double *g) {
  g[0] = 2 * a[2] * a[1]; /* forgot the factor x */
  return k_f(a);
}
static double k_right_dy(const double *a, double *g) {
  g[0] = 2 * a[2] * a[0] * a[1];
  return k_f(a);
}

static const double points[] = {2, 3, -1.5, 0.25, 10, -7};
enum { NPTS = 3 };

static void test_native(void) {
  double err[2] = {-1, -1};
  CHECK(pd_gradcheck_native((pd_fnptr)seed_f, (pd_fnptr)right_grad, 2, NULL, 2, points, NPTS, NULL, err) == 0);
  printf("right gradient:        rel err %.1e %.1e\n", err[0], err[1]);
  CHECK(err[0] < 1e-9 && err[1] < 1e-9);

  CHECK(pd_gradcheck_native((pd_fnptr)seed_f, (pd_fnptr)sign_error_grad, 2, NULL, 2, points, NPTS, NULL, err) == 1);
  printf("sign error in df/dy:   rel err %.1e %.1e\n", err[0], err[1]);
  CHECK(err[0] < 1e-9 && err[1] > 0.5);

  CHECK(pd_gradcheck_native((pd_fnptr)seed_f, (pd_fnptr)slightly_off_grad, 2, NULL, 2, points, NPTS, NULL, err) == 1);
  printf("df/dx 0.01%% off:       rel err %.1e %.1e\n", err[0], err[1]);
  CHECK(err[0] > 5e-5 && err[0] < 2e-4 && err[1] < 1e-9);

  CHECK(pd_gradcheck_native(NULL, (pd_fnptr)nan_grad, 2, NULL, 2, points, NPTS, NULL, err) == 1);
  CHECK(err[0] < 1e-9 && isinf(err[1]));

  /* f from f_grad's return value when f is NULL; rel_err may be NULL */
  CHECK(pd_gradcheck_native(NULL, (pd_fnptr)right_grad, 2, NULL, 2, points, NPTS, NULL, NULL) == 0);
  CHECK(pd_gradcheck_native(NULL, (pd_fnptr)sign_error_grad, 2, NULL, 2, points, NPTS, NULL, NULL) == 1);

  /* a tolerance loose enough lets the 0.01 % error pass */
  pd_gradcheck_options o = {0, 1e-3};
  CHECK(pd_gradcheck_native(NULL, (pd_fnptr)slightly_off_grad, 2, NULL, 2, points, NPTS, &o, err) == 0);
}

static void test_array(void) {
  static const double pts[] = {1.5, 2, 3, -0.5, 0.75, 2};
  int wrt_y = 1;
  double err = -1;
  CHECK(pd_gradcheck_array(k_f, k_right_dy, 3, &wrt_y, 1, pts, 2, NULL, &err) == 0);
  CHECK(err < 1e-9);
  CHECK(pd_gradcheck_array(k_f, k_wrong_dy, 3, &wrt_y, 1, pts, 2, NULL, &err) == 1);
  printf("array form, missing x: rel err %.1e\n", err);
  CHECK(err > 0.1);
}

/* A JIT-compiled gradient passes, through every entry point; the JIT's f
 * with a hand-written wrong gradient fails. */
static void test_jit(void) {
  pd_module *m = rt_compile("fn f(x, y) = x^2 - y^2\n"
                            "fn spring(x, y, k, L) wrt x, y {\n"
                            "    let r = sqrt(x^2 + y^2)\n"
                            "    return 0.5 * k * (r - L)^2\n"
                            "}\n"
                            "fn wave(t, a, w) wrt t, w = a*sin(w*t)*exp(-t/4) + t^3/w\n",
                            NULL);
  CHECK(m != NULL);
  if (!m) return;
  double err[3];
  CHECK(pd_gradcheck(m, "f", points, NPTS, NULL, err) == 0);
  CHECK(err[0] < 1e-9 && err[1] < 1e-9);
  static const double spring_pts[] = {3, 4, 1, 4, 0.5, -2, 10, 1, -1, -1, 2, 3};
  CHECK(pd_gradcheck(m, "spring", spring_pts, 3, NULL, err) == 0);
  printf("JIT spring:            rel err %.1e %.1e\n", err[0], err[1]);
  static const double wave_pts[] = {0.3, 2, 5, 1.7, -1, 0.5, 4, 3, 2};
  CHECK(pd_gradcheck(m, "wave", wave_pts, 3, NULL, err) == 0);
  printf("JIT wave (wrt t, w):   rel err %.1e %.1e\n", err[0], err[1]);

  const pd_function *f = pd_function_find(m, "f");
  CHECK(pd_gradcheck_array(f->value, f->grad, f->nparams, f->wrt, f->nwrt, points, NPTS, NULL, err) == 0);
  CHECK(pd_gradcheck_native((pd_fnptr)rt_fnptr(pd_symbol(m, "f")), (pd_fnptr)rt_fnptr(pd_symbol(m, "f_grad")), 2,
                            NULL, 2, points, NPTS, NULL, err) == 0);
  CHECK(pd_gradcheck_native((pd_fnptr)rt_fnptr(pd_symbol(m, "f")), (pd_fnptr)sign_error_grad, 2, NULL, 2, points,
                            NPTS, NULL, err) == 1);
  CHECK(err[1] > 0.5);
  pd_module_free(m);
}

static void test_bad_arguments(void) {
  double err[2];
  int wrt_bad = 2;
  CHECK(pd_gradcheck(NULL, "f", points, 1, NULL, err) == -1);
  pd_module *m = rt_compile("fn f(x, y) = x*y\n", NULL);
  CHECK(pd_gradcheck(m, "g", points, 1, NULL, err) == -1); /* no such function */
  CHECK(pd_gradcheck(m, "f", NULL, 1, NULL, err) == -1);
  CHECK(pd_gradcheck(m, "f", points, 0, NULL, err) == -1);
  pd_module_free(m);
  CHECK(pd_gradcheck_native(NULL, NULL, 2, NULL, 2, points, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_native(NULL, (pd_fnptr)right_grad, 17, NULL, 2, points, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_native(NULL, (pd_fnptr)right_grad, 2, NULL, 3, points, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_native(NULL, (pd_fnptr)right_grad, 2, &wrt_bad, 1, points, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_array(k_f, NULL, 3, NULL, 1, points, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_array(k_f, k_right_dy, -1, NULL, 0, points, 1, NULL, err) == -1);
}

int main(int argc, char **argv) {
  rt_init(argc, argv);
  RUN(test_native);
  RUN(test_array);
  RUN(test_jit);
  RUN(test_bad_arguments);
  return unit_report();
}
