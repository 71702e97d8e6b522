/* lower.c — AST to DAG, then reverse-mode derivatives per function.
 *
 * A call to a user function lowers the callee's body with its parameters
 * bound to the argument nodes. Results are memoized on (callee, argument
 * nodes), so a function called many times with the same arguments is
 * lowered once and, being hash-consed, computed once. */
#include "lower.h"

#include "input_limits.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "builtins.h"
#include "diff.h"
#include "lexer.h"
#include "strmap.h"

typedef struct Lower {
  ExprCtx *cx;
  Arena *arena;
  StrMap const_values; /* const name -> Expr* */
  StrMap call_memo;    /* "callee@id,id,..." -> Expr* */
  StrMap func_values;  /* function name -> its body over its own variables */
  Buf key;
  Diag *d;
  unsigned warned_folds; /* cx->nonfinite_folds already reported */
} Lower;

typedef struct Env {
  const AstFunc *fn;
  Expr **params;
  Expr **lets;              /* scalar lets; NULL entries for lets defined element by element */
  const Affine **slot_form; /* the form each index variable stands for */
  int depth;                /* enclosing reductions: the next one binds this level */
  AffLoops loops;           /* their ranges, for proofs (narrowed by conditions) */
  AffLoops unnarrowed;      /* the same without the conditions */
  Span level_span[AFF_MAX_LEVELS];
  const char *level_name[AFF_MAX_LEVELS];
} Env;

static Expr *lower_expr(Lower *L, const Env *env, const Ast *e);

static Expr *lower_const(Lower *L, const AstConst *c) {
  Expr *v = strmap_get(&L->const_values, c->name.name);
  if (!v) {
    v = lower_expr(L, NULL, c->value);
    strmap_put(&L->const_values, c->name.name, v);
  }
  return v;
}

static Expr *lower_body(Lower *L, const AstFunc *fn, Expr **params) {
  Env env = {.fn = fn, .params = params, .lets = fn->nlets ? ARENA_ARRAY(L->arena, Expr *, fn->nlets) : NULL};
  env.slot_form = ARENA_ARRAY(L->arena, const Affine *, fn->nslots ? fn->nslots : 1);
  for (int i = 0; i < fn->nlets; i++) env.lets[i] = fn->lets[i].nidx ? NULL : lower_expr(L, &env, fn->lets[i].value);
  return lower_expr(L, &env, fn->body);
}

/* ---- arrays ---------------------------------------------------------------- */

static const char *form_var_name(int32_t var, void *ctx) {
  const Env *env = ctx;
  if (aff_is_level(var)) return env->level_name[var] ? env->level_name[var] : "?";
  return env->fn->sizes[aff_size_index(var)];
}

static const char *print_form(Lower *L, const Env *env, const Affine *a) {
  Buf b;
  buf_init(&b);
  aff_print(&b, a, form_var_name, (void *)env);
  const char *s = arena_strndup(L->arena, b.data, b.len);
  buf_free(&b);
  return s;
}

/* (a) mod m: the modulus must be positive wherever the loops run; what is
 * provable of a decides the code (see AffAtom). */
static const Affine *lower_mod(Lower *L, const Env *env, const Ast *at, const Affine *a, const Affine *m) {
  AffCtx *ax = &L->cx->ax;
  const Affine *one = aff_const(ax, 1);
  if (!aff_prove_nonneg(ax, aff_sub(ax, m, one), &env->loops)) {
    diag_error(L->d, at->span, "cannot prove that the modulus %s is at least 1 here; 'mod' needs a positive modulus",
               print_form(L, env, m));
    return NULL;
  }
  int wrap = 0;
  if (aff_prove_within(ax, a, aff_const(ax, 0), aff_sub(ax, aff_scale(ax, m, 2), one), &env->loops)) wrap = 1;
  else if (aff_prove_within(ax, a, aff_scale(ax, m, -1), aff_sub(ax, m, one), &env->loops)) wrap = -1;
  return aff_mod(ax, a, m, wrap);
}

/* The integer value of an index expression, as a form; NULL after an error. */
static const Affine *lower_form(Lower *L, const Env *env, const Ast *e) {
  AffCtx *ax = &L->cx->ax;
  const Affine *r = NULL;
  switch (e->kind) {
  case AST_NUM: return aff_const(ax, (int64_t)e->num);
  case AST_NAME:
    if (e->ref.kind == REF_INDEX) return env->slot_form[e->ref.index];
    if (e->ref.kind == REF_SIZE) return aff_var(ax, aff_size(e->ref.index));
    pdc_unreachable(); /* sema: integers are indices, sizes and numbers */
  case AST_NEG: {
    const Affine *a = lower_form(L, env, e->kids[0]);
    return a ? aff_scale(ax, a, -1) : NULL;
  }
  case AST_SUM:
  case AST_PROD:
    r = lower_form(L, env, e->kids[0]);
    for (int i = 1; i < e->nkids && r; i++) {
      const Affine *x = lower_form(L, env, e->kids[i]);
      if (!x) return NULL;
      switch (e->ops[i]) {
      case TK_PLUS: r = aff_add(ax, r, x); break;
      case TK_MINUS: r = aff_sub(ax, r, x); break;
      case TK_STAR:
        if (!aff_is_const(r) && !aff_is_const(x)) {
          diag_error(L->d, span_join(e->kids[0]->span, e->kids[i]->span),
                     "an index must be affine: a product of two indices or sizes (%s times %s) is not supported",
                     print_form(L, env, r), print_form(L, env, x));
          return NULL;
        }
        r = aff_is_const(r) ? aff_scale(ax, x, r->c) : aff_scale(ax, r, x->c);
        break;
      case TK_MOD: r = lower_mod(L, env, e->kids[i], r, x); break;
      default: pdc_unreachable();
      }
    }
    if (!r && ax->overflow) diag_error(L->d, e->span, "this index arithmetic overflows 64-bit integers");
    return r;
  default: pdc_unreachable();
  }
}

/* The extent of dimension k of parameter p, as a form in sizes. */
static const Affine *extent_form(Lower *L, const AstFunc *fn, int p, int k) {
  const AstDim *d = &fn->shapes[p].dim[k];
  return d->size ? aff_var(&L->cx->ax, aff_size(d->size_index)) : aff_const(&L->cx->ax, d->fixed);
}

static void note_ranges(Lower *L, const Env *env, const Affine *a) {
  for (int i = 0; i < a->nterms; i++) {
    int32_t v = a->t[i].var;
    if (!aff_is_level(v)) continue;
    diag_note(L->d, env->level_span[v], "'%s' runs from %s to %s", env->level_name[v],
              print_form(L, env, env->loops.lo[v]), print_form(L, env, env->loops.hi[v]));
  }
}

/* Proves 0 <= a <= extent - 1 wherever the loops run; reports otherwise. */
static int check_bounds(Lower *L, const Env *env, const Ast *at, const char *array, const Affine *a,
                        const Affine *extent) {
  AffCtx *ax = &L->cx->ax;
  const Affine *last = aff_sub(ax, extent, aff_const(ax, 1));
  if (aff_prove_within(ax, a, aff_const(ax, 0), last, &env->loops)) return 1;
  /* the narrowed range loses what the whole range implies (i == 0 makes it
   * 0..0, and x[0] needs n >= 1): either proof is sound */
  if (aff_prove_within(ax, a, aff_const(ax, 0), last, &env->unnarrowed)) return 1;
  const Affine *hi = aff_extreme(ax, a, &env->loops, 1), *lo = aff_extreme(ax, a, &env->loops, 0);
  const char *ia = print_form(L, env, a);
  if (hi && aff_prove_nonneg(ax, aff_sub(ax, hi, extent), &env->loops))
    diag_error(L->d, at->span, "index %s of '%s' is out of range: it reaches %s, past the last element %s[%s]", ia,
               array, print_form(L, env, hi), array, print_form(L, env, last));
  else if (lo && aff_prove_nonneg(ax, aff_sub(ax, aff_const(ax, -1), lo), &env->loops))
    diag_error(L->d, at->span, "index %s of '%s' is out of range: it reaches %s, before the first element %s[0]", ia,
               array, print_form(L, env, lo), array);
  else
    diag_error(L->d, at->span,
               "cannot prove that index %s of '%s' stays within 0..%s; guard it with 'if', or narrow the range of "
               "the sum",
               ia, array, print_form(L, env, last));
  note_ranges(L, env, a);
  return 0;
}

/* x[i+1] of a parameter, or h[j] of a let defined element by element (its
 * definition lowered here, with its indices standing for these). */
static Expr *lower_index(Lower *L, const Env *env, const Ast *e) {
  const Affine *f[AST_MAX_DIMS] = {NULL, NULL};
  for (int k = 0; k < e->nkids; k++)
    if (!(f[k] = lower_form(L, env, e->kids[k]))) return ex_num(L->cx, 0);
  if (e->ref.kind == REF_PARAM) {
    int ok = 1;
    for (int k = 0; k < e->nkids; k++)
      ok &= check_bounds(L, env, e->kids[k], e->name, f[k], extent_form(L, env->fn, e->ref.index, k));
    if (!ok) return ex_num(L->cx, 0);
    return ex_load(L->cx, e->ref.index, f[0], f[1]);
  }
  const AstLet *let = &env->fn->lets[e->ref.index];
  Env inner = *env;
  inner.slot_form = ARENA_ARRAY(L->arena, const Affine *, env->fn->nslots ? env->fn->nslots : 1);
  memcpy(inner.slot_form, env->slot_form, sizeof(const Affine *) * (size_t)env->fn->nslots);
  for (int k = 0; k < let->nidx; k++) inner.slot_form[let->slots[k]] = f[k];
  unsigned errors = (unsigned)diag_error_count(L->d);
  Expr *r = lower_expr(L, &inner, let->value);
  if ((unsigned)diag_error_count(L->d) > errors) diag_note(L->d, e->span, "in '%s' as used here", e->name);
  return r;
}

/* Ranges of a constant length up to this are unrolled: `sum(c = 0..2)` over
 * coordinates is three terms, as one writes it by hand, and needs no loop
 * (nor does its gradient). */
enum { LOWER_UNROLL_MAX = 4 };

/* The ranges of sum/prod(i = lo..hi, j = ...) from binder b on, the first
 * outermost; each one a reduction over the next loop level, or unrolled. */
static Expr *lower_ranges(Lower *L, const Env *env, const Ast *e, int b) {
  if (b == e->nbinders) return lower_expr(L, env, e->kids[e->nkids - 1]);
  ExprCtx *cx = L->cx;
  ExprOp op = e->is_prod ? EX_RPROD : EX_RSUM;
  Env inner = *env;
  inner.slot_form = ARENA_ARRAY(L->arena, const Affine *, env->fn->nslots ? env->fn->nslots : 1);
  memcpy(inner.slot_form, env->slot_form, sizeof(const Affine *) * (size_t)env->fn->nslots);
  const Affine *lo = lower_form(L, env, e->kids[2 * b]), *hi = lower_form(L, env, e->kids[2 * b + 1]);
  if (!lo || !hi) return ex_num(cx, 0);
  if (aff_is_const(lo) && aff_is_const(hi) && hi->c - lo->c < LOWER_UNROLL_MAX) {
    /* in index order from the empty value, as the loop would */
    Expr *acc = ex_num(cx, op == EX_RSUM ? 0.0 : 1.0);
    for (int64_t c = lo->c; c <= hi->c; c++) {
      inner.slot_form[e->slots[b]] = aff_const(&cx->ax, c);
      Expr *t = lower_ranges(L, &inner, e, b + 1);
      acc = op == EX_RSUM ? ex_add(cx, acc, t) : ex_mul(cx, acc, t);
    }
    return acc;
  }
  int level = env->depth;
  if (level >= AFF_MAX_LEVELS) {
    diag_error(L->d, e->binders[b].span, "sums and products are nested more than %d deep", AFF_MAX_LEVELS);
    return ex_num(cx, 0);
  }
  inner.slot_form[e->slots[b]] = aff_var(&cx->ax, aff_level(level));
  inner.loops.lo[level] = lo;
  inner.loops.hi[level] = hi;
  inner.loops.depth = level + 1;
  inner.unnarrowed = inner.loops;
  inner.level_span[level] = span_join(e->binders[b].span, e->kids[2 * b + 1]->span);
  inner.level_name[level] = e->binders[b].name;
  inner.depth = level + 1;
  return ex_reduce(cx, op, level, lo, hi, lower_ranges(L, &inner, e, b + 1));
}

static Expr *lower_reduce(Lower *L, const Env *env, const Ast *e) { return lower_ranges(L, env, e, 0); }

/* An index expression lower_form takes without a message: integers
 * combined by +, - and products with a number. */
static int ast_is_integer(const Ast *e) {
  switch (e->kind) {
  case AST_NUM: return fabs(e->num) <= 2147483647.0 && e->num == floor(e->num);
  case AST_NAME: return e->ref.kind == REF_INDEX || e->ref.kind == REF_SIZE;
  case AST_NEG: return ast_is_integer(e->kids[0]);
  case AST_SUM:
  case AST_PROD: {
    int nonconst = 0;
    for (int i = 0; i < e->nkids; i++) {
      if (!ast_is_integer(e->kids[i])) return 0;
      if (i > 0 && e->ops[i] != TK_PLUS && e->ops[i] != TK_MINUS && e->ops[i] != TK_STAR) return 0;
      nonconst += e->kind == AST_PROD && e->kids[i]->kind != AST_NUM;
    }
    return nonconst <= 1;
  }
  default: return 0;
  }
}

/* The branch of `if c then a else b` where c holds (taken 1) or not: a
 * comparison of an index variable with a form narrows its range there, so
 * `if i > 0 then x[i-1] else 0` proves x[i-1] in range. The narrowed range
 * is a superset of the values the branch sees, so proofs stay sound. */
static void narrow_by_condition(Lower *L, Env *env, const Ast *c, int taken) {
  if (c->kind == AST_AND && taken) {
    narrow_by_condition(L, env, c->kids[0], 1);
    narrow_by_condition(L, env, c->kids[1], 1);
    return;
  }
  if (c->kind == AST_NOT) {
    narrow_by_condition(L, env, c->kids[0], !taken);
    return;
  }
  if (c->kind != AST_CMP) return;
  for (int side = 0; side < 2; side++) {
    const Ast *v = c->kids[side], *w = c->kids[1 - side];
    if (v->kind != AST_NAME || v->ref.kind != REF_INDEX) continue;
    const Affine *fv = env->slot_form[v->ref.index];
    if (!fv || fv->nterms != 1 || fv->c != 0 || fv->t[0].coef != 1 || !aff_is_level(fv->t[0].var)) continue;
    int level = fv->t[0].var;
    if (level >= env->loops.depth) continue;
    if (!ast_is_integer(w)) continue;
    const Affine *fw = lower_form(L, env, w);
    if (!fw || aff_max_level(fw) >= level) continue;
    AffCtx *ax = &L->cx->ax;
    int op = c->ops[0];
    if (side == 1) /* w op v: v op' w */
      op = op == TK_LT ? TK_GT : op == TK_GT ? TK_LT : op == TK_LE ? TK_GE : op == TK_GE ? TK_LE : op;
    if (!taken)
      op = op == TK_LT   ? TK_GE
           : op == TK_GE ? TK_LT
           : op == TK_GT ? TK_LE
           : op == TK_LE ? TK_GT
           : op == TK_EQ ? TK_NE
                         : TK_EQ;
    const Affine *one = aff_const(ax, 1);
    switch (op) {
    case TK_LT: env->loops.hi[level] = aff_sub(ax, fw, one); break;
    case TK_LE: env->loops.hi[level] = fw; break;
    case TK_GT: env->loops.lo[level] = aff_add(ax, fw, one); break;
    case TK_GE: env->loops.lo[level] = fw; break;
    case TK_EQ: env->loops.lo[level] = env->loops.hi[level] = fw; break;
    default: break;
    }
    return;
  }
}

/* f's body over its own parameters (variables 0..n-1), lowered once. */
static Expr *function_value(Lower *L, const AstFunc *fn) {
  Expr *v = strmap_get(&L->func_values, fn->name.name);
  if (v) return v;
  Expr **vars = ARENA_ARRAY(L->arena, Expr *, fn->nparams ? fn->nparams : 1);
  for (int i = 0; i < fn->nparams; i++) vars[i] = ex_var(L->cx, i);
  v = lower_body(L, fn, vars);
  strmap_put(&L->func_values, fn->name.name, v);
  return v;
}

/* A call is the callee's own DAG with its variables replaced by the
 * arguments: d() inside the callee was already taken with respect to the
 * callee's parameters, as the source says. */
static Expr *lower_call(Lower *L, const Env *env, const Ast *e) {
  Expr **args = ARENA_ARRAY(L->arena, Expr *, e->nkids ? e->nkids : 1);
  for (int i = 0; i < e->nkids; i++) args[i] = lower_expr(L, env, e->kids[i]);
  if (e->ref.kind == REF_BUILTIN) return ex_make(L->cx, (ExprOp)e->ref.index, args);
  const AstFunc *callee = e->ref.func;
  L->key.len = 0;
  buf_printf(&L->key, "%s@", callee->name.name);
  for (int i = 0; i < e->nkids; i++) buf_printf(&L->key, "%u,", args[i]->id);
  Expr *memo = strmap_get(&L->call_memo, buf_cstr(&L->key));
  if (memo) return memo;
  char *key = arena_strndup(L->arena, L->key.data, L->key.len);
  Expr *r = ex_substitute(L->cx, function_value(L, callee), args, e->nkids);
  strmap_put(&L->call_memo, key, r);
  return r;
}

static ExprOp cmp_op(int tok, int *swap) {
  *swap = 0;
  switch (tok) {
  case TK_LT: return EX_LT;
  case TK_LE: return EX_LE;
  case TK_GT: *swap = 1; return EX_LT; /* a > b is b < a, NaN included */
  case TK_GE: *swap = 1; return EX_LE;
  case TK_EQ: return EX_EQ;
  case TK_NE: return EX_NE;
  default: pdc_unreachable();
  }
}

/* Warns at `at` when the operations just built folded finite numbers into
 * inf or NaN: a mistake (x/0, log(-1), sqrt(-4)) that would otherwise
 * compile silently into a constant the listing prints as inf*x. */
static void warn_new_nonfinite(Lower *L, Span at, Expr *r) {
  if (L->cx->nonfinite_folds == L->warned_folds) return;
  L->warned_folds = L->cx->nonfinite_folds;
  if (ex_is_const(r) && !isfinite(r->num))
    diag_warning(L->d, at, "this evaluates to the constant %s", isnan(r->num) ? "NaN" : r->num > 0 ? "inf" : "-inf");
  else diag_warning(L->d, at, "part of this evaluates to a constant inf or NaN");
}

static int is_zero_constant(const Expr *e) { return ex_is_const(e) && e->num == 0; }

static Expr *lower_node(Lower *L, const Env *env, const Ast *e);

static Expr *lower_expr(Lower *L, const Env *env, const Ast *e) {
  Expr *r = lower_node(L, env, e);
  warn_new_nonfinite(L, e->span, r);
  return r;
}

static Expr *lower_node(Lower *L, const Env *env, const Ast *e) {
  ExprCtx *cx = L->cx;
  switch (e->kind) {
  case AST_NUM: return ex_num(cx, e->num);
  case AST_NAME:
    switch (e->ref.kind) {
    case REF_PARAM: return env->params[e->ref.index];
    case REF_LET: return env->lets[e->ref.index];
    case REF_CONST: return lower_const(L, e->ref.konst);
    case REF_PI: return ex_num(cx, M_PI);
    case REF_INDEX:
    case REF_SIZE: {
      const Affine *f = lower_form(L, env, e);
      return f ? ex_index(cx, f) : ex_num(cx, 0);
    }
    default: pdc_unreachable();
    }
  case AST_NEG: return ex_neg(cx, lower_expr(L, env, e->kids[0]));
  case AST_SUM:
  case AST_PROD: {
    Expr *acc = lower_expr(L, env, e->kids[0]);
    for (int i = 1; i < e->nkids; i++) {
      Expr *x = lower_expr(L, env, e->kids[i]);
      switch (e->ops[i]) {
      case TK_PLUS: acc = ex_add(cx, acc, x); break;
      case TK_MINUS: acc = ex_sub(cx, acc, x); break;
      case TK_STAR: acc = ex_mul(cx, acc, x); break;
      case TK_SLASH:
        if (is_zero_constant(x) && !ex_is_const(acc)) diag_warning(L->d, e->kids[i]->span, "division by zero");
        acc = ex_div(cx, acc, x);
        break;
      case TK_MOD: {
        const Affine *f = lower_form(L, env, e);
        return f ? ex_index(cx, f) : ex_num(cx, 0);
      }
      default: pdc_unreachable();
      }
      warn_new_nonfinite(L, span_join(e->kids[0]->span, e->kids[i]->span), acc);
    }
    return acc;
  }
  case AST_POW: return ex_pow(cx, lower_expr(L, env, e->kids[0]), lower_expr(L, env, e->kids[1]));
  case AST_CALL:
    if (e->ref.kind == REF_DERIV) {
      Expr *inner = lower_expr(L, env, e->kids[0]);
      Expr *var = env->params[e->ref.index];
      /* bodies are lowered over their own variables (function_value) */
      if (var->op != EX_VAR) pdc_unreachable();
      return diff_partial(cx, inner, var->k);
    }
    return lower_call(L, env, e);
  case AST_IF: {
    Env then_env = *env, else_env = *env;
    narrow_by_condition(L, &then_env, e->kids[0], 1);
    narrow_by_condition(L, &else_env, e->kids[0], 0);
    Expr *k[3] = {lower_expr(L, env, e->kids[0]), lower_expr(L, &then_env, e->kids[1]),
                  lower_expr(L, &else_env, e->kids[2])};
    return ex_make(cx, EX_SELECT, k);
  }
  case AST_INDEX: return lower_index(L, env, e);
  case AST_REDUCE: return lower_reduce(L, env, e);
  case AST_CMP: {
    int swap;
    ExprOp op = cmp_op(e->ops[0], &swap);
    Expr *a = lower_expr(L, env, e->kids[0]), *b = lower_expr(L, env, e->kids[1]);
    Expr *k[2] = {swap ? b : a, swap ? a : b};
    return ex_make(cx, op, k);
  }
  case AST_AND:
  case AST_OR: {
    Expr *k[2] = {lower_expr(L, env, e->kids[0]), lower_expr(L, env, e->kids[1])};
    return ex_make(cx, e->kind == AST_AND ? EX_AND : EX_OR, k);
  }
  case AST_NOT: {
    Expr *k = lower_expr(L, env, e->kids[0]);
    return ex_make(cx, EX_NOT, &k);
  }
  }
  pdc_unreachable();
}

/* The sizes and shapes of the parameters, for the C signature. */
static void describe_arrays(Lower *L, const AstFunc *fn, LFunc *out) {
  out->nsizes = fn->nsizes;
  out->sizes = fn->sizes;
  int *ndims = ARENA_ARRAY(L->arena, int, fn->nparams + 1);
  const Affine **extent = ARENA_ARRAY(L->arena, const Affine *, 2 * fn->nparams + 1);
  for (int p = 0; p < fn->nparams; p++) {
    ndims[p] = fn->shapes[p].ndims;
    out->has_arrays |= ndims[p] > 0;
    for (int k = 0; k < ndims[p]; k++) extent[2 * p + k] = extent_form(L, fn, p, k);
  }
  out->ndims = ndims;
  out->extent = extent;
}

static void lower_function(Lower *L, const AstFunc *fn, LFunc *out) {
  ExprCtx *cx = L->cx;
  out->ast = fn;
  out->name = fn->name.name;
  out->nparams = fn->nparams;
  out->params = ARENA_ARRAY(L->arena, const char *, fn->nparams ? fn->nparams : 1);
  for (int i = 0; i < fn->nparams; i++) out->params[i] = fn->params[i].name;
  out->wrt = fn->wrt_index;
  out->nwrt = fn->nwrt;
  out->value = function_value(L, fn);
  describe_arrays(L, fn, out);
  out->partials = ARENA_ARRAY(L->arena, Expr *, fn->nwrt ? fn->nwrt : 1);
  int *scalar = ARENA_ARRAY(L->arena, int, fn->nwrt + 1), *arrays = ARENA_ARRAY(L->arena, int, fn->nwrt + 1);
  int *array_pos = ARENA_ARRAY(L->arena, int, fn->nwrt + 1), nscalar = 0, narrays = 0;
  for (int j = 0; j < fn->nwrt; j++) {
    if (lfunc_wrt_is_array(out, j)) array_pos[narrays] = j, arrays[narrays++] = fn->wrt_index[j];
    else scalar[nscalar++] = fn->wrt_index[j];
  }
  Expr **sp = ARENA_ARRAY(L->arena, Expr *, nscalar + 1);
  diff_gradient(cx, out->value, scalar, nscalar, sp);
  for (int j = 0, k = 0; j < fn->nwrt; j++) out->partials[j] = lfunc_wrt_is_array(out, j) ? NULL : sp[k++];
  if (narrays) out->grad_loops = loopgrad_build(cx, out->value, arrays, array_pos, narrays);
  out->hessian = fn->hessian;
  if (fn->hessian) {
    int k = fn->nwrt;
    out->hess = ARENA_ARRAY(L->arena, Expr *, k * k);
    Expr **row = ARENA_ARRAY(L->arena, Expr *, k);
    for (int i = 0; i < k; i++) {
      /* Row i holds ∂²f/∂wi∂wj for j >= i; the lower triangle mirrors it. */
      diff_gradient(cx, out->partials[i], fn->wrt_index + i, k - i, row);
      for (int j = i; j < k; j++) out->hess[i * k + j] = out->hess[j * k + i] = row[j - i];
    }
  }
  /* Folds inside the derivatives have no place in the source: they must not
   * be reported at the next expression lowered. */
  L->warned_folds = cx->nonfinite_folds;
}

void lfunc_put_extent(Buf *out, const LFunc *f, int p, int k) {
  const Affine *e = f->extent[2 * p + k];
  if (aff_is_const(e)) buf_printf(out, "%lld", (long long)e->c);
  else buf_puts(out, f->sizes[aff_single_size(e)]);
}

Expr **lfunc_roots(const LFunc *f, size_t *n) {
  size_t cap = 2 + (size_t)f->nwrt + (f->hessian ? (size_t)f->nwrt * (size_t)f->nwrt : 0), k = 0;
  Expr **roots = xmalloc(sizeof(Expr *) * cap);
  roots[k++] = f->value;
  for (int j = 0; j < f->nwrt; j++)
    if (f->partials[j]) roots[k++] = f->partials[j];
  for (size_t j = 0; f->hessian && j < (size_t)f->nwrt * (size_t)f->nwrt; j++) roots[k++] = f->hess[j];
  if (f->grad_loops) loopgrad_roots(f->grad_loops, &roots, &k, &cap);
  *n = k;
  return roots;
}

Program lower_file(const AstFile *file, ExprCtx *cx, Arena *arena, Diag *d) {
  Lower L = {.cx = cx, .arena = arena, .d = d, .warned_folds = cx->nonfinite_folds};
  strmap_init(&L.const_values);
  strmap_init(&L.call_memo);
  strmap_init(&L.func_values);
  buf_init(&L.key);
  size_t saved_limit = cx->node_limit;
  cx->node_limit = PDC_MAX_NODES;
  for (int i = 0; i < file->nconsts && !cx->over_limit; i++) { /* in dependency order */
    lower_const(&L, file->const_order[i]);
    if (cx->over_limit)
      diag_error(d, file->const_order[i]->name.span, "constant '%s' is too large: it needs more than %d operations",
                 file->const_order[i]->name.name, PDC_MAX_NODES);
  }
  int n = 0;
  for (int i = 0; i < file->nitems; i++) n += file->items[i].kind == ITEM_FUNC;
  Program p = {ARENA_ARRAY(arena, LFunc, n ? n : 1), n};
  int k = 0;
  for (int i = 0; i < file->nitems && !cx->over_limit; i++) {
    if (file->items[i].kind != ITEM_FUNC) continue;
    const AstFunc *fn = file->items[i].func;
    lower_function(&L, fn, &p.funcs[k++]);
    if (cx->over_limit)
      diag_error(d, fn->name.span,
                 "function '%s' is too large: with its derivatives it needs more than %d operations, "
                 "the limit for one file",
                 fn->name.name, PDC_MAX_NODES);
  }
  cx->node_limit = saved_limit;
  buf_free(&L.key);
  strmap_free(&L.call_memo);
  strmap_free(&L.func_values);
  strmap_free(&L.const_values);
  return p;
}
