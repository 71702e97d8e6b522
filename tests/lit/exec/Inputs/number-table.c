/* many(x, y) = sum over i = 1..1200 of (i + 0.25)*sin(x + (i + 0.5)*y),
 * checked against the same sum in C, value and gradient. */
#include <math.h>
#include <stdio.h>
#include "many.h"

/* 1200 terms that largely cancel: the order of the additions differs */
static int close_to(double a, double b) { return fabs(a - b) <= 1e-9 * (1 + fabs(b)); }

int main(void) {
  double x = 0.3, y = -0.7, f = 0, fx = 0, fy = 0, g[2];
  for (int i = 1; i <= 1200; i++) {
    double c = i + 0.25, k = i + 0.5;
    f += c * sin(x + k * y);
    fx += c * cos(x + k * y);
    fy += c * k * cos(x + k * y);
  }
  double v = many_grad(x, y, g);
  int ok = close_to(v, f) && close_to(many(x, y), f) && close_to(g[0], fx) && close_to(g[1], fy) &&
           close_to(many_dx(x, y), fx) && close_to(many_dy(x, y), fy);
  printf("many: %s (%.17g %.17g %.17g vs %.17g %.17g %.17g)\n", ok ? "OK" : "FAIL", v, g[0], g[1], f, fx, fy);
  return !ok;
}
