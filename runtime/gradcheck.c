/* gradcheck.c — a gradient against finite differences of its function.
 *
 * What a user runs when they doubt a derivative: at each point, every
 * gradient entry is compared with a 4th-order central difference of the
 * function's value along its variable, and the worst relative error of each
 * variable is reported. The difference and the error measure are the ones
 * pdc's end-to-end checker uses (tests/e2e/gen_fd_check.py), where their
 * reasons are spelled out; pd_runtime.h states them for users.
 *
 * Three front doors share one loop: a module's function (array forms from
 * the JIT, plus its f_d<v> partials), native-signature function pointers
 * (arity known only at run time, so calls go through a switch over the
 * arity), and array-form pointers. */
#include <math.h>
#include <stdlib.h>

#include "pd_runtime.h"

/* How a function and its gradient are called; one of the two forms. */
typedef struct Eval {
  int nparams, nwrt;
  const int *wrt;
  pd_fnptr native_f, native_grad; /* native signatures */
  pd_value_fn array_f;            /* array forms */
  pd_grad_fn array_grad;
  const pd_value_fn *partials; /* a module's f_d<v>, checked too; or NULL */
  double *scratch;             /* nwrt doubles, for f from f_grad */
} Eval;

/* ---- calling native signatures ----------------------------------------- */

/* The types and arguments of a call with n doubles, for n = 1..16. */
#define T1 double
#define T2 T1, double
#define T3 T2, double
#define T4 T3, double
#define T5 T4, double
#define T6 T5, double
#define T7 T6, double
#define T8 T7, double
#define T9 T8, double
#define T10 T9, double
#define T11 T10, double
#define T12 T11, double
#define T13 T12, double
#define T14 T13, double
#define T15 T14, double
#define T16 T15, double
#define A1 a[0]
#define A2 A1, a[1]
#define A3 A2, a[2]
#define A4 A3, a[3]
#define A5 A4, a[4]
#define A6 A5, a[5]
#define A7 A6, a[6]
#define A8 A7, a[7]
#define A9 A8, a[8]
#define A10 A9, a[9]
#define A11 A10, a[10]
#define A12 A11, a[11]
#define A13 A12, a[12]
#define A14 A13, a[13]
#define A15 A14, a[14]
#define A16 A15, a[15]
#define FOR_ARITIES(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16)

_Static_assert(PD_GRADCHECK_MAX_NATIVE_PARAMS == 16, "FOR_ARITIES covers 1..16 parameters");

static double call_native_value(pd_fnptr fn, int n, const double *a) {
  switch (n) {
  case 0: return ((double (*)(void))fn)();
#define VALUE_CASE(k)                                                                                                  \
  case k: return ((double (*)(T##k))fn)(A##k);
    FOR_ARITIES(VALUE_CASE)
#undef VALUE_CASE
  }
  return NAN; /* excluded by check_shape */
}

static double call_native_grad(pd_fnptr fn, int n, const double *a, double *g) {
  switch (n) {
  case 0: return ((double (*)(double *))fn)(g);
#define GRAD_CASE(k)                                                                                                   \
  case k: return ((double (*)(T##k, double *))fn)(A##k, g);
    FOR_ARITIES(GRAD_CASE)
#undef GRAD_CASE
  }
  return NAN;
}

/* ---- evaluation -------------------------------------------------------- */

static double eval_grad(const Eval *e, const double *x, double *g) {
  return e->array_grad ? e->array_grad(x, g) : call_native_grad(e->native_grad, e->nparams, x, g);
}

static double eval_value(const Eval *e, const double *x) {
  if (e->array_f) return e->array_f(x);
  if (e->native_f) return call_native_value(e->native_f, e->nparams, x);
  return eval_grad(e, x, e->scratch); /* f_grad returns f */
}

/* d f / d x[k] by the 4th-order central (Richardson) difference. x is
 * restored before returning. */
static double central_difference(const Eval *e, double *x, int k, double rel_step) {
  double x0 = x[k];
  double h = rel_step * fmax(1.0, fabs(x0));
  h = (x0 + h) - x0; /* the step the arithmetic actually takes */
  double f[4];
  static const double offsets[4] = {1, -1, 2, -2};
  for (int i = 0; i < 4; i++) {
    x[k] = x0 + offsets[i] * h;
    f[i] = eval_value(e, x);
  }
  x[k] = x0;
  return (8 * (f[0] - f[1]) - (f[2] - f[3])) / (12 * h);
}

/* Relative error, with components far below the gradient's largest
 * compared in absolute terms (see pd_runtime.h). */
static double rel_error(double g, double fd, double scale) {
  if (!isfinite(g) || !isfinite(fd)) return INFINITY;
  double denom = fmax(fmax(fabs(g), fabs(fd)), 1e-3 * scale);
  return denom == 0 ? 0 : fabs(g - fd) / denom;
}

/* Folds one point's errors into rel_err. work holds 2*nwrt doubles. */
static void check_point(const Eval *e, double *x, double rel_step, double *work, double *rel_err) {
  double *g = work, *fd = work + e->nwrt;
  eval_grad(e, x, g);
  double scale = 0;
  for (int j = 0; j < e->nwrt; j++) {
    fd[j] = central_difference(e, x, e->wrt[j], rel_step);
    if (isfinite(fd[j])) scale = fmax(scale, fabs(fd[j]));
  }
  for (int j = 0; j < e->nwrt; j++) {
    double err = rel_error(g[j], fd[j], scale);
    if (e->partials) err = fmax(err, rel_error(e->partials[j](x), fd[j], scale));
    if (!(err <= rel_err[j])) rel_err[j] = err;
  }
}

static int run_checks(const Eval *e, const double *points, int npoints, const pd_gradcheck_options *opts,
                      double *rel_err) {
  double rel_step = opts && opts->rel_step > 0 ? opts->rel_step : 1e-3;
  double tol = opts && opts->tol > 0 ? opts->tol : 1e-6;
  size_t np = (size_t)e->nparams, nw = (size_t)e->nwrt;
  double *mem = calloc(np + 4 * nw + 1, sizeof(double));
  if (!mem) return -1;
  double *x = mem, *work = mem + np, *worst = work + 2 * nw;
  Eval ev = *e;
  ev.scratch = worst + nw;
  for (int p = 0; p < npoints; p++) {
    for (size_t i = 0; i < np; i++) x[i] = points[(size_t)p * np + i];
    check_point(&ev, x, rel_step, work, worst);
  }
  int failed = 0;
  for (size_t j = 0; j < nw; j++) {
    failed += !(worst[j] < tol);
    if (rel_err) rel_err[j] = worst[j];
  }
  free(mem);
  return failed;
}

/* ---- the API ----------------------------------------------------------- */

/* The defaulted wrt list, 0..nwrt-1, when the caller gave none. */
static const int *default_wrt(int nwrt, int **owned) {
  *owned = malloc(sizeof(int) * (size_t)(nwrt + 1));
  if (*owned)
    for (int j = 0; j < nwrt; j++) (*owned)[j] = j;
  return *owned;
}

static int check_shape(int nparams, const int *wrt, int nwrt, const double *x, int npoints) {
  if (nparams < 0 || nwrt < 0 || nwrt > nparams || !x || npoints < 1) return 0;
  for (int j = 0; wrt && j < nwrt; j++)
    if (wrt[j] < 0 || wrt[j] >= nparams) return 0;
  return 1;
}

/* Validates, fills in a default wrt list, runs. */
static int gradcheck_eval(Eval *e, const double *x, int npoints, const pd_gradcheck_options *opts, double *rel_err) {
  if (!check_shape(e->nparams, e->wrt, e->nwrt, x, npoints)) return -1;
  int *owned = NULL;
  if (!e->wrt && !(e->wrt = default_wrt(e->nwrt, &owned))) return -1;
  int rc = run_checks(e, x, npoints, opts, rel_err);
  free(owned);
  return rc;
}

int pd_gradcheck(pd_module *m, const char *function, const double *x, int npoints, const pd_gradcheck_options *opts,
                 double *rel_err) {
  const pd_function *f = pd_function_find(m, function);
  if (!f) return -1;
  Eval e = {.nparams = f->nparams,
            .nwrt = f->nwrt,
            .wrt = f->wrt,
            .array_f = f->value,
            .array_grad = f->grad,
            .partials = f->partials};
  return gradcheck_eval(&e, x, npoints, opts, rel_err);
}

int pd_gradcheck_native(pd_fnptr f, pd_fnptr f_grad, int nparams, const int *wrt, int nwrt, const double *x,
                        int npoints, const pd_gradcheck_options *opts, double *rel_err) {
  if (!f_grad || nparams > PD_GRADCHECK_MAX_NATIVE_PARAMS) return -1;
  Eval e = {.nparams = nparams, .nwrt = nwrt, .wrt = wrt, .native_f = f, .native_grad = f_grad};
  return gradcheck_eval(&e, x, npoints, opts, rel_err);
}

int pd_gradcheck_array(pd_value_fn f, pd_grad_fn f_grad, int nparams, const int *wrt, int nwrt, const double *x,
                       int npoints, const pd_gradcheck_options *opts, double *rel_err) {
  if (!f_grad) return -1;
  Eval e = {.nparams = nparams, .nwrt = nwrt, .wrt = wrt, .array_f = f, .array_grad = f_grad};
  return gradcheck_eval(&e, x, npoints, opts, rel_err);
}
