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

/* (a) mod m in 0..m-1, by what was proved of a where it was written. */
static LLVMValueRef emit_remainder(Cg *g, const AffAtom *at) {
  LLVMValueRef a = cg_form(g, at->a), m = cg_form(g, at->m);
  LLVMBuilderRef B = g->B;
  if (at->wrap > 0) return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGE, a, m, ""), LLVMBuildSub(B, a, m, ""), a, "");
  if (at->wrap < 0)
    return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, a, LLVMConstInt(i64_type(g), 0, 0), ""),
                           LLVMBuildAdd(B, a, m, ""), a, "");
  LLVMValueRef r = LLVMBuildSRem(B, a, m, "");
  return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, r, LLVMConstInt(i64_type(g), 0, 0), ""),
                         LLVMBuildAdd(B, r, m, ""), r, "");
}

LLVMValueRef cg_form(Cg *g, const Affine *a) {
  LLVMValueRef v = LLVMConstInt(i64_type(g), (unsigned long long)a->c, 1);
  for (int i = 0; i < a->nterms; i++) {
    int32_t var = a->t[i].var;
    LLVMValueRef x = a->t[i].atom        ? emit_remainder(g, a->t[i].atom)
                     : aff_is_level(var) ? g->level_val[var]
                                         : g->size_val[aff_size_index(var)];
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

enum { LOOP_MAX_ACC = 64 };

typedef struct Loop {
  int level;
  LLVMValueRef hi, index;
  LLVMBasicBlockRef preheader, body, exit;
  int nacc;
  LLVMValueRef acc_phi[LOOP_MAX_ACC], acc_init[LOOP_MAX_ACC];
  size_t mark;
} Loop;

static int follow_invariant(const Expr *e, int k, void *ctx) {
  (void)ctx;
  if ((e->op == EX_SELECT && k > 0) || ex_is_reduce(e)) return 0;
  return 1;
}

/* Whether every level in mask has its loop open here. A level below the
 * loop's may still be one that a reduction inside the expression binds (a
 * gradient loop can sit right inside a loop two levels up: its reduction
 * does not depend on the loop between), so "does not depend on this loop"
 * is not enough to compute a node before it. */
static int levels_bound(const Cg *g, unsigned mask) {
  for (int l = 0; l < AFF_MAX_LEVELS; l++)
    if ((mask & (1u << l)) && !g->level_val[l]) return 0;
  return 1;
}

/* Emits, before the loop over `level`, what the expressions computed in it
 * need that depends on no level from `level` on: outside branches, all of
 * it; and every such reduction, even one only a branch or an inner loop
 * needs. A reduction binds a level of its own, which may be one the loop
 * binds too (a sum written outside the loop and used inside it): it must
 * run before the loop, never inside it. */
static void hoist_invariants(Cg *g, Expr *const *exprs, size_t nexprs, int level) {
  size_t n, nall;
  Expr **order = ex_topo_filtered(g->cx, exprs, nexprs, &n, follow_invariant, NULL);
  Expr **all = ex_topo(g->cx, exprs, nexprs, &nall);
  Expr **inv = xmalloc(sizeof(Expr *) * (n + nall + 1));
  size_t k = 0;
  for (size_t i = 0; i < nall; i++)
    if (ex_is_reduce(all[i]) && !(all[i]->lvmask >> level) && levels_bound(g, all[i]->lvmask)) inv[k++] = all[i];
  for (size_t i = 0; i < n; i++)
    if (!(order[i]->lvmask >> level) && !ex_is_const(order[i]) && !ex_is_reduce(order[i])) inv[k++] = order[i];
  free(all);
  free(order);
  cg_emit_needed(g, inv, k);
  free(inv);
}

/* Opens the loop: the builder is left in its body, level bound to i, each
 * accumulator phi starting from its init. */
static void loop_begin(Cg *g, Loop *l, int level, const Affine *lo_form, const Affine *hi_form,
                       const LLVMValueRef *init, int nacc) {
  if (g->level_val[level]) pdc_internal_error(__FILE__, __LINE__, "loop level %d is already bound", level);
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
  l->nacc = nacc;
  for (int a = 0; a < nacc; a++) {
    l->acc_init[a] = init[a];
    l->acc_phi[a] = LLVMBuildPhi(g->B, g->dbl, "");
    LLVMAddIncoming(l->acc_phi[a], &l->acc_init[a], &l->preheader, 1);
  }
  g->level_val[level] = l->index;
  g->loop_depth++;
  l->mark = g->nlog;
}

/* Closes the loop: next[a] is accumulator a at the end of an iteration;
 * out[a] receives its value after the loop. */
static void loop_end(Cg *g, Loop *l, const LLVMValueRef *next, LLVMValueRef *out) {
  LLVMValueRef inc = LLVMBuildNSWAdd(g->B, l->index, LLVMConstInt(i64_type(g), 1, 0), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->B);
  LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, l->index, l->hi, ""), l->exit, l->body);
  LLVMAddIncoming(l->index, &inc, &latch, 1);
  for (int a = 0; a < l->nacc; a++) LLVMAddIncoming(l->acc_phi[a], (LLVMValueRef *)&next[a], &latch, 1);
  g->loop_depth--;
  cg_close_scope(g, l->mark);
  g->level_val[l->level] = NULL;
  LLVMPositionBuilderAtEnd(g->B, l->exit);
  for (int a = 0; a < l->nacc; a++) {
    out[a] = LLVMBuildPhi(g->B, g->dbl, "");
    LLVMValueRef vals[2] = {l->acc_init[a], next[a]};
    LLVMBasicBlockRef from[2] = {l->preheader, latch};
    LLVMAddIncoming(out[a], vals, from, 2);
  }
}

static LLVMValueRef with_fmf(Cg *g, LLVMValueRef v) {
  if (g->fmf && LLVMIsAInstruction(v) && LLVMCanValueUseFastMathFlags(v)) LLVMSetFastMathFlags(v, g->fmf);
  return v;
}

/* ---- gradient output ------------------------------------------------------------ */

typedef struct GradOut {
  LLVMValueRef grad;
  LLVMValueRef *offset; /* per wrt position: where its entries start */
} GradOut;

static void emit_store(Cg *g, const GradStore *s) {
  const GradOut *o = g->grad_out;
  LLVMValueRef v = cg_value_of(g, s->value);
  LLVMValueRef off = LLVMBuildNSWAdd(g->B, o->offset[s->wrt], element_offset(g, g->f, s->param, s->ix), "");
  LLVMValueRef p = element_ptr(g, o->grad, off);
  LLVMValueRef old = LLVMBuildLoad2(g->B, g->real, p, "");
  LLVMSetAlignment(old, g->real_size);
  LLVMSetAlignment(LLVMBuildStore(g->B, with_fmf(g, LLVMBuildFAdd(g->B, old, v, "")), p), g->real_size);
}

/* ---- fusion ----------------------------------------------------------------------
 * At each level (the function body, or the body of one loop) the reductions
 * to compute and the gradient loops to run are grouped by range: members of
 * a group have one level, lower and upper bound, and none needs another's
 * result. A group is one loop: expfit's value and both partials read t[k]
 * and y[k] once and share exp(-b*t[k]); rosen_nd's value and gradient are
 * one pass over x. The first member met in emission order emits the group;
 * each reduction keeps its own accumulator, so each sums in index order. */

typedef struct Group {
  int level;
  const Affine *lo, *hi;
  Expr **reds;
  int nreds;
  const GradLoop **loops;
  int nloops;
  int done;
} Group;

typedef struct Plan {
  Group *groups;
  int ngroups;
  struct Plan *outer;
  int branch_depth; /* a group runs where it was planned: never inside a branch */
} Plan;

/* Whether `target` is reachable from any of exprs (reduction bodies
 * included): then they cannot share its loop. */
static int reaches(Cg *g, Expr *const *exprs, size_t n, const Expr *target) {
  size_t count;
  Expr **all = ex_topo(g->cx, exprs, n, &count);
  int found = 0;
  for (size_t i = 0; i < count && !found; i++) found = all[i] == target;
  free(all);
  return found;
}

static Expr **grad_loop_exprs(const GradLoop *l, size_t *n) {
  Expr **roots = NULL;
  size_t cap = 0;
  *n = 0;
  loopgrad_values(l, &roots, n, &cap);
  return roots;
}

static int group_accepts_reduction(Cg *g, const Group *gr, Expr *r) {
  for (int i = 0; i < gr->nreds; i++)
    if (reaches(g, &r, 1, gr->reds[i]) || reaches(g, &gr->reds[i], 1, r)) return 0;
  for (int i = 0; i < gr->nloops; i++) {
    size_t n;
    Expr **ex = grad_loop_exprs(gr->loops[i], &n);
    int dep = reaches(g, ex, n, r);
    free(ex);
    if (dep) return 0;
  }
  return 1;
}

static int group_accepts_loop(Cg *g, const Group *gr, const GradLoop *l) {
  size_t n;
  Expr **ex = grad_loop_exprs(l, &n);
  int ok = 1;
  for (int i = 0; i < gr->nreds && ok; i++) ok = !reaches(g, ex, n, gr->reds[i]);
  free(ex);
  return ok;
}

static Group *group_for(Plan *p, int level, const Affine *lo, const Affine *hi, Cg *g, Expr *r, const GradLoop *l) {
  for (int i = 0; i < p->ngroups; i++) {
    Group *gr = &p->groups[i];
    if (gr->level != level || gr->lo != lo || gr->hi != hi) continue;
    if (gr->nreds + gr->nloops >= LOOP_MAX_ACC) continue;
    if (r ? group_accepts_reduction(g, gr, r) : group_accepts_loop(g, gr, l)) return gr;
  }
  p->groups = xrealloc(p->groups, sizeof(Group) * (size_t)(p->ngroups + 1));
  Group *gr = &p->groups[p->ngroups++];
  memset(gr, 0, sizeof *gr);
  gr->level = level, gr->lo = lo, gr->hi = hi;
  return gr;
}

static void plan_reduction(Cg *g, Plan *p, Expr *r) {
  Group *gr = group_for(p, r->k, r->ix[0], r->ix[1], g, r, NULL);
  gr->reds = xrealloc(gr->reds, sizeof(Expr *) * (size_t)(gr->nreds + 1));
  gr->reds[gr->nreds++] = r;
}

static void plan_loop(Cg *g, Plan *p, const GradLoop *l) {
  Expr *over = l->over;
  Group *gr = group_for(p, over->k, over->ix[0], over->ix[1], g, NULL, l);
  gr->loops = xrealloc(gr->loops, sizeof(GradLoop *) * (size_t)(gr->nloops + 1));
  gr->loops[gr->nloops++] = l;
}

static void emit_group(Cg *g, Group *gr) {
  gr->done = 1;
  int kept = 0; /* a member computed meanwhile (hoisted for another loop) is not computed again */
  for (int i = 0; i < gr->nreds; i++)
    if (!(gr->reds[i]->id < g->nval && g->val[gr->reds[i]->id])) gr->reds[kept++] = gr->reds[i];
  gr->nreds = kept;
  if (!gr->nreds && !gr->nloops) return;
  /* what the members need from outside the loop, first */
  size_t nex = 0, cap = 0;
  Expr **ex = NULL;
  for (int i = 0; i < gr->nreds; i++) {
    if (nex == cap) cap = cap ? 2 * cap : 16, ex = xrealloc(ex, sizeof(Expr *) * cap);
    ex[nex++] = gr->reds[i]->kid[0];
  }
  for (int i = 0; i < gr->nloops; i++) loopgrad_values(gr->loops[i], &ex, &nex, &cap);
  hoist_invariants(g, ex, nex, gr->level);
  free(ex);

  LLVMValueRef init[LOOP_MAX_ACC], next[LOOP_MAX_ACC], out[LOOP_MAX_ACC];
  for (int i = 0; i < gr->nreds; i++) init[i] = LLVMConstReal(g->real, gr->reds[i]->op == EX_RSUM ? 0.0 : 1.0);
  Loop l;
  loop_begin(g, &l, gr->level, gr->lo, gr->hi, init, gr->nreds);
  /* the body: the reductions' terms, the loops' stores and inner loops,
   * planned together one level down */
  Expr **bodies = xmalloc(sizeof(Expr *) * (size_t)(gr->nreds + 1));
  size_t nb = 0;
  for (int i = 0; i < gr->nreds; i++) bodies[nb++] = gr->reds[i]->kid[0];
  size_t ninner = 0;
  for (int i = 0; i < gr->nloops; i++) ninner += (size_t)gr->loops[i]->nloops;
  const GradLoop **inner = xmalloc(sizeof(GradLoop *) * (ninner + 1));
  size_t k = 0;
  for (int i = 0; i < gr->nloops; i++)
    for (int j = 0; j < gr->loops[i]->nloops; j++) inner[k++] = gr->loops[i]->loops[j];
  Expr **stores = NULL;
  size_t nstores = 0, capst = 0;
  for (int i = 0; i < gr->nloops; i++)
    for (int j = 0; j < gr->loops[i]->nstores; j++) {
      if (nstores == capst) capst = capst ? 2 * capst : 16, stores = xrealloc(stores, sizeof(Expr *) * capst);
      stores[nstores++] = gr->loops[i]->stores[j].value;
    }
  Expr **roots = xmalloc(sizeof(Expr *) * (nb + nstores + 1));
  memcpy(roots, bodies, sizeof(Expr *) * nb);
  if (nstores) memcpy(roots + nb, stores, sizeof(Expr *) * nstores);
  cg_emit_with_loops(g, roots, nb + nstores, inner, ninner);
  for (int i = 0; i < gr->nloops; i++)
    for (int j = 0; j < gr->loops[i]->nstores; j++) emit_store(g, &gr->loops[i]->stores[j]);
  for (int i = 0; i < gr->nreds; i++) {
    LLVMValueRef v = cg_value_of(g, gr->reds[i]->kid[0]);
    next[i] = with_fmf(g, gr->reds[i]->op == EX_RSUM ? LLVMBuildFAdd(g->B, l.acc_phi[i], v, "")
                                                     : LLVMBuildFMul(g->B, l.acc_phi[i], v, ""));
  }
  loop_end(g, &l, next, out);
  for (int i = 0; i < gr->nreds; i++) cg_bind(g, gr->reds[i], out[i]);
  free(roots);
  free(stores);
  free(inner);
  free(bodies);
}

/* The group of r planned at this level, if r is emitted where it was
 * planned (not inside a branch opened since). */
static Group *planned_group(Cg *g, const Expr *r) {
  Plan *p = g->plan;
  if (!p || p->branch_depth != g->branch_depth) return NULL;
  for (int i = 0; i < p->ngroups; i++)
    for (int j = 0; j < p->groups[i].nreds; j++)
      if (p->groups[i].reds[j] == r && !p->groups[i].done) return &p->groups[i];
  return NULL;
}

static LLVMValueRef emit_reduction(Cg *g, Expr *e) {
  Group *gr = planned_group(g, e);
  Group alone = {e->k, e->ix[0], e->ix[1], &e, 1, NULL, 0, 0};
  emit_group(g, gr ? gr : &alone);
  return g->val[e->id];
}

void cg_emit_with_loops(Cg *g, Expr *const *roots, size_t n, const GradLoop *const *loops, size_t nloops) {
  size_t count;
  Expr **order = cg_needed_order(g, roots, n, &count);
  Plan p = {NULL, 0, g->plan, g->branch_depth};
  for (size_t i = 0; i < count; i++)
    if (ex_is_reduce(order[i]) && !(order[i]->id < g->nval && g->val[order[i]->id])) plan_reduction(g, &p, order[i]);
  for (size_t i = 0; i < nloops; i++) plan_loop(g, &p, loops[i]);
  g->plan = &p;
  for (size_t i = 0; i < count; i++)
    if (!(order[i]->id < g->nval && g->val[order[i]->id])) cg_value_of(g, order[i]);
  for (int i = 0; i < p.ngroups; i++)
    if (!p.groups[i].done) emit_group(g, &p.groups[i]);
  g->plan = p.outer;
  for (int i = 0; i < p.ngroups; i++) {
    free(p.groups[i].reds);
    free(p.groups[i].loops);
  }
  free(p.groups);
  free(order);
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

/* ---- f_grad ------------------------------------------------------------------------ */

void cg_emit_grad(Cg *g, const LFunc *f, LLVMValueRef grad, Expr *const *roots, size_t nroots) {
  GradOut o = {grad, xmalloc(sizeof(LLVMValueRef) * (size_t)(f->nwrt + 1))};
  LLVMValueRef at = LLVMConstInt(i64_type(g), 0, 0);
  /* array entries start at 0 and gather their contributions */
  for (int j = 0; j < f->nwrt; j++) {
    o.offset[j] = at;
    int p = f->wrt[j];
    if (!f->ndims[p]) {
      at = LLVMBuildNSWAdd(g->B, at, LLVMConstInt(i64_type(g), 1, 0), "");
      continue;
    }
    LLVMValueRef len = array_length(g, f, p);
    LLVMValueRef bytes = LLVMBuildNUWMul(g->B, len, LLVMConstInt(i64_type(g), g->real_size, 0), "");
    LLVMBuildMemSet(g->B, element_ptr(g, grad, at), LLVMConstInt(LLVMInt8TypeInContext(g->C), 0, 0), bytes,
                    g->real_size);
    at = LLVMBuildNSWAdd(g->B, at, len, "");
  }
  g->grad_out = &o;
  const GradLoop *top = f->grad_loops;
  const GradLoop **loops = xmalloc(sizeof(GradLoop *) * (size_t)(top->nloops + 1));
  for (int i = 0; i < top->nloops; i++) loops[i] = top->loops[i];
  size_t nall = nroots + (size_t)top->nstores;
  Expr **all = xmalloc(sizeof(Expr *) * (nall + 1));
  memcpy(all, roots, sizeof(Expr *) * nroots);
  for (int i = 0; i < top->nstores; i++) all[nroots + (size_t)i] = top->stores[i].value;
  g->branch_work = 0;
  g->branch_budget = 4 * nall + 100000;
  cg_emit_with_loops(g, all, nall, loops, (size_t)top->nloops);
  for (int i = 0; i < top->nstores; i++) emit_store(g, &top->stores[i]);
  for (int j = 0; j < f->nwrt; j++)
    if (!f->ndims[f->wrt[j]])
      LLVMSetAlignment(LLVMBuildStore(g->B, cg_value_of(g, f->partials[j]), element_ptr(g, grad, o.offset[j])),
                       g->real_size);
  g->grad_out = NULL;
  free(all);
  free(loops);
  free(o.offset);
}
