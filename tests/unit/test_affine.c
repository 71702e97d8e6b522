/* test_affine.c — affine index forms: interning, arithmetic, printing, and
 * the range prover on the index patterns of arrays (rosen's x[i+1], a pair
 * sum's j = i+1..n-1, rows of a matrix p[3*i + k]), including what it must
 * refuse (x[i+1] with i reaching n-1). */
#include <string.h>

#include "affine.h"
#include "unit.h"

static Arena arena;
static AffCtx ax;

enum { N = 0, M = 1 }; /* size numbers */

static const char *name_of(int32_t var, void *ctx) {
  (void)ctx;
  static const char *const levels[] = {"i", "j", "k"}, *const sizes[] = {"n", "m"};
  return aff_is_level(var) ? levels[var] : sizes[var - AFF_SIZE_BASE];
}

static const char *show(const Affine *a) {
  static char text[128];
  Buf b;
  buf_init(&b);
  aff_print(&b, a, name_of, NULL);
  snprintf(text, sizeof text, "%s", buf_cstr(&b));
  buf_free(&b);
  return text;
}

static const Affine *I(void) { return aff_var(&ax, aff_level(0)); }
static const Affine *J(void) { return aff_var(&ax, aff_level(1)); }
static const Affine *K(void) { return aff_var(&ax, aff_level(2)); }
static const Affine *Nn(void) { return aff_var(&ax, aff_size(N)); }
static const Affine *C(int64_t c) { return aff_const(&ax, c); }
static const Affine *add(const Affine *a, const Affine *b) { return aff_add(&ax, a, b); }
static const Affine *sub(const Affine *a, const Affine *b) { return aff_sub(&ax, a, b); }

static void test_interning_and_arithmetic(void) {
  const Affine *a = add(add(I(), C(1)), Nn());
  CHECK(a == add(Nn(), add(C(1), I()))); /* canonical: order does not matter */
  CHECK(sub(a, a) == C(0));
  CHECK(aff_is_const(sub(a, I())) == 0);
  CHECK(aff_coef(a, aff_level(0)) == 1 && aff_coef(a, aff_size(N)) == 1 && a->c == 1);
  CHECK(aff_scale(&ax, a, 0) == C(0));
  CHECK_STR(show(aff_scale(&ax, a, 3)), "3*i + 3*n + 3");
  CHECK_STR(show(sub(C(2), add(I(), aff_scale(&ax, J(), 2)))), "-i - 2*j + 2");
  CHECK_STR(show(sub(Nn(), C(2))), "n - 2");
  CHECK_STR(show(C(-4)), "-4");
  CHECK(aff_max_level(add(J(), Nn())) == 1 && aff_max_level(Nn()) == -1);
  /* substitution: i -> k - 1 in 2*i + j */
  const Affine *s = aff_substitute(&ax, add(aff_scale(&ax, I(), 2), J()), aff_level(0), sub(K(), C(1)));
  CHECK_STR(show(s), "j + 2*k - 2");
}

static void test_overflow_is_reported(void) {
  ax.overflow = 0;
  const Affine *big = aff_const(&ax, INT64_MAX);
  CHECK(aff_add(&ax, big, C(1)) == NULL);
  CHECK(ax.overflow);
  CHECK(aff_add(&ax, NULL, C(1)) == NULL);
  ax.overflow = 0;
}

/* x[n], i = 0..n-2 (rosen_nd): x[i] and x[i+1] are within 0..n-1; x[i+2]
 * is not, and neither is x[i+1] when i runs to n-1. */
static void test_rosen_indices(void) {
  AffLoops loops = {.depth = 1, .lo = {C(0)}, .hi = {sub(Nn(), C(2))}};
  const Affine *last = sub(Nn(), C(1));
  CHECK(aff_prove_within(&ax, I(), C(0), last, &loops));
  CHECK(aff_prove_within(&ax, add(I(), C(1)), C(0), last, &loops));
  CHECK(!aff_prove_within(&ax, add(I(), C(2)), C(0), last, &loops));
  CHECK(!aff_prove_within(&ax, sub(I(), C(1)), C(0), last, &loops));
  AffLoops whole = {.depth = 1, .lo = {C(0)}, .hi = {last}};
  CHECK(!aff_prove_within(&ax, add(I(), C(1)), C(0), last, &whole));
  /* the extreme that a diagnostic names: x[i+1] reads x[n] */
  CHECK(aff_extreme(&ax, add(I(), C(1)), &whole, 1) == Nn());
  CHECK(aff_extreme(&ax, add(I(), C(1)), &whole, 0) == C(1));
}

/* pos[n, 3], i = 0..n-1, j = i+1..n-1, k = 0..2 (ljn): both rows and the
 * column are in range; the flattened index 3*j + k is within 0..3n-1. */
static void test_pair_sum_indices(void) {
  const Affine *last = sub(Nn(), C(1));
  AffLoops loops = {.depth = 3, .lo = {C(0), add(I(), C(1)), C(0)}, .hi = {last, last, C(2)}};
  CHECK(aff_prove_within(&ax, I(), C(0), last, &loops));
  CHECK(aff_prove_within(&ax, J(), C(0), last, &loops));
  CHECK(aff_prove_within(&ax, sub(J(), C(1)), C(0), last, &loops)); /* j >= i + 1 >= 1 */
  CHECK(!aff_prove_within(&ax, add(J(), C(1)), C(0), last, &loops));
  const Affine *flat = add(aff_scale(&ax, J(), 3), K());
  CHECK(aff_prove_within(&ax, flat, C(0), sub(aff_scale(&ax, Nn(), 3), C(1)), &loops));
  CHECK(!aff_prove_within(&ax, flat, C(0), sub(aff_scale(&ax, Nn(), 3), C(2)), &loops));
  /* j - i >= 1 everywhere: the pair is never the diagonal */
  CHECK(aff_prove_nonneg(&ax, sub(sub(J(), I()), C(1)), &loops));
  CHECK(!aff_prove_nonneg(&ax, sub(sub(J(), I()), C(2)), &loops));
}

/* Facts from a loop running: inside i = 0..n-1, n - 1 >= 0 although sizes
 * alone only give n >= 0; with two sizes, m is unknown. */
static void test_loop_running_implies_size(void) {
  AffLoops loops = {.depth = 1, .lo = {C(0)}, .hi = {sub(Nn(), C(1))}};
  CHECK(aff_prove_nonneg(&ax, sub(Nn(), C(1)), &loops));
  CHECK(aff_prove_nonneg(&ax, sub(aff_scale(&ax, Nn(), 2), C(2)), &loops)); /* lambda 2 */
  CHECK(!aff_prove_nonneg(&ax, sub(Nn(), C(2)), &loops));
  AffLoops none = {.depth = 0};
  CHECK(!aff_prove_nonneg(&ax, sub(Nn(), C(1)), &none));
  CHECK(aff_prove_nonneg(&ax, Nn(), &none));
  CHECK(!aff_prove_nonneg(&ax, sub(aff_var(&ax, aff_size(M)), C(1)), &loops));
  /* an index with no loop around it proves nothing */
  CHECK(!aff_prove_nonneg(&ax, J(), &loops));
}

/* (i + 1) mod n over i = 0..n-1: a variable in 0..n-1, printed as written,
 * kept through substitution (a shifted copy of a loop body), folded when
 * constant (mathematical: -1 mod 5 is 4). */
static void test_remainders(void) {
  AffLoops loops = {.depth = 1, .lo = {C(0)}, .hi = {sub(Nn(), C(1))}};
  const Affine *r = aff_mod(&ax, add(I(), C(1)), Nn(), 1);
  CHECK(aff_mod(&ax, add(I(), C(1)), Nn(), 1) == r); /* interned */
  CHECK(strcmp(show(r), "(i + 1) mod n") == 0);
  CHECK(strcmp(show(add(r, C(2))), "(i + 1) mod n + 2") == 0);
  CHECK(aff_prove_within(&ax, r, C(0), sub(Nn(), C(1)), &loops));
  CHECK(!aff_prove_within(&ax, add(r, C(1)), C(0), sub(Nn(), C(1)), &loops));
  CHECK(aff_uses(r, aff_level(0)) && !aff_uses(r, aff_level(1)));
  CHECK(aff_level_mask(r) == 1u && aff_max_level(r) == 0);
  const Affine *shifted = aff_substitute(&ax, r, aff_level(0), J());
  CHECK(strcmp(show(shifted), "(j + 1) mod n") == 0);
  CHECK(aff_mod(&ax, C(-1), C(5), 0) == C(4) && aff_mod(&ax, C(12), C(5), 0) == C(2));
}

int main(void) {
  arena_init(&arena);
  aff_ctx_init(&ax, &arena);
  RUN(test_interning_and_arithmetic);
  RUN(test_overflow_is_reported);
  RUN(test_rosen_indices);
  RUN(test_pair_sum_indices);
  RUN(test_loop_running_implies_size);
  RUN(test_remainders);
  aff_ctx_free(&ax);
  arena_free_all(&arena);
  return unit_report();
}
