/* arrays_main.c — the driver of bench/arrays: pdc's array functions
 * (bench/functions/arrays.pd) beside the hand-written C of bench/arrays_ref/.
 *
 * Linked with pdc's object (plain symbols: rosen_nd, rosen_nd_grad, ...) and
 * with the references compiled under renamed symbols (-Drosen_nd=ref_clang_rosen_nd
 * ...; ref_gcc_ for gcc's build). -DHAVE_REF_CLANG / -DHAVE_REF_GCC say which
 * reference builds are linked.
 *
 *   check FN SIZE...                 values and gradients of every implementation
 *                                    at each size, compared with pdc's
 *   time FN SIZE REPS MINSEC         seconds per call of f and f_grad, each
 *                                    implementation, median of REPS rounds
 *   count FN IMPL f|grad SIZE CALLS  CALLS calls, for callgrind --toggle-collect
 *
 * FN is rosen_nd, expfit or ljn; IMPL pdc, ref_clang or ref_gcc. Output is one
 * line per result, "key=value" words, read by bench/arrays. The inputs depend
 * only on FN and SIZE (see setup). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DECLARE(P)                                                                                   \
  double P##rosen_nd(size_t n, const double *x);                                                     \
  double P##rosen_nd_grad(size_t n, const double *x, double *grad);                                  \
  double P##expfit(size_t m, double a, double b, const double *t, const double *y);                  \
  double P##expfit_grad(size_t m, double a, double b, const double *t, const double *y, double *grad); \
  double P##ljn(size_t n, const double *pos);                                                        \
  double P##ljn_grad(size_t n, const double *pos, double *grad);

DECLARE()
#ifdef HAVE_REF_CLANG
DECLARE(ref_clang_)
#endif
#ifdef HAVE_REF_GCC
DECLARE(ref_gcc_)
#endif

typedef struct {
  const char *name;
  double (*rosen)(size_t, const double *);
  double (*rosen_g)(size_t, const double *, double *);
  double (*expfit)(size_t, double, double, const double *, const double *);
  double (*expfit_g)(size_t, double, double, const double *, const double *, double *);
  double (*ljn)(size_t, const double *);
  double (*ljn_g)(size_t, const double *, double *);
} Impl;

#define IMPL(label, P) {label, P##rosen_nd, P##rosen_nd_grad, P##expfit, P##expfit_grad, P##ljn, P##ljn_grad}

static const Impl IMPLS[] = {
    IMPL("pdc", ),
#ifdef HAVE_REF_CLANG
    IMPL("ref_clang", ref_clang_),
#endif
#ifdef HAVE_REF_GCC
    IMPL("ref_gcc", ref_gcc_),
#endif
};
#define NIMPL (sizeof IMPLS / sizeof IMPLS[0])

enum { ROSEN, EXPFIT, LJN };
static const char *const FN_NAMES[] = {"rosen_nd", "expfit", "ljn"};

/* expfit's data come from A0*exp(-B0*t) plus noise; it is evaluated at (A, B),
 * away from the fit, so that its gradient is not a sum of noise near zero. */
#define A0 2.5
#define B0 1.3
#define A 2.0
#define B 1.0

typedef struct {
  int fn;
  size_t n;      /* n of rosen_nd and ljn, m of expfit */
  double *x;     /* rosen_nd's x, ljn's pos (n x 3) */
  double *t, *y; /* expfit's data */
  size_t ngrad;  /* n, 2, 3n */
} Problem;

static uint64_t rng;

static double uniform(void) { /* in [-1, 1) */
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return -1.0 + 2.0 * (double)(rng >> 11) / 9007199254740992.0;
}

static double *alloc(size_t n) { /* NULL for 0: size 0 must work with NULL pointers */
  if (!n) return NULL;
  double *p = malloc(n * sizeof *p);
  if (!p) {
    fprintf(stderr, "out of memory (%zu doubles)\n", n);
    exit(2);
  }
  return p;
}

static void setup(Problem *p, int fn, size_t n) {
  memset(p, 0, sizeof *p);
  p->fn = fn;
  p->n = n;
  rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)(fn + 1) * 0x2545F4914F6CDD1Dull;
  if (fn == ROSEN) {
    /* near 1 (the minimum) with variation: 1 + 0.25 sin(0.37 i) + 0.1 u */
    p->x = alloc(n);
    for (size_t i = 0; i < n; i++) p->x[i] = 1.0 + 0.25 * sin(0.37 * (double)i) + 0.1 * uniform();
    p->ngrad = n;
  } else if (fn == EXPFIT) {
    /* t evenly over [0, 4], y = A0 exp(-B0 t) + noise of 0.05 */
    p->t = alloc(n), p->y = alloc(n);
    for (size_t k = 0; k < n; k++) {
      p->t[k] = n > 1 ? 4.0 * (double)k / (double)(n - 1) : 0.5;
      p->y[k] = A0 * exp(-B0 * p->t[k]) + 0.05 * uniform();
    }
    p->ngrad = 2;
  } else {
    /* a cubic lattice of spacing 1.1 (side: the smallest k with k^3 >= n), each
     * coordinate jittered by up to 0.05: every distance is at least 1.0 */
    size_t k = 1;
    while (k * k * k < n) k++;
    p->x = alloc(3 * n);
    for (size_t i = 0; i < n; i++) {
      size_t c[3] = {i % k, i / k % k, i / (k * k)};
      for (int d = 0; d < 3; d++) p->x[3 * i + d] = 1.1 * (double)c[d] + 0.05 * uniform();
    }
    p->ngrad = 3 * n;
  }
}

static void release(Problem *p) {
  free(p->x), free(p->t), free(p->y);
}

static double call_f(const Impl *im, const Problem *p) {
  switch (p->fn) {
  case ROSEN: return im->rosen(p->n, p->x);
  case EXPFIT: return im->expfit(p->n, A, B, p->t, p->y);
  default: return im->ljn(p->n, p->x);
  }
}

static double call_g(const Impl *im, const Problem *p, double *g) {
  switch (p->fn) {
  case ROSEN: return im->rosen_g(p->n, p->x, g);
  case EXPFIT: return im->expfit_g(p->n, A, B, p->t, p->y, g);
  default: return im->ljn_g(p->n, p->x, g);
  }
}

static int find_fn(const char *s) {
  for (int k = 0; k < 3; k++)
    if (!strcmp(s, FN_NAMES[k])) return k;
  fprintf(stderr, "unknown function %s (rosen_nd, expfit, ljn)\n", s);
  exit(2);
}

static const Impl *find_impl(const char *s) {
  for (size_t k = 0; k < NIMPL; k++)
    if (!strcmp(s, IMPLS[k].name)) return &IMPLS[k];
  fprintf(stderr, "implementation %s is not linked in\n", s);
  exit(2);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* |a - b| / max(|a|, |b|); a NaN (an entry never written) is infinitely far. */
static double rel(double a, double b) {
  if (a == b) return 0.0;
  if (isnan(a) || isnan(b)) return INFINITY;
  return fabs(a - b) / fmax(fabs(a), fabs(b));
}

/* The worst component of |a - b| / max(|a|, |b|, 1e-3 * the largest |b|): a
 * component that cancels to near zero is judged against the gradient's scale. */
static double rel_vec(const double *a, const double *b, size_t n) {
  double scale = 0.0, worst = 0.0;
  for (size_t k = 0; k < n; k++) scale = fmax(scale, fabs(b[k]));
  for (size_t k = 0; k < n; k++) {
    if (a[k] == b[k]) continue;
    if (isnan(a[k]) || isnan(b[k])) return INFINITY;
    double d = fabs(a[k] - b[k]) / fmax(fmax(fabs(a[k]), fabs(b[k])), 1e-3 * scale);
    worst = fmax(worst, d);
  }
  return worst;
}

#define SENTINEL 12345.5

/* f and f_grad of one implementation: the gradient buffer starts as NaN, with a
 * sentinel after it, so that an entry not written or a write past the end shows. */
typedef struct {
  double f, fg, *g;
  size_t unwritten;
  int overrun;
} Result;

static Result evaluate(const Impl *im, const Problem *p) {
  Result r;
  r.g = malloc((p->ngrad + 1) * sizeof *r.g);
  for (size_t k = 0; k < p->ngrad; k++) r.g[k] = NAN;
  r.g[p->ngrad] = SENTINEL;
  r.f = call_f(im, p);
  r.fg = call_g(im, p, p->ngrad ? r.g : NULL);
  r.unwritten = 0;
  for (size_t k = 0; k < p->ngrad; k++) r.unwritten += isnan(r.g[k]) != 0;
  r.overrun = r.g[p->ngrad] != SENTINEL;
  return r;
}

static int do_check(int fn, int argc, char **argv) {
  for (int a = 0; a < argc; a++) {
    Problem p;
    setup(&p, fn, (size_t)strtoull(argv[a], NULL, 10));
    Result base = evaluate(&IMPLS[0], &p);
    for (size_t k = 0; k < NIMPL; k++) {
      Result r = k ? evaluate(&IMPLS[k], &p) : base;
      double g0 = p.ngrad ? r.g[0] : 0.0;
      printf("check fn=%s size=%zu impl=%s f=%.17g fg=%.17g g0=%.17g f_vs_fg=%.3e unwritten=%zu overrun=%d",
             FN_NAMES[fn], p.n, IMPLS[k].name, r.f, r.fg, g0, rel(r.f, r.fg), r.unwritten, r.overrun);
      if (k)
        printf(" df=%.3e dfg=%.3e dg=%.3e", rel(base.f, r.f), rel(base.fg, r.fg), rel_vec(base.g, r.g, p.ngrad));
      printf("\n");
      if (k) free(r.g);
    }
    free(base.g);
    release(&p);
    fflush(stdout);
  }
  return 0;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static volatile double sink;

#define MAXREPS 1000
#define WARMUP 0.25 /* s: the first milliseconds of a process run vector code slower */

static double run_calls(const Impl *im, int grad, const Problem *p, double *g, long calls) {
  double t0 = now();
  if (grad)
    for (long c = 0; c < calls; c++) sink = call_g(im, p, g);
  else
    for (long c = 0; c < calls; c++) sink = call_f(im, p);
  return now() - t0;
}

/* Every implementation's f and f_grad: each warmed up, then calls[v] calls per
 * timing so that one timing takes at least MINSEC; REPS rounds, each timing
 * every variant once, the starting variant rotating (the variants share the
 * machine's slow and fast moments alike). Variant v is implementation v % NIMPL,
 * f or f_grad as v / NIMPL: the implementations of one function run next to each
 * other. Prints the median and the fastest. */
static int do_time(int fn, size_t n, int reps, double minsec) {
  Problem p;
  setup(&p, fn, n);
  double *g = alloc(p.ngrad);
  if (g) memset(g, 0, p.ngrad * sizeof *g);
  int nv = (int)(2 * NIMPL);
  long calls[2 * 16];
  static double secs[2 * 16][MAXREPS];
  double w0 = now();
  while (now() - w0 < WARMUP) run_calls(&IMPLS[0], 1, &p, g, 1);
  for (int v = 0; v < nv; v++) {
    const Impl *im = &IMPLS[v % NIMPL];
    int grad = v / (int)NIMPL;
    double t = 0.0;
    long c = 0;
    w0 = now();
    while (c < 3 || now() - w0 < 0.02) t += run_calls(im, grad, &p, g, 1), c++;
    double per = t / (double)c;
    calls[v] = per >= minsec ? 1 : (long)ceil(minsec / (per > 1e-9 ? per : 1e-9));
  }
  for (int r = 0; r < reps; r++)
    for (int k = 0; k < nv; k++) {
      int v = (k + r) % nv;
      secs[v][r] = run_calls(&IMPLS[v % NIMPL], v / (int)NIMPL, &p, g, calls[v]) / (double)calls[v];
    }
  for (int v = 0; v < nv; v++) {
    qsort(secs[v], (size_t)reps, sizeof secs[v][0], cmp);
    printf("time fn=%s size=%zu impl=%s which=%s median=%.6e min=%.6e calls=%ld reps=%d\n", FN_NAMES[fn], n,
           IMPLS[v % NIMPL].name, v / (int)NIMPL ? "grad" : "f", secs[v][reps / 2], secs[v][0], calls[v], reps);
  }
  free(g);
  release(&p);
  return 0;
}

static int do_count(int fn, const Impl *im, int grad, size_t n, long calls) {
  Problem p;
  setup(&p, fn, n);
  double *g = alloc(p.ngrad);
  run_calls(im, grad, &p, g, calls);
  free(g);
  release(&p);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "check")) return do_check(find_fn(argv[2]), argc - 3, argv + 3);
  if (argc == 6 && !strcmp(argv[1], "time")) {
    int reps = atoi(argv[4]);
    if (reps < 1 || reps > MAXREPS) reps = 1;
    return do_time(find_fn(argv[2]), (size_t)strtoull(argv[3], NULL, 10), reps, atof(argv[5]));
  }
  if (argc == 7 && !strcmp(argv[1], "count"))
    return do_count(find_fn(argv[2]), find_impl(argv[3]), !strcmp(argv[4], "grad"),
                    (size_t)strtoull(argv[5], NULL, 10), atol(argv[6]));
  fprintf(stderr,
          "usage: %s check FN SIZE... | time FN SIZE REPS MINSEC | count FN IMPL f|grad SIZE CALLS\n"
          "FN: rosen_nd, expfit, ljn\n",
          argv[0]);
  return 2;
}
