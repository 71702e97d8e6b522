/* check.c — the hand-written references of bench/arrays_ref are right: at
 * sizes 0, 1, 2, 3, 17 and 1001, each gradient agrees with a 4th-order
 * central difference of its function (every component up to 64 of them,
 * then 64 spread over the array), f_grad returns f's bits, nothing is
 * written past the gradient (a sentinel), and size 0 takes NULL pointers.
 * Prints one line per function and size, and "0 failed" at the end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double rosen_nd(size_t n, const double *x);
double rosen_nd_grad(size_t n, const double *x, double *grad);
double expfit(size_t m, double a, double b, const double *t, const double *y);
double expfit_grad(size_t m, double a, double b, const double *t, const double *y, double *grad);
double ljn(size_t n, const double *pos);
double ljn_grad(size_t n, const double *pos, double *grad);

static int failures;
static unsigned long long rng = 88172645463325252ull;

static double uniform(double lo, double hi) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

/* Every problem is f over a flat array v of nv variables (the wrt ones). */
typedef struct Problem {
  const char *name;
  size_t n, nv;
  double *v;
  double (*f)(const struct Problem *);
  double (*grad)(const struct Problem *, double *);
  const double *t, *y; /* expfit's data */
} Problem;

static double f_rosen(const Problem *p) { return rosen_nd(p->n, p->v); }
static double g_rosen(const Problem *p, double *g) { return rosen_nd_grad(p->n, p->v, g); }
static double f_expfit(const Problem *p) { return expfit(p->n, p->v[0], p->v[1], p->t, p->y); }
static double g_expfit(const Problem *p, double *g) { return expfit_grad(p->n, p->v[0], p->v[1], p->t, p->y, g); }
static double f_ljn(const Problem *p) { return ljn(p->n, p->v); }
static double g_ljn(const Problem *p, double *g) { return ljn_grad(p->n, p->v, g); }

static double central_difference(Problem *p, size_t k) {
  double x = p->v[k], h = 1e-4, f[4]; /* the variables are of order 1, and LJ is steep */
  static const double steps[4] = {1, -1, 2, -2};
  for (int s = 0; s < 4; s++) {
    p->v[k] = x + steps[s] * h;
    f[s] = p->f(p);
  }
  p->v[k] = x;
  return (8.0 * (f[0] - f[1]) - (f[2] - f[3])) / (12.0 * h);
}

static void check(Problem *p) {
  double *g = p->nv ? malloc((p->nv + 1) * sizeof *g) : NULL;
  const double sentinel = 12345.5;
  if (g) g[p->nv] = sentinel;
  double f = p->f(p), fg = p->grad(p, g);
  int ok = f == fg && (!g || g[p->nv] == sentinel);
  double scale = 0, worst = 0;
  size_t stride = p->nv > 64 ? p->nv / 64 : 1;
  for (size_t k = 0; k < p->nv; k += stride) scale = fmax(scale, fabs(central_difference(p, k)));
  for (size_t k = 0; k < p->nv; k += stride) {
    double fd = central_difference(p, k);
    double err = fabs(g[k] - fd) / fmax(fmax(fabs(g[k]), fabs(fd)), 1e-3 * scale + 1e-300);
    worst = fmax(worst, err);
  }
  ok = ok && worst < 1e-6;
  printf("%-8s n = %-5zu f = %-14.8g worst relative error %.1e: %s\n", p->name, p->n, f, worst, ok ? "ok" : "FAIL");
  failures += !ok;
  free(g);
}

int main(void) {
  static const size_t sizes[] = {0, 1, 2, 3, 17, 1001};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    size_t n = sizes[s];
    double *x = n ? malloc(n * sizeof *x) : NULL, *t = n ? malloc(n * sizeof *t) : NULL;
    double *y = n ? malloc(n * sizeof *y) : NULL, *pos = n ? malloc(3 * n * sizeof *pos) : NULL;
    for (size_t i = 0; i < n; i++) x[i] = uniform(-1.5, 1.5);
    Problem rosen = {"rosen_nd", n, n, x, f_rosen, g_rosen, NULL, NULL};
    check(&rosen);
    double ab[2] = {2.0, 0.7};
    for (size_t k = 0; k < n; k++)
      t[k] = 4.0 * (double)k / (double)(n + 1), y[k] = 2.2 * exp(-0.6 * t[k]) + uniform(-0.05, 0.05);
    Problem fit = {"expfit", n, 2, ab, f_expfit, g_expfit, t, y};
    check(&fit);
    /* atoms on a cubic lattice of spacing 1.1, jiggled: no pair too close */
    size_t side = 1;
    while (side * side * side < n) side++;
    for (size_t i = 0; i < n; i++) {
      size_t c[3] = {i % side, i / side % side, i / (side * side)};
      for (int d = 0; d < 3; d++) pos[3 * i + (size_t)d] = 1.1 * (double)c[d] + uniform(-0.05, 0.05);
    }
    Problem lj = {"ljn", n, 3 * n, pos, f_ljn, g_ljn, NULL, NULL};
    check(&lj);
    free(x), free(t), free(y), free(pos);
  }
  printf("%d failed\n", failures);
  return failures != 0;
}
