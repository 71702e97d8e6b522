/* listing.h — the --emit=deriv text: each function and its derivatives as
 * readable formulas, e.g.
 *
 *   f(x, y) = x^2 - y^2
 *   df/dx = 2*x
 *   df/dy = -2*y
 */
#ifndef PDC_LISTING_H
#define PDC_LISTING_H

#include "buf.h"
#include "expr.h"
#include "lower.h"

void listing_write(Buf *out, const Program *prog, ExprCtx *cx);

#endif
