/* test_seed.c — the seed example end to end: values and partials of the
 * functions in seed.pd, compiled by pdc and linked here, compared exactly
 * (every value is a small integer, so there is no rounding to allow for).
 *
 * Built twice from the same seed.pd: at -O2 with plain names, and at -O0 with
 * --prefix=o0_ (PDC_PREFIX=o0_), so the prefix is exercised too. */
#include <stdio.h>
#include <string.h>

#include "seed.h"

#ifndef PDC_PREFIX
#define PDC_PREFIX
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define SYM(name) CAT(PDC_PREFIX, name)
#define STR_(x) #x
#define STR(x) STR_(x)

static int failures;

static void expect(const char *what, double got, double want) {
  /* Bit comparison: -0.0 for 0 or a NaN is a failure too. */
  if (memcmp(&got, &want, sizeof got) != 0) {
    printf("FAIL %s = %.17g, expected %.17g\n", what, got, want);
    failures++;
  } else {
    printf("ok   %s = %g\n", what, got);
  }
}

int main(void) {
  const double x = 2, y = 3;
  double grad[3] = {0, 0, 99}; /* grad[2] must stay untouched: two wrt variables */

  printf("seed.pd, symbols with prefix \"%s\"\n", STR(PDC_PREFIX));

  expect("f(2, 3)", SYM(f)(x, y), -5);
  expect("f_dx(2, 3)", SYM(f_dx)(x, y), 4);
  expect("f_dy(2, 3)", SYM(f_dy)(x, y), -6);
  expect("f_grad(2, 3) return", SYM(f_grad)(x, y, grad), -5);
  expect("f_grad(2, 3) grad[0]", grad[0], 4);
  expect("f_grad(2, 3) grad[1]", grad[1], -6);
  expect("f_grad(2, 3) grad[2] (untouched)", grad[2], 99);

  grad[0] = grad[1] = 0;
  expect("z(2, 3)", SYM(z)(x, y), 78);
  expect("z_dx(2, 3)", SYM(z_dx)(x, y), 54);
  expect("z_dy(2, 3)", SYM(z_dy)(x, y), 38);
  expect("z_grad(2, 3) return", SYM(z_grad)(x, y, grad), 78);
  expect("z_grad(2, 3) grad[0]", grad[0], 54);
  expect("z_grad(2, 3) grad[1]", grad[1], 38);
  expect("z_grad(2, 3) grad[2] (untouched)", grad[2], 99);

  /* Negative arguments: f(-2, 1) = 3, df/dx = -4, df/dy = -2. */
  expect("f(-2, 1)", SYM(f)(-2, 1), 3);
  expect("f_dx(-2, 1)", SYM(f_dx)(-2, 1), -4);
  expect("f_dy(-2, 1)", SYM(f_dy)(-2, 1), -2);

  if (failures) {
    printf("%d check(s) FAILED\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
