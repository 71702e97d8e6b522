/* util.h — small helpers shared by every phase: array sizes, printf-format
 * checking, internal-error reporting and checked allocation.
 *
 * User mistakes never go through here: they are diagnostics (diag.h).
 * pdc_unreachable() marks states that only a bug in pdc can reach, and
 * x*alloc treat exhaustion as fatal. Neither ends the process: the compiler
 * also runs inside other programs (libpdrt), so every entry point into it —
 * pd_compile, the pdc driver — installs an error boundary (PdcBoundary), and
 * a fatal error unwinds to it with longjmp, as Lua's luaD_throw does. The
 * boundary then holds the message and the compilation's memory is freed:
 *
 *   PdcBoundary b;
 *   pdc_boundary_enter(&b);
 *   if (setjmp(b.env) == 0) {
 *     ... compile ...
 *     pdc_boundary_leave(&b); // success: what was allocated stays allocated
 *   } else {
 *     ... b.message says what happened; everything is already released ...
 *   }
 *
 * To free a failed compilation's memory, x*alloc record each block they hand
 * out while a boundary is installed, and free() — redirected below to
 * pdc_free — forgets it again; what is still recorded when the unwinding
 * starts is what the failed compilation held. Resources that are not
 * x*alloc memory (LLVM objects) are registered with pdc_own. */
#ifndef PDC_UTIL_H
#define PDC_UTIL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h> /* before the free() redirection below, so that its declaration stays free's */

#define countof(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PDC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PDC_NORETURN __attribute__((noreturn))
#else
#define PDC_PRINTF(fmt, args)
#define PDC_NORETURN
#endif

/* Exit codes of the driver; the library returns them too. */
enum { PDC_EXIT_OK = 0, PDC_EXIT_INPUT = 1, PDC_EXIT_USAGE = 2, PDC_EXIT_INTERNAL = 3 };

/* Unwinds to the innermost boundary with "pdc: internal error at file:line:
 * <message>". With no boundary installed (a bug in an entry point) it traps:
 * the library never calls exit or abort in its host. */
PDC_NORETURN void pdc_internal_error(const char *file, int line, const char *fmt, ...) PDC_PRINTF(3, 4);
#define pdc_unreachable() pdc_internal_error(__FILE__, __LINE__, "unreachable")

/* malloc/calloc/realloc that unwind to the boundary with "pdc: error: out of
 * memory" when the allocation fails. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

/* free() for every compiler source: forgets the block if the running
 * compilation recorded it, then frees it. Pointers from elsewhere (libc,
 * the caller) pass through unchanged. */
void pdc_free(void *p);
#define free(p) pdc_free(p)

/* ---- error boundaries --------------------------------------------------- */

typedef enum { PDC_FAIL_NONE, PDC_FAIL_INTERNAL, PDC_FAIL_NO_MEMORY } PdcFailure;

typedef struct PdcOwned {
  void *resource;
  void (*release)(void *);
} PdcOwned;

typedef struct PdcBoundary {
  jmp_buf env;
  struct PdcBoundary *outer; /* boundaries nest, per thread */
  void **live;               /* open-addressing set of the blocks x*alloc handed out */
  size_t live_cap, live_count;
  PdcOwned *owned; /* registered resources, released last-first on failure */
  size_t nowned, owned_cap;
  PdcFailure failure;
  char message[1024]; /* after a failure: the whole diagnostic, ending in '\n' */
} PdcBoundary;

/* Installs b as this thread's innermost boundary. The caller then calls
 * setjmp(b->env) itself (setjmp cannot be wrapped in a function). */
void pdc_boundary_enter(PdcBoundary *b);

/* Uninstalls b after the protected code finished normally: recorded blocks
 * and owned resources stay with whoever holds them. */
void pdc_boundary_leave(PdcBoundary *b);

/* While a boundary is installed, release(resource) runs if the compilation
 * fails before pdc_disown(resource). Without a boundary, nothing happens.
 * If recording fails for lack of memory, the resource is released at once. */
void pdc_own(void *resource, void (*release)(void *));
void pdc_disown(void *resource);

/* For tests (Lua's and SQLite's fault injection): the nth x*alloc call from
 * now on this thread (1: the next one) fails as `how` — PDC_FAIL_NO_MEMORY
 * as if malloc returned NULL, PDC_FAIL_INTERNAL as an internal error. 0
 * turns it off. Returns how many x*alloc calls this thread has made since
 * the last call, so that a test can count the allocations of a run.
 * Allocations LLVM makes itself are not counted. */
long pdc_test_fail_allocation(long nth, PdcFailure how);

#endif
