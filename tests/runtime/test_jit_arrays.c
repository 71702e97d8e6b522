/* test_jit_arrays.c — libpdrt and functions with array parameters.
 *
 *   test_jit_arrays <arrays.pd> [--cpu=NAME] [--quick]
 *
 * CMake linked into this program two objects pdc made of arrays.pd, one
 * for the host CPU (--cpu=native --prefix=h_) and one for the CPU of the
 * valgrind runs (PDC_VALGRIND_CPU, --prefix=vg_), which is NAME when
 * --cpu=NAME is given. The test compiles the same file with
 * pd_compile_file for that CPU and prefix and checks, at sizes 0 (NULL
 * pointers), 1, 2, 5 and 100:
 *   - pd_function's description: sizes, dimensions, extents, the symbols
 *     (no f_d<v> for an array), the lengths;
 *   - the JIT's symbols (called with the documented C signatures) and the
 *     sized forms against the object, bit for bit, and nothing written
 *     past the gradient;
 *   - both against hand-written C of the same formulas;
 *   - pd_gradcheck_sized on every function; pd_gradcheck on the fixed
 *     extent; a hand-written gradient with a wrong entry caught there;
 *   - misuse: each is -1, SIZE_MAX or a diagnostic, never a crash. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_test.h"

/* ---- the objects ----------------------------------------------------------- */

/* The C interface of arrays.pd (docs/language.md), once per prefix. */
typedef struct Aot {
  double (*rosen_nd)(size_t, const double *);
  double (*rosen_nd_grad)(size_t, const double *, double *);
  double (*expfit)(size_t, double, double, const double *, const double *);
  double (*expfit_da)(size_t, double, double, const double *, const double *);
  double (*expfit_db)(size_t, double, double, const double *, const double *);
  double (*expfit_grad)(size_t, double, double, const double *, const double *, double *);
  double (*ljn)(size_t, const double *);
  double (*ljn_grad)(size_t, const double *, double *);
  double (*layer)(size_t, size_t, const double *, const double *, const double *, const double *);
  double (*layer_grad)(size_t, size_t, const double *, const double *, const double *, const double *, double *);
  void (*fit_hess_hess)(size_t, double, double, const double *, const double *, double *);
  double (*quad)(const double *, double);
  double (*quad_grad)(const double *, double, double *);
} Aot;

#define DECLARE_AOT(P)                                                                                                 \
  double P##rosen_nd(size_t, const double *);                                                                         \
  double P##rosen_nd_grad(size_t, const double *, double *);                                                          \
  double P##expfit(size_t, double, double, const double *, const double *);                                          \
  double P##expfit_da(size_t, double, double, const double *, const double *);                                       \
  double P##expfit_db(size_t, double, double, const double *, const double *);                                       \
  double P##expfit_grad(size_t, double, double, const double *, const double *, double *);                           \
  double P##ljn(size_t, const double *);                                                                              \
  double P##ljn_grad(size_t, const double *, double *);                                                               \
  double P##layer(size_t, size_t, const double *, const double *, const double *, const double *);                    \
  double P##layer_grad(size_t, size_t, const double *, const double *, const double *, const double *, double *);     \
  void P##fit_hess_hess(size_t, double, double, const double *, const double *, double *);                            \
  double P##quad(const double *, double);                                                                             \
  double P##quad_grad(const double *, double, double *);                                                              \
  static const Aot P##aot = {P##rosen_nd, P##rosen_nd_grad, P##expfit,        P##expfit_da,    P##expfit_db,         \
                             P##expfit_grad, P##ljn,        P##ljn_grad,       P##layer,        P##layer_grad,       \
                             P##fit_hess_hess, P##quad,     P##quad_grad};
DECLARE_AOT(h_)
DECLARE_AOT(vg_)

/* pd_symbol(m, prefix + name), which must exist. */
static rt_fn jit_symbol(pd_module *m, const char *prefix, const char *name) {
  char sym[64];
  snprintf(sym, sizeof sym, "%s%s", prefix, name);
  rt_fn f = rt_fnptr(pd_symbol(m, sym));
  if (!f) fprintf(stderr, "  no symbol %s\n", sym);
  CHECK(f != NULL);
  return f;
}

/* The JIT's symbols of the module, converted to the field's type (a
 * function pointer converts to any other, as dlsym's results do). */
static Aot jit_symbols(pd_module *m, const char *prefix) {
  Aot a;
#define LOOKUP(field)                                                                                                  \
  do {                                                                                                                 \
    rt_fn f_ = jit_symbol(m, prefix, #field);                                                                          \
    memcpy(&a.field, &f_, sizeof f_);                                                                                  \
  } while (0)
  LOOKUP(rosen_nd);
  LOOKUP(rosen_nd_grad);
  LOOKUP(expfit);
  LOOKUP(expfit_da);
  LOOKUP(expfit_db);
  LOOKUP(expfit_grad);
  LOOKUP(ljn);
  LOOKUP(ljn_grad);
  LOOKUP(layer);
  LOOKUP(layer_grad);
  LOOKUP(fit_hess_hess);
  LOOKUP(quad);
  LOOKUP(quad_grad);
#undef LOOKUP
  return a;
}

/* ---- hand-written C of the same formulas ------------------------------------ */

static double ref_rosen(size_t n, const double *x, double *g) {
  double f = 0;
  for (size_t i = 0; i < n; i++) g[i] = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    double d = x[i + 1] - x[i] * x[i];
    f += 100 * d * d + (1 - x[i]) * (1 - x[i]);
    g[i + 1] += 200 * d;
    g[i] += -400 * d * x[i] - 2 * (1 - x[i]);
  }
  return f;
}

static double ref_expfit(size_t m, double a, double b, const double *t, const double *y, double *g) {
  double f = 0;
  g[0] = g[1] = 0;
  for (size_t k = 0; k < m; k++) {
    double e = exp(-b * t[k]), r = y[k] - a * e;
    f += r * r;
    g[0] += -2 * r * e;
    g[1] += 2 * a * r * t[k] * e;
  }
  return f;
}

static double ref_ljn(size_t n, const double *pos, double *g) {
  double f = 0;
  for (size_t i = 0; i < 3 * n; i++) g[i] = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      double d[3], r2 = 0;
      for (int c = 0; c < 3; c++) {
        d[c] = pos[3 * i + c] - pos[3 * j + c];
        r2 += d[c] * d[c];
      }
      double s6 = 1 / (r2 * r2 * r2);
      f += 4 * (s6 * s6 - s6);
      double dr2 = 4 * (-6 * s6 * s6 + 3 * s6) / r2; /* d/d(r2) */
      for (int c = 0; c < 3; c++) {
        g[3 * i + c] += 2 * d[c] * dr2;
        g[3 * j + c] -= 2 * d[c] * dr2;
      }
    }
  return f;
}

static double ref_layer(size_t n, size_t m, const double *x, const double *W, const double *b, const double *v,
                        double *g) {
  double f = 0;
  for (size_t j = 0; j < m; j++) {
    double s = b[j];
    for (size_t i = 0; i < n; i++) s += W[j * n + i] * x[i];
    double h = tanh(s), dh = v[j] * (1 - h * h);
    f += v[j] * h;
    for (size_t i = 0; i < n; i++) g[j * n + i] = dh * x[i];
    g[m * n + j] = dh;
    g[m * n + m + j] = h;
  }
  return f;
}

/* ---- comparing -------------------------------------------------------------- */

enum { SENTINELS = 2 };
static const double SENTINEL = -12345.678;

/* A gradient buffer of n entries followed by sentinels the functions must
 * not touch; NULL when n is 0 (the documented minimum). */
static double *grad_buffer(size_t n) {
  if (n == 0) return NULL;
  double *g = malloc(sizeof(double) * (n + SENTINELS));
  for (size_t i = 0; i < n + SENTINELS; i++) g[i] = SENTINEL;
  return g;
}

static int sentinels_intact(const double *g, size_t n) {
  for (size_t i = n; g && i < n + SENTINELS; i++)
    if (!rt_same_bits(g[i], SENTINEL)) return 0;
  return 1;
}

static int same_array(const double *a, const double *b, size_t n) {
  return n == 0 || memcmp(a, b, sizeof(double) * n) == 0;
}

/* |a - b| small against the larger of 1 and |b|. */
static int near(double a, double b) { return fabs(a - b) <= 1e-10 * fmax(1, fabs(b)); }

static int near_array(const double *a, const double *b, size_t n) {
  double scale = 1;
  for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(b[i]));
  for (size_t i = 0; i < n; i++)
    if (!(fabs(a[i] - b[i]) <= 1e-10 * scale)) return 0;
  return 1;
}

/* What one function computes at one size, three ways (and the reference):
 * the object's, the JIT symbol's and the sized form's values and
 * gradients, which must agree to the bit, nothing written past the end. */
typedef struct Results {
  double f_aot, f_jit, f_sized, f_ref, fg_aot, fg_jit, fg_sized;
  double *g_aot, *g_jit, *g_sized, *g_ref;
  size_t ng;
} Results;

static void results_init(Results *r, size_t ng) {
  *r = (Results){0};
  r->ng = ng;
  r->g_aot = grad_buffer(ng);
  r->g_jit = grad_buffer(ng);
  r->g_sized = grad_buffer(ng);
  r->g_ref = calloc(ng + 1, sizeof(double));
}

/* Checks r and frees it; what names the function and size in messages. */
static void results_check(Results *r, const char *what) {
  int same = rt_same_bits(r->f_aot, r->f_jit) && rt_same_bits(r->f_aot, r->f_sized) &&
             rt_same_bits(r->fg_aot, r->fg_jit) && rt_same_bits(r->fg_aot, r->fg_sized) &&
             same_array(r->g_aot, r->g_jit, r->ng) && same_array(r->g_aot, r->g_sized, r->ng);
  int intact = sentinels_intact(r->g_aot, r->ng) && sentinels_intact(r->g_jit, r->ng) &&
               sentinels_intact(r->g_sized, r->ng);
  int agree = near(r->f_jit, r->f_ref) && near(r->fg_jit, r->f_ref) && near_array(r->g_jit, r->g_ref, r->ng);
  if (!same || !intact || !agree)
    fprintf(stderr, "  %s: %s%s%s(f: object %.17g, JIT %.17g, sized %.17g, C %.17g)\n", what,
            same ? "" : "JIT and object differ; ", intact ? "" : "written past the gradient; ",
            agree ? "" : "not the hand-written C's; ", r->f_aot, r->f_jit, r->f_sized, r->f_ref);
  CHECK(same);
  CHECK(intact);
  CHECK(agree);
  free(r->g_aot);
  free(r->g_jit);
  free(r->g_sized);
  free(r->g_ref);
}

/* n uniform values in [lo, hi), or NULL for none. */
static double *random_array(size_t n, uint64_t *rng, double lo, double hi) {
  if (n == 0) return NULL;
  double *a = malloc(sizeof(double) * n);
  for (size_t i = 0; i < n; i++) a[i] = rt_uniform(rng, lo, hi);
  return a;
}

/* ---- the functions at one size ---------------------------------------------- */

typedef struct Ctx {
  pd_module *m;
  Aot aot, jit;
  uint64_t rng;
} Ctx;

/* Runs pd_gradcheck_sized on x (one point) and expects agreement. */
static void gradcheck_ok(Ctx *c, const char *fn, const size_t *sizes, const double *x, const pd_gradcheck_options *o,
                         const char *what) {
  const pd_function *f = pd_function_find(c->m, fn);
  size_t ng = pd_function_grad_length(f, sizes);
  double *err = calloc(ng + 1, sizeof(double)), worst = 0;
  int failed = pd_gradcheck_sized(c->m, fn, sizes, x, 1, o, err);
  for (size_t i = 0; i < ng; i++) worst = fmax(worst, err[i]);
  if (failed != 0) fprintf(stderr, "  %s: pd_gradcheck_sized gives %d, worst error %.1e\n", what, failed, worst);
  CHECK(failed == 0);
  free(err);
}

static void check_rosen(Ctx *c, size_t n) {
  const pd_function *f = pd_function_find(c->m, "rosen_nd");
  double *x = random_array(n, &c->rng, -1.5, 1.5);
  Results r;
  results_init(&r, n);
  const double *args[1] = {x};
  r.f_aot = c->aot.rosen_nd(n, x);
  r.fg_aot = c->aot.rosen_nd_grad(n, x, r.g_aot);
  r.f_jit = c->jit.rosen_nd(n, x);
  r.fg_jit = c->jit.rosen_nd_grad(n, x, r.g_jit);
  r.f_sized = f->sized_value(&n, args);
  r.fg_sized = f->sized_grad(&n, args, r.g_sized);
  r.f_ref = ref_rosen(n, x, r.g_ref);
  char what[64];
  snprintf(what, sizeof what, "rosen_nd at n = %zu", n);
  results_check(&r, what);
  gradcheck_ok(c, "rosen_nd", &n, x, NULL, what);
  /* the minimum is 0 at (1, ..., 1), whatever n */
  for (size_t i = 0; i < n; i++) x[i] = 1;
  CHECK(c->jit.rosen_nd(n, x) == 0);
  free(x);
}

/* expfit's point: a, b, then t and y (the layout pd_gradcheck_sized reads). */
static void check_expfit(Ctx *c, size_t m) {
  const pd_function *f = pd_function_find(c->m, "expfit");
  double *x = malloc(sizeof(double) * (2 + 2 * m)), a = 2.5, b = 0.7;
  x[0] = a;
  x[1] = b;
  for (size_t k = 0; k < m; k++) {
    x[2 + k] = 0.1 * (double)k;                                               /* t */
    x[2 + m + k] = 3 * exp(-0.5 * x[2 + k]) + rt_uniform(&c->rng, -0.1, 0.1); /* y */
  }
  const double *t = m ? x + 2 : NULL, *y = m ? x + 2 + m : NULL;
  Results r;
  results_init(&r, 2);
  const double *args[4] = {&x[0], &x[1], t, y};
  r.f_aot = c->aot.expfit(m, a, b, t, y);
  r.fg_aot = c->aot.expfit_grad(m, a, b, t, y, r.g_aot);
  r.f_jit = c->jit.expfit(m, a, b, t, y);
  r.fg_jit = c->jit.expfit_grad(m, a, b, t, y, r.g_jit);
  r.f_sized = f->sized_value(&m, args);
  r.fg_sized = f->sized_grad(&m, args, r.g_sized);
  r.f_ref = ref_expfit(m, a, b, t, y, r.g_ref);
  /* the partials, three ways */
  CHECK(rt_same_bits(c->aot.expfit_da(m, a, b, t, y), r.g_aot[0]));
  CHECK(rt_same_bits(c->jit.expfit_da(m, a, b, t, y), r.g_aot[0]));
  CHECK(rt_same_bits(f->sized_partials[0](&m, args), r.g_aot[0]));
  CHECK(rt_same_bits(f->sized_partials[1](&m, args), c->aot.expfit_db(m, a, b, t, y)));
  char what[64];
  snprintf(what, sizeof what, "expfit at m = %zu", m);
  results_check(&r, what);
  gradcheck_ok(c, "expfit", &m, x, NULL, what);
  /* data fitted exactly: the value is 0, but for rounding (y - a*e may be
   * one fused operation, which leaves a*e's rounding error) */
  for (size_t k = 0; k < m; k++) x[2 + m + k] = a * exp(-b * x[2 + k]);
  CHECK(c->jit.expfit(m, a, b, t, y) < 1e-28);
  free(x);
}

/* Atoms near a simple cubic lattice of spacing 1.1 (close to the pair
 * potential's minimum at 2^(1/6)), so that no two are close together. */
static double *lattice(size_t n, uint64_t *rng) {
  double *pos = random_array(3 * n, rng, -0.05, 0.05);
  for (size_t i = 0; i < n; i++) {
    pos[3 * i] += 1.1 * (double)(i % 5);
    pos[3 * i + 1] += 1.1 * (double)(i / 5 % 5);
    pos[3 * i + 2] += 1.1 * (double)(i / 25);
  }
  return pos;
}

static void check_ljn(Ctx *c, size_t n) {
  const pd_function *f = pd_function_find(c->m, "ljn");
  double *pos = lattice(n, &c->rng);
  Results r;
  results_init(&r, 3 * n);
  const double *args[1] = {pos};
  r.f_aot = c->aot.ljn(n, pos);
  r.fg_aot = c->aot.ljn_grad(n, pos, r.g_aot);
  r.f_jit = c->jit.ljn(n, pos);
  r.fg_jit = c->jit.ljn_grad(n, pos, r.g_jit);
  r.f_sized = f->sized_value(&n, args);
  r.fg_sized = f->sized_grad(&n, args, r.g_sized);
  r.f_ref = ref_ljn(n, pos, r.g_ref);
  char what[64];
  snprintf(what, sizeof what, "ljn at n = %zu", n);
  results_check(&r, what);
  /* The pair potential's fifth derivative is large at r ~ 1 (about 1e6), and
   * the difference's truncation error is h^4 times it: a smaller step. */
  pd_gradcheck_options fine = {1e-4, 0};
  if (!rt_quick_mode || n <= 5) gradcheck_ok(c, "ljn", &n, pos, &fine, what);
  /* a pair at the minimum, r = 2^(1/6): energy -1 */
  double pair[6] = {0, 0, 0, pow(2, 1.0 / 6), 0, 0};
  if (n == 2) CHECK(fabs(c->jit.ljn(2, pair) + 1) < 1e-14);
  free(pos);
}

/* layer's point: x, W (m x n), b, v. */
static void check_layer(Ctx *c, size_t n, size_t m) {
  const pd_function *f = pd_function_find(c->m, "layer");
  size_t sizes[2] = {n, m}, len = n + m * n + 2 * m; /* sizes in the C order: n, m */
  CHECK(pd_function_input_length(f, sizes) == len);
  double *x = random_array(len, &c->rng, -1, 1);
  const double *xs = n ? x : NULL, *W = m * n > 0 ? x + n : NULL, *b = m ? x + n + m * n : NULL,
               *v = m ? x + n + m * n + m : NULL;
  Results r;
  results_init(&r, m * n + 2 * m);
  const double *args[4] = {xs, W, b, v};
  r.f_aot = c->aot.layer(n, m, xs, W, b, v);
  r.fg_aot = c->aot.layer_grad(n, m, xs, W, b, v, r.g_aot);
  r.f_jit = c->jit.layer(n, m, xs, W, b, v);
  r.fg_jit = c->jit.layer_grad(n, m, xs, W, b, v, r.g_jit);
  r.f_sized = f->sized_value(sizes, args);
  r.fg_sized = f->sized_grad(sizes, args, r.g_sized);
  r.f_ref = ref_layer(n, m, xs, W, b, v, r.g_ref);
  char what[64];
  snprintf(what, sizeof what, "layer at n = %zu, m = %zu", n, m);
  results_check(&r, what);
  gradcheck_ok(c, "layer", sizes, x, NULL, what);
  free(x);
}

/* The Hessian over a and b, next to the data: object, symbol and sized
 * form agree, and it is symmetric. */
static void check_hessian(Ctx *c, size_t m) {
  const pd_function *f = pd_function_find(c->m, "fit_hess");
  double *t = random_array(m, &c->rng, 0, 2), *y = random_array(m, &c->rng, 0, 3), a = 1.5, b = 0.3;
  double H_aot[4 + SENTINELS], H_jit[4 + SENTINELS], H_sized[4 + SENTINELS];
  for (int i = 0; i < 4 + SENTINELS; i++) H_aot[i] = H_jit[i] = H_sized[i] = SENTINEL;
  const double *args[4] = {&a, &b, t, y};
  c->aot.fit_hess_hess(m, a, b, t, y, H_aot);
  c->jit.fit_hess_hess(m, a, b, t, y, H_jit);
  f->sized_hess(&m, args, H_sized);
  CHECK(memcmp(H_aot, H_jit, sizeof H_aot) == 0 && memcmp(H_aot, H_sized, sizeof H_aot) == 0);
  CHECK(H_aot[1] == H_aot[2]);
  CHECK(m > 0 || (H_aot[0] == 0 && H_aot[3] == 0));
  free(t);
  free(y);
}

/* A fixed extent: no sizes, and pd_gradcheck takes the packed point. */
static void check_quad(Ctx *c) {
  const pd_function *f = pd_function_find(c->m, "quad");
  double p[3] = {0.5, -2, 1.5}, s = 0.75, g_aot[4 + SENTINELS], g_jit[4 + SENTINELS], g_sized[4 + SENTINELS];
  for (int i = 0; i < 4 + SENTINELS; i++) g_aot[i] = g_jit[i] = g_sized[i] = SENTINEL;
  const double *args[2] = {p, &s};
  double v = c->aot.quad_grad(p, s, g_aot);
  CHECK(rt_same_bits(v, c->jit.quad_grad(p, s, g_jit)) && rt_same_bits(v, f->sized_grad(NULL, args, g_sized)));
  CHECK(memcmp(g_aot, g_jit, sizeof g_aot) == 0 && memcmp(g_aot, g_sized, sizeof g_aot) == 0);
  CHECK(rt_same_bits(v, c->aot.quad(p, s)) && rt_same_bits(v, f->sized_value(NULL, args)));
  /* wrt s, p: ds first, then p's three entries */
  CHECK(near(g_jit[0], p[0] * p[1] + p[2] * p[2] + 3 * s * s) && near(g_jit[1], s * p[1]) &&
        near(g_jit[2], s * p[0]) && near(g_jit[3], 2 * s * p[2]));
  double point[4] = {0.5, -2, 1.5, 0.75}, err[4];
  CHECK(pd_gradcheck(c->m, "quad", point, 1, NULL, err) == 0);
  CHECK(err[0] < 1e-9 && err[3] < 1e-9);
}

/* ---- the description --------------------------------------------------------- */

static int extent_is(const pd_extent *e, int size, size_t fixed) { return e->size == size && e->fixed == fixed; }

static void check_description(pd_module *m, const char *prefix) {
  const pd_function *r = pd_function_find(m, "rosen_nd"), *e = pd_function_find(m, "expfit"),
                    *l = pd_function_find(m, "ljn"), *y = pd_function_find(m, "layer"),
                    *q = pd_function_find(m, "quad"), *h = pd_function_find(m, "fit_hess");
  CHECK(r && e && l && y && q && h);
  if (!r || !e || !l || !y || !q || !h) return;
  char sym[64];
  /* rosen_nd(x[n]): one size, a 1-D array, the gradient only in f_grad */
  CHECK(r->has_arrays && r->nsizes == 1 && strcmp(r->sizes[0], "n") == 0);
  CHECK(r->nparams == 1 && r->ndims[0] == 1 && extent_is(&r->extents[0], 0, 0));
  CHECK(r->nwrt == 1 && r->wrt[0] == 0 && r->partial_symbols[0] == NULL);
  CHECK(r->partials[0] == NULL && r->sized_partials[0] == NULL);
  CHECK(r->value == NULL && r->grad == NULL && r->hess == NULL && r->sized_hess == NULL);
  CHECK(r->sized_value && r->sized_grad);
  snprintf(sym, sizeof sym, "%srosen_nd_dx", prefix);
  CHECK(pd_symbol(m, sym) == NULL);
  snprintf(sym, sizeof sym, "%srosen_nd_grad", prefix);
  CHECK_STR(r->grad_symbol, sym);
  CHECK(pd_symbol(m, "__pds_rosen_nd") == NULL); /* wrappers are not symbols */
  size_t n7 = 7, huge[2] = {SIZE_MAX / 2, 3};
  CHECK(pd_function_param_length(r, 0, &n7) == 7 && pd_function_grad_length(r, &n7) == 7);
  CHECK(pd_function_input_length(r, &n7) == 7);
  /* expfit(a, b, t[m], y[m]) wrt a, b: scalars keep their partials */
  CHECK(e->nsizes == 1 && strcmp(e->sizes[0], "m") == 0 && e->nparams == 4);
  CHECK(e->ndims[0] == 0 && e->ndims[1] == 0 && e->ndims[2] == 1 && e->ndims[3] == 1);
  CHECK(extent_is(&e->extents[2 * 2], 0, 0) && extent_is(&e->extents[2 * 3], 0, 0));
  CHECK(extent_is(&e->extents[0], -1, 1) && extent_is(&e->extents[1], -1, 1)); /* a scalar: 1 x 1 */
  snprintf(sym, sizeof sym, "%sexpfit_db", prefix);
  CHECK(e->nwrt == 2 && e->partial_symbols[1] && strcmp(e->partial_symbols[1], sym) == 0);
  CHECK(pd_function_grad_length(e, &n7) == 2 && pd_function_input_length(e, &n7) == 16);
  CHECK(pd_function_param_length(e, 0, &n7) == 1);
  /* ljn(pos[n, 3]): 2-D, a size and a fixed extent */
  CHECK(l->ndims[0] == 2 && extent_is(&l->extents[0], 0, 0) && extent_is(&l->extents[1], -1, 3));
  CHECK(pd_function_grad_length(l, &n7) == 21);
  CHECK(pd_function_grad_length(l, huge) == SIZE_MAX); /* 3 * (SIZE_MAX / 2) overflows */
  /* layer(x[n], W[m, n], b[m], v[m]) wrt W, b, v: sizes in order of first appearance */
  CHECK(y->nsizes == 2 && strcmp(y->sizes[0], "n") == 0 && strcmp(y->sizes[1], "m") == 0);
  CHECK(y->ndims[1] == 2 && extent_is(&y->extents[2], 1, 0) && extent_is(&y->extents[3], 0, 0));
  size_t nm[2] = {4, 3};
  CHECK(pd_function_grad_length(y, nm) == 4 * 3 + 3 + 3 && pd_function_input_length(y, nm) == 4 + 12 + 3 + 3);
  CHECK(y->wrt[0] == 1 && y->partial_symbols[0] == NULL && y->partial_symbols[2] == NULL);
  /* fit_hess: a Hessian over the scalars, next to data arrays */
  CHECK(h->hessian && h->hess_symbol && h->hess == NULL && h->sized_hess != NULL);
  /* quad(p[3], s) wrt s, p: no sizes; a fixed extent */
  CHECK(q->has_arrays && q->nsizes == 0 && extent_is(&q->extents[0], -1, 3));
  CHECK(q->partial_symbols[0] != NULL && q->partial_symbols[1] == NULL && q->sized_partials[0] != NULL);
  CHECK(pd_function_grad_length(q, NULL) == 4 && pd_function_input_length(q, NULL) == 4);
  /* misuse of the length functions */
  CHECK(pd_function_param_length(NULL, 0, &n7) == SIZE_MAX);
  CHECK(pd_function_param_length(r, 1, &n7) == SIZE_MAX && pd_function_param_length(r, -1, &n7) == SIZE_MAX);
  CHECK(pd_function_param_length(r, 0, NULL) == SIZE_MAX); /* n is needed */
  CHECK(pd_function_grad_length(r, NULL) == SIZE_MAX && pd_function_input_length(NULL, &n7) == SIZE_MAX);
}

/* ---- wrong gradients, misuse ------------------------------------------------- */

/* rosen_nd's gradient by hand, as a sized form, with the boundary term of
 * the last entry forgotten when `buggy`. */
static int rosen_buggy;
static double hand_rosen_grad(const size_t *sizes, const double *const *args, double *g) {
  double f = ref_rosen(sizes[0], args[0], g);
  if (rosen_buggy && sizes[0] >= 2) g[sizes[0] - 1] = 0;
  return f;
}

static void test_wrong_gradient(pd_module *m) {
  const pd_function *f = pd_function_find(m, "rosen_nd");
  size_t n = 6;
  double x[6] = {0.5, -0.3, 1.2, 0.8, -1.1, 0.4}, err[6];
  rosen_buggy = 0;
  CHECK(pd_gradcheck_sized_forms(f, f->sized_value, hand_rosen_grad, &n, x, 1, NULL, err) == 0);
  CHECK(pd_gradcheck_sized_forms(f, NULL, hand_rosen_grad, &n, x, 1, NULL, err) == 0); /* f from f_grad */
  rosen_buggy = 1;
  CHECK(pd_gradcheck_sized_forms(f, f->sized_value, hand_rosen_grad, &n, x, 1, NULL, err) == 1);
  printf("hand-written rosen_nd gradient, last entry missing: rel err %.1e (entry 5), %.1e (entry 4)\n", err[5],
         err[4]);
  CHECK(err[5] == 1 && err[4] < 1e-9);
}

static void test_misuse(pd_module *m) {
  const pd_function *r = pd_function_find(m, "rosen_nd"), *y = pd_function_find(m, "layer");
  size_t n = 3, huge[2] = {SIZE_MAX / 2, SIZE_MAX / 2}, zero = 0;
  double x[3] = {1, 2, 3}, err[3];
  CHECK(pd_gradcheck(m, "rosen_nd", x, 1, NULL, err) == -1);              /* a size is needed */
  CHECK(pd_gradcheck_sized(m, "rosen_nd", NULL, x, 1, NULL, err) == -1);  /* likewise */
  CHECK(pd_gradcheck_sized(m, "rosen_nd", &n, NULL, 1, NULL, err) == -1); /* no point */
  CHECK(pd_gradcheck_sized(m, "rosen_nd", &n, x, 0, NULL, err) == -1);
  CHECK(pd_gradcheck_sized(m, "nothing", &n, x, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_sized(NULL, "rosen_nd", &n, x, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_sized(m, "layer", huge, x, 1, NULL, err) == -1); /* lengths overflow */
  CHECK(pd_gradcheck_sized(m, "rosen_nd", &zero, NULL, 1, NULL, NULL) == 0); /* n = 0: an empty point */
  CHECK(pd_gradcheck_sized_forms(NULL, NULL, r->sized_grad, &n, x, 1, NULL, err) == -1);
  CHECK(pd_gradcheck_sized_forms(r, r->sized_value, NULL, &n, x, 1, NULL, err) == -1);
  /* the array forms of scalars do not exist for arrays: the checkers say -1 */
  CHECK(pd_gradcheck_array(r->value, r->grad, r->nparams, r->wrt, r->nwrt, x, 1, NULL, err) == -1);
  CHECK(y->grad == NULL);
}

/* What the language does not allow with arrays is a diagnostic here too. */
static void test_diagnostics(void) {
  static const struct {
    const char *src, *want;
  } cases[] = {
      {"fn f(x[n]) hessian = sum(i = 0..n-1) x[i]^2\n", "'hessian' is not supported with respect to an array"},
      {"fn g(x[n]) = sum(i = 0..n-1) x[i]\nfn f(y[n]) = g(y)\n", "error:"},
      {"fn f(x[n]) = sum(i = 0..n-1) x[i+1]\n", "index i + 1 of 'x' is out of range"},
      {"fn f(x[n], n) = x[0]\n", "error:"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *diag = NULL;
    pd_module *m = rt_compile(cases[i].src, &diag);
    CHECK(m == NULL && diag && strstr(diag, cases[i].want) && strchr(diag, '^'));
    if (m || !diag || !strstr(diag, cases[i].want)) fprintf(stderr, "  %s  gives: %s", cases[i].src, diag);
    free(diag);
    pd_module_free(m);
  }
}

/* ---- main ---------------------------------------------------------------------- */

static void run_sizes(Ctx *c) {
  static const size_t sizes[] = {0, 1, 2, 5, 100};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    check_rosen(c, n);
    check_expfit(c, n);
    check_ljn(c, n);
    check_hessian(c, n);
    check_layer(c, n, n < 5 ? n : n == 5 ? 4 : 3);
  }
  check_layer(c, 0, 4); /* one size 0, the other not */
  check_layer(c, 4, 0);
  check_quad(c);
}

int main(int argc, char **argv) {
  rt_init(argc, argv);
  if (argc < 2) {
    fprintf(stderr, "usage: test_jit_arrays <arrays.pd> [--cpu=NAME] [--quick]\n");
    return 2;
  }
  /* the object compiled for the CPU this run compiles for */
  int host = rt_cpu == NULL;
  const char *prefix = host ? "h_" : "vg_";
  pd_options o = rt_options();
  o.prefix = prefix;
  char *diag = NULL;
  pd_module *m = pd_compile_file(argv[1], &o, &diag);
  CHECK(m != NULL && diag == NULL);
  if (!m) {
    fputs(diag ? diag : "(no diagnostics)\n", stderr);
    free(diag);
    return unit_report();
  }
  Ctx c = {m, host ? h_aot : vg_aot, jit_symbols(m, prefix), 42};
  check_description(m, prefix);
  run_sizes(&c);
  test_wrong_gradient(m);
  test_misuse(m);
  RUN(test_diagnostics);
  pd_module_free(m);
  printf("JIT and object agree for arrays.pd at sizes 0, 1, 2, 5, 100 (%s)\n", host ? "host CPU" : rt_cpu);
  return unit_report();
}
