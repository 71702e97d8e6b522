/* expr.c — interning, exact simplification and constant folding. */
#include "expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const OpInfo op_info[] = {
#define OP(kind, name, arity, flags, eval, llvm, libm, summary) {name, arity, flags, llvm, libm, summary},
#include "ops.def"
};

const OpInfo *ex_op_info(ExprOp op) { return &op_info[op]; }
const char *ex_op_name(ExprOp op) { return op_info[op].name; }
int ex_op_arity(ExprOp op) { return op_info[op].arity; }
int ex_op_flags(ExprOp op) { return op_info[op].flags; }

void ex_ctx_init(ExprCtx *cx, Arena *arena) {
  memset(cx, 0, sizeof *cx);
  cx->arena = arena;
  cx->tcap = 1024;
  cx->table = xcalloc(cx->tcap, sizeof(Expr *));
  aff_ctx_init(&cx->ax, arena);
}

void ex_ctx_free(ExprCtx *cx) {
  free(cx->index);
  free(cx->table);
  free(cx->nodes);
  free(cx->mark);
  aff_ctx_free(&cx->ax);
  memset(cx, 0, sizeof *cx);
}

static uint64_t double_bits(double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u;
}

int ex_is_exactly(const Expr *e, double v) { return e->op == EX_CONST && double_bits(e->num) == double_bits(v); }

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

static uint64_t form_id(const Affine *a) { return a ? (uint64_t)a->id + 1 : 0; }

static uint64_t node_hash(ExprOp op, int k, double num, Expr *const *kids, int n, const Affine *const *ix) {
  uint64_t h = mix((uint64_t)op, (uint64_t)(uint32_t)k);
  h = mix(h, double_bits(num));
  for (int i = 0; i < n; i++) h = mix(h, kids[i]->id);
  if (ix) h = mix(mix(h, form_id(ix[0])), form_id(ix[1]));
  return h ^ (h >> 29);
}

static int node_equal(const Expr *e, ExprOp op, int k, double num, Expr *const *kids, int n, const Affine *const *ix) {
  if (e->op != op || e->k != k || double_bits(e->num) != double_bits(num)) return 0;
  for (int i = 0; i < n; i++)
    if (e->kid[i] != kids[i]) return 0;
  if (e->ix[0] != (ix ? ix[0] : NULL) || e->ix[1] != (ix ? ix[1] : NULL)) return 0;
  return 1;
}

static int has_forms(const Expr *e) { return e->ix[0] || e->ix[1]; }

static uint16_t form_levels(const Affine *a) { return (uint16_t)aff_level_mask(a); }

/* The loop levels a node depends on: its operands' and forms', less the
 * level a reduction binds. */
static uint16_t level_mask(ExprOp op, int k, Expr *const *kids, int n, const Affine *const *ix) {
  uint16_t m = 0;
  for (int i = 0; i < n; i++) m |= kids[i]->lvmask;
  if (ix) m |= form_levels(ix[0]) | form_levels(ix[1]);
  if (op == EX_RSUM || op == EX_RPROD) m &= (uint16_t) ~(1u << k);
  return m;
}

static void table_grow(ExprCtx *cx) {
  size_t cap = cx->tcap * 2;
  Expr **t = xcalloc(cap, sizeof(Expr *));
  for (size_t i = 0; i < cx->count; i++) {
    Expr *e = cx->nodes[i];
    size_t h = (size_t)node_hash(e->op, e->k, e->num, e->kid, e->nkids, has_forms(e) ? e->ix : NULL) & (cap - 1);
    while (t[h]) h = (h + 1) & (cap - 1);
    t[h] = e;
  }
  free(cx->table);
  cx->table = t;
  cx->tcap = cap;
}

static Expr *intern_forms(ExprCtx *cx, ExprOp op, int k, double num, Expr *const *kids, const Affine *const *ix);

Expr *ex_intern(ExprCtx *cx, ExprOp op, int k, double num, Expr *const *kids) {
  return intern_forms(cx, op, k, num, kids, NULL);
}

static Expr *intern_forms(ExprCtx *cx, ExprOp op, int k, double num, Expr *const *kids, const Affine *const *ix) {
  int n = op_info[op].arity;
  if (ix && !ix[0] && !ix[1]) ix = NULL;
  size_t h = (size_t)node_hash(op, k, num, kids, n, ix) & (cx->tcap - 1);
  for (Expr *e; (e = cx->table[h]); h = (h + 1) & (cx->tcap - 1))
    if (node_equal(e, op, k, num, kids, n, ix)) return e;
  if (cx->node_limit && cx->count >= cx->node_limit) {
    if (!cx->over_limit) { /* the sink is an ordinary node, so traversals still work */
      size_t limit = cx->node_limit;
      cx->node_limit = 0;
      cx->sink = ex_num(cx, 0);
      cx->node_limit = limit;
      cx->over_limit = 1;
    }
    return cx->sink;
  }
  Expr *e = ARENA_NEW(cx->arena, Expr);
  e->id = (uint32_t)cx->count;
  e->op = (uint8_t)op;
  e->nkids = (uint8_t)n;
  e->from_diff = cx->origin;
  e->whole = 0;
  e->k = k;
  e->num = num;
  for (int i = 0; i < n; i++) e->kid[i] = kids[i];
  e->ix[0] = ix ? ix[0] : NULL;
  e->ix[1] = ix ? ix[1] : NULL;
  e->lvmask = level_mask(op, k, kids, n, ix);
  if (cx->count == cx->ncap) {
    cx->ncap = cx->ncap ? cx->ncap * 2 : 1024;
    cx->nodes = xrealloc(cx->nodes, cx->ncap * sizeof(Expr *));
  }
  cx->nodes[cx->count++] = e;
  cx->table[h] = e;
  if (cx->count * 2 > cx->tcap) table_grow(cx);
  return e;
}

Expr *ex_num(ExprCtx *cx, double v) { return ex_intern(cx, EX_CONST, 0, v, NULL); }
Expr *ex_var(ExprCtx *cx, int index) { return ex_intern(cx, EX_VAR, index, 0, NULL); }

Expr *ex_index(ExprCtx *cx, const Affine *a) {
  if (aff_is_const(a)) return ex_num(cx, (double)a->c);
  const Affine *ix[2] = {a, NULL};
  return intern_forms(cx, EX_INDEX, 0, 0, NULL, ix);
}

Expr *ex_load(ExprCtx *cx, int param, const Affine *i0, const Affine *i1) {
  const Affine *ix[2] = {i0, i1};
  return intern_forms(cx, EX_LOAD, param, 0, NULL, ix);
}

Expr *ex_reduce(ExprCtx *cx, ExprOp op, int level, const Affine *lo, const Affine *hi, Expr *body) {
  double empty = op == EX_RSUM ? 0.0 : 1.0;
  const Affine *span = aff_sub(&cx->ax, hi, lo); /* i + 1..i is empty whatever i is */
  if (span && aff_is_const(span) && span->c < 0) return ex_num(cx, empty);
  /* a sum of zeros is +0 (0 + -0 is +0), a product of ones is 1 */
  if (ex_is_const(body) && body->num == empty && (op == EX_RPROD || !signbit(body->num))) return ex_num(cx, empty);
  const Affine *ix[2] = {lo, hi};
  return intern_forms(cx, op, level, 0, &body, ix);
}

static Expr *intern2(ExprCtx *cx, ExprOp op, Expr *a, Expr *b) {
  Expr *kids[2] = {a, b};
  return ex_intern(cx, op, 0, 0, kids);
}

static Expr *intern1(ExprCtx *cx, ExprOp op, Expr *a) { return ex_intern(cx, op, 0, 0, &a); }

double ex_powi_eval(double x, int k) {
  if (k < 0) return 1.0 / ex_powi_eval(x, -k);
  if (k == 0) return 1.0;
  if (k == 1) return x;
  if (k % 2 == 0) {
    double h = ex_powi_eval(x, k / 2);
    return h * h;
  }
  return ex_powi_eval(x, k - 1) * x;
}

static double ex_sign(double x) {
  if (x > 0) return 1.0;
  if (x < 0) return -1.0;
  return x - x; /* +0 at ±0, NaN for NaN */
}

/* Leaves (constants, variables) have no operation to evaluate. */
#define ex_unevaluated() (pdc_unreachable(), 0.0)

double ex_eval_op(ExprOp op, int k, const double *a) {
  (void)k;
  switch (op) {
    // clang-format off
#define OP(kind, name, arity, flags, eval, llvm, libm, summary) case kind: return eval;
#include "ops.def"
    // clang-format on
  case EX_NUM_OPS: break;
  }
  pdc_unreachable();
}

/* The constant v folded from operands a and b (b may be NULL). */
static Expr *folded(ExprCtx *cx, double v, const Expr *a, const Expr *b) {
  if (!isfinite(v) && isfinite(a->num) && (!b || isfinite(b->num))) cx->nonfinite_folds++;
  return ex_num(cx, v);
}

static Expr *fold(ExprCtx *cx, ExprOp op, int k, Expr *const *kids, int n) {
  double v[3] = {0, 0, 0};
  int finite = 1;
  for (int i = 0; i < n; i++) v[i] = kids[i]->num, finite &= isfinite(v[i]) != 0;
  double r = ex_eval_op(op, k, v);
  if (finite && !isfinite(r) && !(ex_op_flags(op) & OPF_BOOL)) cx->nonfinite_folds++;
  return ex_num(cx, r);
}

static Expr *lookup(ExprCtx *cx, ExprOp op, Expr *a, Expr *b) {
  Expr *kids[2] = {a, b};
  size_t h = (size_t)node_hash(op, 0, 0, kids, 2, NULL) & (cx->tcap - 1);
  for (Expr *e; (e = cx->table[h]); h = (h + 1) & (cx->tcap - 1))
    if (node_equal(e, op, 0, 0, kids, 2, NULL)) return e;
  return NULL;
}

/* Operand order of a commutative operation: a constant goes first in a
 * product (2*x) and last elsewhere (x + 2, x == 0); otherwise the order
 * written is kept, so formulas print as written, and y*x finds an existing
 * x*y (one node, shared). */
static void order(ExprCtx *cx, ExprOp op, Expr **a, Expr **b) {
  Expr *x = *a, *y = *b;
  int swap = 0;
  if (ex_is_const(x) != ex_is_const(y)) swap = op == EX_MUL ? ex_is_const(y) : ex_is_const(x);
  else if (!lookup(cx, op, x, y) && lookup(cx, op, y, x)) swap = 1;
  if (swap) *a = y, *b = x;
}

/* Whether e is never -0.0 (nor NaN matters: x + 0 is x for NaN too): then
 * +0 + e is exactly e. An even power, |x| and exp are never -0. */
static int never_negative_zero(const Expr *e) {
  if (e->op == EX_POWI) return e->k % 2 == 0;
  return e->op == EX_ABS || e->op == EX_EXP || e->op == EX_COSH || (e->op == EX_CONST && !signbit(e->num));
}

Expr *ex_add(ExprCtx *cx, Expr *a, Expr *b) {
  if (ex_is_const(a) && ex_is_const(b)) return folded(cx, a->num + b->num, a, b);
  if (ex_is_exactly(a, 0.0) && never_negative_zero(b)) return b; /* +0 + x^2 = x^2, -0 included */
  if (ex_is_exactly(b, 0.0) && never_negative_zero(a)) return a;
  if (ex_is_exactly(b, -0.0)) return a; /* x + -0 = x, even for x = -0 */
  if (ex_is_exactly(a, -0.0)) return b;
  if (cx->fast_math && ex_is_num(b, 0)) return a;
  if (cx->fast_math && ex_is_num(a, 0)) return b;
  if (b->op == EX_NEG) return ex_sub(cx, a, b->kid[0]); /* a + (-b) = a - b */
  if (a->op == EX_NEG) return ex_sub(cx, b, a->kid[0]);
  order(cx, EX_ADD, &a, &b);
  return intern2(cx, EX_ADD, a, b);
}

Expr *ex_sub(ExprCtx *cx, Expr *a, Expr *b) {
  if (ex_is_const(a) && ex_is_const(b)) return folded(cx, a->num - b->num, a, b);
  if (ex_is_exactly(b, 0.0)) return a; /* x - +0 = x, even for x = -0 */
  if (ex_is_exactly(a, -0.0)) return ex_neg(cx, b);
  if (b->op == EX_NEG) return ex_add(cx, a, b->kid[0]);
  if (cx->fast_math) {
    if (a == b) return ex_num(cx, 0);
    if (ex_is_num(b, 0)) return a;
    if (ex_is_num(a, 0)) return ex_neg(cx, b);
  }
  return intern2(cx, EX_SUB, a, b);
}

Expr *ex_mul(ExprCtx *cx, Expr *a, Expr *b) {
  if (ex_is_const(a) && ex_is_const(b)) return folded(cx, a->num * b->num, a, b);
  order(cx, EX_MUL, &a, &b);
  if (ex_is_num(a, 1)) return b;
  if (ex_is_num(a, -1)) return ex_neg(cx, b);
  if (cx->fast_math && ex_is_num(a, 0)) return a;
  if (a->op == EX_NEG && b->op == EX_NEG) return ex_mul(cx, a->kid[0], b->kid[0]);
  if (a == b) return ex_powi(cx, a, 2); /* x*x is exactly how x^2 is computed */
  return intern2(cx, EX_MUL, a, b);
}

Expr *ex_div(ExprCtx *cx, Expr *a, Expr *b) {
  if (ex_is_const(a) && ex_is_const(b)) return folded(cx, a->num / b->num, a, b);
  if (ex_is_num(b, 1)) return a;
  if (ex_is_num(b, -1)) return ex_neg(cx, a);
  if (a->op == EX_NEG && b->op == EX_NEG) return ex_div(cx, a->kid[0], b->kid[0]);
  if (ex_is_num(a, 1) && b->op == EX_POWI && b->kid[0]->op != EX_CONST)
    return ex_powi(cx, b->kid[0], -b->k); /* 1/x^k is how x^-k is computed */
  if (cx->fast_math && a == b) return ex_num(cx, 1);
  return intern2(cx, EX_DIV, a, b);
}

Expr *ex_neg(ExprCtx *cx, Expr *a) {
  if (ex_is_const(a)) return ex_num(cx, -a->num);
  if (a->op == EX_NEG) return a->kid[0];
  return intern1(cx, EX_NEG, a);
}

Expr *ex_powi(ExprCtx *cx, Expr *a, int k) {
  if (k == 0) return ex_num(cx, 1); /* pow(x, 0) = 1 for every x, NaN too */
  if (k == 1) return a;
  if (ex_is_const(a)) return folded(cx, ex_powi_eval(a->num, k), a, NULL);
  if (a->op == EX_POWI && a->k > 0 && k > 0 && (int64_t)a->k * k <= EX_POWI_MAX && cx->fast_math)
    return ex_powi(cx, a->kid[0], a->k * k);
  return ex_intern(cx, EX_POWI, k, 0, &a);
}

Expr *ex_pow(ExprCtx *cx, Expr *a, Expr *b) {
  if (ex_is_const(b) && b->num == floor(b->num) && fabs(b->num) <= EX_POWI_MAX) return ex_powi(cx, a, (int)b->num);
  if (ex_is_const(a) && ex_is_const(b)) return folded(cx, pow(a->num, b->num), a, b);
  return intern2(cx, EX_POW, a, b);
}

static int implied_by_kid(const Expr *e, const Expr *c) { return e->kid[0] == c || e->kid[1] == c; }

/* Whether truth value d is known once c is known true (when_true) or false:
 * c itself, or an 'or' holding c (true), or an 'and' holding c (false). */
static int decided_by(const Expr *d, const Expr *c, int when_true, int *value) {
  if (d == c) {
    *value = when_true;
    return 1;
  }
  if (when_true && d->op == EX_OR && implied_by_kid(d, c)) {
    *value = 1;
    return 1;
  }
  if (!when_true && d->op == EX_AND && implied_by_kid(d, c)) {
    *value = 0;
    return 1;
  }
  return 0;
}

/* select(c, a, b), with the exact simplifications: a known condition, equal
 * branches, not c swapped, and a nested select whose condition the outer
 * one decides (the derivative of nested if/min/max repeats its guards). */
static Expr *make_select(ExprCtx *cx, Expr *c, Expr *a, Expr *b) {
  for (;;) {
    if (ex_is_const(c)) return c->num != 0 ? a : b;
    if (a == b) return a;
    if (c->op != EX_NOT) break;
    Expr *t = a;
    a = b, b = t, c = c->kid[0];
  }
  int v;
  while (a->op == EX_SELECT && decided_by(a->kid[0], c, 1, &v)) a = v ? a->kid[1] : a->kid[2];
  while (b->op == EX_SELECT && decided_by(b->kid[0], c, 0, &v)) b = v ? b->kid[1] : b->kid[2];
  if (a == b) return a;
  Expr *k[3] = {c, a, b};
  return ex_intern(cx, EX_SELECT, 0, 0, k);
}

Expr *ex_make(ExprCtx *cx, ExprOp op, Expr *const *kids) {
  switch (op) {
  case EX_ADD: return ex_add(cx, kids[0], kids[1]);
  case EX_SUB: return ex_sub(cx, kids[0], kids[1]);
  case EX_MUL: return ex_mul(cx, kids[0], kids[1]);
  case EX_DIV: return ex_div(cx, kids[0], kids[1]);
  case EX_NEG: return ex_neg(cx, kids[0]);
  case EX_POW: return ex_pow(cx, kids[0], kids[1]);
  case EX_CONST:
  case EX_VAR:
  case EX_POWI:
  case EX_INDEX:
  case EX_LOAD:
  case EX_RSUM:
  case EX_RPROD:
  case EX_NUM_OPS: pdc_unreachable();
  default: break;
  }
  int n = op_info[op].arity;
  if (op == EX_SELECT) return make_select(cx, kids[0], kids[1], kids[2]);
  int all_const = 1;
  for (int i = 0; i < n; i++) all_const &= ex_is_const(kids[i]);
  if (all_const) return fold(cx, op, 0, kids, n);
  if (op == EX_NOT && kids[0]->op == EX_NOT) return kids[0]->kid[0];
  if ((op == EX_AND || op == EX_OR) && kids[0] == kids[1]) return kids[0];
  /* a or (a or b) is a or b; likewise for and */
  if ((op == EX_AND || op == EX_OR) && kids[1]->op == op && implied_by_kid(kids[1], kids[0])) return kids[1];
  if ((op == EX_AND || op == EX_OR) && kids[0]->op == op && implied_by_kid(kids[0], kids[1])) return kids[0];
  /* a truth value known at compile time (a comparison of constants) */
  if (op == EX_AND || op == EX_OR) {
    for (int i = 0; i < 2; i++) {
      if (!ex_is_const(kids[i])) continue;
      int truth = kids[i]->num != 0;
      if (op == EX_AND) return truth ? kids[1 - i] : ex_num(cx, 0);
      return truth ? ex_num(cx, 1) : kids[1 - i];
    }
  }
  Expr *k2[3] = {kids[0], n > 1 ? kids[1] : NULL, n > 2 ? kids[2] : NULL};
  if (op_info[op].flags & OPF_COMM) order(cx, op, &k2[0], &k2[1]);
  return ex_intern(cx, op, 0, 0, k2);
}

/* Marks are stamps: a traversal takes a new stamp, so no mark needs
 * clearing between traversals (clearing them all made every traversal cost
 * the whole file's DAG). New ids get 0, which no stamp equals. */
static void ensure_marks(ExprCtx *cx) {
  if (cx->mark_cap < cx->count) {
    size_t cap = cx->count + cx->count / 2 + 1024;
    cx->mark = xrealloc(cx->mark, cap * sizeof(uint32_t));
    memset(cx->mark + cx->mark_cap, 0, (cap - cx->mark_cap) * sizeof(uint32_t));
    cx->mark_cap = cap;
  }
  if (cx->stamp == UINT32_MAX) {
    memset(cx->mark, 0, cx->mark_cap * sizeof(uint32_t));
    cx->stamp = 0;
  }
}

Expr **ex_topo(ExprCtx *cx, Expr *const *roots, size_t nroots, size_t *n) {
  return ex_topo_filtered(cx, roots, nroots, n, NULL, NULL);
}

Expr **ex_topo_filtered(ExprCtx *cx, Expr *const *roots, size_t nroots, size_t *n,
                        int (*follow)(const Expr *e, int k, void *ctx), void *ctx) {
  ensure_marks(cx);
  uint32_t stamp = ++cx->stamp;
  size_t cap = 64, len = 0, sp = 0, scap = 64;
  Expr **out = xmalloc(cap * sizeof(Expr *));
  struct Frame {
    Expr *e;
    int next;
  } *stack = xmalloc(scap * sizeof *stack);
  for (size_t r = 0; r < nroots; r++) {
    if (cx->mark[roots[r]->id] == stamp) continue;
    cx->mark[roots[r]->id] = stamp;
    stack[sp++] = (struct Frame){roots[r], 0};
    while (sp) {
      struct Frame *f = &stack[sp - 1];
      if (f->next < f->e->nkids) {
        int k = f->next++;
        Expr *c = f->e->kid[k];
        if (cx->mark[c->id] == stamp) continue;
        if (follow && !follow(f->e, k, ctx)) continue;
        cx->mark[c->id] = stamp;
        if (sp == scap) {
          scap *= 2;
          stack = xrealloc(stack, scap * sizeof *stack);
        }
        stack[sp++] = (struct Frame){c, 0};
        continue;
      }
      if (len == cap) {
        cap *= 2;
        out = xrealloc(out, cap * sizeof(Expr *));
      }
      out[len++] = f->e;
      sp--;
    }
  }
  free(stack);
  *n = len;
  return out;
}

static void dump_ref(Buf *out, const Expr *e, const char *const *var_names) {
  switch (e->op) {
  case EX_CONST: buf_put_double(out, e->num); break;
  case EX_VAR: buf_puts(out, var_names ? var_names[e->k] : "?"); break;
  default: buf_printf(out, "%%%u", e->id); break;
  }
}

void ex_dump(Buf *out, ExprCtx *cx, Expr *const *roots, const char *const *root_names, size_t nroots,
             const char *const *var_names) {
  size_t n;
  Expr **order_ = ex_topo(cx, roots, nroots, &n);
  for (size_t i = 0; i < n; i++) {
    Expr *e = order_[i];
    if (e->op == EX_CONST || e->op == EX_VAR) continue;
    buf_printf(out, "  %%%u = (%s", e->id, ex_op_name((ExprOp)e->op));
    if (e->op == EX_POWI) buf_printf(out, " %d", e->k);
    for (int k = 0; k < e->nkids; k++) {
      buf_putc(out, ' ');
      dump_ref(out, e->kid[k], var_names);
    }
    buf_puts(out, ")\n");
  }
  for (size_t r = 0; r < nroots; r++) {
    buf_printf(out, "  %s = ", root_names[r]);
    dump_ref(out, roots[r], var_names);
    buf_putc(out, '\n');
  }
  free(order_);
}

const int32_t *ex_index_begin(ExprCtx *cx, Expr *const *list, size_t n) {
  if (cx->index_busy) pdc_unreachable();
  cx->index_busy = 1;
  if (cx->index_cap < cx->count) {
    size_t cap = cx->count + cx->count / 2 + 1024;
    cx->index = xrealloc(cx->index, cap * sizeof(int32_t));
    memset(cx->index + cx->index_cap, 0xff, (cap - cx->index_cap) * sizeof(int32_t));
    cx->index_cap = cap;
  }
  for (size_t i = 0; i < n; i++) cx->index[list[i]->id] = (int32_t)i;
  return cx->index;
}

void ex_index_end(ExprCtx *cx, Expr *const *list, size_t n) {
  for (size_t i = 0; i < n; i++) cx->index[list[i]->id] = -1;
  cx->index_busy = 0;
}

Expr *ex_substitute(ExprCtx *cx, Expr *root, Expr *const *vals, int nvals) {
  int identity = 1;
  for (int i = 0; i < nvals && identity; i++) identity = vals[i]->op == EX_VAR && vals[i]->k == i;
  if (identity) return root;
  size_t n;
  Expr **topo = ex_topo(cx, &root, 1, &n);
  const int32_t *pos = ex_index_begin(cx, topo, n);
  Expr **map = xmalloc((n ? n : 1) * sizeof(Expr *)); /* by position in topo */
  for (size_t i = 0; i < n; i++) {
    Expr *e = topo[i], *r;
    Expr *k[3] = {NULL, NULL, NULL};
    for (int j = 0; j < e->nkids; j++) k[j] = map[pos[e->kid[j]->id]];
    if (e->op == EX_VAR) r = e->k < nvals ? vals[e->k] : e;
    else if (e->op == EX_CONST || e->op == EX_INDEX || e->op == EX_LOAD) r = e;
    else if (ex_is_reduce(e)) r = ex_reduce(cx, (ExprOp)e->op, e->k, e->ix[0], e->ix[1], k[0]);
    else if (e->op == EX_POWI) r = ex_powi(cx, k[0], e->k);
    else r = ex_make(cx, (ExprOp)e->op, k);
    map[i] = r;
  }
  ex_index_end(cx, topo, n);
  Expr *out = map[n - 1]; /* the root comes last */
  free(map);
  free(topo);
  return out;
}

double ex_evaluate(ExprCtx *cx, Expr *root, const double *vars) {
  size_t n;
  Expr **topo = ex_topo(cx, &root, 1, &n);
  double *val = xcalloc(cx->count, sizeof(double));
  for (size_t i = 0; i < n; i++) {
    Expr *e = topo[i];
    if (e->op == EX_CONST) val[e->id] = e->num;
    else if (e->op == EX_VAR) val[e->id] = vars[e->k];
    else {
      double a[3] = {0, 0, 0};
      for (int k = 0; k < e->nkids; k++) a[k] = val[e->kid[k]->id];
      val[e->id] = ex_eval_op((ExprOp)e->op, e->k, a);
    }
  }
  double r = val[root->id];
  free(val);
  free(topo);
  return r;
}
