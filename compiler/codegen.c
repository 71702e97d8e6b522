/* codegen.c — DAG nodes to LLVM instructions.
 *
 * Operations with an LLVM intrinsic use it (llvm.sin, llvm.sqrt, ...), so
 * LLVM can fold, vectorize and lower them; the rest call libm (cbrt, erf,
 * log1p, expm1, atan2, hypot), declared as pure functions. x^k for an
 * integer constant k is multiplications by squaring, each intermediate
 * power a DAG node of its own, so x^3 and x^6 share x^3 (see ex_powi_eval
 * for the exact order, which constant folding follows too). */
#include "codegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codegen_internal.h"
#include "emit_llvm.h"
#include "symbols.h"
#include "util.h"

static void add_vector_variants(Cg *g, LLVMValueRef call, LLVMValueRef scalar, ExprOp op, unsigned nargs);

static void set_fmf(Cg *g, LLVMValueRef v) {
  if (g->fmf && LLVMIsAInstruction(v) && LLVMCanValueUseFastMathFlags(v)) LLVMSetFastMathFlags(v, g->fmf);
}

/* The LLVM intrinsic ops.def gives for op, on its n operands. */
static LLVMValueRef intrinsic_call(Cg *g, ExprOp op, LLVMValueRef *args, unsigned n) {
  const char *name = ex_op_info(op)->llvm;
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  if (!id) pdc_internal_error(__FILE__, __LINE__, "missing intrinsic %s", name);
  LLVMTypeRef tys[1] = {g->dbl};
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->M, id, tys, 1);
  LLVMTypeRef fty = LLVMIntrinsicGetType(g->C, id, tys, 1);
  LLVMValueRef call = LLVMBuildCall2(g->B, fty, fn, args, n, "");
  add_vector_variants(g, call, fn, op, n);
  return call;
}

void cg_add_fn_attr(Cg *g, LLVMValueRef fn, const char *name, uint64_t val) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  if (!kind) pdc_internal_error(__FILE__, __LINE__, "unknown attribute %s", name);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->C, kind, val));
}

void cg_add_param_attr(Cg *g, LLVMValueRef fn, unsigned param, const char *name, uint64_t val) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  if (!kind) pdc_internal_error(__FILE__, __LINE__, "unknown attribute %s", name);
  LLVMAddAttributeAtIndex(fn, param + 1, LLVMCreateEnumAttribute(g->C, kind, val));
}

/* The libm function ops.def gives for op, declared once: pure
 * (memory(none)), so LLVM may CSE, hoist and delete calls; pdc does not
 * promise errno. */
static LLVMValueRef libm_call(Cg *g, ExprOp op, LLVMValueRef *args, unsigned n) {
  const char *name = ex_op_info(op)->libm;
  if (g->lanes) pdc_unreachable(); /* streaming loops have no calls (streamable) */
  LLVMTypeRef ps[2] = {g->dbl, g->dbl};
  LLVMTypeRef fty = LLVMFunctionType(g->dbl, ps, n, 0);
  char fname[32]; /* sinf, cbrtf, ... in single precision */
  snprintf(fname, sizeof fname, "%s%s", name, g->real_size == 4 ? "f" : "");
  LLVMValueRef fn = LLVMGetNamedFunction(g->M, fname);
  if (!fn) {
    fn = LLVMAddFunction(g->M, fname, fty);
    cg_add_fn_attr(g, fn, "memory", 0);
    cg_add_fn_attr(g, fn, "nounwind", 0);
    cg_add_fn_attr(g, fn, "willreturn", 0);
  }
  LLVMValueRef call = LLVMBuildCall2(g->B, fty, fn, args, n, "");
  add_vector_variants(g, call, fn, op, n);
  return call;
}

/* ---- vector math (libmvec) -----------------------------------------------
 * In a batch loop a call to sin may be vectorized into glibc's _ZGVdN4v_sin
 * (4 lanes, AVX2): the call carries the vector-function-abi-variant
 * attribute naming the variants the target has, and their declarations are
 * kept alive (llvm.compiler.used) until the loop vectorizer has run. Only
 * batch functions get it, so scalar results never depend on libmvec. */
static void keep_vector_declaration(Cg *g, const char *name, unsigned lanes, unsigned nargs) {
  if (LLVMGetNamedFunction(g->M, name)) return;
  LLVMTypeRef v = LLVMVectorType(g->real, lanes), ps[2] = {v, v};
  LLVMValueRef fn = LLVMAddFunction(g->M, name, LLVMFunctionType(v, ps, nargs, 0));
  cg_add_fn_attr(g, fn, "memory", 0);
  cg_add_fn_attr(g, fn, "nounwind", 0);
  cg_add_fn_attr(g, fn, "willreturn", 0);
  g->vec_decls = xrealloc(g->vec_decls, (g->nvec_decls + 1) * sizeof(LLVMValueRef));
  g->vec_decls[g->nvec_decls++] = fn;
}

static void add_vector_variants(Cg *g, LLVMValueRef call, LLVMValueRef scalar_fn, ExprOp op, unsigned nargs) {
  if (!g->vec_isas || !(ex_op_flags(op) & OPF_VEC)) return;
  const char *libm = ex_op_info(op)->libm;
  size_t len;
  const char *scalar = LLVMGetValueName2(scalar_fn, &len);
  static const struct {
    unsigned isa;
    char letter;
    unsigned lanes;
  } isas[] = {{CG_VEC_SSE2, 'b', 2}, {CG_VEC_AVX2, 'd', 4}, {CG_VEC_AVX512, 'e', 8}};
  const char *vs = nargs == 2 ? "vv" : "v", *suffix = g->real_size == 4 ? "f" : "";
  unsigned per_lane = 8 / g->real_size; /* a float variant has twice the lanes */
  Buf attr;
  buf_init(&attr);
  for (size_t i = 0; i < countof(isas); i++) {
    if (!(g->vec_isas & isas[i].isa)) continue;
    unsigned lanes = isas[i].lanes * per_lane;
    char vname[64];
    snprintf(vname, sizeof vname, "_ZGV%cN%u%s_%s%s", isas[i].letter, lanes, vs, libm, suffix);
    buf_printf(&attr, "%s_ZGV_LLVM_N%u%s_%s(%s)", attr.len ? "," : "", lanes, vs, scalar, vname);
    keep_vector_declaration(g, vname, lanes, nargs);
  }
  static const char key[] = "vector-function-abi-variant";
  LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                           LLVMCreateStringAttribute(g->C, key, sizeof key - 1, attr.data, (unsigned)attr.len));
  buf_free(&attr);
}

static void keep_vector_declarations_alive(Cg *g) {
  if (!g->nvec_decls) return;
  LLVMTypeRef ptr = LLVMPointerTypeInContext(g->C, 0);
  LLVMValueRef used = LLVMAddGlobal(g->M, LLVMArrayType2(ptr, g->nvec_decls), "llvm.compiler.used");
  LLVMSetLinkage(used, LLVMAppendingLinkage);
  LLVMSetSection(used, "llvm.metadata");
  LLVMSetInitializer(used, LLVMConstArray2(ptr, g->vec_decls, g->nvec_decls));
}

LLVMValueRef cg_value_of(Cg *g, Expr *e);
static LLVMValueRef emit_select(Cg *g, Expr *e);

/* A scalar in every lane when a streaming loop body is emitted. */
static LLVMValueRef splat(Cg *g, LLVMValueRef s) {
  if (!g->lanes) return s;
  LLVMTypeRef i32 = LLVMInt32TypeInContext(g->C);
  if (LLVMIsConstant(s)) {
    LLVMValueRef *copies = xmalloc(sizeof(LLVMValueRef) * g->lanes);
    for (unsigned i = 0; i < g->lanes; i++) copies[i] = s;
    LLVMValueRef v = LLVMConstVector(copies, g->lanes);
    free(copies);
    return v;
  }
  LLVMValueRef one = LLVMBuildInsertElement(g->B, LLVMGetPoison(g->dbl), s, LLVMConstInt(i32, 0, 0), "");
  return LLVMBuildShuffleVector(g->B, one, LLVMGetPoison(g->dbl), LLVMConstNull(LLVMVectorType(i32, g->lanes)), "");
}

static LLVMValueRef real_const(Cg *g, double x) { return splat(g, LLVMConstReal(g->real, x)); }

static LLVMValueRef emit_powi(Cg *g, Expr *e) {
  Expr *x = e->kid[0];
  int k = e->k;
  if (k < 0) return LLVMBuildFDiv(g->B, real_const(g, 1.0), cg_value_of(g, ex_powi(g->cx, x, -k)), "");
  if (k % 2 == 0) {
    LLVMValueRef h = cg_value_of(g, ex_powi(g->cx, x, k / 2));
    return LLVMBuildFMul(g->B, h, h, "");
  }
  return LLVMBuildFMul(g->B, cg_value_of(g, ex_powi(g->cx, x, k - 1)), cg_value_of(g, x), "");
}

/* Contraction is decided here, per DAG node, not left to LLVM's `contract`
 * flag: LLVM fuses a product into an add only when the product has no other
 * use, so f, f_dx and f_grad, which share different subexpressions, would
 * round differently. A node always becomes the same instructions, so every
 * generated function agrees to the last bit. The rule is clang's
 * -ffp-contract=on: a*b + c, c + a*b, a*b - c and c - a*b become
 * llvm.fmuladd (an FMA where the target has one), the left product first. */
static int product_operands(Cg *g, Expr *e, LLVMValueRef *x, LLVMValueRef *y) {
  if (e->op == EX_MUL) {
    *x = cg_value_of(g, e->kid[0]);
    *y = cg_value_of(g, e->kid[1]);
    return 1;
  }
  if (e->op == EX_POWI && e->k == 2) {
    *x = *y = cg_value_of(g, e->kid[0]);
    return 1;
  }
  return 0;
}

static LLVMValueRef fmuladd(Cg *g, LLVMValueRef x, LLVMValueRef y, LLVMValueRef z) {
  unsigned id = LLVMLookupIntrinsicID("llvm.fmuladd", 12);
  LLVMTypeRef tys[1] = {g->dbl};
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->M, id, tys, 1);
  LLVMValueRef args[3] = {x, y, z};
  return LLVMBuildCall2(g->B, LLVMIntrinsicGetType(g->C, id, tys, 1), fn, args, 3, "");
}

static LLVMValueRef emit_fused(Cg *g, Expr *e) {
  LLVMValueRef x, y;
  Expr *a = e->kid[0], *b = e->kid[1];
  if (product_operands(g, a, &x, &y)) {
    LLVMValueRef c = cg_value_of(g, b);
    return fmuladd(g, x, y, e->op == EX_ADD ? c : LLVMBuildFNeg(g->B, c, ""));
  }
  if (product_operands(g, b, &x, &y)) {
    LLVMValueRef c = cg_value_of(g, a);
    return fmuladd(g, e->op == EX_ADD ? x : LLVMBuildFNeg(g->B, x, ""), y, c);
  }
  return NULL;
}

/* A truth value as i1: a constant that stands for one (folded from a
 * comparison of constants) is a double. */
static LLVMValueRef as_bool(Cg *g, LLVMValueRef v) {
  if (LLVMTypeOf(v) == g->i1) return v;
  return LLVMBuildFCmp(g->B, LLVMRealUNE, v, real_const(g, 0.0), "");
}

/* ---- numbers from a table ------------------------------------------------
 * LLVM's code generator looks each floating-point constant up in a list of
 * the function's constants (MachineConstantPool::getConstantPoolIndex), so
 * a function with n distinct numbers costs O(n^2): 60 000 of them took two
 * minutes. A function family with more than CG_POOL_THRESHOLD numbers reads
 * them from a table of its own instead: a writable, hidden global that
 * LLVM cannot fold back into constants. The loads fold into the arithmetic
 * as memory operands, as constant-pool accesses do. */
enum { CG_POOL_THRESHOLD = 1024 };

static LLVMValueRef pooled_constant(Cg *g, Expr *e) {
  if (!g->pool || e->id >= g->npool_index || g->pool_index[e->id] < 0) return real_const(g, e->num);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(g->C);
  LLVMValueRef idx[2] = {LLVMConstInt(i64, 0, 0), LLVMConstInt(i64, (unsigned long long)g->pool_index[e->id], 0)};
  LLVMValueRef p = LLVMBuildInBoundsGEP2(g->B, g->pool_type, g->pool, idx, 2, "");
  LLVMValueRef v = LLVMBuildLoad2(g->B, g->real, p, "");
  LLVMSetAlignment(v, g->real_size);
  return splat(g, v);
}

static void pool_begin(Cg *g, const LFunc *f, const char *name) {
  size_t nroots, n;
  Expr **roots = lfunc_roots(f, &nroots);
  Expr **topo = ex_topo(g->cx, roots, nroots, &n);
  size_t nconst = 0;
  for (size_t i = 0; i < n; i++) nconst += topo[i]->op == EX_CONST;
  if (nconst > CG_POOL_THRESHOLD) {
    g->npool_index = g->cx->count;
    g->pool_index = xmalloc(sizeof(int32_t) * g->npool_index);
    memset(g->pool_index, 0xff, sizeof(int32_t) * g->npool_index);
    LLVMValueRef *vals = xmalloc(sizeof(LLVMValueRef) * nconst);
    int32_t k = 0;
    for (size_t i = 0; i < n; i++) {
      if (topo[i]->op != EX_CONST) continue;
      g->pool_index[topo[i]->id] = k;
      vals[k++] = LLVMConstReal(g->real, topo[i]->num);
    }
    g->pool_type = LLVMArrayType2(g->real, (uint64_t)nconst);
    size_t len = strlen(name) + sizeof ".numbers";
    char *gname = xmalloc(len);
    snprintf(gname, len, "%s.numbers", name);
    g->pool = LLVMAddGlobal(g->M, g->pool_type, gname);
    LLVMSetInitializer(g->pool, LLVMConstArray2(g->real, vals, (uint64_t)nconst));
    LLVMSetLinkage(g->pool, LLVMLinkOnceODRLinkage);
    LLVMSetVisibility(g->pool, LLVMHiddenVisibility);
    LLVMSetAlignment(g->pool, 64);
    free(gname);
    free(vals);
  }
  free(topo);
  free(roots);
}

static void pool_end(Cg *g) {
  free(g->pool_index);
  g->pool_index = NULL;
  g->npool_index = 0;
  g->pool = NULL;
}

static LLVMValueRef emit_node(Cg *g, Expr *e) {
  if (e->op == EX_SELECT) return emit_select(g, e);
  if (e->op == EX_INDEX || e->op == EX_LOAD || ex_is_reduce(e)) return cg_emit_array_node(g, e);
  LLVMBuilderRef B = g->B;
  ExprOp op = (ExprOp)e->op;
  LLVMValueRef a = e->nkids > 0 ? cg_value_of(g, e->kid[0]) : NULL;
  LLVMValueRef b = e->nkids > 1 ? cg_value_of(g, e->kid[1]) : NULL;
  const OpInfo *info = ex_op_info(op);
  LLVMValueRef args[2] = {a, b};
  /* LLVM may hoist an intrinsic such as llvm.log out of a branch (they are
   * speculatable), which would evaluate the untaken side after all; a call
   * to the same libm function it lowers to stays put. */
  if (info->libm && (!info->llvm || g->branch_depth > 0)) return libm_call(g, op, args, (unsigned)e->nkids);
  if (info->llvm) return intrinsic_call(g, op, args, (unsigned)e->nkids);
  switch (op) {
  case EX_CONST: return pooled_constant(g, e);
  case EX_VAR: pdc_unreachable(); /* bound to parameters before emission */
  case EX_ADD:
  case EX_SUB: {
    LLVMValueRef fused = g->opts->fp_contract && !g->opts->fast_math ? emit_fused(g, e) : NULL;
    if (fused) return fused;
    return op == EX_ADD ? LLVMBuildFAdd(B, a, b, "") : LLVMBuildFSub(B, a, b, "");
  }
  case EX_MUL: return LLVMBuildFMul(B, a, b, "");
  case EX_DIV: return LLVMBuildFDiv(B, a, b, "");
  case EX_NEG: return LLVMBuildFNeg(B, a, "");
  case EX_POWI: return emit_powi(g, e);
  case EX_SIGN: { /* 1, -1, or x - x: +0 at ±0 and NaN for NaN */
    LLVMValueRef zero = real_const(g, 0.0);
    LLVMValueRef pos = LLVMBuildFCmp(B, LLVMRealOGT, a, zero, "");
    LLVMValueRef neg = LLVMBuildFCmp(B, LLVMRealOLT, a, zero, "");
    LLVMValueRef z = LLVMBuildFSub(B, a, a, "");
    LLVMValueRef inner = LLVMBuildSelect(B, neg, real_const(g, -1.0), z, "");
    return LLVMBuildSelect(B, pos, real_const(g, 1.0), inner, "");
  }
  case EX_LT: return LLVMBuildFCmp(B, LLVMRealOLT, a, b, "");
  case EX_LE: return LLVMBuildFCmp(B, LLVMRealOLE, a, b, "");
  case EX_EQ: return LLVMBuildFCmp(B, LLVMRealOEQ, a, b, "");
  case EX_NE: return LLVMBuildFCmp(B, LLVMRealUNE, a, b, "");
  case EX_AND: return LLVMBuildAnd(B, as_bool(g, a), as_bool(g, b), "");
  case EX_OR: return LLVMBuildOr(B, as_bool(g, a), as_bool(g, b), "");
  case EX_NOT: return LLVMBuildNot(B, as_bool(g, a), "");
  default: break;
  }
  pdc_unreachable();
}

/* Room in the value table for every node that exists. */
static void reserve_values(Cg *g) {
  if (g->cx->count <= g->nval) return;
  size_t n = g->cx->count + g->cx->count / 2 + 256;
  g->val = xrealloc(g->val, n * sizeof(LLVMValueRef));
  memset(g->val + g->nval, 0, (n - g->nval) * sizeof(LLVMValueRef));
  g->nval = n;
}

void cg_bind(Cg *g, Expr *e, LLVMValueRef v) {
  reserve_values(g);
  if (g->nbound == g->capbound) {
    g->capbound = g->capbound ? g->capbound * 2 : 256;
    g->bound = xrealloc(g->bound, g->capbound * sizeof(uint32_t));
  }
  g->bound[g->nbound++] = e->id;
  g->val[e->id] = v;
}

LLVMValueRef cg_value_of(Cg *g, Expr *e) {
  reserve_values(g);
  if (g->val[e->id]) return g->val[e->id];
  LLVMValueRef v = emit_node(g, e);
  set_fmf(g, v);
  cg_bind(g, e, v);
  if (g->branch_depth || g->loop_depth) {
    g->branch_work += g->branch_depth > 0;
    if (g->nlog == g->caplog) {
      g->caplog = g->caplog ? g->caplog * 2 : 256;
      g->scope_log = xrealloc(g->scope_log, g->caplog * sizeof(uint32_t));
    }
    g->scope_log[g->nlog++] = e->id;
  }
  return v;
}

/* ---- lazy conditionals ----------------------------------------------------
 * if c then a else b evaluates only the branch taken when a branch holds
 * anything costly or partial (a call, pow, log of what may be negative...):
 * the condition, a conditional branch, each side in its own block, a phi.
 * Values computed inside a branch are forgotten when it closes, since they
 * do not dominate the code after it. Cheap, total sides become a select,
 * which LLVM turns into branch-free code. */

enum { CG_SELECT_CHEAP_NODES = 12, CG_MAX_BRANCH_DEPTH = 64 };

static int has_value(const Cg *g, const Expr *e) { return e->id < g->nval && g->val[e->id]; }

int cg_is_cheap_op(const Expr *e) {
  if (e->op == EX_POWI) return e->k >= 0;
  return (ex_op_flags((ExprOp)e->op) & OPF_CHEAP) != 0;
}

static int follow_unemitted(const Expr *e, int k, void *ctx) { return !ex_is_reduce(e) && !has_value(ctx, e->kid[k]); }

/* Whether the part of e not computed yet is small and made of operations
 * that cost an instruction or two and are defined everywhere. */
static int cheap_and_total(Cg *g, Expr *e) {
  if (has_value(g, e)) return 1;
  size_t n;
  Expr **order = ex_topo_filtered(g->cx, &e, 1, &n, follow_unemitted, g);
  int ok = n <= CG_SELECT_CHEAP_NODES;
  for (size_t i = 0; i < n && ok; i++) ok = has_value(g, order[i]) || cg_is_cheap_op(order[i]);
  free(order);
  return ok;
}

/* A reduction's body is emitted inside its loop, by the reduction. */
static int follow_outside_branches(const Expr *e, int k, void *ctx) {
  if ((e->op == EX_SELECT && k > 0) || ex_is_reduce(e)) return 0;
  return !has_value(ctx, e->kid[k]);
}

Expr **cg_needed_order(Cg *g, Expr *const *roots, size_t n, size_t *count) {
  return ex_topo_filtered(g->cx, roots, n, count, follow_outside_branches, g);
}

/* Emits everything roots need outside conditional branches, in topological
 * order; selects met on the way emit their own branches, reductions their
 * loops (several at once where they can share one: codegen_loops.c). */
void cg_emit_needed(Cg *g, Expr *const *roots, size_t n) { cg_emit_with_loops(g, roots, n, NULL, 0); }

static LLVMValueRef emit_branch(Cg *g, Expr *side, LLVMBasicBlockRef *end) {
  size_t mark = g->nlog;
  g->branch_depth++;
  cg_emit_needed(g, &side, 1);
  LLVMValueRef v = cg_value_of(g, side);
  g->branch_depth--;
  *end = LLVMGetInsertBlock(g->B);
  cg_close_scope(g, mark);
  return v;
}

/* Forgets the values that do not dominate the join, unless an enclosing
 * branch or loop still owns them. */
void cg_close_scope(Cg *g, size_t mark) {
  for (size_t i = mark; i < g->nlog; i++) g->val[g->scope_log[i]] = NULL;
  g->nlog = mark;
}

static LLVMValueRef emit_select(Cg *g, Expr *e) {
  LLVMValueRef cond = as_bool(g, cg_value_of(g, e->kid[0]));
  Expr *a = e->kid[1], *b = e->kid[2];
  /* Values computed in a branch are not reused outside it, so nested
   * conditionals over shared subexpressions could recompute them branch
   * after branch; past a budget proportional to the function, selects are
   * eager (still exact: a select never mixes in the untaken value). */
  if (g->lanes || g->branch_depth >= CG_MAX_BRANCH_DEPTH || g->branch_work > g->branch_budget ||
      (cheap_and_total(g, a) && cheap_and_total(g, b)))
    return LLVMBuildSelect(g->B, cond, cg_value_of(g, a), cg_value_of(g, b), "");
  LLVMBasicBlockRef then_bb = LLVMAppendBasicBlockInContext(g->C, g->fn, "then");
  LLVMBasicBlockRef else_bb = LLVMAppendBasicBlockInContext(g->C, g->fn, "else");
  LLVMBasicBlockRef join_bb = LLVMAppendBasicBlockInContext(g->C, g->fn, "join");
  LLVMBuildCondBr(g->B, cond, then_bb, else_bb);
  LLVMBasicBlockRef then_end, else_end;
  LLVMPositionBuilderAtEnd(g->B, then_bb);
  LLVMValueRef va = emit_branch(g, a, &then_end);
  LLVMBuildBr(g->B, join_bb);
  LLVMPositionBuilderAtEnd(g->B, else_bb);
  LLVMValueRef vb = emit_branch(g, b, &else_end);
  LLVMBuildBr(g->B, join_bb);
  LLVMPositionBuilderAtEnd(g->B, join_bb);
  LLVMValueRef phi = LLVMBuildPhi(g->B, g->dbl, "");
  LLVMValueRef vals[2] = {va, vb};
  LLVMBasicBlockRef blocks[2] = {then_end, else_end};
  LLVMAddIncoming(phi, vals, blocks, 2);
  return phi;
}

/* Starts a function body: parameters bound to the variable nodes. */
/* A new function body: no node has a value yet, no branch is open. */
void cg_forget_values(Cg *g) {
  g->nlog = 0;
  g->branch_depth = 0;
  for (size_t i = 0; i < g->nbound; i++) g->val[g->bound[i]] = NULL;
  g->nbound = 0;
  reserve_values(g);
}

static void begin_function(Cg *g, LLVMValueRef fn, const LFunc *f) {
  g->fn = fn;
  g->f = f;
  LLVMPositionBuilderAtEnd(g->B, LLVMAppendBasicBlockInContext(g->C, fn, "entry"));
  cg_forget_values(g);
  g->loop_depth = 0;
  for (int k = 0; k < f->nsizes; k++) {
    g->size_val[k] = LLVMGetParam(fn, (unsigned)k);
    LLVMSetValueName2(g->size_val[k], f->sizes[k], strlen(f->sizes[k]));
  }
  for (int i = 0; i < f->nparams; i++) {
    LLVMValueRef p = LLVMGetParam(fn, (unsigned)(f->nsizes + i));
    LLVMSetValueName2(p, f->params[i], strlen(f->params[i]));
    if (f->ndims[i]) {
      g->array_val[i] = p;
      cg_add_param_attr(g, fn, (unsigned)(f->nsizes + i), "noalias", 0);
      cg_add_param_attr(g, fn, (unsigned)(f->nsizes + i), "nocapture", 0);
      cg_add_param_attr(g, fn, (unsigned)(f->nsizes + i), "readonly", 0);
    } else {
      cg_bind(g, ex_var(g->cx, i), p);
    }
  }
  cg_add_fn_attr(g, fn, "nounwind", 0);
  /* unwind tables, as C compilers emit them: debuggers, profilers and
   * sanitizers walk the stack through the generated functions */
  cg_add_fn_attr(g, fn, "uwtable", 2);
}

/* Values in topological order, roots in order: shared nodes once. */
void cg_emit_all(Cg *g, Expr *const *roots, size_t n) {
  size_t count;
  free(ex_topo(g->cx, roots, n, &count));
  g->branch_work = 0;
  g->branch_budget = 4 * count + 1000;
  cg_emit_needed(g, roots, n);
}

/* (sizes as size_t, then the parameters: reals, arrays as pointers[, out]) */
static LLVMValueRef add_function(Cg *g, const char *name, const LFunc *f, int out_ptr, int returns_value) {
  int n = f->nsizes + f->nparams;
  LLVMTypeRef *ps = xmalloc(sizeof(LLVMTypeRef) * (size_t)(n + 1));
  LLVMTypeRef ptr = LLVMPointerTypeInContext(g->C, 0);
  for (int k = 0; k < f->nsizes; k++) ps[k] = LLVMInt64TypeInContext(g->C);
  for (int i = 0; i < f->nparams; i++) ps[f->nsizes + i] = f->ndims[i] ? ptr : g->dbl;
  if (out_ptr) ps[n] = ptr;
  LLVMTypeRef ret = returns_value ? g->dbl : LLVMVoidTypeInContext(g->C);
  LLVMValueRef fn = LLVMAddFunction(g->M, name, LLVMFunctionType(ret, ps, (unsigned)(n + out_ptr), 0));
  free(ps);
  return fn;
}

static unsigned out_param(const LFunc *f) { return (unsigned)(f->nsizes + f->nparams); }

/* The output array: with array wrt variables it is also read (+=), and its
 * length is known only at run time. */
static void mark_output_pointer(Cg *g, LLVMValueRef fn, const LFunc *f, int nvalues, const char *pname) {
  unsigned i = out_param(f);
  LLVMSetValueName2(LLVMGetParam(fn, i), pname, strlen(pname));
  cg_add_param_attr(g, fn, i, "noalias", 0);
  cg_add_param_attr(g, fn, i, "nocapture", 0);
  if (f->grad_loops) return;
  cg_add_param_attr(g, fn, i, "writeonly", 0);
  if (nvalues > 0) cg_add_param_attr(g, fn, i, "dereferenceable", (uint64_t)nvalues * g->real_size);
}

static void store_at(Cg *g, LLVMValueRef base, int index, LLVMValueRef v) {
  LLVMValueRef idx = LLVMConstInt(LLVMInt64TypeInContext(g->C), (unsigned long long)index, 0);
  LLVMValueRef p = LLVMBuildInBoundsGEP2(g->B, g->real, base, &idx, 1, "");
  LLVMSetAlignment(LLVMBuildStore(g->B, v, p), g->real_size);
}

static void emit_scalar(Cg *g, const LFunc *f, const char *name, Expr *root) {
  LLVMValueRef fn = add_function(g, name, f, 0, 1);
  begin_function(g, fn, f);
  cg_emit_all(g, &root, 1);
  LLVMBuildRet(g->B, cg_value_of(g, root));
}

static void emit_grad(Cg *g, const LFunc *f, const char *name) {
  LLVMValueRef fn = add_function(g, name, f, 1, 1);
  begin_function(g, fn, f);
  mark_output_pointer(g, fn, f, f->nwrt, "grad");
  Expr **roots = xmalloc(sizeof(Expr *) * (size_t)(f->nwrt + 1));
  /* the partials first, the value last: f is returned, so computing it
   * last lets it land in the return register without a move */
  size_t nroots = 0;
  for (int j = 0; j < f->nwrt; j++)
    if (f->partials[j]) roots[nroots++] = f->partials[j];
  roots[nroots++] = f->value;
  LLVMValueRef out = LLVMGetParam(fn, out_param(f));
  if (f->grad_loops) {
    cg_emit_grad(g, f, out, roots, nroots);
  } else {
    cg_emit_all(g, roots, nroots);
    for (int j = 0; j < f->nwrt; j++) store_at(g, out, j, cg_value_of(g, f->partials[j]));
  }
  LLVMBuildRet(g->B, cg_value_of(g, f->value));
  free(roots);
}

static void emit_hess(Cg *g, const LFunc *f, const char *name) {
  int k = f->nwrt;
  LLVMValueRef fn = add_function(g, name, f, 1, 0);
  begin_function(g, fn, f);
  mark_output_pointer(g, fn, f, k * k, "H");
  cg_emit_all(g, f->hess, (size_t)(k * k));
  LLVMValueRef out = LLVMGetParam(fn, out_param(f));
  for (int i = 0; i < k * k; i++) store_at(g, out, i, cg_value_of(g, f->hess[i]));
  LLVMBuildRetVoid(g->B);
}

/* Values become vectors of `lanes` (0: scalars again). */
void cg_set_lanes(Cg *g, unsigned lanes) {
  LLVMTypeRef i1 = LLVMInt1TypeInContext(g->C);
  g->lanes = lanes;
  g->dbl = lanes ? LLVMVectorType(g->real, lanes) : g->real;
  g->i1 = lanes ? LLVMVectorType(i1, lanes) : i1;
}

LLVMModuleRef cg_module(const Program *prog, ExprCtx *cx, LLVMContextRef C, const char *module_name,
                        const CgOptions *opts) {
  Cg g = {.C = C, .cx = cx, .opts = opts};
  g.M = LLVMModuleCreateWithNameInContext(module_name, C);
  LLVMSetSourceFileName(g.M, module_name, strlen(module_name));
  g.B = emit_builder_create(C);
  g.real = opts->f32 ? LLVMFloatTypeInContext(C) : LLVMDoubleTypeInContext(C);
  g.real_size = opts->f32 ? 4 : 8;
  cg_set_lanes(&g, 0);
  g.fmf = opts->fast_math ? LLVMFastMathAll : LLVMFastMathNone;
  for (int i = 0; i < prog->nfuncs; i++) {
    const LFunc *f = &prog->funcs[i];
    char *name = symbol_name_dup(opts->prefix, f->name, SYM_VALUE, NULL);
    g.size_val = xrealloc(g.size_val, sizeof(LLVMValueRef) * (size_t)(f->nsizes + 1));
    g.array_val = xrealloc(g.array_val, sizeof(LLVMValueRef) * (size_t)(f->nparams + 1));
    pool_begin(&g, f, name);
    emit_scalar(&g, f, name, f->value);
    free(name);
    for (int j = 0; j < f->nwrt; j++) {
      if (!f->partials[j]) continue; /* an array: its gradient is only in f_grad */
      name = symbol_name_dup(opts->prefix, f->name, SYM_PARTIAL, f->params[f->wrt[j]]);
      emit_scalar(&g, f, name, f->partials[j]);
      free(name);
    }
    name = symbol_name_dup(opts->prefix, f->name, SYM_GRAD, NULL);
    emit_grad(&g, f, name);
    free(name);
    if (f->hessian) {
      name = symbol_name_dup(opts->prefix, f->name, SYM_HESS, NULL);
      emit_hess(&g, f, name);
      free(name);
    }
    if (opts->batch && !f->has_arrays) { /* sema refuses --batch with arrays; embedders may still ask */
      name = symbol_name_dup(opts->prefix, f->name, SYM_BATCH, NULL);
      cg_emit_batch(&g, f, name, 0);
      free(name);
      name = symbol_name_dup(opts->prefix, f->name, SYM_GRAD_BATCH, NULL);
      cg_emit_batch(&g, f, name, 1);
      free(name);
    }
    pool_end(&g);
  }
  keep_vector_declarations_alive(&g);
  free(g.vec_decls);
  emit_builder_dispose(g.B);
  free(g.val);
  free(g.size_val);
  free(g.array_val);
  free(g.bound);
  free(g.scope_log);
  return g.M;
}
