/* Relax a spring by gradient descent on its free end, using the energy and
 * gradient pdc generated for spring.pd: spring_grad returns the energy and
 * writes (dE/dx, dE/dy). The spring is anchored at the origin, so the end
 * moves along the ray it starts on until its length r is the rest length L. */
#include <math.h>
#include <stdio.h>

#include "spring.h" /* generated: pdc spring.pd --emit=obj,header -o spring.o */

int main(void) {
  const double k = 2.0, L = 1.5; /* stiffness, rest length */
  /* Step size: r - L halves at each step, since rate*k = 0.5. */
  const double rate = 0.25;
  double x = 3.0, y = 4.0, grad[2];
  printf("spring k = %g, rest length %g; start (%g, %g), r = %g\n", k, L, x, y,
         hypot(x, y));
  int step = 0;
  for (; step < 100; step++) {
    double e = spring_grad(x, y, k, L, grad);
    if (step < 4)
      printf("  step %d: (%.6f, %.6f)  energy %.6g\n", step, x, y, e);
    if (fabs(grad[0]) + fabs(grad[1]) < 1e-12) break;
    x -= rate * grad[0];
    y -= rate * grad[1];
  }
  double r = hypot(x, y);
  printf("after %d steps: (%.6f, %.6f), r = %.6f, energy %.3g\n", step, x, y, r,
         spring(x, y, k, L));
  if (fabs(r - L) > 1e-9) {
    printf("did not converge to the rest length\n");
    return 1;
  }
  printf("converged to the rest length\n");
  return 0;
}
