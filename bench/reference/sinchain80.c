/* Hand-written reference for scaling.pd: eighty nested sines of x*y.
 * u0 = x*y, u(k) = sin(u(k-1)); d u80/d u0 = product of cos(u(k-1)).
 * One sincos per level on the way in, the cosines kept in an array and multiplied
 * afterwards (nothing has to survive a call in a register). */
#define _GNU_SOURCE
#include <math.h>

double sinchain80(double x, double y);
double sinchain80_grad(double x, double y, double *grad);

#define DEPTH 80

double sinchain80(double x, double y) {
  double u = x * y;
#pragma GCC unroll 100
  for (int k = 0; k < DEPTH; k++) u = sin(u);
  return u;
}

double sinchain80_grad(double x, double y, double *grad) {
  double u = x * y, c[DEPTH];
#pragma GCC unroll 100
  for (int k = 0; k < DEPTH; k++) sincos(u, &u, &c[k]);
  double d = c[0];
#pragma GCC unroll 100
  for (int k = 1; k < DEPTH; k++) d *= c[k];
  grad[0] = d * y;
  grad[1] = d * x;
  return u;
}
