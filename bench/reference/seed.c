/* Hand-written reference for suite.pd: seed(x, y) = x^2 - y^2. */
double seed(double x, double y);
double seed_grad(double x, double y, double *grad);

double seed(double x, double y) { return x * x - y * y; }

double seed_grad(double x, double y, double *grad) {
  grad[0] = x + x;
  grad[1] = -2.0 * y;
  return x * x - y * y;
}
