#include <stdio.h>
#include "seed.h"

int main(void) {
  double grad[2];
  double v = f_grad(2.0, 3.0, grad); /* value and both partials at (2, 3) */
  printf("f = %g, df/dx = %g, df/dy = %g\n", v, grad[0], grad[1]);
  return 0;
}
