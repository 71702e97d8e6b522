/* util.c — error boundaries, internal errors and recorded allocation.
 *
 * Nothing here writes to a stream or ends the process: the message goes to
 * the innermost boundary, which its entry point reports (the pdc driver on
 * stderr, pd_compile as a diagnostic). */
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#undef free /* this file is where pdc_free calls the real one */

static _Thread_local PdcBoundary *innermost;

/* ---- fault injection (tests) --------------------------------------------- */

static _Thread_local long fail_countdown;
static _Thread_local PdcFailure fail_how;
static _Thread_local long allocations_made;

long pdc_test_fail_allocation(long nth, PdcFailure how) {
  long made = allocations_made;
  allocations_made = 0;
  fail_countdown = nth > 0 ? nth : 0;
  fail_how = how;
  return made;
}

/* The PdcFailure an injected fault asks for at this allocation, or
 * PDC_FAIL_NONE. */
static PdcFailure injected_failure(void) {
  allocations_made++;
  if (fail_countdown == 0 || --fail_countdown > 0) return PDC_FAIL_NONE;
  return fail_how;
}

/* ---- unwinding ------------------------------------------------------------ */

static void live_set_drop(PdcBoundary *b) {
  free(b->live);
  b->live = NULL;
  b->live_cap = b->live_count = 0;
  free(b->owned);
  b->owned = NULL;
  b->nowned = b->owned_cap = 0;
}

/* Releases what the failed compilation held — owned resources last-first
 * (they may free recorded blocks, which pdc_free forgets), then every
 * block still recorded — and jumps to the boundary's setjmp. */
PDC_NORETURN static void unwind(PdcBoundary *b) {
  while (b->nowned > 0) {
    PdcOwned o = b->owned[--b->nowned];
    o.release(o.resource);
  }
  for (size_t i = 0; i < b->live_cap; i++)
    if (b->live[i]) free(b->live[i]);
  live_set_drop(b);
  innermost = b->outer;
  longjmp(b->env, 1);
}

PDC_NORETURN static void fail_with(PdcFailure failure, const char *fmt, ...) PDC_PRINTF(2, 3);
PDC_NORETURN static void fail_with(PdcFailure failure, const char *fmt, ...) {
  PdcBoundary *b = innermost;
  if (!b) __builtin_trap(); /* an entry point without a boundary: a bug; a library must not call abort */
  b->failure = failure;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->message, sizeof b->message, fmt, ap);
  va_end(ap);
  unwind(b);
}

void pdc_internal_error(const char *file, int line, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  fail_with(PDC_FAIL_INTERNAL,
            "pdc: internal error at %s:%d: %s\nthis is a bug in pdc; please report it with the input file\n", file,
            line, what);
}

PDC_NORETURN static void out_of_memory(size_t bytes) {
  fail_with(PDC_FAIL_NO_MEMORY, "pdc: error: out of memory (%zu bytes)\n", bytes);
}

/* An allocation the running compilation could not have; the injected
 * internal error reads like a real one. */
PDC_NORETURN static void allocation_failed(PdcFailure how, size_t bytes) {
  if (how == PDC_FAIL_INTERNAL) pdc_internal_error(__FILE__, __LINE__, "injected failure");
  out_of_memory(bytes);
}

/* ---- the live set: open addressing, linear probing --------------------- */

static size_t slot_of(const PdcBoundary *b, const void *p) {
  uintptr_t h = (uintptr_t)p >> 4;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15u;
  return (size_t)(h ^ (h >> 29)) & (b->live_cap - 1);
}

static void live_insert_unchecked(PdcBoundary *b, void *p) {
  size_t i = slot_of(b, p);
  while (b->live[i]) i = (i + 1) & (b->live_cap - 1);
  b->live[i] = p;
  b->live_count++;
}

/* Makes room for one more block; 0 when the set cannot grow, with *how
 * the injected failure (PDC_FAIL_NONE: malloc's own). */
static int live_reserve(PdcBoundary *b, PdcFailure *how) {
  if ((b->live_count + 1) * 2 <= b->live_cap) return 1;
  size_t cap = b->live_cap ? b->live_cap * 2 : 256;
  void **old = b->live;
  size_t old_cap = b->live_cap;
  *how = injected_failure();
  void **live = *how == PDC_FAIL_NONE ? calloc(cap, sizeof *live) : NULL;
  if (!live) return 0;
  b->live = live;
  b->live_cap = cap;
  b->live_count = 0;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i]) live_insert_unchecked(b, old[i]);
  free(old);
  return 1;
}

/* Records p for the innermost boundary; if the record itself cannot be
 * made, p is freed and the compilation fails for lack of memory. */
static void *record(void *p, size_t bytes) {
  PdcBoundary *b = innermost;
  PdcFailure how = PDC_FAIL_NONE;
  if (!b) return p;
  if (!live_reserve(b, &how)) {
    free(p);
    allocation_failed(how, bytes);
  }
  live_insert_unchecked(b, p);
  return p;
}

/* Removes p from the set (backward-shift deletion keeps probe chains whole);
 * 0 when p was not recorded. */
static int forget(PdcBoundary *b, const void *p) {
  if (!b || !b->live_count) return 0;
  size_t mask = b->live_cap - 1, i = slot_of(b, p);
  while (b->live[i] != p) {
    if (!b->live[i]) return 0;
    i = (i + 1) & mask;
  }
  b->live[i] = NULL;
  b->live_count--;
  for (size_t j = (i + 1) & mask; b->live[j]; j = (j + 1) & mask) {
    size_t home = slot_of(b, b->live[j]);
    /* move live[j] into the hole at i unless its home lies in (i, j] */
    int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      b->live[i] = b->live[j];
      b->live[j] = NULL;
      i = j;
    }
  }
  return 1;
}

/* ---- allocation ----------------------------------------------------------- */

void *xmalloc(size_t n) {
  PdcFailure injected = injected_failure();
  void *p = injected == PDC_FAIL_NONE ? malloc(n ? n : 1) : NULL;
  if (!p) allocation_failed(injected, n);
  return record(p, n);
}

void *xcalloc(size_t n, size_t size) {
  PdcFailure injected = injected_failure();
  void *p = injected == PDC_FAIL_NONE ? calloc(n ? n : 1, size ? size : 1) : NULL;
  if (!p) allocation_failed(injected, n * size);
  return record(p, n * size);
}

/* The block keeps its owner: one recorded before stays recorded, one from
 * before the boundary (its owner lives outside) stays unrecorded. */
void *xrealloc(void *p, size_t n) {
  if (!p) return xmalloc(n);
  int recorded = forget(innermost, p); /* its slot stays free for the result */
  PdcFailure injected = injected_failure();
  void *q = injected == PDC_FAIL_NONE ? realloc(p, n ? n : 1) : NULL;
  if (recorded) live_insert_unchecked(innermost, q ? q : p);
  if (!q) allocation_failed(injected, n);
  return q;
}

void pdc_free(void *p) {
  if (!p) return;
  forget(innermost, p);
  free(p);
}

/* ---- boundaries ------------------------------------------------------------ */

void pdc_boundary_enter(PdcBoundary *b) {
  b->outer = innermost;
  b->live = NULL;
  b->live_cap = b->live_count = 0;
  b->owned = NULL;
  b->nowned = b->owned_cap = 0;
  b->failure = PDC_FAIL_NONE;
  b->message[0] = '\0';
  innermost = b;
}

void pdc_boundary_leave(PdcBoundary *b) {
  live_set_drop(b);
  innermost = b->outer;
}

void pdc_own(void *resource, void (*release)(void *)) {
  PdcBoundary *b = innermost;
  if (!b || !resource) return;
  if (b->nowned == b->owned_cap) {
    size_t cap = b->owned_cap ? b->owned_cap * 2 : 8;
    PdcFailure how = injected_failure();
    PdcOwned *owned = how == PDC_FAIL_NONE ? realloc(b->owned, cap * sizeof *owned) : NULL;
    if (!owned) {
      release(resource);
      allocation_failed(how, cap * sizeof *owned);
    }
    b->owned = owned;
    b->owned_cap = cap;
  }
  b->owned[b->nowned++] = (PdcOwned){resource, release};
}

void pdc_disown(void *resource) {
  PdcBoundary *b = innermost;
  if (!b || !resource) return;
  for (size_t i = b->nowned; i-- > 0;) {
    if (b->owned[i].resource == resource) {
      memmove(&b->owned[i], &b->owned[i + 1], (b->nowned - i - 1) * sizeof *b->owned);
      b->nowned--;
      return;
    }
  }
}
