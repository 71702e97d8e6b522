/* diag.c — rendering diagnostics in the clang format.
 *
 *   seed.pd:3:21: error: use of undeclared name 'y'
 *   fn f(x) wrt x = x + y
 *                       ^
 *
 * Columns count bytes from 1, as clang does. A span longer than one byte gets
 * a '^' followed by '~' up to its end (clipped to the line). Tabs in the
 * source line are reproduced under it so the caret lines up in a terminal. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { DIAG_DEFAULT_MAX_ERRORS = 50, DIAG_MAX_SHOWN_LINE = 256 };

void diag_init(Diag *d, const Source *src) {
  d->src = src;
  buf_init(&d->out);
  d->errors = d->warnings = 0;
  d->max_errors = DIAG_DEFAULT_MAX_ERRORS;
  d->truncated = 0;
}

void diag_free(Diag *d) { buf_free(&d->out); }

int diag_error_count(const Diag *d) { return d->errors; }

static void source_index_lines(Source *s) {
  if (s->line_starts) return;
  uint32_t n = 1;
  for (uint32_t i = 0; i < s->len; i++)
    if (s->text[i] == '\n') n++;
  s->line_starts = xmalloc(sizeof(uint32_t) * n);
  s->line_starts[0] = 0;
  uint32_t k = 1;
  for (uint32_t i = 0; i < s->len; i++)
    if (s->text[i] == '\n') s->line_starts[k++] = i + 1;
  s->nlines = n;
}

void source_free(Source *s) {
  free(s->line_starts);
  s->line_starts = NULL;
  s->nlines = 0;
}

void source_line_col(Source *s, uint32_t off, uint32_t *line, uint32_t *col) {
  source_index_lines(s);
  uint32_t lo = 0, hi = s->nlines; /* last line start <= off */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (s->line_starts[mid] <= off) lo = mid;
    else hi = mid;
  }
  *line = lo + 1;
  *col = off - s->line_starts[lo] + 1;
}

static const char *level_name(DiagLevel l) {
  switch (l) {
  case DIAG_ERROR: return "error";
  case DIAG_WARNING: return "warning";
  case DIAG_NOTE: return "note";
  }
  return "error";
}

/* Length of the valid UTF-8 sequence at p (at most len bytes), or 1. */
static uint32_t utf8_sequence(const char *p, uint32_t len) {
  unsigned char c = (unsigned char)p[0];
  uint32_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 1;
  if (n > len) return 1;
  for (uint32_t k = 1; k < n; k++)
    if (((unsigned char)p[k] & 0xC0) != 0x80) return 1;
  return n;
}

/* The source line under a diagnostic, with the caret line. Very long lines
 * (minified or generated input) are cut around the caret so one diagnostic
 * stays one screen. */
static void render_snippet(Buf *out, Source *s, Span at, uint32_t line) {
  uint32_t start = s->line_starts[line - 1];
  uint32_t end = start;
  while (end < s->len && s->text[end] != '\n') end++;
  if (end > start && s->text[end - 1] == '\r') end--;
  uint32_t from = start, to = end;
  if (to - from > DIAG_MAX_SHOWN_LINE) {
    from = at.off > start + DIAG_MAX_SHOWN_LINE / 2 ? at.off - DIAG_MAX_SHOWN_LINE / 2 : start;
    to = from + DIAG_MAX_SHOWN_LINE < end ? from + DIAG_MAX_SHOWN_LINE : end;
  }
  /* the line as a terminal shows it: a UTF-8 character is one column, a
   * byte that is not UTF-8 is shown as '?', a control byte as a space */
  char *col_of = xmalloc(to - from + 1); /* 1 where a byte starts a column */
  for (uint32_t i = from; i < to;) {
    unsigned char c = (unsigned char)s->text[i];
    uint32_t n = utf8_sequence(s->text + i, to - i);
    memset(col_of + (i - from), 0, n);
    col_of[i - from] = 1;
    if (n > 1) buf_append(out, s->text + i, n);
    else buf_putc(out, c == '\t' ? '\t' : c < 32 || c == 127 ? ' ' : c > 127 ? '?' : (char)c);
    i += n;
  }
  buf_putc(out, '\n');
  for (uint32_t i = from; i < at.off && i < to; i++)
    if (col_of[i - from]) buf_putc(out, s->text[i] == '\t' ? '\t' : ' ');
  buf_putc(out, '^');
  uint32_t span_end = at.off + at.len;
  for (uint32_t i = at.off + 1; i < span_end && i < to; i++)
    if (col_of[i - from]) buf_putc(out, '~');
  buf_putc(out, '\n');
  free(col_of);
}

static void diag_emit(Diag *d, DiagLevel level, Span at, const char *fmt, va_list ap) {
  int promoted = level == DIAG_WARNING && d->warnings_are_errors;
  if (promoted) level = DIAG_ERROR;
  if (level == DIAG_ERROR) d->errors++;
  if (level == DIAG_WARNING) d->warnings++;
  if (d->truncated) return;
  if (level == DIAG_ERROR && d->max_errors && d->errors > d->max_errors) {
    buf_printf(&d->out, "%s: fatal error: too many errors emitted, stopping now\n", d->src->name);
    d->truncated = 1;
    return;
  }
  Source *s = (Source *)d->src;
  if (at.off > s->len) at.off = s->len;
  uint32_t line, col;
  source_line_col(s, at.off, &line, &col);
  buf_printf(&d->out, "%s:%u:%u: %s: ", s->name, line, col, level_name(level));
  buf_vprintf(&d->out, fmt, ap);
  buf_puts(&d->out, promoted ? " [-Werror]\n" : "\n");
  render_snippet(&d->out, s, at, line);
}

#define DIAG_VARIANT(fn, level)                                                                                        \
  void fn(Diag *d, Span at, const char *fmt, ...) {                                                                    \
    va_list ap;                                                                                                        \
    va_start(ap, fmt);                                                                                                 \
    diag_emit(d, level, at, fmt, ap);                                                                                  \
    va_end(ap);                                                                                                        \
  }
DIAG_VARIANT(diag_error, DIAG_ERROR)
DIAG_VARIANT(diag_warning, DIAG_WARNING)
DIAG_VARIANT(diag_note, DIAG_NOTE)

void diag_file_error(Diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  d->errors++;
  buf_printf(&d->out, "%s: error: ", d->src->name);
  buf_vprintf(&d->out, fmt, ap);
  buf_putc(&d->out, '\n');
  va_end(ap);
}
