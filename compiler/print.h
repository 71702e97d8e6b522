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
  const char *const *sizes;                /* size names, for arrays */
  const char *level_names[AFF_MAX_LEVELS]; /* loop levels: i, j, k, ... clear of the names above */
  char level_store[AFF_MAX_LEVELS][16];
} Printer;

void printer_init(Printer *p, ExprCtx *cx, const char *const *vars);
/* Names for the sizes and loop indices of a function with arrays; the
 * indices get i, j, k, ... unless the nvars variables or sizes use them. */
void printer_arrays(Printer *p, const char *const *sizes, int nsizes, int nvars);
void printer_free(Printer *p);
/* The name the printer gives loop level L. */
const char *printer_level_name(const Printer *p, int level);
/* An index form as the source writes it: "i + 1", "3*i + k". */
void printer_form(Printer *p, Buf *out, const Affine *a);
/* Decides which nodes of roots become temporaries and appends their
 * definitions ("  t1 = ...\n") to out. */
void printer_plan(Printer *p, Expr *const *roots, size_t nroots, Buf *out);
void printer_expr(Printer *p, Buf *out, Expr *e);

/* Number of nodes e would have written out as a tree (saturates). */
double print_tree_size(ExprCtx *cx, Expr *e);

#endif
