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
  Expr **lets;
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
  Env env = {fn, params, fn->nlets ? ARENA_ARRAY(L->arena, Expr *, fn->nlets) : NULL};
  for (int i = 0; i < fn->nlets; i++) env.lets[i] = lower_expr(L, &env, fn->lets[i].value);
  return lower_expr(L, &env, fn->body);
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
    Expr *k[3] = {lower_expr(L, env, e->kids[0]), lower_expr(L, env, e->kids[1]), lower_expr(L, env, e->kids[2])};
    return ex_make(cx, EX_SELECT, k);
  }
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
  out->partials = ARENA_ARRAY(L->arena, Expr *, fn->nwrt ? fn->nwrt : 1);
  diff_gradient(cx, out->value, fn->wrt_index, fn->nwrt, out->partials);
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
