/* L-BFGS on Rosenbrock's function in 100 dimensions, using the value and
 * gradient pdc generated for rosen_lbfgs.pd: rosen_nd_grad(n, x, grad)
 * returns f and writes all n partial derivatives in one call. L-BFGS keeps
 * the last M steps and gradient changes and applies the inverse Hessian
 * estimate they define with the two-loop recursion: O(M n) per iteration,
 * no n x n matrix. The line search finds a step satisfying the weak Wolfe
 * conditions, which guarantees s'y > 0, so every update keeps the estimate
 * positive definite. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "rosen_lbfgs.h" /* generated: pdc rosen_lbfgs.pd --emit=obj,header -o rosen_lbfgs.o */

#define N 100 /* dimensions */
#define M 7   /* L-BFGS memory: pairs (s, y) kept */

typedef struct {
  double s[M][N], y[M][N], rho[M]; /* ring buffer of the last pairs, rho = 1/(s'y) */
  int count, newest;               /* pairs held; slot of the newest */
} History;

static double dot(const double *a, const double *b) {
  double d = 0.0;
  for (int i = 0; i < N; i++) d += a[i] * b[i];
  return d;
}

static double norm(const double *a) { return sqrt(dot(a, a)); }

/* d = -H g by the two-loop recursion (Nocedal-Wright, algorithm 7.4), with
 * the initial H0 = gamma*I scaled to the newest pair's curvature,
 * gamma = s'y / y'y, so that a unit step is usually accepted. */
static void lbfgs_direction(const History *h, const double *g, double *d) {
  double alpha[M], q[N];
  for (int i = 0; i < N; i++) q[i] = g[i];
  for (int k = 0; k < h->count; k++) { /* newest to oldest */
    int j = (h->newest - k + M) % M;
    alpha[j] = h->rho[j] * dot(h->s[j], q);
    for (int i = 0; i < N; i++) q[i] -= alpha[j] * h->y[j][i];
  }
  double gamma = 1.0;
  if (h->count > 0) gamma = 1.0 / (h->rho[h->newest] * dot(h->y[h->newest], h->y[h->newest]));
  for (int i = 0; i < N; i++) q[i] *= gamma;
  for (int k = h->count - 1; k >= 0; k--) { /* oldest to newest */
    int j = (h->newest - k + M) % M;
    double beta = h->rho[j] * dot(h->y[j], q);
    for (int i = 0; i < N; i++) q[i] += (alpha[j] - beta) * h->s[j][i];
  }
  for (int i = 0; i < N; i++) d[i] = -q[i];
}

/* Remember the pair s = xn - x, y = gn - g in place of the oldest. A pair
 * with s'y <= 0 would make the estimate indefinite: the Wolfe search rules it
 * out, and this guards against rounding. */
static void lbfgs_remember(History *h, const double *x, const double *xn, const double *g, const double *gn) {
  double sy = 0.0;
  for (int i = 0; i < N; i++) sy += (xn[i] - x[i]) * (gn[i] - g[i]);
  if (!(sy > 0.0)) return;
  int j = (h->newest + 1) % M;
  for (int i = 0; i < N; i++) h->s[j][i] = xn[i] - x[i], h->y[j][i] = gn[i] - g[i];
  h->rho[j] = 1.0 / sy;
  h->newest = j;
  if (h->count < M) h->count++;
}

/* A weak Wolfe step along d from x (bisection and doubling, as in Lewis and
 * Overton): sufficient decrease, f(x + a d) <= f + c1 a g'd, and a slope
 * that has flattened, g(x + a d)'d >= c2 g'd. Too long a step (decrease
 * fails, or f is not finite) shrinks the bracket from above, too short a step
 * (slope still steep) from below. Writes the new point, its gradient and f;
 * returns 0 if no step was found. */
static int wolfe_search(const double *x, double f, const double *g, const double *d, double *xn, double *gn,
                        double *fn) {
  const double c1 = 1e-4, c2 = 0.9, slope = dot(g, d);
  double lo = 0.0, hi = INFINITY, a = 1.0;
  for (int tries = 0; tries < 100; tries++) {
    for (int i = 0; i < N; i++) xn[i] = x[i] + a * d[i];
    *fn = rosen_nd_grad(N, xn, gn);
    if (!(*fn <= f + c1 * a * slope)) hi = a;
    else if (dot(gn, d) < c2 * slope) lo = a;
    else return 1;
    a = isinf(hi) ? 2.0 * lo : 0.5 * (lo + hi);
  }
  return 0;
}

int main(void) {
  static History h; /* about 11 KB: static rather than on the stack */
  double x[N], g[N], xn[N], gn[N], d[N];
  for (int i = 0; i < N; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0; /* the classic start, repeated */
  double f = rosen_nd_grad(N, x, g);
  printf("L-BFGS (memory %d) on rosen_nd, n = %d, from (-1.2, 1, -1.2, 1, ...): f = %.6e\n", M, N, f);
  int it = 0;
  for (; it < 10000 && norm(g) >= 1e-8; it++) {
    if (it % 100 == 0) printf("iter %4d: f = %.4e, |grad| = %.2e\n", it, f, norm(g));
    lbfgs_direction(&h, g, d);
    double fn;
    if (!wolfe_search(x, f, g, d, xn, gn, &fn)) break;
    lbfgs_remember(&h, x, xn, g, gn);
    for (int i = 0; i < N; i++) x[i] = xn[i], g[i] = gn[i];
    f = fn;
  }
  /* The way down the 99 coupled valleys is sensitive to rounding: another
   * compiler, or FMA, changes the iteration count a little and the last,
   * tiny f and error entirely, not where the search ends. */
  double worst = 0.0;
  for (int i = 0; i < N; i++) worst = fmax(worst, fabs(x[i] - 1.0));
  if (!(norm(g) < 1e-8)) {
    printf("did not converge: |grad| = %.3e after %d iterations\n", norm(g), it);
    return 1;
  }
  if (!(worst < 1e-6)) { /* a stationary point, but not the minimum */
    printf("stopped away from (1, ..., 1): max |x_i - 1| = %.3e\n", worst);
    return 1;
  }
  printf("converged in %d iterations: f = %.1e, max |x_i - 1| = %.1e\n", it, f, worst);
  return 0;
}
