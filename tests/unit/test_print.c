/* test_print.c — the infix printer: minimal parentheses, signs, products
 * with the coefficient first, powers, and pi. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "unit.h"

static ExprCtx cx;
static Arena arena;
static const char *const names[] = {"x", "y", "k"};

static char *show(Expr *e) {
  Printer p;
  printer_init(&p, &cx, names);
  Buf b;
  buf_init(&b);
  printer_expr(&p, &b, e);
  printer_free(&p);
  return buf_take(&b);
}

#define CHECK_SHOWS(e, want)                                                   \
  do {                                                                         \
    char *s_ = show(e);                                                        \
    CHECK_STR(s_, want);                                                       \
    free(s_);                                                                  \
  } while (0)

int main(void) {
  arena_init(&arena);
  ex_ctx_init(&cx, &arena);
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1), *k = ex_var(&cx, 2);
  Expr *two = ex_num(&cx, 2);
  CHECK_SHOWS(ex_sub(&cx, ex_powi(&cx, x, 2), ex_powi(&cx, y, 2)), "x^2 - y^2");
  CHECK_SHOWS(ex_mul(&cx, x, two), "2*x");
  CHECK_SHOWS(ex_mul(&cx, ex_num(&cx, -2), y), "-2*y");
  CHECK_SHOWS(ex_neg(&cx, ex_add(&cx, x, y)), "-(x + y)");
  CHECK_SHOWS(ex_sub(&cx, x, ex_sub(&cx, y, k)), "x - y + k"); /* display flattens */
  CHECK_SHOWS(ex_powi(&cx, ex_add(&cx, x, y), 3), "(x + y)^3");
  CHECK_SHOWS(ex_powi(&cx, x, -2), "1/x^2");
  CHECK_SHOWS(ex_div(&cx, ex_mul(&cx, x, y), ex_mul(&cx, k, y)), "x*y/(y*k)"); /* as written */
  cx.origin = 1; /* derivative terms show in lowest terms */
  CHECK_SHOWS(ex_div(&cx, ex_mul(&cx, x, k), ex_mul(&cx, y, x)), "k/y");
  cx.origin = 0;
  CHECK_SHOWS(ex_div(&cx, ex_mul(&cx, x, y), ex_mul(&cx, k, ex_num(&cx, 3))), "x*y/(3*k)");
  CHECK_SHOWS(ex_mul(&cx, ex_num(&cx, 1.0 / 3), x), "x/3");
  CHECK_SHOWS(ex_div(&cx, ex_num(&cx, 1 / M_LN2), x), "1/(log(2)*x)");
  CHECK_SHOWS(ex_powi(&cx, ex_div(&cx, ex_num(&cx, 1), x), 2), "1/x^2");
  CHECK_SHOWS(ex_pow(&cx, x, ex_num(&cx, -0.5)), "x^(-0.5)");
  CHECK_SHOWS(ex_pow(&cx, ex_neg(&cx, x), ex_num(&cx, 0.5)), "(-x)^0.5");
  CHECK_SHOWS(ex_powi(&cx, ex_powi(&cx, x, 2), 3), "(x^2)^3");
  CHECK_SHOWS(ex_mul(&cx, ex_num(&cx, 2 * M_PI), x), "2*pi*x");
  CHECK_SHOWS(ex_num(&cx, 100), "100");
  CHECK_SHOWS(ex_num(&cx, 1e-300), "1e-300");
  CHECK_SHOWS(ex_num(&cx, 0.1), "0.1");
  CHECK_SHOWS(ex_make(&cx, EX_SIN, &x), "sin(x)");
  Expr *xy[2] = {x, y};
  CHECK_SHOWS(ex_make(&cx, EX_ATAN2, xy), "atan2(x, y)");
  Expr *sel[3] = {ex_make(&cx, EX_LT, xy), x, ex_neg(&cx, y)};
  CHECK_SHOWS(ex_make(&cx, EX_SELECT, sel), "if x < y then x else -y");
  ex_ctx_free(&cx);
  arena_free_all(&arena);
  return unit_report();
}
