/* frontend.h — the front end in one call, for embedders such as the runtime
 * JIT: source text to the checked, differentiated Program. (pdc's driver
 * runs the same phases one by one, to stop after any of them for --dump.) */
#ifndef PDC_FRONTEND_H
#define PDC_FRONTEND_H

#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "expr.h"
#include "lexer.h"
#include "lower.h"

typedef struct Frontend {
  Source src;
  Diag diag; /* diagnostics text in diag.out */
  Arena arena;
  ExprCtx cx;
  TokenList toks;
  AstFile file;
  Program prog; /* valid when frontend_run returned 1 */
} Frontend;

typedef struct FrontendOptions {
  const char *prefix; /* symbol prefix, "" for none */
  int fast_math;
  int werror; /* warnings are errors */
} FrontendOptions;

/* Compiles text (len bytes, need not be NUL-terminated; it must outlive fe)
 * named `name` in diagnostics. Returns 1 on success, 0 if the source has
 * errors; either way frontend_free releases everything. */
int frontend_run(Frontend *fe, const char *name, const char *text, size_t len, const FrontendOptions *opts);
void frontend_free(Frontend *fe);

#endif
