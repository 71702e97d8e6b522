/* buf.h — growable byte buffer for text we build before writing it anywhere:
 * diagnostics, headers, derivative listings. Outputs are assembled in memory
 * and only written once the whole compilation has succeeded. */
#ifndef PDC_BUF_H
#define PDC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util.h"

typedef struct Buf {
  char *data; /* always NUL-terminated once anything was appended */
  size_t len, cap;
} Buf;

void buf_init(Buf *b);
void buf_free(Buf *b);
void buf_append(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) PDC_PRINTF(2, 3);
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
const char *buf_cstr(Buf *b); /* "" for an empty buffer */
char *buf_take(Buf *b);       /* malloc'd string; the buffer becomes empty */

/* Appends the shortest decimal text that reads back as exactly v
 * ("2", "0.1", "1e-300", "inf", "nan"). */
void buf_put_double(Buf *b, double v);

#endif
