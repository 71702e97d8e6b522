/* jit_internal.h — what jit.c shares with jit_wrap.c (and nothing else):
 * the array-form wrappers pd_function exposes. Not installed. */
#ifndef PDRT_JIT_INTERNAL_H
#define PDRT_JIT_INTERNAL_H

#include <llvm-c/Core.h>

#include "buf.h"
#include "pd_runtime.h"

/* Wrapper symbols start with "__pda_": sema rejects generated symbols that
 * begin with "__", so they cannot collide with anything the source defines. */
#define PDRT_ARRAY_PREFIX "__pda_"

/* Adds to M, for every generated symbol of funcs[0..n-1] (names and arities
 * taken from the records), a function PDRT_ARRAY_PREFIX<symbol> that loads
 * its parameters from an array and calls the symbol. Returns 0 and appends
 * a message to err if a symbol is missing from M (a bug). */
int pdrt_add_array_wrappers(LLVMModuleRef M, const pd_function *funcs, int n, Buf *err);

#endif
