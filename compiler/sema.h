/* sema.h — name resolution and checks on the AST.
 *
 * Resolves every name and call (parameters, let bindings, constants, pi,
 * built-ins, user functions, d()), checks arities, wrt lists, duplicate
 * definitions, recursion (a call-graph cycle is an error naming the cycle),
 * that truth values appear only as conditions of `if`, and that every
 * generated symbol name (f, f_dx, f_grad, f_hess, with --prefix) is unique
 * and clear of C keywords and libm. Reports all problems of the file.
 * After sema succeeds, lowering cannot fail. */
#ifndef PDC_SEMA_H
#define PDC_SEMA_H

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef struct SemaOptions {
  const char *prefix; /* prepended to every generated symbol; "" for none */
  int batch;          /* --batch: functions with array parameters cannot have batch kernels */
} SemaOptions;

/* Returns the number of errors reported. */
int sema_check(AstFile *file, const SemaOptions *opts, Arena *arena, Diag *d);

/* The generated symbol names of a function, with the batch kernels' when
 * with_batch; returns how many were written (at most 5 + nwrt). Each name is
 * allocated in arena. */
int sema_symbol_names(const AstFunc *fn, const char *prefix, int with_batch, Arena *arena, const char **names);

#endif
