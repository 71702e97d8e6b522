/* header.h — the C header for the generated symbols: include guard,
 * extern "C", one prototype per symbol in wrt order, each commented with
 * the formula it computes. */
#ifndef PDC_HEADER_H
#define PDC_HEADER_H

#include "buf.h"
#include "expr.h"
#include "lower.h"

typedef struct HeaderOptions {
  const char *guard_stem; /* file stem the include guard is made from */
  const char *source;     /* input name, for the banner */
  const char *prefix;
  int batch; /* declare f_batch and f_grad_batch too */
  int f32;   /* float instead of double */
} HeaderOptions;

void header_write(Buf *out, const Program *prog, ExprCtx *cx, const HeaderOptions *opts);

#endif
