/* wrong.c — functions that break the contract of pdc's generated code on
 * purpose, one way each (see wrong.h), to show that the finite-difference
 * checker catches every kind of mistake it claims to. */
#include "wrong.h"

#include <math.h>

double good(double x, double y) { return x * y + sin(x); }
double good_dx(double x, double y) { return y + cos(x); }
double good_dy(double x, double y) {
  (void)y;
  return x;
}
double good_grad(double x, double y, double *grad) {
  grad[0] = good_dx(x, y);
  grad[1] = good_dy(x, y);
  return good(x, y);
}

double badderiv(double x, double y, double k) { return k * x * x * y; }
double badderiv_dx(double x, double y, double k) { return 2 * k * x * y; }
double badderiv_dy(double x, double y, double k) {
  (void)y;
  return 1.02 * k * x * x; /* wrong: should be k*x^2 */
}
double badderiv_grad(double x, double y, double k, double *grad) {
  grad[0] = badderiv_dx(x, y, k);
  grad[1] = badderiv_dy(x, y, k);
  return badderiv(x, y, k);
}

double slight(double x) { return sin(x); }
double slight_dx(double x) { return cos(x) * (1 + 1e-5); /* wrong by a relative 1e-5 */ }
double slight_grad(double x, double *grad) {
  grad[0] = slight_dx(x);
  return slight(x);
}

double badvalue(double x) { return exp(x); }
double badvalue_dx(double x) { return exp(x); }
double badvalue_grad(double x, double *grad) {
  grad[0] = badvalue_dx(x);
  return nextafter(badvalue(x), INFINITY); /* wrong: one ulp above badvalue(x) */
}

double badgrad(double x) { return x * x * x; }
double badgrad_dx(double x) { return 3 * x * x; }
double badgrad_grad(double x, double *grad) {
  grad[0] = nextafter(badgrad_dx(x), 0); /* wrong: one ulp below badgrad_dx(x) */
  return badgrad(x);
}

double overrun(double x, double y) { return x - y; }
double overrun_dx(double x, double y) {
  (void)x, (void)y;
  return 1;
}
double overrun_dy(double x, double y) {
  (void)x, (void)y;
  return -1;
}
double overrun_grad(double x, double y, double *grad) {
  grad[0] = 1;
  grad[1] = -1;
  grad[2] = 0; /* wrong: there are two partials */
  return overrun(x, y);
}

double badhess(double x, double y) { return x * x * y * y * y; }
double badhess_dx(double x, double y) { return 2 * x * y * y * y; }
double badhess_dy(double x, double y) { return 3 * x * x * y * y; }
double badhess_grad(double x, double y, double *grad) {
  grad[0] = badhess_dx(x, y);
  grad[1] = badhess_dy(x, y);
  return badhess(x, y);
}
void badhess_hess(double x, double y, double *H) {
  H[0] = 2 * y * y * y;
  H[1] = 12 * x * y * y; /* wrong: d2/dx dy = 6*x*y^2 */
  H[2] = 6 * x * y * y;
  H[3] = 6 * x * x * y;
}
