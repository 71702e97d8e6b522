/* Hand-written reference for bench/functions/arrays.pd (issue 14):
 *   expfit(m, a, b, t, y) = sum_{k=0}^{m-1} (y[k] - a*exp(-b*t[k]))^2, wrt a, b
 * One pass over the data, the sums in index order. With e = exp(-b*t[k]) and
 * r = y[k] - a*e: d/da = -2*r*e, d/db = 2*r*a*e*t[k]. */
#include <math.h>
#include <stddef.h>

double expfit(size_t m, double a, double b, const double *t, const double *y);
double expfit_grad(size_t m, double a, double b, const double *t, const double *y, double *grad);

double expfit(size_t m, double a, double b, const double *t, const double *y) {
  double f = 0.0;
  for (size_t k = 0; k < m; k++) {
    double r = y[k] - a * exp(-b * t[k]);
    f += r * r;
  }
  return f;
}

double expfit_grad(size_t m, double a, double b, const double *t, const double *y, double *grad) {
  double f = 0.0, ga = 0.0, gb = 0.0;
  for (size_t k = 0; k < m; k++) {
    double e = exp(-b * t[k]), r = y[k] - a * e;
    f += r * r;
    ga += r * e;
    gb += r * e * t[k];
  }
  grad[0] = -2.0 * ga;
  grad[1] = 2.0 * a * gb;
  return f;
}
