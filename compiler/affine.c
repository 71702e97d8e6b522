/* affine.c — interned affine forms and their range prover (see affine.h). */
#include "affine.h"

#include <string.h>

#include "util.h"

void aff_ctx_init(AffCtx *ax, Arena *arena) {
  memset(ax, 0, sizeof *ax);
  ax->arena = arena;
  ax->cap = 256;
  ax->table = xcalloc(ax->cap, sizeof *ax->table);
}

void aff_ctx_free(AffCtx *ax) {
  free((void *)ax->table);
  free(ax->atoms);
  memset(ax, 0, sizeof *ax);
}

/* ---- interning ------------------------------------------------------------ */

static uint64_t form_hash(const Affine *a) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)a->c;
  for (int i = 0; i < a->nterms; i++) {
    h = (h ^ (uint64_t)(uint32_t)a->t[i].var) * 0x100000001B3u;
    h = (h ^ (uint64_t)a->t[i].coef) * 0x100000001B3u;
  }
  return h ^ (h >> 29);
}

static int form_equal(const Affine *a, const Affine *b) {
  if (a->c != b->c || a->nterms != b->nterms) return 0;
  for (int i = 0; i < a->nterms; i++)
    if (a->t[i].var != b->t[i].var || a->t[i].coef != b->t[i].coef) return 0;
  return 1;
}

static void grow(AffCtx *ax) {
  size_t cap = ax->cap * 2;
  const Affine **t = xcalloc(cap, sizeof *t);
  for (size_t i = 0; i < ax->cap; i++) {
    if (!ax->table[i]) continue;
    size_t h = (size_t)form_hash(ax->table[i]) & (cap - 1);
    while (t[h]) h = (h + 1) & (cap - 1);
    t[h] = ax->table[i];
  }
  free((void *)ax->table);
  ax->table = t;
  ax->cap = cap;
}

/* The interned copy of the canonical form f (terms sorted, no zeros). */
static const Affine *intern(AffCtx *ax, const Affine *f) {
  if (2 * (ax->count + 1) > ax->cap) grow(ax);
  size_t h = (size_t)form_hash(f) & (ax->cap - 1);
  for (; ax->table[h]; h = (h + 1) & (ax->cap - 1))
    if (form_equal(ax->table[h], f)) return ax->table[h];
  Affine *a = ARENA_NEW(ax->arena, Affine);
  *a = *f;
  a->id = (uint32_t)ax->count++;
  ax->table[h] = a;
  return a;
}

static const Affine *overflowed(AffCtx *ax) {
  ax->overflow = 1;
  return NULL;
}

/* ---- arithmetic ----------------------------------------------------------- */

const Affine *aff_const(AffCtx *ax, int64_t c) {
  Affine f = {.c = c};
  return intern(ax, &f);
}

const Affine *aff_var(AffCtx *ax, int32_t var) {
  Affine f = {.nterms = 1, .t = {{var, 1, NULL}}};
  return intern(ax, &f);
}

/* ka*a + kb*b, merging the sorted term lists. */
static const Affine *combine(AffCtx *ax, const Affine *a, int64_t ka, const Affine *b, int64_t kb) {
  if (!a || !b) return NULL;
  Affine f = {0};
  int64_t ca, cb;
  if (__builtin_mul_overflow(a->c, ka, &ca) || __builtin_mul_overflow(b->c, kb, &cb) ||
      __builtin_add_overflow(ca, cb, &f.c))
    return overflowed(ax);
  int i = 0, j = 0;
  while (i < a->nterms || j < b->nterms) {
    int32_t var;
    int64_t x = 0, y = 0, sum;
    if (j >= b->nterms || (i < a->nterms && a->t[i].var < b->t[j].var)) {
      var = a->t[i].var, x = a->t[i++].coef;
    } else if (i >= a->nterms || b->t[j].var < a->t[i].var) {
      var = b->t[j].var, y = b->t[j++].coef;
    } else {
      var = a->t[i].var, x = a->t[i++].coef, y = b->t[j++].coef;
    }
    const AffAtom *atom = NULL;
    if (aff_is_atom(var))
      for (int k = 0; k < a->nterms && !atom; k++) atom = a->t[k].var == var ? a->t[k].atom : NULL;
    for (int k = 0; k < b->nterms && !atom && aff_is_atom(var); k++) atom = b->t[k].var == var ? b->t[k].atom : NULL;
    if (__builtin_mul_overflow(x, ka, &x) || __builtin_mul_overflow(y, kb, &y) || __builtin_add_overflow(x, y, &sum))
      return overflowed(ax);
    if (sum == 0) continue;
    if (f.nterms == AFF_MAX_TERMS) return overflowed(ax);
    f.t[f.nterms++] = (AffTerm){var, sum, atom};
  }
  return intern(ax, &f);
}

const Affine *aff_add(AffCtx *ax, const Affine *a, const Affine *b) { return combine(ax, a, 1, b, 1); }
const Affine *aff_sub(AffCtx *ax, const Affine *a, const Affine *b) { return combine(ax, a, 1, b, -1); }

const Affine *aff_scale(AffCtx *ax, const Affine *a, int64_t k) {
  if (!a) return NULL;
  return combine(ax, a, k, aff_const(ax, 0), 0);
}

const Affine *aff_mod(AffCtx *ax, const Affine *a, const Affine *m, int wrap) {
  if (!a || !m) return NULL;
  if (aff_is_const(a) && aff_is_const(m) && m->c > 0) {
    int64_t r = a->c % m->c;
    return aff_const(ax, r < 0 ? r + m->c : r);
  }
  for (size_t i = 0; i < ax->natoms; i++)
    if (ax->atoms[i]->a == a && ax->atoms[i]->m == m && ax->atoms[i]->wrap == wrap)
      return aff_var(ax, AFF_ATOM_BASE + (int32_t)i);
  if (ax->natoms == ax->capatoms) {
    ax->capatoms = ax->capatoms ? 2 * ax->capatoms : 8;
    ax->atoms = xrealloc(ax->atoms, sizeof(AffAtom *) * ax->capatoms);
  }
  AffAtom *at = ARENA_NEW(ax->arena, AffAtom);
  *at = (AffAtom){(uint32_t)ax->natoms, a, m, wrap};
  ax->atoms[ax->natoms++] = at;
  Affine f = {.nterms = 1, .t = {{AFF_ATOM_BASE + (int32_t)at->id, 1, at}}};
  return intern(ax, &f);
}

int aff_uses(const Affine *a, int32_t var) {
  for (int i = 0; i < a->nterms; i++) {
    if (a->t[i].var == var) return 1;
    if (a->t[i].atom && (aff_uses(a->t[i].atom->a, var) || aff_uses(a->t[i].atom->m, var))) return 1;
  }
  return 0;
}

uint32_t aff_level_mask(const Affine *a) {
  uint32_t m = 0;
  for (int i = 0; a && i < a->nterms; i++) {
    if (aff_is_level(a->t[i].var)) m |= 1u << a->t[i].var;
    if (a->t[i].atom) m |= aff_level_mask(a->t[i].atom->a) | aff_level_mask(a->t[i].atom->m);
  }
  return m;
}

int64_t aff_coef(const Affine *a, int32_t var) {
  for (int i = 0; i < a->nterms; i++)
    if (a->t[i].var == var) return a->t[i].coef;
  return 0;
}

const Affine *aff_substitute(AffCtx *ax, const Affine *a, int32_t var, const Affine *by) {
  if (!a || !by) return NULL;
  for (int i = 0; i < a->nterms; i++) { /* a remainder of var is rebuilt around by */
    const AffAtom *at = a->t[i].atom;
    if (!at || (!aff_uses(at->a, var) && !aff_uses(at->m, var))) continue;
    const Affine *na = aff_substitute(ax, at->a, var, by), *nm = aff_substitute(ax, at->m, var, by);
    const Affine *repl = aff_mod(ax, na, nm, at->wrap);
    a = aff_substitute(ax, a, a->t[i].var, repl);
    if (!a) return NULL;
    i = -1; /* the terms moved: look again */
  }
  int64_t k = aff_coef(a, var);
  if (k == 0) return a;
  const Affine *without = combine(ax, a, 1, aff_var(ax, var), -k);
  return combine(ax, without, 1, by, k);
}

int aff_max_level(const Affine *a) {
  uint32_t m = aff_level_mask(a);
  int deepest = -1;
  for (int l = 0; l < AFF_MAX_LEVELS; l++)
    if (m & (1u << l)) deepest = l;
  return deepest;
}

/* Terms with a positive coefficient first, as one writes n - 1 - i. */
void aff_print(Buf *out, const Affine *a, const char *(*name)(int32_t var, void *ctx), void *ctx) {
  int first = 1;
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < a->nterms; i++) {
      int64_t k = a->t[i].coef;
      if ((k > 0) != (pass == 0)) continue;
      if (!first) buf_puts(out, k < 0 ? " - " : " + ");
      else if (k < 0) buf_putc(out, '-');
      first = 0;
      uint64_t m = k < 0 ? -(uint64_t)k : (uint64_t)k;
      if (m != 1) buf_printf(out, "%llu*", (unsigned long long)m);
      const AffAtom *at = a->t[i].atom;
      if (at) {
        buf_putc(out, '(');
        aff_print(out, at->a, name, ctx);
        buf_puts(out, ") mod ");
        int paren = at->m->nterms + (at->m->c != 0) > 1;
        if (paren) buf_putc(out, '(');
        aff_print(out, at->m, name, ctx);
        if (paren) buf_putc(out, ')');
        continue;
      }
      buf_puts(out, name(a->t[i].var, ctx));
    }
  }
  if (a->nterms == 0) buf_printf(out, "%lld", (long long)a->c);
  else if (a->c)
    buf_printf(out, " %c %llu", a->c < 0 ? '-' : '+',
               (unsigned long long)(a->c < 0 ? -(uint64_t)a->c : (uint64_t)a->c));
}

/* ---- ranges --------------------------------------------------------------- */

const Affine *aff_extreme(AffCtx *ax, const Affine *a, const AffLoops *loops, int want_max) {
  /* a remainder is somewhere in 0..m-1 */
  for (int i = 0; a && i < a->nterms; i++) {
    const AffAtom *at = a->t[i].atom;
    if (!at) continue;
    int take_hi = (a->t[i].coef > 0) == (want_max != 0);
    a = aff_substitute(ax, a, a->t[i].var, take_hi ? aff_sub(ax, at->m, aff_const(ax, 1)) : aff_const(ax, 0));
    i = -1;
  }
  for (int level = loops->depth - 1; level >= 0 && a; level--) {
    int64_t k = aff_coef(a, aff_level(level));
    if (k == 0) continue;
    /* the minimum takes the lower bound for a positive coefficient */
    int take_hi = (k > 0) == (want_max != 0);
    a = aff_substitute(ax, a, aff_level(level), take_hi ? loops->hi[level] : loops->lo[level]);
  }
  if (a && aff_max_level(a) >= 0) return NULL; /* a level with no loop around it */
  return a;
}

/* f >= 0 for every size >= 0: a constant part and size coefficients that
 * are all non-negative. */
static int nonneg_for_all_sizes(const Affine *f) {
  if (f->c < 0) return 0;
  for (int i = 0; i < f->nterms; i++)
    if (f->t[i].coef < 0) return 0;
  return 1;
}

/* r >= 0 follows from fact >= 0 and sizes >= 0 when rest = r - lambda*fact
 * has no negative part for some integer lambda >= 1 (then r = rest +
 * lambda*fact >= 0). A negative component of r (the constant or a size's
 * coefficient) needs fact's to be negative too, and sets a least lambda;
 * the smallest lambda meeting them all is the one to try. */
static int64_t least_lambda(int64_t r, int64_t f, int64_t lambda) {
  if (r >= 0) return lambda;
  if (f >= 0) return -1;
  int64_t need = (-r + -f - 1) / -f;
  return need > lambda ? need : lambda;
}

static int follows_from(AffCtx *ax, const Affine *r, const Affine *fact) {
  int64_t lambda = least_lambda(r->c, fact->c, 1);
  for (int i = 0; i < r->nterms && lambda > 0; i++)
    lambda = least_lambda(r->t[i].coef, aff_coef(fact, r->t[i].var), lambda);
  if (lambda <= 0) return 0;
  const Affine *rest = combine(ax, r, 1, fact, -lambda);
  return rest && nonneg_for_all_sizes(rest);
}

int aff_prove_nonneg(AffCtx *ax, const Affine *a, const AffLoops *loops) {
  const Affine *least = aff_extreme(ax, a, loops, 0);
  if (!least) return 0;
  if (nonneg_for_all_sizes(least)) return 1;
  /* the loops run, so each one's range is not empty */
  for (int level = 0; level < loops->depth; level++) {
    AffLoops outer = *loops;
    outer.depth = level;
    const Affine *span = aff_sub(ax, loops->hi[level], loops->lo[level]);
    const Affine *fact = span ? aff_extreme(ax, span, &outer, 1) : NULL;
    if (fact && follows_from(ax, least, fact)) return 1;
  }
  return 0;
}

int aff_prove_within(AffCtx *ax, const Affine *a, const Affine *lo, const Affine *hi, const AffLoops *loops) {
  return aff_prove_nonneg(ax, aff_sub(ax, a, lo), loops) && aff_prove_nonneg(ax, aff_sub(ax, hi, a), loops);
}
