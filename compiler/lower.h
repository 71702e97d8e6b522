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
#include "loopgrad.h"

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
  /* Arrays. The C signature is the sizes (size_t), then the parameters. */
  int nsizes;
  const char **sizes;
  const int *ndims;            /* per parameter: 0 for a scalar, 1 or 2 */
  const Affine *const *extent; /* per parameter, extent[2*p + k]: a number or a size */
  int has_arrays;
  GradLoop *grad_loops; /* the gradient by wrt arrays (partials[j] is NULL for them) */
} LFunc;

static inline int lfunc_wrt_is_array(const LFunc *f, int j) { return f->ndims[f->wrt[j]] > 0; }

typedef struct Program {
  LFunc *funcs;
  int nfuncs;
} Program;

/* Extent k of parameter p as the source writes it: a number or a size name. */
void lfunc_put_extent(Buf *out, const LFunc *f, int p, int k);

/* Every expression f's generated functions compute: the value, the scalar
 * partials, the Hessian, the gradient loops. malloc'd; *n its length. */
Expr **lfunc_roots(const LFunc *f, size_t *n);

/* On success every function is lowered; on failure (an error in d) the
 * Program must not be used. */
Program lower_file(const AstFile *file, ExprCtx *cx, Arena *arena, Diag *d);

#endif
