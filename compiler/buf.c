/* buf.c — growable text buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(Buf *b) {
  b->data = NULL;
  b->len = b->cap = 0;
}

void buf_free(Buf *b) {
  free(b->data);
  buf_init(b);
}

static void buf_reserve(Buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void buf_append(Buf *b, const char *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_append(b, s, strlen(s)); }
void buf_putc(Buf *b, char c) { buf_append(b, &c, 1); }

void buf_vprintf(Buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return;
  buf_reserve(b, (size_t)n);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

const char *buf_cstr(Buf *b) { return b->data ? b->data : ""; }

char *buf_take(Buf *b) {
  char *s = b->data;
  if (!s) {
    s = xmalloc(1);
    s[0] = '\0';
  }
  buf_init(b);
  return s;
}

void buf_put_double(Buf *b, double v) {
  if (v != v) {
    buf_puts(b, "nan");
    return;
  }
  if (v == 1.0 / 0.0 || v == -1.0 / 0.0) {
    buf_puts(b, v > 0 ? "inf" : "-inf");
    return;
  }
  char tmp[48];
  int prec = 1;
  for (; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (strtod(tmp, NULL) == v) break;
  }
  /* Plain decimals read better than exponents for everyday magnitudes:
   * 100, not 1e+02; 0.0001, not 1e-04. */
  double a = v < 0 ? -v : v;
  if (strchr(tmp, 'e') && a >= 1e-5 && a < 1e16) {
    for (int dec = 0; dec <= 22; dec++) {
      snprintf(tmp, sizeof tmp, "%.*f", dec, v);
      if (strtod(tmp, NULL) == v) break;
    }
  }
  buf_puts(b, tmp);
}
