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
  GradLoop **l = ARENA_ARRAY(cx->arena, GradLoop *, g->nloops + 1);
  if (g->nloops) memcpy(l, g->loops, sizeof(GradLoop *) * (size_t)g->nloops);
  g->loops = l;
  GradLoop *n = ARENA_NEW(cx->arena, GradLoop);
  memset(n, 0, sizeof *n);
  return l[g->nloops++] = n;
}

/* The loops a gradient loop sits in, outermost first (chain[0] the root). */
typedef struct Chain {
  GradLoop *loop[AFF_MAX_LEVELS + 1];
  int n;
} Chain;

/* A reduction of f inside a loop it does not depend on (mu in
 * sum(i) (x[i] - mu)^2) gets its adjoint from every iteration: its loop goes
 * where its free levels are bound, with the adjoint summed over the loops
 * it leaves. It binds a level of its own, which may be the very level of a
 * loop it leaves (it was written outside it): nesting it there would bind
 * that level twice. */
static GradLoop *home_of(ExprCtx *cx, const Chain *c, Expr *x, Expr **adj) {
  int k = c->n - 1;
  while (k > 0 && !(x->lvmask & (1u << c->loop[k]->over->k))) {
    const Expr *o = c->loop[k]->over;
    *adj = ex_reduce(cx, EX_RSUM, o->k, o->ix[0], o->ix[1], *adj);
    k--;
  }
  return c->loop[k];
}

static void build(const Builder *b, Expr *e, Expr *mult, Chain *chain) {
  ExprCtx *cx = b->cx;
  GradLoop *into = chain->loop[chain->n - 1];
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
    Chain sub = *chain;
    GradLoop *home = home_of(cx, chain, x, &adj);
    while (sub.loop[sub.n - 1] != home) sub.n--;
    GradLoop *inner = add_loop(cx, home);
    inner->over = x;
    sub.loop[sub.n++] = inner;
    build(b, x->kid[0], x->op == EX_RSUM ? adj : ex_mul(cx, adj, diff_product_others(cx, x)), &sub);
  }
  free(partials);
  free(leaves);
}

static int uses_level(const Affine *a, int level) { return a && aff_uses(a, aff_level(level)); }

/* A store whose element does not move with the loop (grad[i, c] in the loop
 * over j) adds the same element every iteration: it becomes one store, in
 * the loop around, of the sum over the loop: a register accumulator rather
 * than a load and store per iteration through memory (hand-written code
 * keeps gx, gy, gz in registers the same way). Bottom-up, so a store may
 * rise several loops. */
static void hoist_stores(ExprCtx *cx, GradLoop *parent, GradLoop *g) {
  for (int i = 0; i < g->nloops; i++) hoist_stores(cx, g, g->loops[i]);
  if (!parent) return;
  int level = g->over->k, kept = 0;
  for (int i = 0; i < g->nstores; i++) {
    GradStore s = g->stores[i];
    if (uses_level(s.ix[0], level) || uses_level(s.ix[1], level)) {
      g->stores[kept++] = s;
      continue;
    }
    s.value = ex_reduce(cx, EX_RSUM, level, g->over->ix[0], g->over->ix[1], s.value);
    *add_store(cx, parent) = s;
  }
  g->nstores = kept;
}

/* Drops loops left with nothing to do. */
static void prune(GradLoop *g) {
  int kept = 0;
  for (int i = 0; i < g->nloops; i++) {
    prune(g->loops[i]);
    if (g->loops[i]->nstores || g->loops[i]->nloops) g->loops[kept++] = g->loops[i];
  }
  g->nloops = kept;
}

GradLoop *loopgrad_build(ExprCtx *cx, Expr *root, const int *wrt_param, const int *wrt_pos, int n) {
  Builder b = {cx, wrt_param, wrt_pos, n};
  GradLoop *g = ARENA_NEW(cx->arena, GradLoop);
  memset(g, 0, sizeof *g);
  uint8_t saved = cx->origin;
  cx->origin = 1;
  Chain chain = {{g}, 1};
  build(&b, root, ex_num(cx, 1), &chain);
  hoist_stores(cx, NULL, g);
  prune(g);
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

void loopgrad_values(const GradLoop *g, Expr ***roots, size_t *n, size_t *cap) {
  for (int i = 0; i < g->nstores; i++) push_root(roots, n, cap, g->stores[i].value);
  for (int i = 0; i < g->nloops; i++) loopgrad_values(g->loops[i], roots, n, cap);
}

void loopgrad_roots(const GradLoop *g, Expr ***roots, size_t *n, size_t *cap) {
  if (g->over) push_root(roots, n, cap, g->over);
  for (int i = 0; i < g->nstores; i++) push_root(roots, n, cap, g->stores[i].value);
  for (int i = 0; i < g->nloops; i++) loopgrad_roots(g->loops[i], roots, n, cap);
}
