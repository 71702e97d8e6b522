/* diag.h — diagnostics: `file:line:col: error: message`, the source line and
 * a caret under the offending span. Messages are collected into a buffer, not
 * printed, so the driver decides where they go (stderr for pdc, a string for
 * the runtime's JIT). Every phase reports through here and keeps going; the
 * driver checks diag_error_count() at each phase boundary. */
#ifndef PDC_DIAG_H
#define PDC_DIAG_H

#include <stdint.h>

#include "buf.h"
#include "util.h"

/* A byte range in the source. Every token and AST node carries one. */
typedef struct Span {
  uint32_t off, len;
} Span;

typedef struct Source {
  const char *name; /* as shown in diagnostics */
  const char *text; /* the whole file; may contain NUL bytes */
  uint32_t len;
  uint32_t *line_starts; /* computed on first use */
  uint32_t nlines;
} Source;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct Diag {
  const Source *src;
  Buf out;
  int errors, warnings;
  int max_errors;          /* stop recording after this many errors (0 = no limit) */
  int warnings_are_errors; /* -Werror: a warning is reported, and counts, as an error */
  int truncated;
} Diag;

void diag_init(Diag *d, const Source *src);
void diag_free(Diag *d);
void diag_error(Diag *d, Span at, const char *fmt, ...) PDC_PRINTF(3, 4);
void diag_warning(Diag *d, Span at, const char *fmt, ...) PDC_PRINTF(3, 4);
void diag_note(Diag *d, Span at, const char *fmt, ...) PDC_PRINTF(3, 4);
/* An error about the file as a whole (no line/column). */
void diag_file_error(Diag *d, const char *fmt, ...) PDC_PRINTF(2, 3);
int diag_error_count(const Diag *d);

/* 1-based line and column of a byte offset. */
void source_line_col(Source *s, uint32_t off, uint32_t *line, uint32_t *col);
void source_free(Source *s);

static inline Span span_join(Span a, Span b) {
  uint32_t end = b.off + b.len > a.off + a.len ? b.off + b.len : a.off + a.len;
  uint32_t start = a.off < b.off ? a.off : b.off;
  return (Span){start, end - start};
}

#endif
