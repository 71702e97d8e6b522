/* loopgrad.c — array gradients as loops (see loopgrad.h). */
#include "loopgrad.h"

#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util.h"

typedef struct Builder {
  ExprCtx *cx;
  const int *wrt_param, *wrt_pos;
  int n;
} Builder;

static int wrt_of(const Builder *b, int param) {
  for (int j = 0; j < b->n; j++)
    if (b->wrt_param[j] == param) return j;
  return -1;
}

/* Whether e reads a wrt array anywhere, inside its reductions too. */
static int reads_wrt(const Builder *b, Expr *e) {
  size_t n;
  Expr **t = ex_topo(b->cx, &e, 1, &n);
  int found = 0;
  for (size_t i = 0; i < n && !found; i++) found = t[i]->op == EX_LOAD && wrt_of(b, t[i]->k) >= 0;
  free(t);
  return found;
}

static int not_into_reductions(const Expr *e, int k, void *ctx) {
  (void)k, (void)ctx;
  return !ex_is_reduce(e);
}

/* The reads of wrt arrays in e at its own level, and the reductions in it
 * that read them. */
static Expr **leaves_of(const Builder *b, Expr *e, int *nleaves) {
  size_t n;
  Expr **t = ex_topo_filtered(b->cx, &e, 1, &n, not_into_reductions, NULL);
  Expr **out = xmalloc(sizeof(Expr *) * (n ? n : 1));
  int k = 0;
  for (size_t i = 0; i < n; i++) {
    Expr *x = t[i];
    if ((x->op == EX_LOAD && wrt_of(b, x->k) >= 0) || (ex_is_reduce(x) && reads_wrt(b, x->kid[0]))) out[k++] = x;
  }
  free(t);
  *nleaves = k;
  return out;
}

static GradStore *add_store(ExprCtx *cx, GradLoop *g) {
  GradStore *s = ARENA_ARRAY(cx->arena, GradStore, g->nstores + 1);
  if (g->nstores) memcpy(s, g->stores, sizeof(GradStore) * (size_t)g->nstores);
  g->stores = s;
  return &s[g->nstores++];
}

static GradLoop *add_loop(ExprCtx *cx, GradLoop *g) {
  GradLoop *l = ARENA_ARRAY(cx->arena, GradLoop, g->nloops + 1);
  if (g->nloops) memcpy(l, g->loops, sizeof(GradLoop) * (size_t)g->nloops);
  g->loops = l;
  memset(&l[g->nloops], 0, sizeof(GradLoop));
  return &l[g->nloops++];
}

static void build(const Builder *b, Expr *e, Expr *mult, GradLoop *into) {
  ExprCtx *cx = b->cx;
  int nleaves;
  Expr **leaves = leaves_of(b, e, &nleaves);
  Expr **partials = xmalloc(sizeof(Expr *) * (size_t)(nleaves ? nleaves : 1));
  diff_leaves(cx, e, leaves, nleaves, partials);
  for (int j = 0; j < nleaves; j++) {
    Expr *x = leaves[j], *p = partials[j];
    if (ex_is_const(p) && p->num == 0) continue;
    Expr *adj = ex_is_num(mult, 1) ? p : ex_mul(cx, mult, p);
    if (x->op == EX_LOAD) {
      GradStore *s = add_store(cx, into);
      *s = (GradStore){b->wrt_pos[wrt_of(b, x->k)], x->k, {x->ix[0], x->ix[1]}, adj};
      continue;
    }
    GradLoop *inner = add_loop(cx, into);
    inner->over = x;
    build(b, x->kid[0], x->op == EX_RSUM ? adj : ex_mul(cx, adj, diff_product_others(cx, x)), inner);
  }
  free(partials);
  free(leaves);
}

GradLoop *loopgrad_build(ExprCtx *cx, Expr *root, const int *wrt_param, const int *wrt_pos, int n) {
  Builder b = {cx, wrt_param, wrt_pos, n};
  GradLoop *g = ARENA_NEW(cx->arena, GradLoop);
  memset(g, 0, sizeof *g);
  uint8_t saved = cx->origin;
  cx->origin = 1;
  build(&b, root, ex_num(cx, 1), g);
  cx->origin = saved;
  return g;
}

static void push_root(Expr ***roots, size_t *n, size_t *cap, Expr *e) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    *roots = xrealloc(*roots, sizeof(Expr *) * *cap);
  }
  (*roots)[(*n)++] = e;
}

void loopgrad_roots(const GradLoop *g, Expr ***roots, size_t *n, size_t *cap) {
  if (g->over) push_root(roots, n, cap, g->over);
  for (int i = 0; i < g->nstores; i++) push_root(roots, n, cap, g->stores[i].value);
  for (int i = 0; i < g->nloops; i++) loopgrad_roots(&g->loops[i], roots, n, cap);
}
