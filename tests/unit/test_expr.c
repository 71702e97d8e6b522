/* test_expr.c — hash-consing invariants, canonical order, and which
 * simplifications fire: exact identities always, real-number identities
 * only in fast-math mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "unit.h"

static ExprCtx cx;
static Arena arena;

static void setup(int fast) {
  arena_init(&arena);
  ex_ctx_init(&cx, &arena);
  cx.fast_math = fast;
}

static void teardown(void) {
  ex_ctx_free(&cx);
  arena_free_all(&arena);
}

static void test_hashcons_shares_equal_nodes(void) {
  setup(0);
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1);
  CHECK(ex_var(&cx, 0) == x);
  CHECK(ex_add(&cx, x, ex_num(&cx, 1)) == ex_add(&cx, x, ex_num(&cx, 1)));
  CHECK(ex_add(&cx, x, y) == ex_add(&cx, y, x)); /* commutative */
  CHECK(ex_mul(&cx, x, y) == ex_mul(&cx, y, x));
  CHECK(ex_sub(&cx, x, y) != ex_sub(&cx, y, x));
  CHECK(ex_num(&cx, 0.0) != ex_num(&cx, -0.0)); /* by bits */
  CHECK(ex_num(&cx, NAN) == ex_num(&cx, NAN));
  Expr *sx = ex_make(&cx, EX_SIN, &x);
  CHECK(ex_make(&cx, EX_SIN, &x) == sx);
  CHECK(ex_make(&cx, EX_COS, &x) != sx);
  teardown();
}

static void test_canonical_order_puts_constants_first_in_products(void) {
  setup(0);
  Expr *x = ex_var(&cx, 0);
  Expr *m = ex_mul(&cx, x, ex_num(&cx, 3));
  CHECK(m->op == EX_MUL && m->kid[0]->op == EX_CONST);
  Expr *a = ex_add(&cx, ex_num(&cx, 3), x);
  CHECK(a->op == EX_ADD && a->kid[1]->op == EX_CONST);
  teardown();
}

static void test_exact_identities_fire(void) {
  setup(0);
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1);
  CHECK(ex_mul(&cx, x, ex_num(&cx, 1)) == x);
  CHECK(ex_div(&cx, x, ex_num(&cx, 1)) == x);
  CHECK(ex_sub(&cx, x, ex_num(&cx, 0.0)) == x);
  CHECK(ex_add(&cx, x, ex_num(&cx, -0.0)) == x);
  CHECK(ex_neg(&cx, ex_neg(&cx, x)) == x);
  CHECK(ex_pow(&cx, x, ex_num(&cx, 1)) == x);
  CHECK(ex_pow(&cx, x, ex_num(&cx, 0))->op == EX_CONST); /* pow(x, 0) = 1, NaN too */
  CHECK(ex_add(&cx, x, ex_neg(&cx, y)) == ex_sub(&cx, x, y));
  CHECK(ex_mul(&cx, x, ex_num(&cx, -1)) == ex_neg(&cx, x));
  CHECK(ex_mul(&cx, x, x) == ex_powi(&cx, x, 2));
  CHECK(ex_pow(&cx, x, ex_num(&cx, 3))->op == EX_POWI);
  CHECK(ex_pow(&cx, x, ex_num(&cx, 0.5))->op == EX_POW);
  CHECK(ex_pow(&cx, x, ex_num(&cx, 65))->op == EX_POW); /* beyond EX_POWI_MAX */
  teardown();
}

/* The rewrites below are false for some doubles (x = inf, NaN, -0.0), so
 * they must not fire by default. */
static void test_real_number_identities_do_not_fire_by_default(void) {
  setup(0);
  Expr *x = ex_var(&cx, 0);
  Expr *zero = ex_num(&cx, 0);
  CHECK(ex_mul(&cx, x, zero)->op == EX_MUL); /* inf*0 is NaN */
  CHECK(ex_sub(&cx, x, x)->op == EX_SUB);    /* inf-inf is NaN */
  CHECK(ex_div(&cx, x, x)->op == EX_DIV);    /* 0/0 is NaN */
  CHECK(ex_add(&cx, x, zero)->op == EX_ADD); /* -0 + 0 is +0 */
  CHECK(ex_sub(&cx, zero, x)->op == EX_SUB); /* 0 - 0 is +0, -(0) is -0 */
  teardown();
}

static void test_real_number_identities_fire_in_fast_math(void) {
  setup(1);
  Expr *x = ex_var(&cx, 0);
  Expr *zero = ex_num(&cx, 0);
  CHECK(ex_is_num(ex_mul(&cx, x, zero), 0));
  CHECK(ex_is_num(ex_sub(&cx, x, x), 0));
  CHECK(ex_is_num(ex_div(&cx, x, x), 1));
  CHECK(ex_add(&cx, x, zero) == x);
  teardown();
}

static void test_constant_folding_matches_evaluation(void) {
  setup(0);
  double v = 1.1;
  Expr *c = ex_num(&cx, v);
  for (int k = -7; k <= 9; k++) CHECK(ex_powi(&cx, c, k)->num == ex_powi_eval(v, k));
  CHECK(ex_powi_eval(1.1, 6) == (1.1 * 1.1 * 1.1) * (1.1 * 1.1 * 1.1));
  CHECK(ex_powi_eval(2.0, -2) == 0.25);
  Expr *s = ex_make(&cx, EX_SIN, &c);
  CHECK(s->op == EX_CONST && s->num == sin(v));
  Expr *args[2] = {ex_num(&cx, 1), ex_num(&cx, 2)};
  CHECK(ex_make(&cx, EX_ATAN2, args)->num == atan2(1, 2));
  CHECK(ex_make(&cx, EX_MIN, args)->num == 1);
  teardown();
}

static void test_evaluate_and_substitute(void) {
  setup(0);
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1);
  Expr *f = ex_sub(&cx, ex_powi(&cx, x, 2), ex_powi(&cx, y, 2));
  double at[2] = {2, 3};
  CHECK(ex_evaluate(&cx, f, at) == -5);
  Expr *vals[2] = {ex_add(&cx, x, y), ex_num(&cx, 1)}; /* f(x + y, 1) */
  Expr *g = ex_substitute(&cx, f, vals, 2);
  CHECK(ex_evaluate(&cx, g, at) == 24);
  Expr *ident[2] = {x, y};
  CHECK(ex_substitute(&cx, f, ident, 2) == f);
  teardown();
}

static void test_topo_order_puts_children_first(void) {
  setup(0);
  Expr *x = ex_var(&cx, 0);
  Expr *e = x;
  for (int i = 0; i < 100000; i++) e = ex_make(&cx, EX_SIN, &e); /* deep: no recursion */
  size_t n;
  Expr **t = ex_topo(&cx, &e, 1, &n);
  CHECK(n == 100001);
  CHECK(t[0] == x && t[n - 1] == e);
  int ok = 1;
  for (size_t i = 1; i < n; i++) ok &= t[i]->kid[0] == t[i - 1];
  CHECK(ok);
  free(t);
  teardown();
}

int main(void) {
  RUN(test_hashcons_shares_equal_nodes);
  RUN(test_canonical_order_puts_constants_first_in_products);
  RUN(test_exact_identities_fire);
  RUN(test_real_number_identities_do_not_fire_by_default);
  RUN(test_real_number_identities_fire_in_fast_math);
  RUN(test_constant_folding_matches_evaluation);
  RUN(test_evaluate_and_substitute);
  RUN(test_topo_order_puts_children_first);
  return unit_report();
}
