/* Hand-written reference for suite.pd: seed2(x, y) = x^2*y^2 + 7*x*y - 3*x + 6.
 * With p = x*y: f = p*p + 7*p - 3*x + 6, df/dx = y*(2p + 7) - 3, df/dy = x*(2p + 7). */
double seed2(double x, double y);
double seed2_grad(double x, double y, double *grad);

double seed2(double x, double y) {
  double p = x * y;
  return p * p + 7.0 * p - 3.0 * x + 6.0;
}

double seed2_grad(double x, double y, double *grad) {
  double p = x * y;
  double t = 2.0 * p + 7.0;
  grad[0] = y * t - 3.0;
  grad[1] = x * t;
  return p * p + 7.0 * p - 3.0 * x + 6.0;
}
