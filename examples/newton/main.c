/* Newton's method for a stationary point: solve H * step = -grad with the
 * 2x2 Hessian pdc generated (`hessian` in the .pd file), then step. Newton
 * converges in one step on a quadratic (booth) and quadratically near a
 * minimum of himmelblau. */
#include <math.h>
#include <stdio.h>

#include "newton.h" /* generated: pdc newton.pd --emit=obj,header */

typedef double (*grad_fn)(double, double, double *);
typedef void (*hess_fn)(double, double, double *);

static int newton(const char *name, grad_fn grad, hess_fn hess, double x, double y) {
  double g[2], H[4];
  for (int it = 0; it < 50; it++) {
    double f = grad(x, y, g);
    printf("%s iter %d: f = %.3e at (%.12f, %.12f)\n", name, it, f, x, y);
    if (hypot(g[0], g[1]) < 1e-12) return 0;
    hess(x, y, H);
    double det = H[0] * H[3] - H[1] * H[2];
    if (fabs(det) < 1e-300) return 1;
    x -= (H[3] * g[0] - H[1] * g[1]) / det;
    y -= (H[0] * g[1] - H[2] * g[0]) / det;
  }
  return 1;
}

int main(void) {
  int bad = newton("booth", booth_grad, booth_hess, 0, 0);
  bad |= newton("himmelblau", himmelblau_grad, himmelblau_hess, 4, 2.5);
  return bad;
}
