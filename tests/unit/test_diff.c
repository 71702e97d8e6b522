/* test_diff.c — every derivative rule checked against a central difference
 * of the DAG's own evaluation, at several points; structural zeros; and the
 * cheap-gradient property (gradient size linear in the function's). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "expr.h"
#include "unit.h"

static ExprCtx cx;
static Arena arena;

static double fd(Expr *f, double *at, int var) {
  double x = at[var], h = 1e-4 * (fabs(x) > 1 ? fabs(x) : 1);
  at[var] = x + h;
  double p1 = ex_evaluate(&cx, f, at);
  at[var] = x - h;
  double m1 = ex_evaluate(&cx, f, at);
  at[var] = x + 2 * h;
  double p2 = ex_evaluate(&cx, f, at);
  at[var] = x - 2 * h;
  double m2 = ex_evaluate(&cx, f, at);
  at[var] = x;
  return (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
}

/* d f / d x and d f / d y at points in (0.2, 0.9) x (0.3, 1.4): inside the
 * domain of every built-in composed with the inner functions used below. */
static void check_gradient(Expr *f, const char *what) {
  int vars[2] = {0, 1};
  Expr *g[2];
  diff_gradient(&cx, f, vars, 2, g);
  static const double pts[][2] = {{0.2, 0.3}, {0.45, 1.1}, {0.7, 0.8}, {0.9, 1.4}, {0.33, 0.61}};
  for (size_t p = 0; p < sizeof pts / sizeof pts[0]; p++) {
    for (int v = 0; v < 2; v++) {
      double at[2] = {pts[p][0], pts[p][1]};
      double want = fd(f, at, v), got = ex_evaluate(&cx, g[v], at);
      unit_checks++;
      if (!(fabs(got - want) <= 1e-7 * (fabs(want) + 1e-3))) {
        unit_failures++;
        fprintf(stderr, "FAIL: d/d%c %s at (%g, %g): got %.17g, want %.17g\n", v ? 'y' : 'x', what, at[0], at[1], got,
                want);
      }
    }
  }
}

/* Every operation of ops.def, read off the table, so a new operation is
 * checked here without a new line. */
static void test_every_unary_rule(void) {
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1);
  Expr *inner = ex_mul(&cx, x, y); /* in (0.06, 1.26) */
  Expr *half = ex_mul(&cx, ex_num(&cx, 0.5), inner); /* inside asin/acos's domain */
  /* in (0.118, 0.478): no jump of floor, ceil or sign inside */
  Expr *between = ex_add(&cx, ex_mul(&cx, ex_num(&cx, 0.3), inner), ex_num(&cx, 0.1));
  int checked = 0;
  for (int op = 0; op < EX_NUM_OPS; op++) {
    int flags = ex_op_flags((ExprOp)op);
    if (ex_op_arity((ExprOp)op) != 1 || (flags & (OPF_BOOL | OPF_ARRAY)) || op == EX_POWI) continue;
    Expr *arg = flags & OPF_FLAT ? between : op == EX_ASIN || op == EX_ACOS ? half : inner;
    check_gradient(ex_make(&cx, (ExprOp)op, &arg), ex_op_name((ExprOp)op));
    checked++;
  }
  CHECK(checked >= 23); /* the table has not lost its rows */
}

static void test_every_binary_rule(void) {
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1);
  Expr *xy[2] = {x, y};
  for (int op = 0; op < EX_NUM_OPS; op++)
    if (ex_op_arity((ExprOp)op) == 2 && !(ex_op_flags((ExprOp)op) & OPF_BOOL))
      check_gradient(ex_make(&cx, (ExprOp)op, xy), ex_op_name((ExprOp)op));
  check_gradient(ex_add(&cx, x, y), "+");
  check_gradient(ex_sub(&cx, x, y), "-");
  check_gradient(ex_mul(&cx, x, y), "*");
  check_gradient(ex_div(&cx, x, y), "/");
  check_gradient(ex_div(&cx, ex_num(&cx, 3), y), "3/y");
  for (int k = -5; k <= 7; k++) check_gradient(ex_powi(&cx, ex_add(&cx, x, y), k), "powi");
  check_gradient(ex_pow(&cx, x, ex_num(&cx, 2.5)), "x^2.5");
  Expr *c[2] = {x, y};
  Expr *cond = ex_make(&cx, EX_LT, c);
  Expr *sel[3] = {cond, ex_powi(&cx, x, 3), ex_mul(&cx, x, y)};
  check_gradient(ex_make(&cx, EX_SELECT, sel), "if");
  /* guarded terms with signs: a factor applied under the guards' 'or' */
  Expr *half = ex_num(&cx, 0.5);
  Expr *c2[2] = {half, x};
  Expr *sel2[3] = {ex_make(&cx, EX_LT, c2), ex_powi(&cx, x, 3), ex_num(&cx, 0)};
  Expr *sq = ex_make(&cx, EX_SQRT, &x);
  Expr *sel3[3] = {cond, sq, ex_num(&cx, 0)};
  Expr *g = ex_sub(&cx, ex_sub(&cx, ex_mul(&cx, x, y), ex_make(&cx, EX_SELECT, sel3)), ex_make(&cx, EX_SELECT, sel2));
  check_gradient(ex_make(&cx, EX_SIN, &g), "sin(x*y - if - if)");
}

static void test_chain_rule_through_shared_nodes(void) {
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1);
  Expr *a = ex_mul(&cx, x, y);
  for (int i = 0; i < 20; i++) { /* scaling.pd's expchain: a DAG, a tree of 3^20 */
    Expr *sq = ex_neg(&cx, ex_powi(&cx, a, 2));
    Expr *t = ex_mul(&cx, ex_make(&cx, EX_SIN, &a), ex_make(&cx, EX_EXP, &sq));
    a = ex_add(&cx, t, ex_mul(&cx, y, a));
  }
  check_gradient(a, "expchain20");
}

static void test_structural_zeros_are_exact(void) {
  Expr *x = ex_var(&cx, 0), *y = ex_var(&cx, 1);
  Expr *f = ex_powi(&cx, x, 2);
  CHECK(ex_is_exactly(diff_partial(&cx, f, 1), 0.0));
  Expr *ax = ex_make(&cx, EX_ABS, &x);
  Expr *g = ex_mul(&cx, ax, y);
  double at0[2] = {0.0, 2.0};
  CHECK(ex_evaluate(&cx, diff_partial(&cx, g, 0), at0) == 0.0); /* d/dx abs at 0 */
  /* d/dx x^3 = 3*x^2: finite at 0, no x^3/x */
  Expr *d3 = diff_partial(&cx, ex_powi(&cx, x, 3), 0);
  CHECK(ex_evaluate(&cx, d3, at0) == 0.0);
  Expr *two_x = diff_partial(&cx, f, 0);
  CHECK(two_x == ex_mul(&cx, ex_num(&cx, 2), x));
}

/* Reverse mode: the gradient of a product of n variables has O(n) nodes,
 * where symbolic differentiation one variable at a time builds O(n^2). */
static void test_gradient_of_product_is_linear(void) {
  enum { N = 256 };
  int vars[N];
  Expr *p = ex_var(&cx, 0);
  vars[0] = 0;
  for (int i = 1; i < N; i++) {
    vars[i] = i;
    p = ex_mul(&cx, p, ex_var(&cx, i));
  }
  size_t before = cx.count;
  Expr **g = malloc(sizeof(Expr *) * N);
  diff_gradient(&cx, p, vars, N, g);
  size_t added = cx.count - before;
  CHECK(added <= 3 * N);
  double at[N];
  for (int i = 0; i < N; i++) at[i] = 1.0 + i / 1024.0;
  double prod = ex_evaluate(&cx, p, at);
  CHECK_NEAR(ex_evaluate(&cx, g[7], at), prod / at[7], 1e-13, 0);
  free(g);
}

int main(void) {
  arena_init(&arena);
  ex_ctx_init(&cx, &arena);
  RUN(test_every_unary_rule);
  RUN(test_every_binary_rule);
  RUN(test_chain_rule_through_shared_nodes);
  RUN(test_structural_zeros_are_exact);
  RUN(test_gradient_of_product_is_linear);
  ex_ctx_free(&cx);
  arena_free_all(&arena);
  return unit_report();
}
