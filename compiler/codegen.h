/* codegen.h — the DAGs of a program to an LLVM module, through the C API.
 *
 * Per function f(params) wrt w1..wk it defines
 *   double f(params)                      the value
 *   double f_d<w>(params)                 one per wrt variable
 *   double f_grad(params, double *grad)   value and all partials, one computation
 *   void   f_hess(params, double *H)      k*k second partials, with `hessian`
 * and with opts->batch, loops over arrays of points (structure of arrays):
 *   void f_batch(size_t n, const double *p1, ..., double *out)
 *   void f_grad_batch(size_t n, const double *p1, ..., double *out, double *grad)
 *        grad[j*n + i] is the partial by wrt variable j at point i
 * Each is one SSA value per DAG node reached from its roots, in topological
 * order, so everything f and its partials share is computed once. */
#ifndef PDC_CODEGEN_H
#define PDC_CODEGEN_H

#include <llvm-c/Core.h>

#include "expr.h"
#include "lower.h"

/* Vector variants of libm functions the target can call (glibc's libmvec,
 * x86-64): SSE2 2 lanes, AVX2 4 lanes, AVX-512 8 lanes. */
enum { CG_VEC_SSE2 = 1, CG_VEC_AVX2 = 2, CG_VEC_AVX512 = 4 };

typedef struct CgOptions {
  const char *prefix; /* symbol prefix, "" for none */
  int fast_math;      /* LLVM fast-math flags on every operation */
  int fp_contract;    /* allow a*b+c to become one fused multiply-add */
  int batch;          /* also f_batch and f_grad_batch */
  unsigned vec_isas;  /* CG_VEC_* vector instruction sets of the target (batch only) */
  int libmvec;        /* batch loops may call libmvec's variants for vec_isas */
  int f32;            /* float instead of double everywhere (--precision=f32) */
} CgOptions;

LLVMModuleRef cg_module(const Program *prog, ExprCtx *cx, LLVMContextRef C, const char *module_name,
                        const CgOptions *opts);

#endif
