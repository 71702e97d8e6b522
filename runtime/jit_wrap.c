/* jit_wrap.c — array and sized forms of the generated functions, built as
 * LLVM IR.
 *
 * A C caller that learns a function's signature at run time (from
 * pd_function) cannot call `double f(double, double, ...)`, let alone
 * `double f(size_t n, double a, const double *x)`, without a cast for each
 * signature, and C has no portable way to build a call of mixed integer,
 * double and pointer arguments (that is libffi's job). So the module gets,
 * next to each generated symbol S, small functions of one signature each:
 *   double __pda_S(const double *args [, double *out])
 *     (functions of scalars: loads args[0..n-1]),
 *   double __pds_S(const size_t *sizes, const double *const *args [, double *out])
 *     (every function: loads the sizes, passes args[p] for an array and
 *     *args[p] for a scalar),
 * each calling S. The wrappers are added after the optimization pipeline
 * has run, so S is not inlined into them and a call through a wrapper
 * executes exactly the code a direct call does: the results are
 * bit-identical. The cost is one call and a few loads. */
#include "jit_internal.h"

#include <stdlib.h>

#include "emit_llvm.h"
#include "util.h"

typedef enum { FORM_ARRAY, FORM_SIZED } Form;

/* A load of type ty from element i of the array at base, whose elements
 * have type ty; aligned as its C type is (8 bytes for double, size_t and
 * pointers on every target pdc supports), whatever the IR type's ABI
 * alignment. */
static LLVMValueRef load_element(LLVMBuilderRef B, LLVMTypeRef ty, LLVMValueRef base, int i) {
  LLVMContextRef C = LLVMGetTypeContext(ty);
  LLVMValueRef idx = LLVMConstInt(LLVMInt64TypeInContext(C), (unsigned long long)i, 0);
  LLVMValueRef v = LLVMBuildLoad2(B, ty, LLVMBuildInBoundsGEP2(B, ty, base, &idx, 1, ""), "");
  LLVMSetAlignment(v, 8);
  return v;
}

/* The arguments of sym loaded from the wrapper w's array parameters into
 * args (the sizes, then the parameters). */
static void load_arguments(LLVMBuilderRef B, const pd_function *f, Form form, LLVMValueRef w, LLVMValueRef *args) {
  LLVMContextRef C = LLVMGetModuleContext(LLVMGetGlobalParent(w));
  LLVMTypeRef dbl = LLVMDoubleTypeInContext(C), ptr = LLVMPointerTypeInContext(C, 0);
  if (form == FORM_ARRAY) {
    for (int i = 0; i < f->nparams; i++) args[i] = load_element(B, dbl, LLVMGetParam(w, 0), i);
    return;
  }
  for (int k = 0; k < f->nsizes; k++) args[k] = load_element(B, LLVMInt64TypeInContext(C), LLVMGetParam(w, 0), k);
  for (int p = 0; p < f->nparams; p++) {
    LLVMValueRef at = load_element(B, ptr, LLVMGetParam(w, 1), p);
    args[f->nsizes + p] = f->ndims[p] ? at : load_element(B, dbl, at, 0);
  }
}

/* The callee sym, checked to take what the wrapper passes: its C signature
 * as pd_function describes it. NULL after reporting. */
static LLVMValueRef find_callee(LLVMModuleRef M, const pd_function *f, const char *sym, int nargs, Buf *err) {
  LLVMValueRef callee = LLVMGetNamedFunction(M, sym);
  if (!callee) {
    buf_printf(err, "internal error: generated function '%s' is missing from the module", sym);
    return NULL;
  }
  unsigned have = LLVMCountParamTypes(LLVMGlobalGetValueType(callee));
  if (have != (unsigned)nargs) {
    buf_printf(err, "internal error: generated function '%s' takes %u parameters, not the %d that '%s' describes", sym,
               have, nargs, f->name);
    return NULL;
  }
  return callee;
}

/* Defines the wrapper of the given form around sym, a symbol of f, with an
 * out parameter (gradient, Hessian) when has_out. */
static int add_wrapper(LLVMModuleRef M, const pd_function *f, const char *sym, Form form, int has_out, Buf *err) {
  int nargs = (form == FORM_SIZED ? f->nsizes : 0) + f->nparams + has_out;
  LLVMValueRef callee = find_callee(M, f, sym, nargs, err);
  if (!callee) return 0;
  LLVMContextRef C = LLVMGetModuleContext(M);
  LLVMTypeRef ptr = LLVMPointerTypeInContext(C, 0), callee_ty = LLVMGlobalGetValueType(callee);
  LLVMTypeRef params[3] = {ptr, ptr, ptr};
  unsigned nin = form == FORM_SIZED ? 2 : 1;
  LLVMTypeRef wrapper_ty = LLVMFunctionType(LLVMGetReturnType(callee_ty), params, nin + (unsigned)has_out, 0);

  Buf name;
  buf_init(&name);
  buf_printf(&name, "%s%s", form == FORM_SIZED ? PDRT_SIZED_PREFIX : PDRT_ARRAY_PREFIX, sym);
  LLVMValueRef w = LLVMAddFunction(M, name.data, wrapper_ty);
  buf_free(&name);

  LLVMBuilderRef B = emit_builder_create(C);
  LLVMPositionBuilderAtEnd(B, LLVMAppendBasicBlockInContext(C, w, "entry"));
  LLVMValueRef *args = xmalloc(sizeof(LLVMValueRef) * (size_t)(nargs + 1));
  load_arguments(B, f, form, w, args);
  if (has_out) args[nargs - 1] = LLVMGetParam(w, nin);
  LLVMValueRef call = LLVMBuildCall2(B, callee_ty, callee, args, (unsigned)nargs, "");
  if (LLVMGetTypeKind(LLVMGetReturnType(callee_ty)) == LLVMVoidTypeKind) LLVMBuildRetVoid(B);
  else LLVMBuildRet(B, call);
  free(args);
  emit_builder_dispose(B);
  return 1;
}

/* The wrappers of one form for every symbol of f. */
static int add_form(LLVMModuleRef M, const pd_function *f, Form form, Buf *err) {
  int ok = add_wrapper(M, f, f->symbol, form, 0, err) && add_wrapper(M, f, f->grad_symbol, form, 1, err);
  for (int j = 0; ok && j < f->nwrt; j++)
    if (f->partial_symbols[j]) ok = add_wrapper(M, f, f->partial_symbols[j], form, 0, err);
  if (ok && f->hess_symbol) ok = add_wrapper(M, f, f->hess_symbol, form, 1, err);
  return ok;
}

int pdrt_add_array_wrappers(LLVMModuleRef M, const pd_function *funcs, int n, Buf *err) {
  for (int i = 0; i < n; i++) {
    const pd_function *f = &funcs[i];
    if (!add_form(M, f, FORM_SIZED, err)) return 0;
    if (!f->has_arrays && !add_form(M, f, FORM_ARRAY, err)) return 0;
  }
  return 1;
}
