/* codegen.h — the DAGs of a program to an LLVM module, through the C API.
 *
 * Per function f(params) wrt w1..wk it defines
 *   double f(params)                      the value
 *   double f_d<w>(params)                 one per wrt variable
 *   double f_grad(params, double *grad)   value and all partials, one computation
 *   void   f_hess(params, double *H)      k*k second partials, with `hessian`
 * Each is one SSA value per DAG node reached from its roots, in topological
 * order, so everything f and its partials share is computed once. */
#ifndef PDC_CODEGEN_H
#define PDC_CODEGEN_H

#include <llvm-c/Core.h>

#include "expr.h"
#include "lower.h"

typedef struct CgOptions {
  const char *prefix; /* symbol prefix, "" for none */
  int fast_math;      /* LLVM fast-math flags on every operation */
  int fp_contract;    /* allow a*b+c to become one fused multiply-add */
} CgOptions;

LLVMModuleRef cg_module(const Program *prog, ExprCtx *cx, LLVMContextRef C, const char *module_name,
                        const CgOptions *opts);

#endif
