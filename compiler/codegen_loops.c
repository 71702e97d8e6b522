/* codegen_loops.c — arrays: index arithmetic, element loads, reductions as
 * counted loops, and the loops of array gradients (loopgrad.h).
 *
 * A reduction over level L from lo to hi is
 *     preheader:  everything the body needs that does not depend on L
 *                 (loop-invariant code is emitted before the loop, not left
 *                 to LLVM), then `lo <= hi ? loop : exit`
 *     loop:       i = phi(lo, i + 1), acc = phi(+0 or 1, acc')
 *                 body; acc' = acc + body (or *); i == hi ? exit : loop
 *     exit:       phi(+0 or 1 from the preheader, acc')
 * so terms are added in index order from +0.0, as the C loop
 * `double s = 0; for (i = lo; i <= hi; i++) s += t(i);` does; only
 * -ffast-math (flags on the add) lets LLVM reassociate and vectorize it.
 * Indices are signed 64-bit: a bound such as n - 2 is -2 at n = 0, and the
 * range is then empty. The test i == hi ends the loop, so hi = INT64_MAX
 * cannot overflow i. Values computed in the body do not dominate the exit:
 * they are forgotten there, as a branch's are. */
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"
#include "util.h"

static LLVMTypeRef i64_type(Cg *g) { return LLVMInt64TypeInContext(g->C); }

LLVMValueRef cg_form(Cg *g, const Affine *a) {
  LLVMValueRef v = LLVMConstInt(i64_type(g), (unsigned long long)a->c, 1);
  for (int i = 0; i < a->nterms; i++) {
    int32_t var = a->t[i].var;
    LLVMValueRef x = aff_is_level(var) ? g->level_val[var] : g->size_val[var - AFF_SIZE_BASE];
    if (!x) pdc_internal_error(__FILE__, __LINE__, "index level %d used outside its loop", var);
    if (a->t[i].coef != 1)
      x = LLVMBuildNSWMul(g->B, x, LLVMConstInt(i64_type(g), (unsigned long long)a->t[i].coef, 1), "");
    v = LLVMIsConstant(v) && LLVMConstIntGetSExtValue(v) == 0 ? x : LLVMBuildNSWAdd(g->B, v, x, "");
  }
  return v;
}

/* The position of element (ix0, ix1) of array parameter p: row-major. */
static LLVMValueRef element_offset(Cg *g, const LFunc *f, int p, const Affine *const *ix) {
  LLVMValueRef off = cg_form(g, ix[0]);
  if (f->ndims[p] == 2)
    off =
        LLVMBuildNSWAdd(g->B, LLVMBuildNSWMul(g->B, off, cg_form(g, f->extent[2 * p + 1]), ""), cg_form(g, ix[1]), "");
  return off;
}

static LLVMValueRef element_ptr(Cg *g, LLVMValueRef base, LLVMValueRef off) {
  return LLVMBuildInBoundsGEP2(g->B, g->real, base, &off, 1, "");
}

/* The length of array parameter p (elements), as i64. */
static LLVMValueRef array_length(Cg *g, const LFunc *f, int p) {
  LLVMValueRef n = cg_form(g, f->extent[2 * p]);
  if (f->ndims[p] == 2) n = LLVMBuildNSWMul(g->B, n, cg_form(g, f->extent[2 * p + 1]), "");
  return n;
}

/* ---- counted loops ----------------------------------------------------------- */

typedef struct Loop {
  int level;
  LLVMValueRef hi, index;
  LLVMBasicBlockRef preheader, body, exit;
  LLVMValueRef acc_phi, acc_init;
  size_t mark;
} Loop;

static int follow_invariant(const Expr *e, int k, void *ctx) {
  (void)ctx;
  if ((e->op == EX_SELECT && k > 0) || ex_is_reduce(e)) return 0;
  return 1;
}

/* Emits, before the loop over `level`, what its body needs that does not
 * depend on that level or a deeper one. */
static void hoist_invariants(Cg *g, Expr *body, int level) {
  size_t n;
  Expr **order = ex_topo_filtered(g->cx, &body, 1, &n, follow_invariant, NULL);
  Expr **inv = xmalloc(sizeof(Expr *) * (n ? n : 1));
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!(order[i]->lvmask >> level) && !ex_is_const(order[i])) inv[k++] = order[i];
  free(order);
  cg_emit_needed(g, inv, k);
  free(inv);
}

/* Opens the loop: the builder is left in its body, level bound to i. With
 * acc_init, an accumulator phi starts from it. */
static void loop_begin(Cg *g, Loop *l, int level, const Affine *lo_form, const Affine *hi_form, LLVMValueRef acc_init) {
  l->level = level;
  LLVMValueRef lo = cg_form(g, lo_form);
  l->hi = cg_form(g, hi_form);
  l->preheader = LLVMGetInsertBlock(g->B);
  l->body = LLVMAppendBasicBlockInContext(g->C, g->fn, "loop");
  l->exit = LLVMAppendBasicBlockInContext(g->C, g->fn, "loop.end");
  LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntSLE, lo, l->hi, ""), l->body, l->exit);
  LLVMPositionBuilderAtEnd(g->B, l->body);
  l->index = LLVMBuildPhi(g->B, i64_type(g), "");
  LLVMAddIncoming(l->index, &lo, &l->preheader, 1);
  l->acc_init = acc_init;
  l->acc_phi = NULL;
  if (acc_init) {
    l->acc_phi = LLVMBuildPhi(g->B, g->dbl, "");
    LLVMAddIncoming(l->acc_phi, &acc_init, &l->preheader, 1);
  }
  g->level_val[level] = l->index;
  g->loop_depth++;
  l->mark = g->nlog;
}

/* Closes the loop; returns the accumulator's value after it (acc_next is
 * its value at the end of an iteration), or NULL. */
static LLVMValueRef loop_end(Cg *g, Loop *l, LLVMValueRef acc_next) {
  LLVMValueRef next = LLVMBuildNSWAdd(g->B, l->index, LLVMConstInt(i64_type(g), 1, 0), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->B);
  LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, l->index, l->hi, ""), l->exit, l->body);
  LLVMAddIncoming(l->index, &next, &latch, 1);
  if (l->acc_phi) LLVMAddIncoming(l->acc_phi, &acc_next, &latch, 1);
  g->loop_depth--;
  cg_close_scope(g, l->mark);
  g->level_val[l->level] = NULL;
  LLVMPositionBuilderAtEnd(g->B, l->exit);
  if (!l->acc_phi) return NULL;
  LLVMValueRef r = LLVMBuildPhi(g->B, g->dbl, "");
  LLVMValueRef vals[2] = {l->acc_init, acc_next};
  LLVMBasicBlockRef from[2] = {l->preheader, latch};
  LLVMAddIncoming(r, vals, from, 2);
  return r;
}

static LLVMValueRef with_fmf(Cg *g, LLVMValueRef v) {
  if (g->fmf && LLVMIsAInstruction(v) && LLVMCanValueUseFastMathFlags(v)) LLVMSetFastMathFlags(v, g->fmf);
  return v;
}

static LLVMValueRef emit_reduction(Cg *g, Expr *e) {
  int sum = e->op == EX_RSUM;
  Expr *body = e->kid[0];
  hoist_invariants(g, body, e->k);
  Loop l;
  loop_begin(g, &l, e->k, e->ix[0], e->ix[1], LLVMConstReal(g->real, sum ? 0.0 : 1.0));
  cg_emit_needed(g, &body, 1);
  LLVMValueRef v = cg_value_of(g, body);
  LLVMValueRef acc = sum ? LLVMBuildFAdd(g->B, l.acc_phi, v, "") : LLVMBuildFMul(g->B, l.acc_phi, v, "");
  return loop_end(g, &l, with_fmf(g, acc));
}

LLVMValueRef cg_emit_array_node(Cg *g, Expr *e) {
  switch ((ExprOp)e->op) {
  case EX_INDEX: return LLVMBuildSIToFP(g->B, cg_form(g, e->ix[0]), g->dbl, "");
  case EX_LOAD: {
    LLVMValueRef p = element_ptr(g, g->array_val[e->k], element_offset(g, g->f, e->k, e->ix));
    LLVMValueRef v = LLVMBuildLoad2(g->B, g->real, p, "");
    LLVMSetAlignment(v, g->real_size);
    return v;
  }
  case EX_RSUM:
  case EX_RPROD: return emit_reduction(g, e);
  default: pdc_unreachable();
  }
}

/* ---- gradient loops ------------------------------------------------------------ */

typedef struct GradOut {
  LLVMValueRef grad;
  LLVMValueRef *offset; /* per wrt position: where its entries start */
} GradOut;

static void emit_store(Cg *g, const GradOut *o, const GradStore *s) {
  LLVMValueRef v = cg_value_of(g, s->value);
  LLVMValueRef off = LLVMBuildNSWAdd(g->B, o->offset[s->wrt], element_offset(g, g->f, s->param, s->ix), "");
  LLVMValueRef p = element_ptr(g, o->grad, off);
  LLVMValueRef old = LLVMBuildLoad2(g->B, g->real, p, "");
  LLVMSetAlignment(old, g->real_size);
  LLVMSetAlignment(LLVMBuildStore(g->B, with_fmf(g, LLVMBuildFAdd(g->B, old, v, "")), p), g->real_size);
}

static void emit_grad_loop(Cg *g, const GradOut *o, const GradLoop *gl) {
  Loop l;
  Expr **roots = xmalloc(sizeof(Expr *) * (size_t)(gl->nstores + 1));
  for (int i = 0; i < gl->nstores; i++) roots[i] = gl->stores[i].value;
  if (gl->over) {
    for (int i = 0; i < gl->nstores; i++) hoist_invariants(g, roots[i], gl->over->k);
    loop_begin(g, &l, gl->over->k, gl->over->ix[0], gl->over->ix[1], NULL);
  }
  cg_emit_needed(g, roots, (size_t)gl->nstores);
  for (int i = 0; i < gl->nstores; i++) emit_store(g, o, &gl->stores[i]);
  for (int i = 0; i < gl->nloops; i++) emit_grad_loop(g, o, &gl->loops[i]);
  if (gl->over) loop_end(g, &l, NULL);
  free(roots);
}

void cg_emit_grad_loops(Cg *g, const LFunc *f, LLVMValueRef grad) {
  GradOut o = {grad, xmalloc(sizeof(LLVMValueRef) * (size_t)(f->nwrt + 1))};
  LLVMValueRef at = LLVMConstInt(i64_type(g), 0, 0);
  for (int j = 0; j < f->nwrt; j++) {
    o.offset[j] = at;
    int p = f->wrt[j];
    if (!f->ndims[p]) {
      LLVMSetAlignment(LLVMBuildStore(g->B, cg_value_of(g, f->partials[j]), element_ptr(g, grad, at)), g->real_size);
      at = LLVMBuildNSWAdd(g->B, at, LLVMConstInt(i64_type(g), 1, 0), "");
      continue;
    }
    /* the array's entries start at 0 and gather their contributions */
    LLVMValueRef len = array_length(g, f, p);
    LLVMValueRef bytes = LLVMBuildNUWMul(g->B, len, LLVMConstInt(i64_type(g), g->real_size, 0), "");
    LLVMBuildMemSet(g->B, element_ptr(g, grad, at), LLVMConstInt(LLVMInt8TypeInContext(g->C), 0, 0), bytes,
                    g->real_size);
    at = LLVMBuildNSWAdd(g->B, at, len, "");
  }
  emit_grad_loop(g, &o, f->grad_loops);
  free(o.offset);
}
