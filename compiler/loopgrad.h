/* loopgrad.h — the gradient with respect to array parameters, as loops.
 *
 * f's partial by an array element x[k] is a sum over every place x is read:
 * each read x[ix] inside loops contributes, at every iteration, its local
 * partial times the adjoint of the loop it sits in. So the gradient is built
 * as a tree of loops mirroring f's reductions: a GradLoop runs over the range
 * of one reduction of f (its level and bounds), and per iteration adds its
 * stores, `grad_x[ix] += value`, then runs its inner loops. The root runs
 * once, outside every loop. The grad arrays are zeroed first.
 *
 * This is reverse mode at loop granularity: each loop's body is
 * differentiated once (diff_leaves, the reads and the inner reductions as
 * leaves), so the gradient costs a small multiple of f, whatever the sizes.
 * Scalar wrt variables are not here: their partials are expressions
 * (sums of the body's partials), LFunc.partials. */
#ifndef PDC_LOOPGRAD_H
#define PDC_LOOPGRAD_H

#include "expr.h"

typedef struct GradStore {
  int wrt;   /* position in the wrt list */
  int param; /* the array parameter */
  const Affine *ix[2];
  Expr *value;
} GradStore;

typedef struct GradLoop {
  Expr *over; /* the reduction whose level and range this loop runs; NULL at the root */
  GradStore *stores;
  int nstores;
  struct GradLoop **loops;
  int nloops;
} GradLoop;

/* The loops of root's gradient by the array parameters wrt_param[j] (their
 * positions in the wrt list wrt_pos[j]); allocated in cx's arena. */
GradLoop *loopgrad_build(ExprCtx *cx, Expr *root, const int *wrt_param, const int *wrt_pos, int n);

/* The values the loops store (not the reductions they run over). */
void loopgrad_values(const GradLoop *g, Expr ***roots, size_t *n, size_t *cap);
/* Every expression the loops involve, their reductions too, for passes
 * that scan them all. */
void loopgrad_roots(const GradLoop *g, Expr ***roots, size_t *n, size_t *cap);

#endif
