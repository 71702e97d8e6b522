/* Hand-written reference for bench/functions/arrays.pd (issue 14):
 *   rosen_nd(n, x) = sum_{i=0}^{n-2} 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2
 * One pass, the sum in index order. With a = 1 - x[i], b = x[i+1] - x[i]^2,
 * term i adds -400*x[i]*b - 2*a to grad[i] and 200*b to grad[i+1]; the
 * second is carried in a register to the next iteration, so each grad[k] is
 * stored once (a gather, as the issue asks pdc to generate). */
#include <stddef.h>

double rosen_nd(size_t n, const double *x);
double rosen_nd_grad(size_t n, const double *x, double *grad);

double rosen_nd(size_t n, const double *x) {
  double f = 0.0;
  for (size_t i = 0; i + 1 < n; i++) {
    double a = 1.0 - x[i], b = x[i + 1] - x[i] * x[i];
    f += 100.0 * (b * b) + a * a;
  }
  return f;
}

double rosen_nd_grad(size_t n, const double *x, double *grad) {
  if (n == 0) return 0.0;
  double f = 0.0, carry = 0.0;
  for (size_t i = 0; i + 1 < n; i++) {
    double a = 1.0 - x[i], b = x[i + 1] - x[i] * x[i];
    f += 100.0 * (b * b) + a * a;
    grad[i] = carry - 400.0 * x[i] * b - 2.0 * a;
    carry = 200.0 * b;
  }
  grad[n - 1] = carry;
  return f;
}
