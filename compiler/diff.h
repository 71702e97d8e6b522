/* diff.h — symbolic differentiation in reverse mode on the DAG.
 *
 * One adjoint sweep over the function's DAG, in reverse topological order,
 * yields the partials for all requested variables at once, sharing work
 * with each other and with the function (the cheap-gradient principle:
 * the gradient costs a small constant times the function, however many
 * variables). Nodes that depend on none of the variables are never visited,
 * and a zero that comes from the structure is never built.
 *
 * Derivative terms are built with a small algebra of their own (constant
 * coefficients are combined, x/y*y-style quotients kept flat, like terms
 * merged, selects with a zero branch kept lazy), so printed derivatives read
 * as a person writes them: d/dx x^2 is 2*x. Those rewrites apply only to
 * the derivative terms pdc creates, never to the function as written. */
#ifndef PDC_DIFF_H
#define PDC_DIFF_H

#include "expr.h"

/* out[j] = d root / d (variable vars[j]); 0 where root does not depend on it. */
void diff_gradient(ExprCtx *cx, Expr *root, const int *vars, int nvars, Expr **out);
Expr *diff_partial(ExprCtx *cx, Expr *root, int var);
/* out[j] = d root / d leaves[j] for any nodes taken as independent
 * (variables, array elements, whole reductions); the sweep does not look
 * below a leaf. Reductions that are not leaves are differentiated through
 * (a sum term by term, a product by the product rule). */
void diff_leaves(ExprCtx *cx, Expr *root, Expr *const *leaves, int nleaves, Expr **out);
/* For a product over level L, Π_{l≠i} of its body at l, with i level L:
 * the factor the product rule gives term i (exact where a factor is 0). */
Expr *diff_product_others(ExprCtx *cx, Expr *prod);
/* e with every loop level >= from, bound or free, moved one deeper. */
Expr *diff_shift_levels(ExprCtx *cx, Expr *e, int from);

#endif
