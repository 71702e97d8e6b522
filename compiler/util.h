/* util.h — small helpers shared by every phase: array sizes, internal-error
 * reporting and printf-format checking. User mistakes never go through here:
 * they are diagnostics (diag.h). pdc_unreachable() marks states that only a
 * bug in pdc can reach; it reports the place and exits with code 3. */
#ifndef PDC_UTIL_H
#define PDC_UTIL_H

#include <stddef.h>

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

PDC_NORETURN void pdc_internal_error(const char *file, int line, const char *fmt, ...) PDC_PRINTF(3, 4);
#define pdc_unreachable() pdc_internal_error(__FILE__, __LINE__, "unreachable")

/* malloc/calloc/realloc that treat exhaustion as an internal error. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

#endif
