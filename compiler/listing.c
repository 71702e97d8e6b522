/* listing.c — --emit=deriv. Shared subexpressions of a large function are
 * named (t1, t2, ...) and listed first; see print.h. */
#include "listing.h"

#include <stdlib.h>

#include "print.h"

/* The loops that gather an array's gradient, one line per contribution:
 *   df/dx[i + 1] += 200*(x[i + 1] - x[i]^2)   for i = 0..n - 2 */
static void write_grad_loop(Buf *out, Printer *p, const LFunc *f, const GradLoop *g, Buf *ranges) {
  size_t saved = ranges->len;
  if (g->over) {
    buf_printf(ranges, "%s%s = ", saved ? ", " : "", printer_level_name(p, g->over->k));
    printer_form(p, ranges, g->over->ix[0]);
    buf_puts(ranges, "..");
    printer_form(p, ranges, g->over->ix[1]);
  }
  for (int i = 0; i < g->nstores; i++) {
    const GradStore *s = &g->stores[i];
    buf_printf(out, "d%s/d%s[", f->name, f->params[s->param]);
    printer_form(p, out, s->ix[0]);
    if (s->ix[1]) {
      buf_puts(out, ", ");
      printer_form(p, out, s->ix[1]);
    }
    buf_puts(out, "] += ");
    printer_expr(p, out, s->value);
    if (ranges->len) buf_printf(out, "   for %s", buf_cstr(ranges));
    buf_putc(out, '\n');
  }
  for (int i = 0; i < g->nloops; i++) write_grad_loop(out, p, f, g->loops[i], ranges);
  ranges->len = saved;
}

static void write_params(Buf *out, const LFunc *f) {
  for (int i = 0; i < f->nparams; i++) {
    buf_printf(out, "%s%s", i ? ", " : "", f->params[i]);
    for (int k = 0; k < f->ndims[i]; k++) {
      buf_puts(out, k ? ", " : "[");
      lfunc_put_extent(out, f, i, k);
    }
    if (f->ndims[i]) buf_putc(out, ']');
  }
}

static void write_function(Buf *out, const LFunc *f, ExprCtx *cx) {
  int k = f->nwrt;
  size_t nroots;
  Expr **roots = lfunc_roots(f, &nroots);
  Printer p;
  printer_init(&p, cx, f->params);
  printer_arrays(&p, f->sizes, f->nsizes, f->nparams);
  printer_plan(&p, roots, nroots, out);
  buf_printf(out, "%s(", f->name);
  write_params(out, f);
  buf_puts(out, ") = ");
  printer_expr(&p, out, f->value);
  buf_putc(out, '\n');
  for (int j = 0; j < k; j++) {
    if (!f->partials[j]) continue; /* an array: its loops follow */
    buf_printf(out, "d%s/d%s = ", f->name, f->params[f->wrt[j]]);
    printer_expr(&p, out, f->partials[j]);
    buf_putc(out, '\n');
  }
  if (f->grad_loops) {
    Buf ranges;
    buf_init(&ranges);
    write_grad_loop(out, &p, f, f->grad_loops, &ranges);
    buf_free(&ranges);
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
