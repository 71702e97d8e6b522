/* gradcheck.c — a gradient against finite differences of its function.
 *
 * What a user runs when they doubt a derivative: at each point, every
 * gradient entry is compared with a 4th-order central difference of the
 * function's value along its input, and the worst relative error of each
 * entry is reported. The difference and the error measure are the ones
 * pdc's end-to-end checker uses (tests/e2e/gen_fd_check.py), where their
 * reasons are spelled out; pd_runtime.h states them for users.
 *
 * A point is the function's inputs packed in one array of doubles: the
 * parameters in order, arrays flattened. A gradient entry differentiates by
 * one input: for a function of scalars entry j is wrt variable j, for one
 * with arrays each element of a wrt array is an entry of its own.
 *
 * Five front doors share one loop. A module's function, at given sizes
 * (pd_gradcheck_sized) or without (pd_gradcheck), is called through its
 * sized forms, the one signature every function has (jit_wrap.c), and its
 * f_d<v> are checked too; pd_gradcheck_sized_forms takes sized forms
 * written by anyone. Native-signature function pointers of scalars have
 * their arity known only at run time, so calls go through a switch over the
 * arity; array-form pointers take one array of scalars. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "pd_runtime.h"

/* How a function and its gradient are called (one of three forms), and
 * which input each gradient entry differentiates by. */
typedef struct Eval {
  size_t ninputs;         /* doubles in a point */
  size_t nentries;        /* gradient entries */
  const size_t *input_of; /* per entry: the input it differentiates by */
  const int *wrt_of;      /* per entry: its wrt variable, whose f_d<v> is checked too */
  int nparams;
  pd_fnptr native_f, native_grad; /* native signatures of scalars */
  pd_value_fn array_f;            /* array forms */
  pd_grad_fn array_grad;
  pd_sized_value_fn sized_f; /* sized forms */
  pd_sized_grad_fn sized_grad;
  const pd_sized_value_fn *sized_partials; /* a module's f_d<v> (sized forms, NULL for arrays), or NULL */
  const size_t *sizes;
  const double **args; /* sized forms: each parameter's place in the point being checked */
  double *scratch;     /* nentries doubles, for f from f_grad */
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

/* x is the point being checked; the sized forms read it through e->args,
 * which point into it. */
static double eval_grad(const Eval *e, const double *x, double *g) {
  if (e->sized_grad) return e->sized_grad(e->sizes, e->args, g);
  return e->array_grad ? e->array_grad(x, g) : call_native_grad(e->native_grad, e->nparams, x, g);
}

static double eval_value(const Eval *e, const double *x) {
  if (e->sized_f) return e->sized_f(e->sizes, e->args);
  if (e->array_f) return e->array_f(x);
  if (e->native_f) return call_native_value(e->native_f, e->nparams, x);
  return eval_grad(e, x, e->scratch); /* f_grad returns f */
}

/* The f_d<v> of entry i's wrt variable at the point, when there is one to
 * check (a module's function, a scalar wrt variable). */
static int eval_partial(const Eval *e, size_t i, double *v) {
  int j = e->wrt_of[i];
  if (!e->sized_partials || !e->sized_partials[j]) return 0;
  *v = e->sized_partials[j](e->sizes, e->args);
  return 1;
}

/* d f / d x[k] by the 4th-order central (Richardson) difference. x is
 * restored before returning. */
static double central_difference(const Eval *e, double *x, size_t k, double rel_step) {
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

/* Folds one point's errors into rel_err. work holds 2*nentries doubles. */
static void check_point(const Eval *e, double *x, double rel_step, double *work, double *rel_err) {
  double *g = work, *fd = work + e->nentries;
  eval_grad(e, x, g);
  double scale = 0;
  for (size_t i = 0; i < e->nentries; i++) {
    fd[i] = central_difference(e, x, e->input_of[i], rel_step);
    if (isfinite(fd[i])) scale = fmax(scale, fabs(fd[i]));
  }
  for (size_t i = 0; i < e->nentries; i++) {
    double err = rel_error(g[i], fd[i], scale), partial;
    if (eval_partial(e, i, &partial)) err = fmax(err, rel_error(partial, fd[i], scale));
    if (!(err <= rel_err[i])) rel_err[i] = err;
  }
}

static int run_checks(const Eval *e, double *x, const double *points, int npoints, const pd_gradcheck_options *opts,
                      double *rel_err) {
  double rel_step = opts && opts->rel_step > 0 ? opts->rel_step : 1e-3;
  double tol = opts && opts->tol > 0 ? opts->tol : 1e-6;
  size_t np = e->ninputs, nw = e->nentries;
  double *mem = calloc(4 * nw + 1, sizeof(double));
  if (!mem) return -1;
  double *work = mem, *worst = work + 2 * nw;
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

/* ---- functions of scalars ------------------------------------------------ */

static int check_shape(int nparams, const int *wrt, int nwrt, const double *x, int npoints) {
  if (nparams < 0 || nwrt < 0 || nwrt > nparams || !x || npoints < 1) return 0;
  for (int j = 0; wrt && j < nwrt; j++)
    if (wrt[j] < 0 || wrt[j] >= nparams) return 0;
  return 1;
}

/* Validates, lays out entry j as parameter wrt[j] (j without a wrt list),
 * runs. */
static int gradcheck_scalars(Eval *e, const int *wrt, int nwrt, const double *x, int npoints,
                             const pd_gradcheck_options *opts, double *rel_err) {
  if (!check_shape(e->nparams, wrt, nwrt, x, npoints)) return -1;
  size_t *input_of = malloc(sizeof(size_t) * (size_t)(nwrt + 1));
  int *wrt_of = malloc(sizeof(int) * (size_t)(nwrt + 1));
  double *point = malloc(sizeof(double) * (size_t)(e->nparams + 1));
  int rc = -1;
  if (input_of && wrt_of && point) {
    for (int j = 0; j < nwrt; j++) {
      input_of[j] = (size_t)(wrt ? wrt[j] : j);
      wrt_of[j] = j;
    }
    e->ninputs = (size_t)e->nparams;
    e->nentries = (size_t)nwrt;
    e->input_of = input_of;
    e->wrt_of = wrt_of;
    rc = run_checks(e, point, x, npoints, opts, rel_err);
  }
  free(input_of);
  free(wrt_of);
  free(point);
  return rc;
}

int pd_gradcheck_native(pd_fnptr f, pd_fnptr f_grad, int nparams, const int *wrt, int nwrt, const double *x,
                        int npoints, const pd_gradcheck_options *opts, double *rel_err) {
  if (!f_grad || nparams > PD_GRADCHECK_MAX_NATIVE_PARAMS) return -1;
  Eval e = {.nparams = nparams, .native_f = f, .native_grad = f_grad};
  return gradcheck_scalars(&e, wrt, nwrt, x, npoints, opts, rel_err);
}

int pd_gradcheck_array(pd_value_fn f, pd_grad_fn f_grad, int nparams, const int *wrt, int nwrt, const double *x,
                       int npoints, const pd_gradcheck_options *opts, double *rel_err) {
  if (!f_grad) return -1;
  Eval e = {.nparams = nparams, .array_f = f, .array_grad = f_grad};
  return gradcheck_scalars(&e, wrt, nwrt, x, npoints, opts, rel_err);
}

/* ---- functions at sizes -------------------------------------------------- */

/* Where a function's inputs and gradient entries are in a point at given
 * sizes. */
typedef struct Layout {
  size_t ninputs, nentries;
  size_t *offset;      /* per parameter: its first input; offset[nparams] = ninputs */
  const double **args; /* per parameter: its place in the point, NULL when it has no elements */
  size_t *input_of;    /* per gradient entry */
  int *wrt_of;
} Layout;

static void layout_free(Layout *l) {
  free(l->offset);
  free(l->args);
  free(l->input_of);
  free(l->wrt_of);
}

/* The gradient entries of f: each wrt variable's inputs in turn. */
static void lay_out_entries(const pd_function *f, Layout *l) {
  size_t i = 0;
  for (int j = 0; j < f->nwrt; j++) {
    int p = f->wrt[j];
    for (size_t k = l->offset[p]; k < l->offset[p + 1]; k++, i++) {
      l->input_of[i] = k;
      l->wrt_of[i] = j;
    }
  }
}

/* Lays out f's point at sizes. 0 for sizes the function cannot take or
 * lengths that overflow, and when memory is short. */
static int lay_out(const pd_function *f, const size_t *sizes, Layout *l) {
  *l = (Layout){0};
  if (f->nsizes > 0 && !sizes) return 0;
  l->ninputs = pd_function_input_length(f, sizes);
  l->nentries = pd_function_grad_length(f, sizes);
  /* every entry's error is a double in rel_err and the failures an int */
  if (l->ninputs == SIZE_MAX || l->nentries == SIZE_MAX || l->nentries > INT_MAX) return 0;
  l->offset = malloc(sizeof(size_t) * (size_t)(f->nparams + 1));
  l->args = malloc(sizeof(double *) * (size_t)(f->nparams + 1));
  l->input_of = malloc(sizeof(size_t) * (l->nentries + 1));
  l->wrt_of = malloc(sizeof(int) * (l->nentries + 1));
  if (!l->offset || !l->args || !l->input_of || !l->wrt_of) return 0;
  l->offset[0] = 0;
  for (int p = 0; p < f->nparams; p++) l->offset[p + 1] = l->offset[p] + pd_function_param_length(f, p, sizes);
  lay_out_entries(f, l);
  return 1;
}

/* Points args at their parameters' places in point; an array without
 * elements gets NULL, as a caller may pass it. */
static void bind_args(const pd_function *f, Layout *l, const double *point) {
  for (int p = 0; p < f->nparams; p++) l->args[p] = l->offset[p + 1] > l->offset[p] ? point + l->offset[p] : NULL;
}

/* Validates, lays out, runs e (its sized forms set) for function shape. */
static int gradcheck_sized(Eval *e, const pd_function *shape, const size_t *sizes, const double *x, int npoints,
                           const pd_gradcheck_options *opts, double *rel_err) {
  if (!shape || !e->sized_grad || npoints < 1) return -1;
  Layout l;
  int rc = -1;
  if (lay_out(shape, sizes, &l) && (x || l.ninputs == 0) && l.ninputs <= SIZE_MAX / (size_t)npoints) {
    double *point = malloc(sizeof(double) * (l.ninputs + 1));
    if (point) {
      bind_args(shape, &l, point);
      e->ninputs = l.ninputs;
      e->nentries = l.nentries;
      e->input_of = l.input_of;
      e->wrt_of = l.wrt_of;
      e->sizes = sizes;
      e->args = l.args;
      rc = run_checks(e, point, x, npoints, opts, rel_err);
      free(point);
    }
  }
  layout_free(&l);
  return rc;
}

int pd_gradcheck_sized(pd_module *m, const char *function, const size_t *sizes, const double *x, int npoints,
                       const pd_gradcheck_options *opts, double *rel_err) {
  const pd_function *f = pd_function_find(m, function);
  if (!f) return -1;
  Eval e = {.sized_f = f->sized_value, .sized_grad = f->sized_grad, .sized_partials = f->sized_partials};
  return gradcheck_sized(&e, f, sizes, x, npoints, opts, rel_err);
}

int pd_gradcheck(pd_module *m, const char *function, const double *x, int npoints, const pd_gradcheck_options *opts,
                 double *rel_err) {
  return pd_gradcheck_sized(m, function, NULL, x, npoints, opts, rel_err);
}

int pd_gradcheck_sized_forms(const pd_function *shape, pd_sized_value_fn f, pd_sized_grad_fn f_grad,
                             const size_t *sizes, const double *x, int npoints, const pd_gradcheck_options *opts,
                             double *rel_err) {
  Eval e = {.sized_f = f, .sized_grad = f_grad};
  return gradcheck_sized(&e, shape, sizes, x, npoints, opts, rel_err);
}
