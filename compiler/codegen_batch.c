/* codegen_batch.c — the batch kernels f_batch and f_grad_batch: loops over
 * arrays of points, and their streaming variant for large batches. The DAG
 * in the loop body is emitted by codegen.c's scalar machinery. */
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"
#include "util.h"

/* ---- batch kernels ------------------------------------------------------------
 * f_batch(n, p1[], ..., out[]) and f_grad_batch(n, p1[], ..., out[], grad[]):
 * a counted loop whose body is the DAG again, with the parameters loaded
 * from the arrays at index i. The loop is left to LLVM's loop vectorizer
 * (the arrays are noalias: restrict in the header), which uses the target's
 * vector width, and handles any n with a scalar remainder. A body with lazy
 * branches (calls or partial operations under an if) stays a scalar loop.
 *
 * Streaming. A batch larger than the caches is bound by memory, and an
 * ordinary store first reads the line it writes (write-allocate): rosen's
 * gradient moves 2 loads + 3 stores + 3 such reads a point. Non-temporal
 * stores skip the reads (measured here: 248 -> 450 M points/s), but only
 * whole aligned vectors of them do, and LLVM 19's loop vectorizer will not
 * make one (it judges the store at the scalar's alignment). So for large n,
 * when the outputs share one alignment modulo a cache line, pdc runs its
 * own vector loop over the aligned middle: the DAG emitted on vectors of
 * the target's width, stored aligned and !nontemporal, then an sfence. The
 * few points before and after it go through the ordinary loop. Only bodies
 * of plain arithmetic stream (no calls, which would be per-lane anyway), and
 * only small ones: those are the bodies memory bounds. Each lane computes
 * what the scalar function computes, operation by operation, so results
 * are the same bits on either path. */
enum {
  CG_STREAM_MIN_BYTES = 4 << 20, /* outputs of at least this size stream: above L2 */
  CG_STREAM_MAX_NODES = 512,     /* larger bodies are bound by arithmetic, not memory */
  CG_CACHE_LINE = 64
};

typedef struct BatchFn {
  const LFunc *f;
  LLVMValueRef fn, n;
  Expr **roots; /* the partials (with the gradient), then the value */
  int nroots, with_grad;
} BatchFn;

static void mark_array(Cg *g, LLVMValueRef fn, unsigned i, const char *name, int written) {
  LLVMSetValueName2(LLVMGetParam(fn, i), name, strlen(name));
  cg_add_param_attr(g, fn, i, "noalias", 0);
  cg_add_param_attr(g, fn, i, "nocapture", 0);
  cg_add_param_attr(g, fn, i, written ? "writeonly" : "readonly", 0);
}

static LLVMValueRef param_array(const BatchFn *b, int k) { return LLVMGetParam(b->fn, 1 + (unsigned)k); }
static LLVMValueRef out_array(const BatchFn *b) { return LLVMGetParam(b->fn, 1 + (unsigned)b->f->nparams); }
static LLVMValueRef grad_array(const BatchFn *b) { return LLVMGetParam(b->fn, 2 + (unsigned)b->f->nparams); }

static LLVMValueRef i64_const(Cg *g, uint64_t k) { return LLVMConstInt(LLVMInt64TypeInContext(g->C), k, 0); }

static LLVMValueRef element(Cg *g, LLVMValueRef base, LLVMValueRef index) {
  return LLVMBuildInBoundsGEP2(g->B, g->real, base, &index, 1, "");
}

static void mark_nontemporal(Cg *g, LLVMValueRef store) {
  static const char kind_name[] = "nontemporal";
  unsigned kind = LLVMGetMDKindIDInContext(g->C, kind_name, sizeof kind_name - 1);
  LLVMMetadataRef one = LLVMValueAsMetadata(LLVMConstInt(LLVMInt32TypeInContext(g->C), 1, 0));
  LLVMSetMetadata(store, kind, LLVMMetadataAsValue(g->C, LLVMMDNodeInContext2(g->C, &one, 1)));
}

static BatchFn declare_batch(Cg *g, const LFunc *f, const char *name, int with_grad) {
  BatchFn b = {.f = f, .with_grad = with_grad};
  LLVMTypeRef ptr = LLVMPointerTypeInContext(g->C, 0);
  unsigned np = (unsigned)f->nparams, nargs = 1 + np + 1 + (with_grad ? 1 : 0);
  LLVMTypeRef *ps = xmalloc(sizeof(LLVMTypeRef) * nargs);
  ps[0] = LLVMInt64TypeInContext(g->C);
  for (unsigned i = 1; i < nargs; i++) ps[i] = ptr;
  b.fn = LLVMAddFunction(g->M, name, LLVMFunctionType(LLVMVoidTypeInContext(g->C), ps, nargs, 0));
  free(ps);
  b.n = LLVMGetParam(b.fn, 0);
  LLVMSetValueName2(b.n, "n", 1);
  for (unsigned i = 0; i < np; i++) mark_array(g, b.fn, 1 + i, f->params[i], 0);
  mark_array(g, b.fn, 1 + np, "out", 1);
  if (with_grad) mark_array(g, b.fn, 2 + np, "grad", 1);
  cg_add_fn_attr(g, b.fn, "nounwind", 0);
  cg_add_fn_attr(g, b.fn, "uwtable", 2);
  if (g->opts->vec_isas & CG_VEC_AVX512) {
    /* LLVM keeps to 256-bit vectors on most AVX-512 CPUs (clock throttling
     * on early ones); a batch loop is the throughput code that wants 512 */
    static const char k[] = "prefer-vector-width", v[] = "512";
    LLVMAddAttributeAtIndex(b.fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(g->C, k, sizeof k - 1, v, sizeof v - 1));
  }
  b.nroots = with_grad ? f->nwrt + 1 : 1;
  b.roots = xmalloc(sizeof(Expr *) * (size_t)b.nroots);
  for (int j = 0; j < b.nroots - 1; j++) b.roots[j] = f->partials[j];
  b.roots[b.nroots - 1] = f->value;
  g->fn = b.fn;
  return b;
}

/* base[index] = e; in a streaming loop a whole aligned vector, stored past
 * the cache (see streaming_range). */
static void store_point(Cg *g, Expr *e, LLVMValueRef base, LLVMValueRef index) {
  LLVMValueRef store = LLVMBuildStore(g->B, cg_value_of(g, e), element(g, base, index));
  LLVMSetAlignment(store, g->lanes ? g->lanes * g->real_size : g->real_size);
  if (g->lanes) mark_nontemporal(g, store);
}

/* The body at point i (at lanes points from i in a streaming loop): loads,
 * the DAG, stores. */
static void emit_points(Cg *g, const BatchFn *b, LLVMValueRef i) {
  cg_forget_values(g);
  for (int k = 0; k < b->f->nparams; k++) {
    LLVMValueRef v = LLVMBuildLoad2(g->B, g->dbl, element(g, param_array(b, k), i), b->f->params[k]);
    LLVMSetAlignment(v, g->real_size);
    cg_bind(g, ex_var(g->cx, k), v);
  }
  g->vec_isas = g->opts->libmvec && !g->lanes ? g->opts->vec_isas : 0;
  cg_emit_all(g, b->roots, (size_t)b->nroots);
  g->vec_isas = 0;
  store_point(g, b->f->value, out_array(b), i);
  for (int j = 0; b->with_grad && j < b->f->nwrt; j++) {
    LLVMValueRef at = LLVMBuildAdd(g->B, LLVMBuildMul(g->B, i64_const(g, (uint64_t)j), b->n, ""), i, "");
    store_point(g, b->f->partials[j], grad_array(b), at);
  }
}

/* for (i = lo; i != hi; i += step) the body, from the current block (which
 * knows lo != hi) to exit. */
static void emit_point_loop(Cg *g, const BatchFn *b, LLVMValueRef lo, LLVMValueRef hi, unsigned step,
                            LLVMBasicBlockRef exit) {
  LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->B);
  LLVMBasicBlockRef loop = LLVMInsertBasicBlockInContext(g->C, exit, g->lanes ? "stream" : "loop");
  LLVMBuildBr(g->B, loop);
  LLVMPositionBuilderAtEnd(g->B, loop);
  LLVMValueRef i = LLVMBuildPhi(g->B, LLVMInt64TypeInContext(g->C), "i");
  emit_points(g, b, i);
  LLVMValueRef next = LLVMBuildAdd(g->B, i, i64_const(g, step), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->B);
  LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, next, hi, ""), exit, loop);
  LLVMValueRef in_vals[2] = {lo, next};
  LLVMBasicBlockRef in_bbs[2] = {pre, latch};
  LLVMAddIncoming(i, in_vals, in_bbs, 2);
}

static int is_streamable_op(const Expr *e) {
  switch (e->op) {
  case EX_DIV:
  case EX_POWI: /* negative powers too: a division */
  case EX_SQRT:
  case EX_SELECT: return 1;
  default: return cg_is_cheap_op(e);
  }
}

/* The lanes of the streaming loop for this batch function, 0 for none. */
static unsigned stream_lanes(Cg *g, const BatchFn *b) {
  unsigned isas = g->opts->vec_isas; /* x86-64 only: the sfence */
  if (!isas) return 0;
  size_t n;
  Expr **order = ex_topo(g->cx, b->roots, (size_t)b->nroots, &n);
  int ok = n <= CG_STREAM_MAX_NODES;
  for (size_t i = 0; i < n && ok; i++) ok = is_streamable_op(order[i]);
  free(order);
  if (!ok) return 0;
  unsigned bytes = isas & CG_VEC_AVX512 ? 64 : isas & CG_VEC_AVX2 ? 32 : 16;
  return bytes / g->real_size;
}

/* The range [*p, *q) of the streaming loop: empty (n, n) unless the outputs
 * are large, and out and every row of grad start at the same offset in a
 * cache line. Then p points bring out to a line boundary and q - p is a
 * multiple of the lanes. */
static void streaming_range(Cg *g, const BatchFn *b, unsigned lanes, LLVMValueRef *p, LLVMValueRef *q) {
  LLVMBuilderRef B = g->B;
  LLVMTypeRef i64 = LLVMInt64TypeInContext(g->C);
  uint64_t size = g->real_size, nouts = 1 + (uint64_t)(b->with_grad ? b->f->nwrt : 0);
  uint64_t min_n = (CG_STREAM_MIN_BYTES + nouts * size - 1) / (nouts * size);
  LLVMValueRef line_mask = i64_const(g, CG_CACHE_LINE - 1), zero = i64_const(g, 0), n = b->n;
  LLVMValueRef out = LLVMBuildPtrToInt(B, out_array(b), i64, "");
  LLVMValueRef ok = LLVMBuildICmp(B, LLVMIntUGE, n, i64_const(g, min_n), "");
  LLVMValueRef misaligned = LLVMBuildAnd(B, out, i64_const(g, size - 1), "");
  ok = LLVMBuildAnd(B, ok, LLVMBuildICmp(B, LLVMIntEQ, misaligned, zero, ""), "");
  if (b->with_grad && b->f->nwrt > 0) {
    LLVMValueRef grad = LLVMBuildPtrToInt(B, grad_array(b), i64, "");
    LLVMValueRef apart = LLVMBuildAnd(B, LLVMBuildSub(B, grad, out, ""), line_mask, "");
    ok = LLVMBuildAnd(B, ok, LLVMBuildICmp(B, LLVMIntEQ, apart, zero, ""), "");
    if (b->f->nwrt > 1) { /* rows n apart */
      LLVMValueRef row = LLVMBuildAnd(B, LLVMBuildMul(B, n, i64_const(g, size), ""), line_mask, "");
      ok = LLVMBuildAnd(B, ok, LLVMBuildICmp(B, LLVMIntEQ, row, zero, ""), "");
    }
  }
  LLVMValueRef to_line = LLVMBuildAnd(B, LLVMBuildNeg(B, out, ""), line_mask, "");
  LLVMValueRef peel = LLVMBuildUDiv(B, to_line, i64_const(g, size), "peel");
  LLVMValueRef whole = LLVMBuildAnd(B, LLVMBuildSub(B, n, peel, ""), i64_const(g, ~(uint64_t)(lanes - 1)), "");
  *p = LLVMBuildSelect(B, ok, peel, n, "stream.from");
  *q = LLVMBuildSelect(B, ok, LLVMBuildAdd(B, peel, whole, ""), n, "stream.to");
}

static void emit_sfence(Cg *g) {
  static const char name[] = "llvm.x86.sse.sfence";
  unsigned id = LLVMLookupIntrinsicID(name, sizeof name - 1);
  if (!id) pdc_internal_error(__FILE__, __LINE__, "missing intrinsic %s", name);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->M, id, NULL, 0);
  LLVMBuildCall2(g->B, LLVMIntrinsicGetType(g->C, id, NULL, 0), fn, NULL, 0, "");
}

/* check:  [p, q) = streaming_range
 * range:  lo, hi = 0, p the first time, then q, n
 *         the ordinary loop over [lo, hi)
 * after:  done if hi == n, else the streaming loop over [p, q), an sfence,
 *         and back to range */
static void emit_streaming_batch(Cg *g, const BatchFn *b, unsigned lanes, LLVMBasicBlockRef done) {
  LLVMBasicBlockRef check = LLVMInsertBasicBlockInContext(g->C, done, "check");
  LLVMBasicBlockRef range = LLVMInsertBasicBlockInContext(g->C, done, "range");
  LLVMBasicBlockRef after = LLVMInsertBasicBlockInContext(g->C, done, "after");
  LLVMBasicBlockRef fence = LLVMInsertBasicBlockInContext(g->C, done, "fence");
  LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, b->n, i64_const(g, 0), ""), done, check);
  LLVMPositionBuilderAtEnd(g->B, check);
  LLVMValueRef p, q;
  streaming_range(g, b, lanes, &p, &q);
  LLVMBuildBr(g->B, range);

  LLVMPositionBuilderAtEnd(g->B, range);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(g->C);
  LLVMValueRef lo = LLVMBuildPhi(g->B, i64, "lo"), hi = LLVMBuildPhi(g->B, i64, "hi");
  LLVMBasicBlockRef scalar = LLVMInsertBasicBlockInContext(g->C, after, "points");
  LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, lo, hi, ""), after, scalar);
  LLVMPositionBuilderAtEnd(g->B, scalar);
  emit_point_loop(g, b, lo, hi, 1, after);

  LLVMPositionBuilderAtEnd(g->B, after);
  LLVMBasicBlockRef stream = LLVMInsertBasicBlockInContext(g->C, fence, "stream.entry");
  LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, hi, b->n, ""), done, stream);
  LLVMPositionBuilderAtEnd(g->B, stream);
  cg_set_lanes(g, lanes);
  emit_point_loop(g, b, p, q, lanes, fence);
  cg_set_lanes(g, 0);

  LLVMPositionBuilderAtEnd(g->B, fence);
  emit_sfence(g); /* the streamed stores are weakly ordered: make them visible like ordinary ones */
  LLVMBuildBr(g->B, range);
  LLVMValueRef lo_in[2] = {i64_const(g, 0), q}, hi_in[2] = {p, b->n};
  LLVMBasicBlockRef from[2] = {check, fence};
  LLVMAddIncoming(lo, lo_in, from, 2);
  LLVMAddIncoming(hi, hi_in, from, 2);
}

void cg_emit_batch(Cg *g, const LFunc *f, const char *name, int with_grad) {
  BatchFn b = declare_batch(g, f, name, with_grad);
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(g->C, b.fn, "entry");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->C, b.fn, "done");
  LLVMPositionBuilderAtEnd(g->B, entry);
  unsigned lanes = stream_lanes(g, &b);
  if (lanes) {
    emit_streaming_batch(g, &b, lanes, done);
  } else {
    LLVMBasicBlockRef body = LLVMInsertBasicBlockInContext(g->C, done, "body");
    LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, b.n, i64_const(g, 0), ""), done, body);
    LLVMPositionBuilderAtEnd(g->B, body);
    emit_point_loop(g, &b, i64_const(g, 0), b.n, 1, done);
  }
  LLVMPositionBuilderAtEnd(g->B, done);
  LLVMBuildRetVoid(g->B);
  free(b.roots);
}
