/* jit_internal.h — what jit.c shares with jit_wrap.c (and nothing else):
 * the array and sized forms pd_function exposes. Not installed. */
#ifndef PDRT_JIT_INTERNAL_H
#define PDRT_JIT_INTERNAL_H

#include <llvm-c/Core.h>

#include "buf.h"
#include "pd_runtime.h"

/* Wrapper symbols start with "__pd": sema rejects generated symbols that
 * begin with "__", so they cannot collide with anything the source defines.
 * "__pda_": array forms (functions without arrays); "__pds_": sized forms
 * (every function). */
#define PDRT_ARRAY_PREFIX "__pda_"
#define PDRT_SIZED_PREFIX "__pds_"

/* Adds to M, for every generated symbol S of funcs[0..n-1] (names, sizes
 * and parameter shapes taken from the records), the function
 * PDRT_SIZED_PREFIX<S> that takes its sizes and parameters through arrays
 * and calls S, and for functions without array parameters also
 * PDRT_ARRAY_PREFIX<S>. Returns 0 and appends a message to err if a symbol
 * is missing from M or has another signature (a bug). */
int pdrt_add_array_wrappers(LLVMModuleRef M, const pd_function *funcs, int n, Buf *err);

#endif
