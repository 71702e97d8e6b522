/* jit_wrap.c — array forms of the generated functions, built as LLVM IR.
 *
 * A C caller that learns a function's arity at run time (from pd_function)
 * cannot call `double f(double, double, ...)` without a cast for each arity.
 * So the module gets, next to each generated symbol S, a small function
 *   double __pda_S(const double *args [, double *out])
 * that loads args[0..n-1] and calls S. The wrappers are added after the
 * optimization pipeline has run, so S is not inlined into them and a call
 * through a wrapper executes exactly the code a direct call does: the
 * results are bit-identical. The cost is one call and n loads. */
#include "jit_internal.h"

#include <stdlib.h>

#include "emit_llvm.h"
#include "util.h"

/* Defines PDRT_ARRAY_PREFIX<sym>(ptr args[, ptr out]) calling sym with
 * args[0..nparams-1] (and out). */
static int add_wrapper(LLVMModuleRef M, const char *sym, int nparams, int has_out, Buf *err) {
  LLVMValueRef callee = LLVMGetNamedFunction(M, sym);
  if (!callee) {
    buf_printf(err, "internal error: generated function '%s' is missing from the module", sym);
    return 0;
  }
  LLVMContextRef C = LLVMGetModuleContext(M);
  LLVMTypeRef dbl = LLVMDoubleTypeInContext(C), ptr = LLVMPointerTypeInContext(C, 0);
  LLVMTypeRef callee_ty = LLVMGlobalGetValueType(callee);
  LLVMTypeRef params[2] = {ptr, ptr};
  LLVMTypeRef wrapper_ty = LLVMFunctionType(LLVMGetReturnType(callee_ty), params, has_out ? 2 : 1, 0);

  Buf name;
  buf_init(&name);
  buf_printf(&name, "%s%s", PDRT_ARRAY_PREFIX, sym);
  LLVMValueRef w = LLVMAddFunction(M, name.data, wrapper_ty);
  buf_free(&name);

  LLVMBuilderRef B = emit_builder_create(C);
  LLVMPositionBuilderAtEnd(B, LLVMAppendBasicBlockInContext(C, w, "entry"));
  LLVMValueRef *args = xmalloc(sizeof(LLVMValueRef) * (size_t)(nparams + 1));
  LLVMValueRef array = LLVMGetParam(w, 0);
  for (int i = 0; i < nparams; i++) {
    LLVMValueRef idx = LLVMConstInt(LLVMInt64TypeInContext(C), (unsigned long long)i, 0);
    LLVMValueRef at = LLVMBuildInBoundsGEP2(B, dbl, array, &idx, 1, "");
    args[i] = LLVMBuildLoad2(B, dbl, at, "");
    LLVMSetAlignment(args[i], 8); /* a double array, whatever the type's ABI alignment */
  }
  if (has_out) args[nparams] = LLVMGetParam(w, 1);
  LLVMValueRef call = LLVMBuildCall2(B, callee_ty, callee, args, (unsigned)(nparams + has_out), "");
  if (LLVMGetTypeKind(LLVMGetReturnType(callee_ty)) == LLVMVoidTypeKind) LLVMBuildRetVoid(B);
  else LLVMBuildRet(B, call);
  free(args);
  emit_builder_dispose(B);
  return 1;
}

int pdrt_add_array_wrappers(LLVMModuleRef M, const pd_function *funcs, int n, Buf *err) {
  for (int i = 0; i < n; i++) {
    const pd_function *f = &funcs[i];
    int ok = add_wrapper(M, f->symbol, f->nparams, 0, err) && add_wrapper(M, f->grad_symbol, f->nparams, 1, err);
    for (int j = 0; ok && j < f->nwrt; j++) ok = add_wrapper(M, f->partial_symbols[j], f->nparams, 0, err);
    if (ok && f->hess_symbol) ok = add_wrapper(M, f->hess_symbol, f->nparams, 1, err);
    if (!ok) return 0;
  }
  return 1;
}
