/* Hand-written reference for suite.pd: Ackley's function in two dimensions,
 *   f = -20*exp(-0.2*r) - exp(0.5*(cos(2 pi x) + cos(2 pi y))) + e + 20,  r = sqrt(0.5*(x^2 + y^2)).
 * With e1 = exp(-0.2*r), e2 = exp(0.5*(cos(2 pi x) + cos(2 pi y))):
 *   df/dx = 2*x*e1/r + pi*e2*sin(2 pi x)   (and the same in y).
 * Each cosine and its sine come from one sincos call; e1/r is shared. */
#define _GNU_SOURCE
#include <math.h>

double ackley(double x, double y);
double ackley_grad(double x, double y, double *grad);

#define TWO_PI 6.283185307179586 /* 2*pi, exactly twice the double pi */

double ackley(double x, double y) {
  double r = sqrt(0.5 * (x * x + y * y));
  return -20.0 * exp(-0.2 * r) - exp(0.5 * (cos(TWO_PI * x) + cos(TWO_PI * y))) + (M_E + 20.0);
}

double ackley_grad(double x, double y, double *grad) {
  double r = sqrt(0.5 * (x * x + y * y));
  double e1 = exp(-0.2 * r);
  double sx, cx, sy, cy;
  sincos(TWO_PI * x, &sx, &cx);
  sincos(TWO_PI * y, &sy, &cy);
  double e2 = exp(0.5 * (cx + cy));
  double k = 2.0 * e1 / r;
  double m = M_PI * e2;
  grad[0] = k * x + m * sx;
  grad[1] = k * y + m * sy;
  return -20.0 * e1 - e2 + (M_E + 20.0);
}
