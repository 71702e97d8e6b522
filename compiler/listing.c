/* listing.c — --emit=deriv. Shared subexpressions of a large function are
 * named (t1, t2, ...) and listed first; see print.h. */
#include "listing.h"

#include <stdlib.h>

#include "print.h"

static void write_function(Buf *out, const LFunc *f, ExprCtx *cx) {
  int k = f->nwrt;
  int nroots = 1 + k + (f->hessian ? k * (k + 1) / 2 : 0);
  Expr **roots = xmalloc(sizeof(Expr *) * (size_t)nroots);
  int r = 0;
  roots[r++] = f->value;
  for (int j = 0; j < k; j++) roots[r++] = f->partials[j];
  if (f->hessian)
    for (int i = 0; i < k; i++)
      for (int j = i; j < k; j++) roots[r++] = f->hess[i * k + j];
  Printer p;
  printer_init(&p, cx, f->params);
  printer_plan(&p, roots, (size_t)nroots, out);
  buf_printf(out, "%s(", f->name);
  for (int i = 0; i < f->nparams; i++) buf_printf(out, "%s%s", i ? ", " : "", f->params[i]);
  buf_puts(out, ") = ");
  printer_expr(&p, out, f->value);
  buf_putc(out, '\n');
  for (int j = 0; j < k; j++) {
    buf_printf(out, "d%s/d%s = ", f->name, f->params[f->wrt[j]]);
    printer_expr(&p, out, f->partials[j]);
    buf_putc(out, '\n');
  }
  if (f->hessian) {
    for (int i = 0; i < k; i++) {
      for (int j = i; j < k; j++) {
        const char *a = f->params[f->wrt[i]], *b = f->params[f->wrt[j]];
        if (i == j) buf_printf(out, "d2%s/d%s2 = ", f->name, a);
        else buf_printf(out, "d2%s/d%sd%s = ", f->name, a, b);
        printer_expr(&p, out, f->hess[i * k + j]);
        buf_putc(out, '\n');
      }
    }
  }
  printer_free(&p);
  free(roots);
}

void listing_write(Buf *out, const Program *prog, ExprCtx *cx) {
  for (int i = 0; i < prog->nfuncs; i++) {
    if (i) buf_putc(out, '\n');
    write_function(out, &prog->funcs[i], cx);
  }
}
