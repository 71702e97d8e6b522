/* Gradient descent with a backtracking line search on Rosenbrock's function,
 * using the value and gradient pdc generated: rosen_grad returns f and writes
 * (df/dx, df/dy) in one call. */
#include <math.h>
#include <stdio.h>

#include "rosenbrock.h" /* generated: pdc rosenbrock.pd --emit=obj,header */

int main(void) {
  double x = -1.2, y = 1.0, g[2];
  double f = rosen_grad(x, y, g);
  int it = 0;
  for (; it < 100000 && hypot(g[0], g[1]) > 1e-8; it++) {
    /* Armijo backtracking: halve the step until f decreases enough */
    double t = 1.0, gg = g[0] * g[0] + g[1] * g[1];
    double nx = x - t * g[0], ny = y - t * g[1];
    while (rosen(nx, ny) > f - 0.5 * t * gg && t > 1e-20) {
      t *= 0.5;
      nx = x - t * g[0];
      ny = y - t * g[1];
    }
    x = nx, y = ny;
    f = rosen_grad(x, y, g);
    if (it < 3 || it % 5000 == 0) printf("iter %5d: f = %.6e at (%.6f, %.6f)\n", it, f, x, y);
  }
  printf("minimum after %d iterations: f = %.3e at (%.6f, %.6f)\n", it, f, x, y);
  return fabs(x - 1) < 1e-6 && fabs(y - 1) < 1e-6 ? 0 : 1;
}
