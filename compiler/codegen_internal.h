/* codegen_internal.h — what codegen.c (scalar functions, the DAG to
 * instructions) and codegen_batch.c (the batch loops) share: the code
 * generator's state and the few entry points the loops reuse. Private to
 * those two files. */
#ifndef PDC_CODEGEN_INTERNAL_H
#define PDC_CODEGEN_INTERNAL_H

#include <stdint.h>

#include "affine.h"
#include "codegen.h"

typedef struct Cg {
  LLVMContextRef C;
  LLVMModuleRef M;
  LLVMBuilderRef B;
  ExprCtx *cx;
  const CgOptions *opts;
  LLVMTypeRef real;    /* the real type: double, float with --precision=f32 */
  LLVMTypeRef dbl, i1; /* the types of values: real and i1, or vectors of them in a streaming loop */
  unsigned lanes;      /* 0, or the lanes of dbl and i1 while a streaming loop body is emitted */
  unsigned real_size;  /* its size in bytes, also the alignment of arrays of it */
  LLVMValueRef *val;   /* node id -> value in the current function */
  size_t nval;
  uint32_t *bound; /* ids given a value in the current function: what forgetting clears */
  size_t nbound, capbound;
  uint32_t *scope_log; /* ids given a value inside the current branch scopes */
  size_t nlog, caplog;
  int branch_depth;
  size_t branch_work, branch_budget; /* nodes emitted inside branches, and the limit */
  LLVMValueRef fn;
  LLVMFastMathFlags fmf;
  LLVMValueRef pool; /* the current function's table of numbers, or NULL */
  LLVMTypeRef pool_type;
  int32_t *pool_index; /* node id -> index in the table, -1 if not there */
  size_t npool_index;
  /* arrays: the current function's sizes (i64), array pointers by
   * parameter, and the index of each loop level being emitted */
  const LFunc *f;
  LLVMValueRef *size_val;
  LLVMValueRef *array_val;
  LLVMValueRef level_val[AFF_MAX_LEVELS];
  int loop_depth;
  struct Plan *plan;        /* the loops being planned at the current level (codegen_loops.c) */
  struct GradOut *grad_out; /* f_grad's output while its loops are emitted */
  unsigned vec_isas;        /* inside a batch loop: CG_VEC_* variants calls may use */
  LLVMValueRef *vec_decls;  /* vector functions declared, kept until vectorization */
  size_t nvec_decls;
} Cg;

void cg_add_fn_attr(Cg *g, LLVMValueRef fn, const char *name, uint64_t val);
void cg_add_param_attr(Cg *g, LLVMValueRef fn, unsigned param, const char *name, uint64_t val);
/* The value of e in the current function, emitted on first use. */
LLVMValueRef cg_value_of(Cg *g, Expr *e);
/* An operation of an instruction or two, defined for every input. */
int cg_is_cheap_op(const Expr *e);
/* Starts a new function body: no node has a value yet. Costs the previous
 * body's size, not the DAG's (clearing a whole-DAG table per function made
 * a file of many functions quadratic). */
void cg_forget_values(Cg *g);
/* Gives e the value v in the current function (a parameter, a load). */
void cg_bind(Cg *g, Expr *e, LLVMValueRef v);
/* Emits everything roots need, in topological order. */
void cg_emit_all(Cg *g, Expr *const *roots, size_t n);
/* Values become vectors of `lanes` (0: scalars again). */
void cg_set_lanes(Cg *g, unsigned lanes);
/* Emits everything roots need outside conditional branches and loops. */
void cg_emit_needed(Cg *g, Expr *const *roots, size_t n);
/* Values given inside the scope opened at `mark` (g->nlog) are forgotten:
 * they do not dominate what follows it. */
void cg_close_scope(Cg *g, size_t mark);
/* The integer value of an index form, as i64. */
LLVMValueRef cg_form(Cg *g, const Affine *a);
/* EX_INDEX, EX_LOAD, EX_RSUM and EX_RPROD (codegen_loops.c). */
LLVMValueRef cg_emit_array_node(Cg *g, Expr *e);
/* The nodes roots need outside branches and loops, in the order to emit them. */
Expr **cg_needed_order(Cg *g, Expr *const *roots, size_t n, size_t *count);
/* cg_emit_needed, with gradient loops to run at this level too: reductions
 * and loops over one range share one loop where they are independent. */
void cg_emit_with_loops(Cg *g, Expr *const *roots, size_t n, const GradLoop *const *loops, size_t nloops);
/* f_grad's body for a function with array wrt variables: roots (the value
 * and the scalar partials) and the gradient loops into grad. */
void cg_emit_grad(Cg *g, const LFunc *f, LLVMValueRef grad, Expr *const *roots, size_t nroots);
/* f_batch (with_grad 0) or f_grad_batch (1) for f, named name. */
void cg_emit_batch(Cg *g, const LFunc *f, const char *name, int with_grad);

#endif
