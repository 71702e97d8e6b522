/* Hand-written reference for scaling.pd: forty layers a(k) = sin(a(k-1))*exp(-a(k-1)^2) + y*a(k-1),
 * a0 = x*y. Forward mode with two tangents carried along the chain (two inputs):
 *   da(k)/da(k-1) = exp(-a^2)*(cos(a) - 2*a*sin(a)) + y,   explicit da(k)/dy = a(k-1). */
#define _GNU_SOURCE
#include <math.h>

double expchain(double x, double y);
double expchain_grad(double x, double y, double *grad);

#define LAYERS 40

double expchain(double x, double y) {
  double a = x * y;
#pragma GCC unroll 64
  for (int k = 0; k < LAYERS; k++) a = sin(a) * exp(-(a * a)) + y * a;
  return a;
}

double expchain_grad(double x, double y, double *grad) {
  double a = x * y, dx = y, dy = x;
#pragma GCC unroll 64
  for (int k = 0; k < LAYERS; k++) {
    double s, c;
    sincos(a, &s, &c);
    double e = exp(-(a * a));
    double se = s * e;
    double da = e * c - 2.0 * a * se + y;
    dx = da * dx;
    dy = da * dy + a;
    a = se + y * a;
  }
  grad[0] = dx;
  grad[1] = dy;
  return a;
}
