/* print.h — DAG nodes as readable infix formulas in .pd syntax, for
 * --emit=deriv and the comments of the generated header.
 *
 * Small formulas print inline: `2*x*y^2 + 7*y - 3`. When the formulas of a
 * function would be large as trees (a DAG that shares a lot), shared
 * subexpressions are named t1, t2, ... and defined on lines of their own,
 * so the listing stays proportional to the DAG, not to the tree. */
#ifndef PDC_PRINT_H
#define PDC_PRINT_H

#include <stddef.h>

#include "buf.h"
#include "expr.h"

typedef struct Printer {
  ExprCtx *cx;
  const char *const *vars; /* variable names by index */
  uint32_t *temp_ids;      /* the nodes printed as temporaries: an open-addressing set of */
  uint32_t *temp_nums;     /* node ids, with each one's temp number (t1, t2, ...) */
  size_t temp_cap;         /* a power of two, or 0 while there are none */
  int ntemps;
} Printer;

void printer_init(Printer *p, ExprCtx *cx, const char *const *vars);
void printer_free(Printer *p);
/* Decides which nodes of roots become temporaries and appends their
 * definitions ("  t1 = ...\n") to out. */
void printer_plan(Printer *p, Expr *const *roots, size_t nroots, Buf *out);
void printer_expr(Printer *p, Buf *out, Expr *e);

/* Number of nodes e would have written out as a tree (saturates). */
double print_tree_size(ExprCtx *cx, Expr *e);

#endif
