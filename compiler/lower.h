/* lower.h — checked AST to expression DAG, and the derivatives of every
 * function: the whole symbolic result of a compilation.
 *
 * `let` bindings and calls to other functions are inlined by substitution
 * (a call with the same arguments is built once: the DAG shares it), `d()`
 * is differentiated where it stands, constants are folded. Sema has checked
 * everything that could go wrong in the source; what is left is size: a
 * file whose functions need more than PDC_MAX_NODES operations (input_limits.h)
 * is reported at the function that crossed the limit. */
#ifndef PDC_LOWER_H
#define PDC_LOWER_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "expr.h"

typedef struct LFunc {
  const AstFunc *ast;
  const char *name;
  const char **params; /* parameter names, by index */
  int nparams;
  const int *wrt; /* parameter index of each wrt variable */
  int nwrt;
  Expr *value;     /* f */
  Expr **partials; /* ∂f/∂wrt[j] */
  int hessian;
  Expr **hess; /* nwrt*nwrt, row-major, symmetric entries shared; NULL without hessian */
} LFunc;

typedef struct Program {
  LFunc *funcs;
  int nfuncs;
} Program;

/* On success every function is lowered; on failure (an error in d) the
 * Program must not be used. */
Program lower_file(const AstFile *file, ExprCtx *cx, Arena *arena, Diag *d);

#endif
