/* util.c — internal errors and checked allocation. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void pdc_internal_error(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "pdc: internal error at %s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  fputs("\nthis is a bug in pdc; please report it with the input file\n", stderr);
  va_end(ap);
  exit(PDC_EXIT_INTERNAL);
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) pdc_internal_error(__FILE__, __LINE__, "out of memory (%zu bytes)", n);
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) pdc_internal_error(__FILE__, __LINE__, "out of memory (%zu x %zu bytes)", n, size);
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) pdc_internal_error(__FILE__, __LINE__, "out of memory (%zu bytes)", n);
  return q;
}
