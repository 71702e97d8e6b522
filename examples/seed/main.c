/* The seed example: the value and gradient of f(x, y) = x^2 - y^2 at (2, 3),
 * from the code pdc generated for seed.pd. Build with the Makefile next to
 * this file (make PDC=path/to/pdc), or as part of pdc's CMake build. */
#include <stdio.h>

#include "seed.h" /* generated: pdc seed.pd --emit=obj,header -o seed.o */

int main(void) {
  double g[2];
  double v = f_grad(2, 3, g); /* f(2, 3); g[0] = df/dx, g[1] = df/dy */
  printf("f(2, 3) = %g\n", v);
  printf("df/dx(2, 3) = %g\n", g[0]);
  printf("df/dy(2, 3) = %g\n", g[1]);
  return 0;
}
