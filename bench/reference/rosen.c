/* Hand-written reference for suite.pd: rosen(x, y) = (1 - x)^2 + 100*(y - x^2)^2.
 * With a = 1 - x, b = y - x^2: df/dx = -2*(a + 200*x*b), df/dy = 200*b. */
double rosen(double x, double y);
double rosen_grad(double x, double y, double *grad);

double rosen(double x, double y) {
  double a = 1.0 - x, b = y - x * x;
  return a * a + 100.0 * (b * b);
}

double rosen_grad(double x, double y, double *grad) {
  double a = 1.0 - x, b = y - x * x;
  double t = 200.0 * b;
  grad[0] = -2.0 * (a + x * t);
  grad[1] = t;
  return a * a + 100.0 * (b * b);
}
