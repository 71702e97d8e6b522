/* diff.c — reverse-mode differentiation and the derivative-term algebra. */
#include "diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- derivative-term algebra ------------------------------------------
 * A term is viewed as coef * rest, with rest NULL for a pure constant. */

typedef struct Term {
  double coef;
  Expr *rest;
} Term;

static Term split(Expr *e) {
  if (e->whole) return (Term){1.0, e};
  if (e->op == EX_CONST) return (Term){e->num, NULL};
  if (e->op == EX_NEG) {
    Term t = split(e->kid[0]);
    return (Term){-t.coef, t.rest};
  }
  if (e->op == EX_MUL && e->kid[0]->op == EX_CONST) {
    Term t = split(e->kid[1]);
    return (Term){e->kid[0]->num * t.coef, t.rest};
  }
  return (Term){1.0, e};
}

static Expr *join(ExprCtx *cx, double coef, Expr *rest) {
  if (!rest || coef == 0) return ex_num(cx, coef);
  if (coef == 1) return rest;
  if (coef == -1 && rest->op == EX_SUB) return ex_sub(cx, rest->kid[1], rest->kid[0]); /* -(a - b) is b - a */
  if (coef == -1) return ex_neg(cx, rest);
  return ex_mul(cx, ex_num(cx, coef), rest);
}

static int is_zero(const Expr *e) { return e->op == EX_CONST && e->num == 0; }

/* SELECT with one branch the constant 0: the lazy form of "this adjoint
 * flows only when the condition holds". */
static int zero_branch(const Expr *e) {
  if (e->op != EX_SELECT) return -1;
  if (is_zero(e->kid[2])) return 2;
  if (is_zero(e->kid[1])) return 1;
  return -1;
}

static Expr *select3(ExprCtx *cx, Expr *c, Expr *a, Expr *b) {
  Expr *k[3] = {c, a, b};
  return ex_make(cx, EX_SELECT, k);
}

/* A select with a zero branch absorbs what is done to its live side, so
 * the side not taken never meets, say, the 1/sqrt(...) that is only
 * defined on the taken side: 0*NaN would leak a NaN otherwise. */
static Expr *push_into_select(ExprCtx *cx, Expr *sel, int zb, Expr *live) {
  /* Nested zero-branch selects keep the condition written first outermost,
   * so a piecewise derivative reads in the order of the source:
   * if x < 0 then 0 else if x < 1 then 2*x else 0. */
  int zl = zero_branch(live);
  if (zl > 0 && live->kid[0]->id < sel->kid[0]->id) {
    Expr *inner = push_into_select(cx, sel, zb, live->kid[3 - zl]);
    return zl == 2 ? select3(cx, live->kid[0], inner, live->kid[2]) : select3(cx, live->kid[0], live->kid[1], inner);
  }
  return zb == 2 ? select3(cx, sel->kid[0], live, sel->kid[2]) : select3(cx, sel->kid[0], sel->kid[1], live);
}

static Expr *d_mul(ExprCtx *cx, Expr *a, Expr *b);

/* rest * rest, keeping quotients flat (a/b * c = a*c/b) and powers of one
 * base together (x^2 * x = x^3). */
static Expr *rest_mul(ExprCtx *cx, Expr *x, Expr *y) {
  if (!x) return y;
  if (!y) return x;
  if (x->op == EX_DIV && y->op != EX_DIV)
    return ex_div(cx, ex_is_num(x->kid[0], 1) ? y : rest_mul(cx, x->kid[0], y), x->kid[1]);
  if (y->op == EX_DIV && x->op != EX_DIV) return rest_mul(cx, y, x);
  int kx = x->op == EX_POWI ? x->k : 1, ky = y->op == EX_POWI ? y->k : 1;
  Expr *bx = x->op == EX_POWI ? x->kid[0] : x, *by = y->op == EX_POWI ? y->kid[0] : y;
  if (bx == by && kx + ky != 0 && abs(kx + ky) <= EX_POWI_MAX) return ex_powi(cx, bx, kx + ky);
  return ex_mul(cx, x, y);
}

/* Whether a sum holds a guarded (zero-branch select) term. The left spine
 * is walked with a loop: sums of contributions can be very long. */
static int holds_guard(const Expr *e) {
  for (;;) {
    if (zero_branch(e) > 0) return 1;
    if (e->op != EX_ADD && e->op != EX_SUB) return 0;
    if (holds_guard(e->kid[1])) return 1;
    e = e->kid[0];
  }
}

/* The condition under which a guarded term is live. */
static Expr *guard_condition(ExprCtx *cx, Expr *sel, int zb) {
  Expr *c = sel->kid[0];
  return zb == 2 ? c : ex_make(cx, EX_NOT, &c);
}

/* Splits a sum into its guarded terms G, the condition under which any of
 * them is live (the 'or' of their conditions), and the other terms U. A
 * factor applied to G is then applied under that one condition: where no
 * guard holds the result is 0, not 0*NaN. (Distributing the factor over the
 * terms instead grows the DAG with every differentiation nested in d().) */
static void split_guards(ExprCtx *cx, Expr *e, int negate, Expr **g, Expr **cond, Expr **u) {
  while (e->op == EX_ADD || e->op == EX_SUB) {
    if (zero_branch(e) > 0) break;
    split_guards(cx, e->kid[1], negate ^ (e->op == EX_SUB), g, cond, u);
    e = e->kid[0];
  }
  int zb = zero_branch(e);
  Expr **acc = zb > 0 ? g : u;
  if (zb > 0) {
    Expr *c = guard_condition(cx, e, zb);
    if (*cond) {
      Expr *k[2] = {c, *cond};
      *cond = ex_make(cx, EX_OR, k);
    } else {
      *cond = c;
    }
  }
  if (!*acc) *acc = negate ? ex_neg(cx, e) : e;
  else *acc = negate ? ex_sub(cx, *acc, e) : ex_add(cx, e, *acc); /* -e + acc, e + acc */
  /* (terms are gathered right to left; the sum's order is immaterial here) */
}

static Expr *d_add(ExprCtx *cx, Expr *a, Expr *b);

static Expr *d_mul_core(ExprCtx *cx, Expr *a, Expr *b);

/* op(guarded sum a, b) as select(any guard, op(G, b), 0) + op(U, b). */
static Expr *apply_guarded(ExprCtx *cx, Expr *a, Expr *b, Expr *(*core)(ExprCtx *, Expr *, Expr *),
                           Expr *(*full)(ExprCtx *, Expr *, Expr *)) {
  Expr *g = NULL, *cond = NULL, *u = NULL;
  split_guards(cx, a, 0, &g, &cond, &u);
  Expr *guarded = select3(cx, cond, core(cx, g, b), ex_num(cx, 0));
  return u ? d_add(cx, guarded, full(cx, u, b)) : guarded;
}

static Expr *d_mul(ExprCtx *cx, Expr *a, Expr *b) {
  if (is_zero(a) || is_zero(b)) return ex_num(cx, 0);
  if ((a->op == EX_ADD || a->op == EX_SUB) && holds_guard(a)) return apply_guarded(cx, a, b, d_mul_core, d_mul);
  if ((b->op == EX_ADD || b->op == EX_SUB) && holds_guard(b)) return apply_guarded(cx, b, a, d_mul_core, d_mul);
  return d_mul_core(cx, a, b);
}

static Expr *d_mul_core(ExprCtx *cx, Expr *a, Expr *b) {
  if (is_zero(a) || is_zero(b)) return ex_num(cx, 0);
  int za = zero_branch(a), zb = zero_branch(b);
  if (za > 0) return push_into_select(cx, a, za, d_mul(cx, a->kid[3 - za], b));
  if (zb > 0) return push_into_select(cx, b, zb, d_mul(cx, a, b->kid[3 - zb]));
  Term ta = split(a), tb = split(b);
  double coef = ta.coef * tb.coef;
  /* keep a constant numerator of a quotient in the coefficient */
  Expr *ra = ta.rest, *rb = tb.rest;
  if (ra && ra->op == EX_DIV && ra->kid[0]->op == EX_CONST) {
    coef *= ra->kid[0]->num;
    ra = ex_div(cx, ex_num(cx, 1), ra->kid[1]);
  }
  if (rb && rb->op == EX_DIV && rb->kid[0]->op == EX_CONST) {
    coef *= rb->kid[0]->num;
    rb = ex_div(cx, ex_num(cx, 1), rb->kid[1]);
  }
  Expr *r = rest_mul(cx, ra, rb);
  if (r && r->op == EX_DIV && ex_is_num(r->kid[0], 1) && coef != 1 && coef != -1)
    return ex_div(cx, ex_num(cx, coef), r->kid[1]); /* c * (1/x) reads c/x */
  return join(cx, coef, r);
}

static Expr *d_neg(ExprCtx *cx, Expr *a);

static Expr *d_div_core(ExprCtx *cx, Expr *a, Expr *b);

static Expr *d_div(ExprCtx *cx, Expr *a, Expr *b) {
  if (is_zero(a)) return a;
  if ((a->op == EX_ADD || a->op == EX_SUB) && holds_guard(a)) return apply_guarded(cx, a, b, d_div_core, d_div);
  return d_div_core(cx, a, b);
}

static Expr *d_div_core(ExprCtx *cx, Expr *a, Expr *b) {
  if (is_zero(a)) return a;
  int za = zero_branch(a);
  if (za > 0) return push_into_select(cx, a, za, d_div(cx, a->kid[3 - za], b));
  Term ta = split(a), tb = split(b);
  double coef = ta.coef / tb.coef;
  if (!tb.rest) return join(cx, coef, ta.rest);
  if (!ta.rest) return ex_div(cx, ex_num(cx, coef), tb.rest);
  return join(cx, coef, ex_div(cx, ta.rest, tb.rest));
}

static Expr *d_neg(ExprCtx *cx, Expr *a) {
  int za = zero_branch(a);
  if (za > 0) return push_into_select(cx, a, za, d_neg(cx, a->kid[3 - za]));
  Term t = split(a);
  return join(cx, -t.coef, t.rest);
}

/* Like terms across small sums: (u + x) + u is 2*u + x. Only done when a
 * like term exists, so a large shared sum is never taken apart for
 * nothing; and only for sums of a few terms, to keep it linear. */
enum { DIFF_COLLECT_MAX_TERMS = 8 };

typedef struct TermList {
  Term t[DIFF_COLLECT_MAX_TERMS];
  int n;
} TermList;

static int flatten_sum(Expr *e, double sign, TermList *out, int depth) {
  if (e->op == EX_ADD || e->op == EX_SUB) {
    /* a sum nested deeper than it has terms to hold is too long: give up
     * before walking it, so a long sum costs nothing here */
    if (depth >= DIFF_COLLECT_MAX_TERMS) return 0;
    return flatten_sum(e->kid[0], sign, out, depth + 1) &&
           flatten_sum(e->kid[1], e->op == EX_SUB ? -sign : sign, out, depth + 1);
  }
  if (out->n == DIFF_COLLECT_MAX_TERMS) return 0;
  Term t = split(e);
  t.coef *= sign;
  out->t[out->n++] = t;
  return 1;
}

static Expr *d_add(ExprCtx *cx, Expr *a, Expr *b);

static Expr *collect_like_terms(ExprCtx *cx, Expr *a, Expr *b) {
  if (a->op != EX_ADD && a->op != EX_SUB && b->op != EX_ADD && b->op != EX_SUB) return NULL;
  TermList l = {.n = 0};
  if (!flatten_sum(a, 1, &l, 0) || !flatten_sum(b, 1, &l, 0)) return NULL;
  int merged = 0;
  for (int i = 0; i < l.n; i++) {
    for (int j = i + 1; j < l.n; j++) {
      if (l.t[j].rest != l.t[i].rest || l.t[j].coef == 0) continue;
      l.t[i].coef += l.t[j].coef;
      l.t[j].coef = 0;
      merged = 1;
    }
  }
  if (!merged) return NULL;
  Expr *sum = ex_num(cx, 0);
  for (int i = 0; i < l.n; i++)
    if (l.t[i].coef != 0) sum = d_add(cx, sum, join(cx, l.t[i].coef, l.t[i].rest));
  return sum;
}

/* ---- common factors ----------------------------------------------------
 * c*A + c*B is c*(A + B), and g*A + g*B is g*(A + B) for a common factor g
 * of two products: 2*x*y^2 + 7*y reads y*(2*x*y + 7), as one writes it by
 * hand, and costs one multiplication where it cost two. Then
 * 2*x^2*y + 7*x becomes x*(2*x*y + 7) and both partials share 2*x*y + 7.
 * Only derivative terms are rewritten this way, never the function. */
enum { DIFF_FACTOR_MAX = 8 };

typedef struct Factors {
  Expr *base[DIFF_FACTOR_MAX];
  int pow[DIFF_FACTOR_MAX];
  int n;
} Factors;

static int add_factor(Factors *f, Expr *e) {
  Expr *b = e->op == EX_POWI && e->k > 0 ? e->kid[0] : e;
  int k = e->op == EX_POWI && e->k > 0 ? e->k : 1;
  for (int i = 0; i < f->n; i++) {
    if (f->base[i] != b) continue;
    f->pow[i] += k;
    return 1;
  }
  if (f->n == DIFF_FACTOR_MAX) return 0;
  f->base[f->n] = b;
  f->pow[f->n++] = k;
  return 1;
}

/* The factors of a product (a shared adjoint is one factor); 0 when there
 * are too many to look at. */
static int factors_of(Expr *e, Factors *f) {
  while (e->op == EX_MUL && !e->whole && e->kid[0]->op != EX_CONST) {
    if (!factors_of(e->kid[1], f)) return 0;
    e = e->kid[0];
  }
  return add_factor(f, e);
}

static Expr *product_of(ExprCtx *cx, const Factors *f) {
  Expr *p = NULL;
  for (int i = f->n; i-- > 0;) {
    if (f->pow[i] == 0) continue;
    Expr *x = ex_powi(cx, f->base[i], f->pow[i]);
    p = p ? ex_mul(cx, x, p) : x;
  }
  return p;
}

static Expr *d_add(ExprCtx *cx, Expr *a, Expr *b);

static Expr *factor_common(ExprCtx *cx, Term ta, Term tb) {
  if (!ta.rest || !tb.rest || zero_branch(ta.rest) > 0 || zero_branch(tb.rest) > 0) return NULL;
  if (fabs(ta.coef) == fabs(tb.coef) && fabs(ta.coef) != 1 && isfinite(ta.coef))
    return join(cx, ta.coef, d_add(cx, ta.rest, join(cx, tb.coef / ta.coef, tb.rest)));
  Factors fa = {.n = 0}, fb = {.n = 0}, common = {.n = 0};
  if (!factors_of(ta.rest, &fa) || !factors_of(tb.rest, &fb)) return NULL;
  /* powers of one base stay a polynomial in it: 12*x^2 - 4*x, not x*(12*x - 4) */
  if (fa.n == 1 && fb.n == 1) return NULL;
  for (int i = fa.n; i-- > 0;) {
    for (int j = 0; j < fb.n; j++) {
      if (fa.base[i] != fb.base[j]) continue;
      int k = fa.pow[i] < fb.pow[j] ? fa.pow[i] : fb.pow[j];
      common.base[common.n] = fa.base[i];
      common.pow[common.n++] = k;
      fa.pow[i] -= k;
      fb.pow[j] -= k;
    }
  }
  if (common.n == 0) return NULL;
  Expr *sum = d_add(cx, join(cx, ta.coef, product_of(cx, &fa)), join(cx, tb.coef, product_of(cx, &fb)));
  return d_mul(cx, product_of(cx, &common), sum);
}

static Expr *d_add(ExprCtx *cx, Expr *a, Expr *b) {
  if (is_zero(a)) return b;
  if (is_zero(b)) return a;
  int za = zero_branch(a), zb = zero_branch(b);
  if (za > 0 && zb > 0 && a->kid[0] == b->kid[0]) {
    Expr *t = d_add(cx, a->kid[1], b->kid[1]);
    Expr *f = d_add(cx, a->kid[2], b->kid[2]);
    return select3(cx, a->kid[0], t, f);
  }
  Term ta = split(a), tb = split(b);
  if (ta.rest == tb.rest) return join(cx, ta.coef + tb.coef, ta.rest);
  Expr *collected = collect_like_terms(cx, a, b);
  if (collected) return collected;
  Expr *factored = factor_common(cx, ta, tb);
  if (factored) return factored;
  if (tb.coef < 0) return ex_sub(cx, a, join(cx, -tb.coef, tb.rest));
  if (ta.coef < 0) return ex_sub(cx, b, join(cx, -ta.coef, ta.rest));
  return ex_add(cx, a, b);
}

static Expr *call1(ExprCtx *cx, ExprOp op, Expr *x) { return ex_make(cx, op, &x); }

static Expr *cmp(ExprCtx *cx, ExprOp op, Expr *a, Expr *b) {
  Expr *k[2] = {a, b};
  return ex_make(cx, op, k);
}

/* ∂e/∂(kid i) times the adjoint `adj`; NULL for a structural zero. */
static Expr *local_adjoint(ExprCtx *cx, Expr *e, int i, Expr *adj) {
  if (ex_op_flags((ExprOp)e->op) & OPF_FLAT) return NULL; /* piecewise constant */
  Expr *x = e->kid[0], *y = e->nkids > 1 ? e->kid[1] : NULL;
  switch ((ExprOp)e->op) {
  case EX_ADD: return adj;
  case EX_SUB: return i == 0 ? adj : d_neg(cx, adj);
  case EX_MUL: return d_mul(cx, adj, i == 0 ? y : x);
  case EX_DIV:
    if (i == 0) return d_div(cx, adj, y);
    /* d(c/y)/dy = -(c/y)^2/c: no division at all for 1/y; otherwise
     * d(x/y)/dy = -(x/y)/y, reusing the quotient */
    if (x->op == EX_CONST && x->num != 0) return d_neg(cx, d_mul(cx, adj, d_div(cx, ex_powi(cx, e, 2), x)));
    return d_neg(cx, d_div(cx, d_mul(cx, adj, e), y));
  case EX_NEG: return d_neg(cx, adj);
  case EX_POWI: return d_mul(cx, adj, d_mul(cx, ex_num(cx, e->k), ex_powi(cx, x, e->k - 1)));
  case EX_POW:
    if (i == 0) {
      if (y->op == EX_CONST) return d_mul(cx, adj, d_mul(cx, y, ex_pow(cx, x, ex_num(cx, y->num - 1))));
      return d_mul(cx, adj, d_mul(cx, y, ex_pow(cx, x, ex_sub(cx, y, ex_num(cx, 1)))));
    }
    /* x^y*log(x) is 0*(-inf) at x = 0, where the derivative is 0 */
    return d_mul(cx, adj,
                 select3(cx, cmp(cx, EX_EQ, x, ex_num(cx, 0)), ex_num(cx, 0), d_mul(cx, e, call1(cx, EX_LOG, x))));
  case EX_SQRT: return d_div(cx, adj, d_mul(cx, ex_num(cx, 2), e));
  case EX_CBRT: return d_div(cx, adj, d_mul(cx, ex_num(cx, 3), ex_powi(cx, e, 2)));
  case EX_EXP: return d_mul(cx, adj, e);
  case EX_EXPM1: return d_mul(cx, adj, ex_add(cx, e, ex_num(cx, 1)));
  case EX_LOG: return d_div(cx, adj, x);
  case EX_LOG2: return d_div(cx, adj, d_mul(cx, ex_num(cx, M_LN2), x));
  case EX_LOG10: return d_div(cx, adj, d_mul(cx, ex_num(cx, M_LN10), x));
  case EX_LOG1P: return d_div(cx, adj, ex_add(cx, x, ex_num(cx, 1)));
  case EX_SIN: return d_mul(cx, adj, call1(cx, EX_COS, x));
  case EX_COS: return d_neg(cx, d_mul(cx, adj, call1(cx, EX_SIN, x)));
  case EX_TAN: return d_mul(cx, adj, ex_add(cx, ex_powi(cx, e, 2), ex_num(cx, 1)));
  case EX_ASIN: return d_div(cx, adj, call1(cx, EX_SQRT, ex_sub(cx, ex_num(cx, 1), ex_powi(cx, x, 2))));
  case EX_ACOS: return d_neg(cx, d_div(cx, adj, call1(cx, EX_SQRT, ex_sub(cx, ex_num(cx, 1), ex_powi(cx, x, 2)))));
  case EX_ATAN: return d_div(cx, adj, ex_add(cx, ex_powi(cx, x, 2), ex_num(cx, 1)));
  case EX_SINH: return d_mul(cx, adj, call1(cx, EX_COSH, x));
  case EX_COSH: return d_mul(cx, adj, call1(cx, EX_SINH, x));
  case EX_TANH: return d_mul(cx, adj, ex_sub(cx, ex_num(cx, 1), ex_powi(cx, e, 2)));
  case EX_ERF:
    return d_mul(cx, adj, d_mul(cx, ex_num(cx, M_2_SQRTPI), call1(cx, EX_EXP, ex_neg(cx, ex_powi(cx, x, 2)))));
  case EX_ABS: return d_mul(cx, adj, call1(cx, EX_SIGN, x));
  case EX_ATAN2: { /* atan2(y, x): d/dy = x/(x²+y²), d/dx = -y/(x²+y²) */
    Expr *r2 = ex_add(cx, ex_powi(cx, x, 2), ex_powi(cx, y, 2));
    return i == 0 ? d_mul(cx, adj, ex_div(cx, y, r2)) : d_neg(cx, d_mul(cx, adj, ex_div(cx, x, r2)));
  }
  case EX_HYPOT: return d_mul(cx, adj, ex_div(cx, i == 0 ? x : y, e));
  case EX_MIN:
  case EX_MAX: { /* the branch taken; the first argument on a tie */
    Expr *first = e->op == EX_MIN ? cmp(cx, EX_LE, x, y) : cmp(cx, EX_LE, y, x);
    Expr *zero = ex_num(cx, 0);
    return i == 0 ? select3(cx, first, adj, zero) : select3(cx, first, zero, adj);
  }
  case EX_SELECT:
    if (i == 0) return NULL;
    return i == 1 ? select3(cx, x, adj, ex_num(cx, 0)) : select3(cx, x, ex_num(cx, 0), adj);
  case EX_CONST:
  case EX_VAR:
  case EX_INDEX:
  case EX_LOAD:
  case EX_RSUM:
  case EX_RPROD: /* leaves, or differentiated by the sweep */
  case EX_NUM_OPS: break;
  default: break; /* OPF_FLAT: above */
  }
  pdc_unreachable();
}

/* ---- the sweep --------------------------------------------------------- */

typedef struct Contrib {
  Expr *value;
  struct Contrib *next;
} Contrib;

/* The leaves being differentiated by: variables by their index (the common
 * case, kept O(1)), any other node by its id in a sorted list. */
typedef struct Leaves {
  Expr *const *nodes;
  int n;
  char *var_wanted; /* indexed by variable number, maxvar + 1 entries */
  int maxvar;
  uint32_t *ids; /* ids of the non-variable leaves, sorted */
  int *ids_leaf; /* their positions in nodes */
  int nids;
} Leaves;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void leaves_init(Leaves *lv, Expr *const *nodes, int n) {
  memset(lv, 0, sizeof *lv);
  lv->nodes = nodes;
  lv->n = n;
  lv->maxvar = -1;
  for (int j = 0; j < n; j++)
    if (nodes[j]->op == EX_VAR && nodes[j]->k > lv->maxvar) lv->maxvar = nodes[j]->k;
  lv->var_wanted = xcalloc((size_t)lv->maxvar + 2, 1);
  uint64_t *pairs = xmalloc(sizeof(uint64_t) * (size_t)(n + 1));
  for (int j = 0; j < n; j++) {
    if (nodes[j]->op == EX_VAR) lv->var_wanted[nodes[j]->k] = 1;
    else pairs[lv->nids++] = (uint64_t)nodes[j]->id << 32 | (uint32_t)j;
  }
  qsort(pairs, (size_t)lv->nids, sizeof(uint64_t), cmp_u64); /* by id: the high half */
  lv->ids = xmalloc(sizeof(uint32_t) * (size_t)(lv->nids + 1));
  lv->ids_leaf = xmalloc(sizeof(int) * (size_t)(lv->nids + 1));
  for (int a = 0; a < lv->nids; a++) lv->ids[a] = (uint32_t)(pairs[a] >> 32), lv->ids_leaf[a] = (int)(uint32_t)pairs[a];
  free(pairs);
}

static void leaves_free(Leaves *lv) {
  free(lv->var_wanted);
  free(lv->ids);
  free(lv->ids_leaf);
}

/* Which leaf e is (its index in nodes), or -1. */
static int leaf_of(const Leaves *lv, const Expr *e) {
  if (e->op == EX_VAR) {
    if (e->k > lv->maxvar || !lv->var_wanted[e->k]) return -1;
    for (int j = 0; j < lv->n; j++)
      if (lv->nodes[j] == e) return j;
    return -1;
  }
  int lo = 0, hi = lv->nids - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (lv->ids[mid] == e->id) return lv->ids_leaf[mid];
    if (lv->ids[mid] < e->id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

static int is_leaf(const Leaves *lv, const Expr *e) {
  if (e->op == EX_VAR) return e->k <= lv->maxvar && lv->var_wanted[e->k];
  return lv->nids && leaf_of(lv, e) >= 0;
}

/* Edges the sweep follows: not below a leaf, and not into a reduction's
 * body, which is differentiated on its own (its level is bound there). */
static int follow_to_leaves(const Expr *e, int k, void *ctx) {
  (void)k;
  return !ex_is_reduce(e) && !is_leaf(ctx, e);
}

/* e with every loop level >= from moved one deeper, bound and free alike: a
 * copy of a body that can sit inside another loop at level `from`. */
static const Affine *shift_form(AffCtx *ax, const Affine *a, int from) {
  if (!a) return NULL;
  for (int l = AFF_MAX_LEVELS - 2; l >= from; l--)
    if (aff_uses(a, aff_level(l))) a = aff_substitute(ax, a, aff_level(l), aff_var(ax, aff_level(l + 1)));
  return a;
}

Expr *diff_shift_levels(ExprCtx *cx, Expr *e, int from) {
  if (!(e->lvmask >> from) && !ex_is_reduce(e)) {
    /* no free level to move; a reduction inside may still bind one */
    int has_inner = 0;
    size_t n;
    Expr **t = ex_topo(cx, &e, 1, &n);
    for (size_t i = 0; i < n && !has_inner; i++) has_inner = ex_is_reduce(t[i]) && t[i]->k >= from;
    free(t);
    if (!has_inner) return e;
  }
  size_t n;
  Expr **topo = ex_topo(cx, &e, 1, &n);
  const int32_t *pos = ex_index_begin(cx, topo, n);
  Expr **map = xmalloc(sizeof(Expr *) * (n ? n : 1));
  AffCtx *ax = &cx->ax;
  for (size_t i = 0; i < n; i++) {
    Expr *x = topo[i], *r;
    Expr *k[3] = {NULL, NULL, NULL};
    for (int j = 0; j < x->nkids; j++) k[j] = map[pos[x->kid[j]->id]];
    switch ((ExprOp)x->op) {
    case EX_CONST:
    case EX_VAR: r = x; break;
    case EX_INDEX: r = ex_index(cx, shift_form(ax, x->ix[0], from)); break;
    case EX_LOAD: r = ex_load(cx, x->k, shift_form(ax, x->ix[0], from), shift_form(ax, x->ix[1], from)); break;
    case EX_RSUM:
    case EX_RPROD:
      r = ex_reduce(cx, (ExprOp)x->op, x->k >= from ? x->k + 1 : x->k, shift_form(ax, x->ix[0], from),
                    shift_form(ax, x->ix[1], from), k[0]);
      break;
    case EX_POWI: r = ex_powi(cx, k[0], x->k); break;
    default: r = ex_make(cx, (ExprOp)x->op, k); break;
    }
    map[i] = r;
  }
  ex_index_end(cx, topo, n);
  Expr *out = map[n - 1];
  free(map);
  free(topo);
  return out;
}

/* d(Σ_i b_i) = Σ_i db_i; d(Π_i b_i) = Σ_i db_i · Π_{l≠i} b_l, exact where
 * some b_l is 0 (the quotient form P·Σ db_i/b_i is not), at n² cost. */
Expr *diff_product_others(ExprCtx *cx, Expr *prod) {
  AffCtx *ax = &cx->ax;
  int L = prod->k;
  Expr *shifted = diff_shift_levels(cx, prod->kid[0], L);
  Expr *eq[2] = {ex_index(cx, aff_var(ax, aff_level(L + 1))), ex_index(cx, aff_var(ax, aff_level(L)))};
  Expr *sel[3] = {ex_make(cx, EX_EQ, eq), ex_num(cx, 1), shifted};
  return ex_reduce(cx, EX_RPROD, L + 1, prod->ix[0], prod->ix[1], ex_make(cx, EX_SELECT, sel));
}

/* others: diff_product_others of a product, built beforehand (it needs the
 * node index, which the sweep holds). */
static Expr *reduce_partial(ExprCtx *cx, Expr *e, Expr *inner, Expr *others) {
  if (e->op == EX_RSUM) return ex_reduce(cx, EX_RSUM, e->k, e->ix[0], e->ix[1], inner);
  return ex_reduce(cx, EX_RSUM, e->k, e->ix[0], e->ix[1], d_mul(cx, inner, others));
}

void diff_leaves(ExprCtx *cx, Expr *root, Expr *const *leaf_nodes, int nleaves, Expr **out) {
  uint8_t saved_origin = cx->origin;
  cx->origin = 1;
  Leaves lv;
  leaves_init(&lv, leaf_nodes, nleaves);
  size_t n;
  Expr **topo = ex_topo_filtered(cx, &root, 1, &n, follow_to_leaves, &lv);
  const int32_t *pos = ex_index_begin(cx, topo, n);
  /* which nodes depend on a leaf; a reduction's partials come from its body */
  char *dep = xcalloc(n, 1);
  Expr ***inner = xcalloc(n, sizeof(Expr **));
  Expr **others = xcalloc(n, sizeof(Expr *));
  for (size_t i = 0; i < n; i++) {
    Expr *e = topo[i];
    if (is_leaf(&lv, e)) {
      dep[i] = 1;
      continue;
    }
    if (ex_is_reduce(e)) {
      /* the body's own traversal needs the index: it is busy, so release it */
      continue;
    }
    for (int k = 0; k < e->nkids && !dep[i]; k++) dep[i] = dep[pos[e->kid[k]->id]];
  }
  ex_index_end(cx, topo, n);
  for (size_t i = 0; i < n; i++) {
    Expr *e = topo[i];
    if (!ex_is_reduce(e) || is_leaf(&lv, e)) continue;
    inner[i] = xmalloc(sizeof(Expr *) * (size_t)(nleaves ? nleaves : 1));
    diff_leaves(cx, e->kid[0], leaf_nodes, nleaves, inner[i]);
    for (int j = 0; j < nleaves; j++) dep[i] |= !is_zero(inner[i][j]);
    if (e->op == EX_RPROD && dep[i]) others[i] = diff_product_others(cx, e);
  }
  pos = ex_index_begin(cx, topo, n);
  for (size_t i = 0; i < n; i++) { /* a reduction's dependence now flows up */
    Expr *e = topo[i];
    if (dep[i] || is_leaf(&lv, e) || ex_is_reduce(e)) continue;
    for (int k = 0; k < e->nkids && !dep[i]; k++) dep[i] = dep[pos[e->kid[k]->id]];
  }

  Contrib **adj = xcalloc(n, sizeof(Contrib *));
  Contrib **leaf_adj = xcalloc((size_t)nleaves + 1, sizeof(Contrib *));
  size_t nreduce = 0, npool = 0;
  for (size_t i = 0; i < n; i++) nreduce += inner[i] != NULL;
  size_t pool_cap = 3 * n + 1 + (size_t)nleaves * nreduce;
  Contrib *pool = xmalloc(sizeof(Contrib) * pool_cap);
  if (dep[n - 1]) {
    pool[npool] = (Contrib){ex_num(cx, 1), NULL};
    adj[n - 1] = &pool[npool++];
  }
  for (size_t i = n; i-- > 0;) {
    if (!dep[i] || !adj[i]) continue;
    Expr *a = adj[i]->value;
    for (Contrib *c = adj[i]->next; c; c = c->next) a = d_add(cx, a, c->value);
    Expr *e = topo[i];
    int leaf = leaf_of(&lv, e);
    if (leaf >= 0) {
      pool[npool] = (Contrib){a, leaf_adj[leaf]};
      leaf_adj[leaf] = &pool[npool++];
      continue;
    }
    if (ex_is_reduce(e)) {
      for (int j = 0; j < nleaves; j++) {
        if (is_zero(inner[i][j])) continue;
        pool[npool] = (Contrib){d_mul(cx, a, reduce_partial(cx, e, inner[i][j], others[i])), leaf_adj[j]};
        leaf_adj[j] = &pool[npool++];
      }
      continue;
    }
    /* an adjoint that flows into two operands is computed once: keep it
     * whole rather than fold its coefficient into each use */
    int uses = 0;
    for (int k = 0; k < e->nkids; k++) uses += dep[pos[e->kid[k]->id]];
    if (uses > 1 && a->op == EX_MUL && a->kid[0]->op == EX_CONST) a->whole = 1;
    for (int k = 0; k < e->nkids; k++) {
      size_t kp = (size_t)pos[e->kid[k]->id];
      if (!dep[kp]) continue;
      Expr *v = local_adjoint(cx, e, k, a);
      if (!v || is_zero(v)) continue;
      pool[npool] = (Contrib){v, adj[kp]};
      adj[kp] = &pool[npool++];
    }
  }
  for (int j = 0; j < nleaves; j++) {
    Expr *a = ex_num(cx, 0);
    if (leaf_adj[j]) {
      a = leaf_adj[j]->value;
      for (Contrib *c = leaf_adj[j]->next; c; c = c->next) a = d_add(cx, a, c->value);
    }
    out[j] = a;
  }
  ex_index_end(cx, topo, n);
  cx->origin = saved_origin;
  for (size_t i = 0; i < n; i++) free(inner[i]);
  free(inner);
  free(others);
  free(pool);
  free(leaf_adj);
  free(adj);
  free(dep);
  free(topo);
  leaves_free(&lv);
}

void diff_gradient(ExprCtx *cx, Expr *root, const int *vars, int nvars, Expr **out) {
  Expr **leaves = xmalloc(sizeof(Expr *) * (size_t)(nvars ? nvars : 1));
  for (int j = 0; j < nvars; j++) leaves[j] = ex_var(cx, vars[j]);
  diff_leaves(cx, root, leaves, nvars, out);
  free(leaves);
}

Expr *diff_partial(ExprCtx *cx, Expr *root, int var) {
  Expr *out;
  diff_gradient(cx, root, &var, 1, &out);
  return out;
}
