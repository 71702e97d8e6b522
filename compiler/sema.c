/* sema.c — checks that make lowering infallible.
 *
 * Scope of a name inside a function, innermost first: the let bindings
 * defined above it, the parameters, the file's constants, then `pi`.
 * Constants see only constants, `pi` and built-ins, in any order (a cycle is
 * an error). Calls resolve to `d`, a built-in, or a function of the file.
 * Errors never stop the walk: every problem of the file is reported. */
#include "sema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "c_names.h"
#include "expr.h"
#include "input_limits.h"
#include "lexer.h"
#include "strmap.h"
#include "symbols.h"

typedef struct CallEdge {
  AstFunc *callee;
  Span at;
} CallEdge;

typedef struct FuncInfo {
  AstFunc *fn;
  CallEdge *calls;
  int ncalls, cap;
  int state; /* recursion DFS: 0 new, 1 on stack, 2 done */
  int cycle_reported;
} FuncInfo;

typedef struct Sema {
  Diag *d;
  Arena *arena;
  const SemaOptions *opts;
  StrMap funcs;  /* name -> FuncInfo* */
  StrMap consts; /* name -> AstConst* */
  FuncInfo *cur; /* function being checked, or NULL in a constant */
  AstFunc *fn;
  int lets_visible;
  AstConst *konst;       /* constant being checked */
  AstConst **const_deps; /* constants its value uses */
  int ndeps, capdeps;
  /* index variables in scope, innermost last */
  struct {
    const AstName *name;
    int slot;
  } idx[AFF_MAX_LEVELS];
  int nidx;
  int depth_reported;
  int in_index;                 /* checking an index or a range bound */
  const AstName **binders_seen; /* every index variable of the function, for "used outside its sum" */
  int nbinders_seen, capbinders_seen;
} Sema;

/* What an expression yields: a real number, an integer (an index, a size,
 * a whole number: usable as an index and as a number), or a truth value. */
typedef enum { TY_REAL, TY_INT, TY_BOOL, TY_ERROR /* reported: no more messages about it */ } Type;

/* ---- did you mean ---------------------------------------------------- */

/* Optimal-string-alignment distance: an adjacent transposition costs 1, so
 * "sni" is one edit from "sin". */
static int edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return 99;
  int d[65][65];
  for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

typedef struct Suggest {
  const char *best;
  int dist;
  const char *target;
  const char *exclude; /* never suggested: the constant being defined */
} Suggest;

static void suggest_consider(Suggest *s, const char *cand) {
  size_t n = strlen(s->target);
  int limit = n <= 4 ? 1 : n <= 8 ? 2 : 3;
  if (s->exclude && strcmp(cand, s->exclude) == 0) return;
  int dist = edit_distance(s->target, cand);
  if (dist <= limit && dist < s->dist) s->best = cand, s->dist = dist;
}

/* Names from other notations that newcomers type, and pdc's spelling. */
static const struct {
  const char *name, *hint;
} other_notations[] = {
    {"ln", "the natural logarithm is 'log'"},
    {"arcsin", "the arc sine is 'asin'"},
    {"arccos", "the arc cosine is 'acos'"},
    {"arctan", "the arc tangent is 'atan'"},
    {"fabs", "the absolute value is 'abs'"},
    {"sgn", "the sign function is 'sign'"},
    {"power", "a power is 'a^b' or 'pow(a, b)'"},
    {"e", "Euler's number is exp(1), and e^x is written exp(x)"},
    {"PI", "pi is written 'pi'"},
    {"Pi", "pi is written 'pi'"},
};

static const char *other_notation_hint(const char *name) {
  for (size_t i = 0; i < countof(other_notations); i++)
    if (strcmp(other_notations[i].name, name) == 0) return other_notations[i].hint;
  return NULL;
}

static void suggest_values(Sema *S, Suggest *s) {
  if (S->fn) {
    for (int i = 0; i < S->lets_visible; i++) suggest_consider(s, S->fn->lets[i].name.name);
    for (int i = 0; i < S->fn->nparams; i++) suggest_consider(s, S->fn->params[i].name);
  }
  for (size_t i = 0; i < S->consts.cap; i++)
    if (S->consts.keys[i]) suggest_consider(s, S->consts.keys[i]);
  suggest_consider(s, "pi");
}

static void suggest_functions(Sema *S, Suggest *s) {
  for (int op = 0; op < EX_NUM_OPS; op++)
    if (ex_op_flags((ExprOp)op) & OPF_CALL) suggest_consider(s, ex_op_name((ExprOp)op));
  for (size_t i = 0; i < S->funcs.cap; i++)
    if (S->funcs.keys[i]) suggest_consider(s, S->funcs.keys[i]);
}

/* ---- expressions ----------------------------------------------------- */

static int is_bool_kind(AstKind k) { return k == AST_CMP || k == AST_AND || k == AST_OR || k == AST_NOT; }

static Type check_expr(Sema *S, Ast *e, const char *bool_ctx);

static void record_const_dep(Sema *S, AstConst *c) {
  if (S->ndeps == S->capdeps) {
    S->capdeps = S->capdeps ? S->capdeps * 2 : 8;
    S->const_deps = xrealloc(S->const_deps, sizeof(AstConst *) * (size_t)S->capdeps);
  }
  S->const_deps[S->ndeps++] = c;
}

/* Resolves a name that is a value of the function (an index variable, a
 * let, a parameter, a size); 0 if it is none of them. */
static int resolve_local(Sema *S, Ast *e) {
  const char *n = e->name;
  if (!S->fn) return 0;
  for (int i = S->nidx - 1; i >= 0; i--) {
    if (strcmp(S->idx[i].name->name, n) == 0) {
      e->ref = (AstRef){.kind = REF_INDEX, .index = S->idx[i].slot};
      return 1;
    }
  }
  for (int i = S->lets_visible - 1; i >= 0; i--) {
    if (strcmp(S->fn->lets[i].name.name, n) == 0) {
      e->ref = (AstRef){.kind = REF_LET, .index = i};
      return 1;
    }
  }
  for (int i = 0; i < S->fn->nparams; i++) {
    if (strcmp(S->fn->params[i].name, n) == 0) {
      e->ref = (AstRef){.kind = REF_PARAM, .index = i};
      return 1;
    }
  }
  for (int i = 0; i < S->fn->nsizes; i++) {
    if (strcmp(S->fn->sizes[i], n) == 0) {
      e->ref = (AstRef){.kind = REF_SIZE, .index = i};
      return 1;
    }
  }
  return 0;
}

static int is_array_param(const AstFunc *fn, int i) { return fn->shapes && fn->shapes[i].ndims > 0; }

/* A name used where its binder does not reach. */
static int report_index_out_of_scope(Sema *S, Ast *e) {
  for (int i = 0; i < S->nbinders_seen; i++) {
    if (strcmp(S->binders_seen[i]->name, e->name) != 0) continue;
    diag_error(S->d, e->span,
               "'%s' is an index variable, and it is used here outside the sum or definition that binds it", e->name);
    diag_note(S->d, S->binders_seen[i]->span, "'%s' is bound here", e->name);
    return 1;
  }
  return 0;
}

static Type check_name(Sema *S, Ast *e) {
  const char *n = e->name;
  if (resolve_local(S, e)) {
    switch (e->ref.kind) {
    case REF_INDEX:
    case REF_SIZE: return TY_INT;
    case REF_PARAM:
      if (!is_array_param(S->fn, e->ref.index)) return TY_REAL;
      diag_error(S->d, e->span, "'%s' is an array; use one of its elements, such as %s[%s]", n, n,
                 S->fn->shapes[e->ref.index].ndims == 2 ? "i, j" : "i");
      return TY_REAL;
    case REF_LET:
      if (!S->fn->lets[e->ref.index].nidx) return TY_REAL;
      diag_error(S->d, e->span, "'%s' is defined element by element; use one of its elements, such as %s[%s]", n, n,
                 S->fn->lets[e->ref.index].nidx == 2 ? "i, j" : "i");
      return TY_REAL;
    default: return TY_REAL;
    }
  }
  if (S->fn && report_index_out_of_scope(S, e)) return TY_REAL;
  AstConst *c = strmap_get(&S->consts, n);
  if (c) {
    e->ref = (AstRef){.kind = REF_CONST, .konst = c};
    if (!S->fn) record_const_dep(S, c);
    return TY_REAL;
  }
  if (strcmp(n, "pi") == 0) {
    e->ref = (AstRef){.kind = REF_PI};
    return TY_REAL;
  }
  if (S->fn) {
    for (int i = S->lets_visible; i < S->fn->nlets; i++) {
      if (strcmp(S->fn->lets[i].name.name, n) == 0) {
        if (i == S->lets_visible) {
          diag_error(S->d, e->span, "'%s' is used in its own definition", n);
          return TY_REAL;
        }
        diag_error(S->d, e->span, "'%s' is used before its definition", n);
        diag_note(S->d, S->fn->lets[i].name.span, "'%s' is defined here", n);
        return TY_REAL;
      }
    }
  }
  if (strmap_get(&S->funcs, n)) {
    diag_error(S->d, e->span, "'%s' is a function; call it with arguments, as in %s(...)", n, n);
    return TY_REAL;
  }
  if (builtin_lookup(n) >= 0 || strcmp(n, "d") == 0) {
    diag_error(S->d, e->span, "'%s' is a built-in function; call it with arguments, as in %s(...)", n, n);
    return TY_REAL;
  }
  const char *hint = other_notation_hint(n);
  if (hint) {
    diag_error(S->d, e->span, "use of undeclared name '%s'; %s", n, hint);
    return TY_REAL;
  }
  if (S->fn && S->in_index) {
    diag_error(S->d, e->span,
               "use of undeclared name '%s': an index or a range bound uses index variables, numbers and the sizes "
               "of '%s' (a size is named by an array parameter, as in x[%s])",
               n, S->fn->name.name, n);
    return TY_ERROR;
  }
  Suggest s = {.dist = 99, .target = n, .exclude = S->konst ? S->konst->name.name : NULL};
  suggest_values(S, &s);
  if (!S->fn && !s.best) {
    diag_error(S->d, e->span, "use of undeclared name '%s' (a constant can only use numbers, other constants and pi)",
               n);
    return TY_ERROR;
  }
  if (s.best) diag_error(S->d, e->span, "use of undeclared name '%s'; did you mean '%s'?", n, s.best);
  else diag_error(S->d, e->span, "use of undeclared name '%s'", n);
  return TY_ERROR;
}

static const char *plural(int n, const char *word, const char *words) { return n == 1 ? word : words; }

static void check_arity(Sema *S, Ast *e, int want, const char *what) {
  if (e->nkids == want) return;
  diag_error(S->d, e->span, "%s '%s' takes %d %s, but %d %s given", what, e->name, want,
             plural(want, "argument", "arguments"), e->nkids, plural(e->nkids, "was", "were"));
}

static void record_call(Sema *S, AstFunc *callee, Span at) {
  FuncInfo *fi = S->cur;
  if (fi->ncalls == fi->cap) {
    fi->cap = fi->cap ? fi->cap * 2 : 4;
    fi->calls = xrealloc(fi->calls, sizeof(CallEdge) * (size_t)fi->cap);
  }
  fi->calls[fi->ncalls++] = (CallEdge){callee, at};
}

static void check_deriv_call(Sema *S, Ast *e) {
  if (!S->fn) {
    diag_error(S->d, e->name_span, "d() can only be used inside a function");
    return;
  }
  if (e->nkids != 2) {
    diag_error(S->d, e->span, "d() takes 2 arguments, d(expression, variable), but %d %s given", e->nkids,
               plural(e->nkids, "was", "were"));
    return;
  }
  check_expr(S, e->kids[0], NULL);
  Ast *v = e->kids[1];
  if (v->kind != AST_NAME) {
    diag_error(S->d, v->span, "the second argument of d() must be a parameter name");
    return;
  }
  for (int i = 0; i < S->fn->nparams; i++) {
    if (strcmp(S->fn->params[i].name, v->name) == 0) {
      int shadowed = 0;
      for (int k = 0; k < S->lets_visible; k++) shadowed |= strcmp(S->fn->lets[k].name.name, v->name) == 0;
      if (!shadowed && is_array_param(S->fn, i)) {
        diag_error(S->d, v->span,
                   "d() differentiates with respect to a scalar parameter, and '%s' is an array (its gradient is "
                   "%s_grad's)",
                   v->name, S->fn->name.name);
        return;
      }
      if (!shadowed) {
        e->ref = (AstRef){.kind = REF_DERIV, .index = i};
        return;
      }
    }
  }
  diag_error(S->d, v->span, "d() differentiates with respect to a parameter of '%s', and '%s' is not one",
             S->fn->name.name, v->name);
}

static void check_call(Sema *S, Ast *e) {
  const char *n = e->name;
  if (S->fn) {
    int is_value = 0;
    for (int i = 0; i < S->lets_visible; i++) is_value |= strcmp(S->fn->lets[i].name.name, n) == 0;
    for (int i = 0; i < S->fn->nparams; i++) is_value |= strcmp(S->fn->params[i].name, n) == 0;
    if (is_value) {
      diag_error(S->d, e->name_span, "'%s' is a value, not a function; did you forget an operator before '('?", n);
      return;
    }
  }
  if (strcmp(n, "d") == 0 && !strmap_get(&S->funcs, n)) {
    check_deriv_call(S, e);
    return;
  }
  FuncInfo *callee = strmap_get(&S->funcs, n);
  for (int i = 0; callee && S->fn && i < callee->fn->nparams; i++) {
    if (!is_array_param(callee->fn, i)) continue;
    diag_error(S->d, e->name_span,
               "'%s' has array parameters, and calls to such functions are not supported yet; write the "
               "expression here, or a 'let' with indices",
               n);
    return;
  }
  for (int i = 0; i < e->nkids; i++) check_expr(S, e->kids[i], NULL);
  int op = builtin_lookup(n);
  if (op >= 0) {
    e->ref = (AstRef){.kind = REF_BUILTIN, .index = op};
    check_arity(S, e, ex_op_arity((ExprOp)op), "built-in function");
    return;
  }
  FuncInfo *fi = strmap_get(&S->funcs, n);
  if (fi) {
    if (!S->fn) {
      diag_error(S->d, e->name_span, "a constant cannot call the function '%s'", n);
      return;
    }
    e->ref = (AstRef){.kind = REF_FUNC, .func = fi->fn};
    check_arity(S, e, fi->fn->nparams, "function");
    record_call(S, fi->fn, e->name_span);
    return;
  }
  if (strmap_get(&S->consts, n) || strcmp(n, "pi") == 0) {
    diag_error(S->d, e->name_span, "'%s' is a constant, not a function; did you forget an operator before '('?", n);
    return;
  }
  const char *hint = other_notation_hint(n);
  if (hint) {
    diag_error(S->d, e->name_span, "call to undeclared function '%s'; %s", n, hint);
    return;
  }
  Suggest s = {.dist = 99, .target = n};
  suggest_functions(S, &s);
  if (s.best) diag_error(S->d, e->name_span, "call to undeclared function '%s'; did you mean '%s'?", n, s.best);
  else diag_error(S->d, e->name_span, "call to undeclared function '%s'", n);
}

/* ---- arrays ----------------------------------------------------------- */

static void push_index(Sema *S, const AstName *name, int *slot) {
  *slot = S->fn->nslots++;
  if (S->nidx == AFF_MAX_LEVELS) return; /* reported by the caller */
  S->idx[S->nidx].name = name;
  S->idx[S->nidx].slot = *slot;
  S->nidx++;
  if (S->nbinders_seen == S->capbinders_seen) {
    S->capbinders_seen = S->capbinders_seen ? 2 * S->capbinders_seen : 8;
    S->binders_seen = xrealloc(S->binders_seen, sizeof(AstName *) * (size_t)S->capbinders_seen);
  }
  S->binders_seen[S->nbinders_seen++] = name;
}

/* The integer an index must be. */
static void check_index_operand(Sema *S, Ast *e, Type t, const char *what) {
  if (t == TY_INT || t == TY_ERROR) return;
  diag_error(S->d, e->span,
             "%s must be an integer: an index variable, a size or a whole number, combined with +, -, * and mod", what);
}

/* x[i+1], W[j, i], h[j]: an element of an array parameter or of a let
 * defined element by element. */
static Type check_index(Sema *S, Ast *e) {
  int want = 0;
  if (!S->fn) {
    diag_error(S->d, e->span, "a constant cannot use array elements");
    return TY_REAL;
  }
  Ast name = {.kind = AST_NAME, .span = e->name_span, .name = e->name};
  if (!resolve_local(S, &name)) {
    if (!report_index_out_of_scope(S, &name)) diag_error(S->d, e->name_span, "use of undeclared array '%s'", e->name);
    return TY_REAL;
  }
  e->ref = name.ref;
  if (name.ref.kind == REF_PARAM) want = S->fn->shapes[name.ref.index].ndims;
  else if (name.ref.kind == REF_LET) want = S->fn->lets[name.ref.index].nidx;
  if (want == 0) {
    diag_error(S->d, e->name_span, "'%s' is not an array, and cannot be indexed", e->name);
    return TY_REAL;
  }
  if (e->nkids != want) {
    diag_error(S->d, e->span, "'%s' has %d %s, but %d %s given", e->name, want, plural(want, "index", "indices"),
               e->nkids, plural(e->nkids, "was", "were"));
    return TY_REAL;
  }
  for (int i = 0; i < e->nkids; i++) {
    S->in_index++;
    Type t = check_expr(S, e->kids[i], NULL);
    S->in_index--;
    check_index_operand(S, e->kids[i], t, "an index");
  }
  return TY_REAL;
}

/* Whether e mentions one of the index variables slots[0..n-1]. */
static int mentions_index(const Ast *e, const int *slots, int n) {
  if (e->kind == AST_NAME && e->ref.kind == REF_INDEX)
    for (int k = 0; k < n; k++)
      if (e->ref.index == slots[k]) return 1;
  for (int i = 0; i < e->nkids; i++)
    if (mentions_index(e->kids[i], slots, n)) return 1;
  return 0;
}

/* The body of a sum extends as far as it can, so in
 *   sum(i = 0..n-1) W[j, i]*x[i] + b[j]
 * b[j] is added n times: a term that does not depend on the sum's index is
 * almost always meant to be outside it. */
static void warn_constant_terms(Sema *S, const Ast *e) {
  const Ast *body = e->kids[e->nkids - 1];
  AstKind chain = e->is_prod ? AST_PROD : AST_SUM;
  if (body->kind != chain || !mentions_index(body, e->slots, e->nbinders)) return;
  for (int i = 0; i < body->nkids; i++) {
    if (mentions_index(body->kids[i], e->slots, e->nbinders)) continue;
    diag_warning(S->d, body->kids[i]->span,
                 "this term does not depend on '%s', so the %s %s it once per '%s'; to %s it once, put the %s in "
                 "parentheses",
                 e->binders[0].name, e->is_prod ? "product" : "sum", e->is_prod ? "multiplies by" : "adds",
                 e->binders[0].name, e->is_prod ? "multiply by" : "add", e->is_prod ? "product" : "sum");
  }
}

/* sum(i = lo..hi, ...) body: each range's bounds see the indices before it. */
static Type check_reduce(Sema *S, Ast *e) {
  if (!S->fn) {
    diag_error(S->d, e->span, "a constant cannot hold a sum or product over a range");
    return TY_REAL;
  }
  int saved = S->nidx;
  e->slots = ARENA_ARRAY(S->arena, int, e->nbinders);
  for (int b = 0; b < e->nbinders; b++) {
    const AstName *name = &e->binders[b];
    for (int k = 0; k < 2; k++) {
      S->in_index++;
      Type t = check_expr(S, e->kids[2 * b + k], NULL);
      S->in_index--;
      check_index_operand(S, e->kids[2 * b + k], t, k ? "the upper bound of a range" : "the lower bound of a range");
    }
    for (int i = 0; i < S->nidx; i++)
      if (strcmp(S->idx[i].name->name, name->name) == 0) {
        diag_error(S->d, name->span, "index variable '%s' is already in use by an enclosing sum", name->name);
        diag_note(S->d, S->idx[i].name->span, "'%s' is bound here", name->name);
      }
    if (S->nidx == AFF_MAX_LEVELS && !S->depth_reported) {
      diag_error(S->d, name->span, "sums and products are nested more than %d deep", AFF_MAX_LEVELS);
      S->depth_reported = 1;
    }
    push_index(S, name, &e->slots[b]);
  }
  Type body = check_expr(S, e->kids[e->nkids - 1], NULL);
  if (body != TY_ERROR) warn_constant_terms(S, e);
  S->nidx = saved;
  return TY_REAL;
}

/* An integer chain: +, - of integers, * by integers; mod of integers. */
static Type check_chain(Sema *S, Ast *e) {
  int all_int = 1, has_mod = 0;
  Type *t = xmalloc(sizeof(Type) * (size_t)e->nkids);
  int error = 0;
  for (int i = 0; i < e->nkids; i++) {
    t[i] = check_expr(S, e->kids[i], NULL);
    error |= t[i] == TY_ERROR;
    all_int &= t[i] == TY_INT;
    if (i > 0 && e->ops[i] == TK_SLASH) all_int = 0;
    has_mod |= i > 0 && e->ops[i] == TK_MOD;
  }
  if (has_mod) {
    for (int i = 0; i < e->nkids; i++)
      if (t[i] != TY_INT) diag_error(S->d, e->kids[i]->span, "'mod' takes integers: indices, sizes and whole numbers");
    if (!all_int) {
      for (int i = 1; i < e->nkids; i++)
        if (e->ops[i] == TK_SLASH) diag_error(S->d, e->kids[i]->span, "'/' cannot be combined with 'mod'");
    }
  }
  free(t);
  return error ? TY_ERROR : all_int ? TY_INT : TY_REAL;
}

/* bool_ctx names the place a truth value is expected ("the condition of
 * 'if'"), or is NULL where a number is. */
static Type check_expr(Sema *S, Ast *e, const char *bool_ctx) {
  int is_bool = is_bool_kind(e->kind);
  if (is_bool && !bool_ctx) {
    diag_error(S->d, e->span, "a %s can only be used as the condition of 'if'",
               e->kind == AST_CMP ? "comparison" : "logical expression");
    return TY_REAL;
  } else if (!is_bool && bool_ctx) {
    diag_error(S->d, e->span, "%s must be a comparison such as 'x > 0'", bool_ctx);
  }
  switch (e->kind) {
  case AST_NUM: return fabs(e->num) <= 2147483647.0 && e->num == floor(e->num) ? TY_INT : TY_REAL;
  case AST_NAME: return check_name(S, e);
  case AST_CALL: check_call(S, e); return TY_REAL;
  case AST_INDEX: return check_index(S, e);
  case AST_REDUCE: return check_reduce(S, e);
  case AST_IF:
    check_expr(S, e->kids[0], "the condition of 'if'");
    check_expr(S, e->kids[1], NULL);
    check_expr(S, e->kids[2], NULL);
    return TY_REAL;
  case AST_CMP:
    check_expr(S, e->kids[0], NULL);
    check_expr(S, e->kids[1], NULL);
    return TY_BOOL;
  case AST_AND:
  case AST_OR:
  case AST_NOT: {
    const char *ctx = e->kind == AST_AND  ? "an operand of 'and'"
                      : e->kind == AST_OR ? "an operand of 'or'"
                                          : "the operand of 'not'";
    for (int i = 0; i < e->nkids; i++) check_expr(S, e->kids[i], ctx);
    return TY_BOOL;
  }
  case AST_NEG: return check_expr(S, e->kids[0], NULL);
  case AST_SUM:
  case AST_PROD: return check_chain(S, e);
  case AST_POW:
    for (int i = 0; i < e->nkids; i++) check_expr(S, e->kids[i], NULL);
    return TY_REAL;
  }
  return TY_REAL;
}

/* ---- definitions ----------------------------------------------------- */

/* Checks each constant's expression and records the constants it uses;
 * then orders all constants so each comes after those it uses (lowering
 * evaluates them in that order, so neither pass recurses along a chain of
 * constants), reporting cycles. */
typedef struct ConstNode {
  AstConst *c;
  AstConst **deps;
  int ndeps;
} ConstNode;

static void check_consts(Sema *S, AstFile *file) {
  int n = 0;
  for (int i = 0; i < file->nitems; i++) n += file->items[i].kind == ITEM_CONST && file->items[i].konst;
  ConstNode *nodes = xcalloc((size_t)n + 1, sizeof(ConstNode));
  StrMap index;
  strmap_init(&index);
  int k = 0;
  for (int i = 0; i < file->nitems; i++) {
    AstConst *c = file->items[i].kind == ITEM_CONST ? file->items[i].konst : NULL;
    if (!c) continue;
    S->konst = c;
    S->ndeps = 0;
    check_expr(S, c->value, NULL);
    nodes[k].c = c;
    nodes[k].ndeps = S->ndeps;
    nodes[k].deps = ARENA_ARRAY(S->arena, AstConst *, S->ndeps ? S->ndeps : 1);
    if (S->ndeps) memcpy(nodes[k].deps, S->const_deps, sizeof(AstConst *) * (size_t)S->ndeps);
    strmap_put(&index, c->name.name, &nodes[k]);
    k++;
  }
  S->konst = NULL;
  file->const_order = ARENA_ARRAY(S->arena, AstConst *, n ? n : 1);
  file->nconsts = 0;
  struct Frame {
    ConstNode *node;
    int next;
  } *stack = xmalloc(sizeof *stack * ((size_t)n + 1));
  for (int r = 0; r < n; r++) {
    if (nodes[r].c->state) continue;
    int sp = 0;
    stack[sp++] = (struct Frame){&nodes[r], 0};
    nodes[r].c->state = 1;
    while (sp) {
      struct Frame *f = &stack[sp - 1];
      if (f->next == f->node->ndeps) {
        f->node->c->state = 2;
        file->const_order[file->nconsts++] = f->node->c;
        sp--;
        continue;
      }
      AstConst *dep = f->node->deps[f->next++];
      ConstNode *dn = strmap_get(&index, dep->name.name);
      if (dep->state == 1) {
        diag_error(S->d, dep->name.span, "the value of constant '%s' depends on itself", dep->name.name);
        if (dep != f->node->c) diag_note(S->d, f->node->c->name.span, "through constant '%s'", f->node->c->name.name);
      } else if (dep->state == 0 && dn) {
        dep->state = 1;
        stack[sp++] = (struct Frame){dn, 0};
      }
    }
  }
  free(stack);
  strmap_free(&index);
  free(nodes);
}

/* The size variables of a function, in order of first appearance in its
 * parameter list: they become its first C parameters. */
static void collect_sizes(Sema *S, AstFunc *fn) {
  fn->sizes = ARENA_ARRAY(S->arena, const char *, 2 * fn->nparams + 1);
  fn->size_spans = ARENA_ARRAY(S->arena, Span, 2 * fn->nparams + 1);
  fn->nsizes = 0;
  for (int i = 0; i < fn->nparams; i++) {
    AstShape *sh = &fn->shapes[i];
    for (int k = 0; k < sh->ndims; k++) {
      AstDim *d = &sh->dim[k];
      if (!d->size) continue;
      int found = -1;
      for (int j = 0; j < fn->nsizes; j++)
        if (strcmp(fn->sizes[j], d->size) == 0) found = j;
      if (found < 0) {
        found = fn->nsizes++;
        fn->sizes[found] = d->size;
        fn->size_spans[found] = d->span;
        for (int p = 0; p < fn->nparams; p++) {
          if (strcmp(fn->params[p].name, d->size) != 0) continue;
          diag_error(S->d, d->span, "'%s' is the name of a parameter, and cannot also be an array size", d->size);
          diag_note(S->d, fn->params[p].span, "the parameter is declared here");
        }
      }
      d->size_index = found;
    }
  }
}

/* A wrt list and hessian that the arrays of the function allow. */
static void check_array_wrt(Sema *S, AstFunc *fn) {
  for (int p = 0; p < fn->nparams && S->opts->batch; p++) {
    if (!is_array_param(fn, p)) continue;
    diag_error(S->d, fn->name.span,
               "--batch is not available for '%s': it has array parameters (a batch is one array per "
               "parameter; call %s in a loop instead)",
               fn->name.name, fn->name.name);
    break;
  }
  for (int w = 0; w < fn->nwrt; w++) {
    int p = fn->wrt_index[w];
    if (p < 0) {
      for (int k = 0; k < fn->nsizes; k++)
        if (strcmp(fn->sizes[k], fn->wrt[w].name) == 0)
          diag_note(S->d, fn->wrt[w].span, "'%s' is an array size: an integer, not a variable", fn->wrt[w].name);
      continue;
    }
    if (fn->hessian && is_array_param(fn, p))
      diag_error(S->d, fn->hessian_span,
                 "'hessian' is not supported with respect to an array ('%s'); name scalar variables in 'wrt'",
                 fn->params[p].name);
  }
}

static void check_function(Sema *S, FuncInfo *fi) {
  AstFunc *fn = fi->fn;
  S->cur = fi;
  S->fn = fn;
  S->lets_visible = 0;
  S->nidx = 0;
  S->nbinders_seen = 0;
  S->depth_reported = 0;
  fn->nslots = 0;
  collect_sizes(S, fn);
  for (int i = 0; i < fn->nparams; i++) {
    for (int j = 0; j < i; j++) {
      if (strcmp(fn->params[i].name, fn->params[j].name) == 0) {
        diag_error(S->d, fn->params[i].span, "duplicate parameter '%s'", fn->params[i].name);
        diag_note(S->d, fn->params[j].span, "'%s' was declared here", fn->params[j].name);
        break;
      }
    }
  }
  if (fn->has_wrt) {
    fn->wrt_index = ARENA_ARRAY(S->arena, int, fn->nwrt);
    for (int w = 0; w < fn->nwrt; w++) {
      fn->wrt_index[w] = -1;
      for (int i = 0; i < fn->nparams; i++)
        if (strcmp(fn->wrt[w].name, fn->params[i].name) == 0) fn->wrt_index[w] = i;
      if (fn->wrt_index[w] < 0) {
        Suggest s = {.dist = 99, .target = fn->wrt[w].name};
        for (int i = 0; i < fn->nparams; i++) suggest_consider(&s, fn->params[i].name);
        if (s.best)
          diag_error(S->d, fn->wrt[w].span, "'%s' in the wrt list is not a parameter of '%s'; did you mean '%s'?",
                     fn->wrt[w].name, fn->name.name, s.best);
        else
          diag_error(S->d, fn->wrt[w].span, "'%s' in the wrt list is not a parameter of '%s'", fn->wrt[w].name,
                     fn->name.name);
      }
      for (int v = 0; v < w; v++) {
        if (strcmp(fn->wrt[w].name, fn->wrt[v].name) == 0) {
          diag_error(S->d, fn->wrt[w].span, "'%s' appears twice in the wrt list", fn->wrt[w].name);
          break;
        }
      }
    }
  } else {
    fn->nwrt = fn->nparams;
    fn->wrt = fn->params;
    fn->wrt_index = ARENA_ARRAY(S->arena, int, fn->nparams ? fn->nparams : 1);
    for (int i = 0; i < fn->nparams; i++) fn->wrt_index[i] = i;
  }
  if (fn->hessian && fn->nwrt == 0)
    diag_error(S->d, fn->hessian_span, "'hessian' needs at least one variable to differentiate with respect to");
  check_array_wrt(S, fn);
  for (int i = 0; i < fn->nlets; i++) {
    AstLet *let = &fn->lets[i];
    let->slots = let->nidx ? ARENA_ARRAY(S->arena, int, let->nidx) : NULL;
    for (int k = 0; k < let->nidx; k++) {
      for (int j = 0; j < k; j++)
        if (strcmp(let->idx[j].name, let->idx[k].name) == 0)
          diag_error(S->d, let->idx[k].span, "index variable '%s' appears twice", let->idx[k].name);
      push_index(S, &let->idx[k], &let->slots[k]);
    }
    check_expr(S, let->value, NULL);
    S->nidx = 0;
    for (int p = 0; p < fn->nparams; p++) {
      if (strcmp(let->name.name, fn->params[p].name) == 0) {
        diag_error(S->d, let->name.span, "'let %s' would hide the parameter '%s'; choose another name", let->name.name,
                   let->name.name);
        diag_note(S->d, fn->params[p].span, "the parameter is declared here");
      }
    }
    for (int j = 0; j < i; j++) {
      if (strcmp(let->name.name, fn->lets[j].name.name) == 0) {
        diag_error(S->d, let->name.span, "'%s' is already defined in this function", let->name.name);
        diag_note(S->d, fn->lets[j].name.span, "previous definition is here");
        break;
      }
    }
    S->lets_visible = i + 1;
  }
  check_expr(S, fn->body, NULL);
  S->fn = NULL;
  S->cur = NULL;
}

/* ---- recursion ------------------------------------------------------- */

typedef struct PathStep {
  FuncInfo *fi;
  int next;
} PathStep;

static void report_cycle(Sema *S, PathStep *path, int depth, int from) {
  Buf msg;
  buf_init(&msg);
  for (int i = from; i < depth; i++) buf_printf(&msg, "%s -> ", path[i].fi->fn->name.name);
  buf_puts(&msg, path[from].fi->fn->name.name);
  CallEdge *first = &path[from].fi->calls[path[from].next - 1];
  diag_error(S->d, first->at, "recursive call cycle: %s (pdc functions cannot call themselves)", buf_cstr(&msg));
  for (int i = from + 1; i < depth; i++) {
    CallEdge *c = &path[i].fi->calls[path[i].next - 1];
    diag_note(S->d, c->at, "'%s' calls '%s' here", path[i].fi->fn->name.name, c->callee->name.name);
  }
  buf_free(&msg);
}

/* Iterative DFS over the call graph; each cycle is reported once, where the
 * search first closes it. */
static void check_recursion(Sema *S, FuncInfo **infos, int n) {
  PathStep *path = xmalloc(sizeof(PathStep) * (size_t)(n + 1));
  for (int r = 0; r < n; r++) {
    if (infos[r]->state) continue;
    int depth = 0;
    path[depth++] = (PathStep){infos[r], 0};
    infos[r]->state = 1;
    while (depth) {
      PathStep *top = &path[depth - 1];
      if (top->next == top->fi->ncalls) {
        top->fi->state = 2;
        depth--;
        continue;
      }
      AstFunc *callee = top->fi->calls[top->next++].callee;
      FuncInfo *ci = strmap_get(&S->funcs, callee->name.name);
      if (ci->state == 1 && !ci->cycle_reported) {
        int from = depth - 1;
        while (path[from].fi != ci) from--;
        report_cycle(S, path, depth, from);
        ci->cycle_reported = 1;
      } else if (ci->state == 0) {
        ci->state = 1;
        path[depth++] = (PathStep){ci, 0};
      }
    }
  }
  free(path);
}

/* ---- generated names ------------------------------------------------- */

/* Names a generated function must not take: what C and C++ give a meaning
 * to (c_names.h: the header would not compile), the C library's math
 * functions (the generated code calls them, and LLVM may introduce calls to
 * more) and main. */
static const char *const libc_symbols[] = {
    "main",   "acos",     "acosh",     "asin",   "asinh",  "atan",    "atan2",     "atanh",     "cbrt",
    "ceil",   "copysign", "cos",       "cosh",   "erf",    "erfc",    "exp",       "exp10",     "exp2",
    "expm1",  "fabs",     "fdim",      "floor",  "fma",    "fmax",    "fmin",      "fmod",      "frexp",
    "hypot",  "ilogb",    "ldexp",     "lgamma", "llrint", "llround", "log",       "log10",     "log1p",
    "log2",   "logb",     "lrint",     "lround", "modf",   "nan",     "nearbyint", "nextafter", "nexttoward",
    "pow",    "pow10",    "remainder", "remquo", "rint",   "round",   "scalbln",   "scalbn",    "sin",
    "sincos", "sinh",     "sqrt",      "tan",    "tanh",   "tgamma",  "trunc",     "j0",        "j1",
    "jn",     "y0",       "y1",        "yn",     "gamma",  "signbit", "isnan",     "isinf",     "isfinite",
    "memcpy", "memset",   "memmove",   "abs",    "min",    "max",     "_Bool",     "_Complex",  "_Imaginary",
};

static int is_reserved_symbol(const char *name) {
  if (c_name_is_taken(name)) return 1;
  for (size_t i = 0; i < countof(libc_symbols); i++)
    if (strcmp(libc_symbols[i], name) == 0) return 1;
  return 0;
}

static const char *arena_symbol(Arena *arena, Buf *b, const char *prefix, const AstFunc *fn, SymbolKind kind,
                                const char *var) {
  b->len = 0;
  symbol_name(b, prefix, fn->name.name, kind, var);
  return arena_strndup(arena, b->data, b->len);
}

int sema_symbol_names(const AstFunc *fn, const char *prefix, int with_batch, Arena *arena, const char **names) {
  Buf b;
  buf_init(&b);
  int n = 0;
  names[n++] = arena_symbol(arena, &b, prefix, fn, SYM_VALUE, NULL);
  for (int w = 0; w < fn->nwrt; w++)
    if (!(fn->wrt_index && fn->wrt_index[w] >= 0 && is_array_param(fn, fn->wrt_index[w])))
      names[n++] = arena_symbol(arena, &b, prefix, fn, SYM_PARTIAL, fn->wrt[w].name);
  names[n++] = arena_symbol(arena, &b, prefix, fn, SYM_GRAD, NULL);
  if (fn->hessian) names[n++] = arena_symbol(arena, &b, prefix, fn, SYM_HESS, NULL);
  if (with_batch) {
    names[n++] = arena_symbol(arena, &b, prefix, fn, SYM_BATCH, NULL);
    names[n++] = arena_symbol(arena, &b, prefix, fn, SYM_GRAD_BATCH, NULL);
  }
  buf_free(&b);
  return n;
}

static void check_symbols(Sema *S, FuncInfo **infos, int n) {
  StrMap owners;
  strmap_init(&owners);
  for (int i = 0; i < n; i++) {
    AstFunc *fn = infos[i]->fn;
    if (builtin_lookup(fn->name.name) >= 0 || strcmp(fn->name.name, "d") == 0 || strcmp(fn->name.name, "pi") == 0) {
      diag_error(S->d, fn->name.span, "'%s' is the name of a built-in %s; choose another name", fn->name.name,
                 strcmp(fn->name.name, "pi") == 0 ? "constant" : "function");
      continue;
    }
    if (fn->has_wrt) {
      int bad = 0;
      for (int w = 0; w < fn->nwrt; w++) bad |= fn->wrt_index[w] < 0;
      if (bad) continue;
    }
    /* the batch names are reserved with or without --batch, so a file
     * means the same whatever the flags */
    const char **names = ARENA_ARRAY(S->arena, const char *, fn->nwrt + 6);
    int k = sema_symbol_names(fn, S->opts->prefix, 1, S->arena, names);
    for (int j = 0; j < k; j++) {
      if (is_reserved_symbol(names[j])) {
        diag_error(S->d, fn->name.span,
                   "function '%s' would define the symbol '%s', which is reserved (C or C++ keyword, standard macro or "
                   "C library name); rename it%s",
                   fn->name.name, names[j], S->opts->prefix[0] ? "" : " or use --prefix");
        break;
      }
      AstFunc *prev = strmap_put(&owners, names[j], fn);
      if (prev && prev != fn) {
        diag_error(S->d, fn->name.span, "function '%s' generates the symbol '%s', which function '%s' also defines",
                   fn->name.name, names[j], prev->name.name);
        diag_note(S->d, prev->name.span, "'%s' is defined here", prev->name.name);
        break;
      }
    }
  }
  strmap_free(&owners);
}

/* More functions than code generation can take in bounded time. */
static int too_many_functions(const AstFile *file, Diag *d) {
  int n = 0;
  for (int i = 0; i < file->nitems; i++) {
    if (file->items[i].kind != ITEM_FUNC || ++n <= PDC_MAX_FUNCTIONS) continue;
    diag_error(d, file->items[i].func->name.span, "too many functions in one file: the limit is %d", PDC_MAX_FUNCTIONS);
    return 1;
  }
  return 0;
}

int sema_check(AstFile *file, const SemaOptions *opts, Arena *arena, Diag *d) {
  if (too_many_functions(file, d)) return 1;
  Sema S = {.d = d, .arena = arena, .opts = opts};
  strmap_init(&S.funcs);
  strmap_init(&S.consts);
  int errors_before = diag_error_count(d);
  FuncInfo **infos = xmalloc(sizeof(FuncInfo *) * (size_t)(file->nitems + 1));
  FuncInfo **redefined = xmalloc(sizeof(FuncInfo *) * (size_t)(file->nitems + 1));
  int nfuncs = 0, nredefined = 0;
  for (int i = 0; i < file->nitems; i++) {
    AstItem *it = &file->items[i];
    AstName *name = it->kind == ITEM_FUNC ? &it->func->name : &it->konst->name;
    FuncInfo *prev_fn = strmap_get(&S.funcs, name->name);
    AstConst *prev_c = strmap_get(&S.consts, name->name);
    if (prev_fn || prev_c) {
      diag_error(d, name->span, "redefinition of '%s'", name->name);
      diag_note(d, prev_fn ? prev_fn->fn->name.span : prev_c->name.span, "previous definition is here");
      if (it->kind == ITEM_FUNC) {
        FuncInfo *fi = ARENA_NEW(arena, FuncInfo);
        fi->fn = it->func;
        redefined[nredefined++] = fi;
      }
      it->kind == ITEM_FUNC ? (void)(it->func = NULL) : (void)(it->konst = NULL);
      continue;
    }
    if (it->kind == ITEM_FUNC) {
      FuncInfo *fi = ARENA_NEW(arena, FuncInfo);
      fi->fn = it->func;
      strmap_put(&S.funcs, name->name, fi);
      infos[nfuncs++] = fi;
    } else {
      if (builtin_lookup(name->name) >= 0 || strcmp(name->name, "pi") == 0 || strcmp(name->name, "d") == 0)
        diag_error(d, name->span, "'%s' is a built-in name and cannot be redefined", name->name);
      strmap_put(&S.consts, name->name, it->konst);
    }
  }
  check_consts(&S, file);
  for (int i = 0; i < nfuncs; i++) check_function(&S, infos[i]);
  for (int i = 0; i < nredefined; i++) check_function(&S, redefined[i]); /* report their errors too */
  check_recursion(&S, infos, nfuncs);
  check_symbols(&S, infos, nfuncs);
  for (int i = 0; i < nfuncs; i++) free(infos[i]->calls);
  for (int i = 0; i < nredefined; i++) free(redefined[i]->calls);
  free(infos);
  free(redefined);
  free(S.const_deps);
  free(S.binders_seen);
  strmap_free(&S.funcs);
  strmap_free(&S.consts);
  /* Drop definitions that were redefinitions so later phases see each once. */
  int k = 0;
  for (int i = 0; i < file->nitems; i++)
    if (file->items[i].func || file->items[i].konst) file->items[k++] = file->items[i];
  file->nitems = k;
  return diag_error_count(d) - errors_before;
}
