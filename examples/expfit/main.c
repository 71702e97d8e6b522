/* Fit y = a*exp(-b*t) to 50 samples by minimising the sum of squared
 * residuals f(a, b) with BFGS, using the value and gradient pdc generated for
 * expfit.pd: expfit_grad returns f and writes (df/da, df/db) in one call, the
 * data arrays t and y passed with their length m. pdc gives the gradient of
 * the sum, not the residuals' Jacobian, so Gauss-Newton is out; BFGS needs
 * only f and its gradient and builds its own 2x2 curvature model. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "expfit.h" /* generated: pdc expfit.pd --emit=obj,header -o expfit.o */

#define M 50 /* samples */

/* The data: the model with a = 2.5, b = 1.3 on t in [0, 4], plus a small
 * deterministic wiggle standing in for noise, so the best fit is near but
 * not exactly (2.5, 1.3) and the misfit at the minimum is not zero. */
static void make_data(double t[M], double y[M]) {
  for (int k = 0; k < M; k++) {
    t[k] = 4.0 * k / (M - 1);
    y[k] = 2.5 * exp(-1.3 * t[k]) + 0.01 * sin(2.7 * k);
  }
}

/* p = -H g for the symmetric 2x2 inverse Hessian estimate H = {h00, h01, h11}. */
static void bfgs_direction(const double H[3], const double g[2], double p[2]) {
  p[0] = -(H[0] * g[0] + H[1] * g[1]);
  p[1] = -(H[1] * g[0] + H[2] * g[1]);
}

/* The BFGS update of the inverse Hessian from the step s and the change of
 * gradient y: H+ = (I - r s y')H(I - r y s') + r s s', r = 1/(s'y). Skipped
 * unless s'y > 0 (the backtracking search does not enforce it), which keeps H
 * positive definite and so p a descent direction. Returns whether it updated. */
static int bfgs_update(double H[3], const double s[2], const double y[2], int first) {
  double sy = s[0] * y[0] + s[1] * y[1];
  if (!(sy > 0.0)) return 0;
  if (first) { /* scale the identity to the curvature seen along s (Nocedal-Wright 6.20) */
    double yy = y[0] * y[0] + y[1] * y[1];
    H[0] = H[2] = sy / yy;
    H[1] = 0.0;
  }
  double r = 1.0 / sy;
  double Hy0 = H[0] * y[0] + H[1] * y[1], Hy1 = H[1] * y[0] + H[2] * y[1];
  double yHy = y[0] * Hy0 + y[1] * Hy1;
  double c = (1.0 + r * yHy) * r;
  H[0] += c * s[0] * s[0] - r * 2.0 * Hy0 * s[0];
  H[1] += c * s[0] * s[1] - r * (Hy0 * s[1] + Hy1 * s[0]);
  H[2] += c * s[1] * s[1] - r * 2.0 * Hy1 * s[1];
  return 1;
}

/* Backtracking (Armijo) along p from (a, b): halve the step until f has
 * dropped by at least 1e-4 of what the slope g.p promises. Written as
 * !(fn <= ...) so that a trial point where exp overflows (f = inf or NaN) is
 * rejected too. Returns the accepted step length, or 0 if none was found. */
static double line_search(const double t[M], const double y[M], double a, double b, double f, const double g[2],
                          const double p[2]) {
  double slope = g[0] * p[0] + g[1] * p[1];
  for (double alpha = 1.0; alpha > 1e-20; alpha *= 0.5) {
    double fn = expfit(M, a + alpha * p[0], b + alpha * p[1], t, y);
    if (fn <= f + 1e-4 * alpha * slope) return alpha;
  }
  return 0.0;
}

int main(void) {
  double t[M], y[M];
  make_data(t, y);
  double a = 1.0, b = 0.5, g[2], H[3] = {1.0, 0.0, 1.0};
  int updated = 0; /* has H been updated yet (and so scaled)? */
  double f = expfit_grad(M, a, b, t, y, g);
  printf("fitting y = a*exp(-b*t) to %d samples, t in [0, 4], from (a, b) = (%g, %g)\n", M, a, b);
  int it = 0;
  for (; it < 200 && hypot(g[0], g[1]) > 1e-9; it++) {
    if (it < 4 || it % 5 == 0) printf("iter %3d: a = %.6f, b = %.6f, f = %.6e\n", it, a, b, f);
    double p[2];
    bfgs_direction(H, g, p);
    double alpha = line_search(t, y, a, b, f, g, p);
    if (alpha == 0.0) break;
    double s[2] = {alpha * p[0], alpha * p[1]}, gold[2] = {g[0], g[1]};
    a += s[0], b += s[1];
    f = expfit_grad(M, a, b, t, y, g);
    double dg[2] = {g[0] - gold[0], g[1] - gold[1]};
    if (bfgs_update(H, s, dg, !updated)) updated = 1;
  }
  if (!(hypot(g[0], g[1]) <= 1e-9)) {
    printf("did not converge: |grad| = %.3e after %d iterations\n", hypot(g[0], g[1]), it);
    return 1;
  }
  printf("minimum after %d iterations: f = %.6e, rms residual %.6f\n", it, f, sqrt(f / M));
  printf("converged: a = %.6f, b = %.6f\n", a, b);
  return 0;
}
