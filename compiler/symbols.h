/* symbols.h — the names of the generated functions, built in one place:
 *   f, f_d<v> (one per wrt variable), f_grad, f_hess, f_batch, f_grad_batch,
 * each after the --prefix. sema checks them for collisions, codegen defines
 * them, the header declares them and libpdrt looks them up, all through
 * symbol_name. */
#ifndef PDC_SYMBOLS_H
#define PDC_SYMBOLS_H

#include "buf.h"

typedef enum {
  SYM_VALUE,      /* f */
  SYM_PARTIAL,    /* f_d<v> */
  SYM_GRAD,       /* f_grad */
  SYM_HESS,       /* f_hess */
  SYM_BATCH,      /* f_batch */
  SYM_GRAD_BATCH, /* f_grad_batch */
} SymbolKind;

/* Appends prefix + fn + the kind's suffix (+ var for SYM_PARTIAL) to out. */
void symbol_name(Buf *out, const char *prefix, const char *fn, SymbolKind kind, const char *var);

/* The same, malloc'd. */
char *symbol_name_dup(const char *prefix, const char *fn, SymbolKind kind, const char *var);

#endif
