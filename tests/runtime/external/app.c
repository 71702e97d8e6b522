/* Links the code pdc_add_library generated from energy.pd. */
#include <stdio.h>

#include "energy.h"

int main(void) {
  double g[2];
  double e = energy_grad(3, 4, 2, 4, g);
  printf("energy = %g, grad = (%g, %g)\n", e, g[0], g[1]);
  return 0;
}
