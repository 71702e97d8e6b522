/* affine.h — integer affine forms over loop indices and sizes, and a prover
 * for their ranges: the index arithmetic of arrays (x[i+1], W[j, i],
 * p[3*i + k]) and the bounds of sums (i = 0..n-2, j = i+1..n-1).
 *
 * A form is c + Σ coef·v over variables v that are loop levels (a loop
 * index, numbered by its nesting depth: 0 the outermost) or sizes (n, m:
 * run-time sizes, never negative). Forms are interned like DAG nodes: equal
 * forms are the same pointer, terms sorted by variable, no zero
 * coefficient. They live in the compilation's arena.
 *
 * The prover answers "is a >= 0 wherever the loops run?" for loops whose
 * bounds are affine in outer loop indices and sizes. It eliminates loop
 * indices innermost first, each by the bound that minimises the form (a
 * positive coefficient takes the lower bound, a negative one the upper), then
 * needs what is left, a form in sizes, to be non-negative because sizes are;
 * it may use one fact that a loop running implies (hi - lo >= 0 with the
 * indices eliminated), as `i = 0..n-1` running implies n >= 1. It is sound
 * (a "yes" holds for every size) and incomplete (a "no" may be a form that
 * holds but needs more reasoning); callers report "cannot prove" in words
 * that show how to write a guard. */
#ifndef PDC_AFFINE_H
#define PDC_AFFINE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

enum {
  AFF_MAX_LEVELS = 16,     /* loop nesting depth */
  AFF_SIZE_BASE = 1024,    /* variable numbers: levels 0..15, sizes 1024 + k, */
  AFF_ATOM_BASE = 1 << 20, /* and remainders (a mod m) 2^20 + k */
  AFF_MAX_TERMS = 16,      /* variables in one form */
};

typedef struct Affine Affine;

/* (a) mod m, the mathematical remainder in 0..m-1 (m >= 1 proved where it
 * is made): a periodic index such as (i + 1) mod n. It is a variable of the
 * forms that use it, with range 0..m-1. `wrap` records what was proved of a
 * where the remainder was made, for cheap code: 1 when 0 <= a <= 2m-1 (one
 * conditional subtraction), -1 when -m <= a <= m-1 (one addition), 0 when
 * nothing (a division). */
typedef struct AffAtom {
  uint32_t id;
  const Affine *a, *m;
  int wrap;
} AffAtom;

typedef struct AffTerm {
  int32_t var; /* a level (< AFF_MAX_LEVELS), AFF_SIZE_BASE + size, AFF_ATOM_BASE + atom */
  int64_t coef;
  const AffAtom *atom; /* for an atom variable */
} AffTerm;

struct Affine {
  uint32_t id;
  int nterms;
  int64_t c;
  AffTerm t[AFF_MAX_TERMS];
};

typedef struct AffCtx {
  Arena *arena;
  const Affine **table; /* open addressing, power-of-two capacity */
  size_t cap, count;
  /* A form would overflow 64 bits or need more than AFF_MAX_TERMS
   * variables: the constructor returned NULL and set this. */
  int overflow;
  AffAtom **atoms;
  size_t natoms, capatoms;
} AffCtx;

void aff_ctx_init(AffCtx *ax, Arena *arena);
void aff_ctx_free(AffCtx *ax);

static inline int32_t aff_level(int level) { return level; }
static inline int32_t aff_size(int size) { return AFF_SIZE_BASE + size; }
static inline int aff_is_level(int32_t var) { return var < AFF_MAX_LEVELS; }
static inline int aff_is_atom(int32_t var) { return var >= AFF_ATOM_BASE; }
static inline int aff_is_size(int32_t var) { return var >= AFF_SIZE_BASE && var < AFF_ATOM_BASE; }
static inline int aff_size_index(int32_t var) { return var - AFF_SIZE_BASE; }
/* The size a is exactly (an array extent such as n), or -1. */
static inline int aff_single_size(const Affine *a) {
  if (a->nterms != 1 || a->c != 0 || a->t[0].coef != 1 || !aff_is_size(a->t[0].var)) return -1;
  return aff_size_index(a->t[0].var);
}

/* Constructors; NULL (and ax->overflow) when the result cannot be
 * represented, and NULL in gives NULL out. */
const Affine *aff_const(AffCtx *ax, int64_t c);
const Affine *aff_var(AffCtx *ax, int32_t var);
const Affine *aff_add(AffCtx *ax, const Affine *a, const Affine *b);
const Affine *aff_sub(AffCtx *ax, const Affine *a, const Affine *b);
const Affine *aff_scale(AffCtx *ax, const Affine *a, int64_t k);
/* a with variable var replaced by the form by (inside remainders too). */
const Affine *aff_substitute(AffCtx *ax, const Affine *a, int32_t var, const Affine *by);

/* (a) mod m as a form: a constant when both are. */
const Affine *aff_mod(AffCtx *ax, const Affine *a, const Affine *m, int wrap);

int64_t aff_coef(const Affine *a, int32_t var); /* 0 when absent */
/* Whether a depends on var, inside its remainders too. */
int aff_uses(const Affine *a, int32_t var);
/* The loop levels a depends on, as bits. */
uint32_t aff_level_mask(const Affine *a);
static inline int aff_is_const(const Affine *a) { return a->nterms == 0; }
/* The deepest loop level a uses (inside remainders too), or -1 for none. */
int aff_max_level(const Affine *a);

/* Prints a as the source would write it ("n - 2", "3*i + k"), naming
 * variables through the callback. */
void aff_print(Buf *out, const Affine *a, const char *(*name)(int32_t var, void *ctx), void *ctx);

/* ---- ranges -------------------------------------------------------------- */

/* The loops around an expression: level L runs lo[L]..hi[L] (inclusive),
 * forms in sizes and levels < L. */
typedef struct AffLoops {
  int depth;
  const Affine *lo[AFF_MAX_LEVELS], *hi[AFF_MAX_LEVELS];
} AffLoops;

/* The least (want_max 0) or greatest (1) value a takes while the loops
 * run, as a form in sizes only; NULL on overflow. */
const Affine *aff_extreme(AffCtx *ax, const Affine *a, const AffLoops *loops, int want_max);

/* Whether a >= 0 holds wherever the loops run, for every size. */
int aff_prove_nonneg(AffCtx *ax, const Affine *a, const AffLoops *loops);

/* Whether lo <= a <= hi wherever the loops run (an index within an array
 * of hi + 1 elements when lo is 0). */
int aff_prove_within(AffCtx *ax, const Affine *a, const Affine *lo, const Affine *hi, const AffLoops *loops);

#endif
