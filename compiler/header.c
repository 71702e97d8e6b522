/* header.c — generated C header text. */
#include "header.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c_names.h"
#include "print.h"
#include "symbols.h"
#include "util.h"

enum { HEADER_FORMULA_MAX_NODES = 60, HEADER_FORMULA_MAX_CHARS = 160 };

/* How a function's parameters are spelled in the header: the sizes first,
 * then the parameters (the C signature's order). */
typedef struct Spelling {
  char **names; /* one per C parameter */
  const char **types;
  int n;
} Spelling;

/* Whether a parameter spelled s would clash in the header: a name C or C++
 * gives a meaning to, the include guard, an output parameter of the
 * prototypes (grad, H; n and out in batch ones), or another parameter. */
/* The name of C parameter i: a size, then the parameters. */
static const char *c_param_name(const LFunc *f, int i) {
  return i < f->nsizes ? f->sizes[i] : f->params[i - f->nsizes];
}

static int spelling_clashes(const char *s, const LFunc *f, const Spelling *sp, int upto, int batch, const char *guard) {
  if (c_name_is_taken(s) || strcmp(s, guard) == 0 || strcmp(s, "grad") == 0 || strcmp(s, "H") == 0) return 1;
  if (batch && (strcmp(s, "n") == 0 || strcmp(s, "out") == 0)) return 1;
  for (int i = 0; i < upto; i++)
    if (strcmp(sp->names[i], s) == 0) return 1;
  for (int i = upto + 1; i < sp->n; i++) /* the others keep their names where they can */
    if (strcmp(c_param_name(f, i), s) == 0) return 1;
  return 0;
}

/* The parameter names, with trailing underscores where a name would clash;
 * only the header sees them, the symbols are unchanged. */
static Spelling spell_params(const LFunc *f, int batch, const char *guard, const char *real, const char *array) {
  int n = f->nsizes + f->nparams;
  Spelling sp = {xmalloc(sizeof(char *) * (size_t)(n ? n : 1)), xmalloc(sizeof(char *) * (size_t)(n ? n : 1)), n};
  for (int i = 0; i < n; i++) {
    const char *name = c_param_name(f, i);
    Buf b;
    buf_init(&b);
    if (name[0] == '_') buf_putc(&b, 'p'); /* _X and __x stay reserved whatever follows */
    buf_puts(&b, name);
    while (spelling_clashes(buf_cstr(&b), f, &sp, i, batch, guard)) buf_putc(&b, '_');
    sp.names[i] = buf_take(&b);
    sp.types[i] = i < f->nsizes ? "size_t " : f->ndims[i - f->nsizes] ? array : real;
  }
  return sp;
}

static void spelling_free(Spelling *sp) {
  for (int i = 0; i < sp->n; i++) free(sp->names[i]);
  free(sp->names);
  free(sp->types);
}

static void put_params(Buf *out, const Spelling *sp, const char *real, const char *extra) {
  (void)real;
  buf_putc(out, '(');
  for (int i = 0; i < sp->n; i++) buf_printf(out, "%s%s%s", i ? ", " : "", sp->types[i], sp->names[i]);
  if (extra) buf_printf(out, "%s%s", sp->n ? ", " : "", extra);
  if (!sp->n && !extra) buf_puts(out, "void");
  buf_putc(out, ')');
}

/* The formula in a comment, or a pointer to --emit=deriv when it is big. */
static void put_formula(Buf *out, ExprCtx *cx, const LFunc *f, Expr *e) {
  double size = print_tree_size(cx, e);
  if (size <= HEADER_FORMULA_MAX_NODES) {
    Printer p;
    printer_init(&p, cx, f->params);
    printer_arrays(&p, f->sizes, f->nsizes, f->nparams);
    Buf tmp;
    buf_init(&tmp);
    printer_expr(&p, &tmp, e);
    printer_free(&p);
    if (tmp.len <= HEADER_FORMULA_MAX_CHARS) {
      for (size_t i = 0; i < tmp.len; i++) {
        buf_putc(out, tmp.data[i]);
        if (tmp.data[i] == '*' && i + 1 < tmp.len && tmp.data[i + 1] == '/') buf_putc(out, ' ');
      }
      buf_free(&tmp);
      return;
    }
    buf_free(&tmp);
  }
  buf_puts(out, "(a long formula; pdc --emit=deriv prints it)");
}

static void put_call(Buf *out, const char *prefix, const LFunc *f) {
  buf_printf(out, "%s%s(", prefix, f->name);
  for (int i = 0; i < f->nsizes + f->nparams; i++) buf_printf(out, "%s%s", i ? ", " : "", c_param_name(f, i));
  buf_putc(out, ')');
}

/* The number of entries of wrt variable j, as C would write it: 1, n, m*n. */
static void put_wrt_length(Buf *out, const LFunc *f, int j) {
  int p = f->wrt[j];
  if (!f->ndims[p]) {
    buf_puts(out, "1");
    return;
  }
  for (int k = 0; k < f->ndims[p]; k++) {
    if (k) buf_putc(out, '*');
    lfunc_put_extent(out, f, p, k);
  }
}

/* Where each wrt variable's entries start in grad: "grad[0] = df/da,
 * grad[1 .. 1 + n-1] = df/dx (n entries)" in words a C programmer reads. */
static void put_grad_layout(Buf *out, const LFunc *f) {
  Buf at;
  buf_init(&at);
  long long fixed = 0;
  for (int j = 0; j < f->nwrt; j++) {
    const char *v = f->params[f->wrt[j]];
    Buf start;
    buf_init(&start);
    if (at.len) buf_puts(&start, buf_cstr(&at));
    if (fixed || !at.len) buf_printf(&start, "%s%lld", at.len ? " + " : "", fixed);
    if (!f->ndims[f->wrt[j]]) {
      buf_printf(out, "%s grad[%s] = d%s/d%s", j ? "," : "", buf_cstr(&start), f->name, v);
      fixed++;
    } else {
      buf_printf(out, "%s grad[%s ...] = d%s/d%s (", j ? "," : "", buf_cstr(&start), f->name, v);
      put_wrt_length(out, f, j);
      buf_puts(out, f->ndims[f->wrt[j]] == 2 ? " entries, row-major)" : " entries)");
      Buf len;
      buf_init(&len);
      put_wrt_length(&len, f, j);
      const char *l = buf_cstr(&len);
      if (l[0] >= '0' && l[0] <= '9' && !strchr(l, '*')) fixed += atoll(l);
      else buf_printf(&at, "%s%s", at.len ? " + " : "", l);
      buf_free(&len);
    }
    buf_free(&start);
  }
  buf_free(&at);
}

/* (size_t n, const double *restrict p1, ..., double *restrict out[, grad]) */
static void put_batch_params(Buf *out, const Spelling *sp, const char *real, int with_grad) {
  buf_puts(out, "(size_t n");
  for (int i = 0; i < sp->n; i++) buf_printf(out, ", const %s *PDC_RESTRICT %s", real, sp->names[i]);
  buf_printf(out, ", %s *PDC_RESTRICT out", real);
  if (with_grad) buf_printf(out, ", %s *PDC_RESTRICT grad", real);
  buf_putc(out, ')');
}

static void write_batch(Buf *out, const LFunc *f, const Spelling *sp, const char *prefix, const char *real) {
  const char *n = f->name;
  buf_printf(out, "/* %s at n points: out[i] = %s", n, prefix);
  put_call(out, "", f);
  buf_puts(out, " with each parameter read from its array at i. */\nvoid ");
  symbol_name(out, prefix, n, SYM_BATCH, NULL);
  put_batch_params(out, sp, real, 0);
  buf_puts(out, ";\n");
  buf_printf(out, "/* %s and its gradient at n points: out[i] as ", n);
  symbol_name(out, prefix, n, SYM_BATCH, NULL);
  if (f->nwrt) {
    buf_puts(out, ", grad[j*n + i] = the partial by");
    for (int j = 0; j < f->nwrt; j++) buf_printf(out, "%s %s (j = %d)", j ? "," : "", f->params[f->wrt[j]], j);
  }
  buf_puts(out, ". */\nvoid ");
  symbol_name(out, prefix, n, SYM_GRAD_BATCH, NULL);
  put_batch_params(out, sp, real, 1);
  buf_puts(out, ";\n");
}

static void write_function(Buf *out, const LFunc *f, ExprCtx *cx, const HeaderOptions *opts, const char *guard) {
  const char *n = f->name, *prefix = opts->prefix, *real = opts->f32 ? "float" : "double";
  Spelling sp = spell_params(f, opts->batch, guard, opts->f32 ? "float " : "double ",
                             opts->f32 ? "const float *" : "const double *");
  buf_puts(out, "/* ");
  put_call(out, prefix, f);
  buf_puts(out, " = ");
  put_formula(out, cx, f, f->value);
  buf_printf(out, " */\n%s ", real);
  symbol_name(out, prefix, n, SYM_VALUE, NULL);
  put_params(out, &sp, real, NULL);
  buf_puts(out, ";\n");
  for (int j = 0; j < f->nwrt; j++) {
    const char *v = f->params[f->wrt[j]];
    if (!f->partials[j]) continue; /* an array: in the gradient only */
    buf_printf(out, "/* d%s/d%s = ", n, v);
    put_formula(out, cx, f, f->partials[j]);
    buf_printf(out, " */\n%s ", real);
    symbol_name(out, prefix, n, SYM_PARTIAL, v);
    put_params(out, &sp, real, NULL);
    buf_puts(out, ";\n");
  }
  buf_printf(out, "/* Returns %s", prefix);
  put_call(out, "", f);
  if (f->nwrt && f->has_arrays) {
    buf_puts(out, " and writes its gradient to grad:");
    put_grad_layout(out, f);
  } else if (f->nwrt) {
    buf_printf(out, " and writes its gradient to grad[0..%d]:", f->nwrt - 1);
    for (int j = 0; j < f->nwrt; j++)
      buf_printf(out, "%s grad[%d] = d%s/d%s", j ? "," : "", j, n, f->params[f->wrt[j]]);
  } else {
    buf_puts(out, "; it has no wrt variables, so grad is not written (it may be NULL)");
  }
  buf_printf(out, ". */\n%s ", real);
  symbol_name(out, prefix, n, SYM_GRAD, NULL);
  char extra[16];
  snprintf(extra, sizeof extra, "%s *grad", real);
  put_params(out, &sp, real, extra);
  buf_puts(out, ";\n");
  if (f->hessian) {
    int k = f->nwrt;
    buf_printf(out, "/* Writes the %dx%d Hessian, row-major: H[i*%d + j] = d2%s/(d wi d wj) for wi, wj in (", k, k, k,
               n);
    for (int j = 0; j < k; j++) buf_printf(out, "%s%s", j ? ", " : "", f->params[f->wrt[j]]);
    buf_puts(out, "). */\nvoid ");
    symbol_name(out, prefix, n, SYM_HESS, NULL);
    snprintf(extra, sizeof extra, "%s *H", real);
    put_params(out, &sp, real, extra);
    buf_puts(out, ";\n");
  }
  if (opts->batch && !f->has_arrays) write_batch(out, f, &sp, prefix, real);
  buf_putc(out, '\n');
  spelling_free(&sp);
}

/* Whether the include guard (a macro) is spelled like a symbol the header
 * declares (f, f_d<v>, f_grad, f_hess, f_batch, f_grad_batch): the
 * declaration would lose its name. */
static int guard_clashes(const char *guard, const Program *prog, const HeaderOptions *opts) {
  size_t plen = strlen(opts->prefix);
  if (strncmp(guard, opts->prefix, plen) != 0) return 0;
  for (int i = 0; i < prog->nfuncs; i++) {
    const LFunc *f = &prog->funcs[i];
    size_t n = strlen(f->name);
    const char *rest = guard + plen + n;
    if (strncmp(guard + plen, f->name, n) != 0) continue;
    if (!*rest) return 1;
    if (*rest++ != '_') continue;
    if (!strcmp(rest, "grad") || !strcmp(rest, "hess") || !strcmp(rest, "batch") || !strcmp(rest, "grad_batch"))
      return 1;
    for (int j = 0; j < f->nwrt && rest[0] == 'd'; j++)
      if (!strcmp(rest + 1, f->params[f->wrt[j]])) return 1;
  }
  return 0;
}

void header_write(Buf *out, const Program *prog, ExprCtx *cx, const HeaderOptions *opts) {
  Buf guard;
  buf_init(&guard);
  if (isdigit((unsigned char)opts->guard_stem[0])) buf_puts(&guard, "PD_");
  for (const char *s = opts->guard_stem; *s; s++)
    buf_putc(&guard, isalnum((unsigned char)*s) ? (char)toupper((unsigned char)*s) : '_');
  buf_puts(&guard, "_H");
  while (guard_clashes(buf_cstr(&guard), prog, opts)) buf_putc(&guard, '_');
  const char *g = buf_cstr(&guard);
  buf_printf(out,
             "/* Generated by pdc from %s. Do not edit.\n"
             " *\n"
             " * Each function, its partial derivatives and its fused gradient, as\n"
             " * native code. The generated code is reentrant: it keeps no global state,\n"
             " * allocates nothing and depends on nothing but libm, so any function may\n"
             " * be called from several threads at once. Link with -lm. */\n"
             "#ifndef %s\n#define %s\n\n",
             opts->source, g, g);
  int arrays = 0;
  for (int i = 0; i < prog->nfuncs; i++) arrays |= prog->funcs[i].has_arrays;
  if (arrays)
    buf_puts(out, "/* Array parameters come after their sizes (size_t), as const pointers to\n"
                  " * their elements, two-dimensional ones row-major. Any size may be 0; a\n"
                  " * pointer need only be valid when its array has elements. grad must not\n"
                  " * overlap an input. */\n"
                  "#include <stddef.h>\n\n");
  if (opts->batch)
    buf_puts(out, "/* The batch functions take structure-of-arrays inputs of n values each, any n,\n"
                  " * any alignment (element-aligned is enough; 64 is faster). No output may\n"
                  " * overlap another array (restrict). A call on a part of the arrays computes\n"
                  " * that part only, so threads may share a batch by ranges of i. A call that\n"
                  " * writes 4 MiB or more, with out and the rows of grad at one offset in a\n"
                  " * 64-byte line, may store past the cache (non-temporal; same results). */\n"
                  "#include <stddef.h>\n"
                  "#ifndef PDC_RESTRICT\n"
                  "#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L && !defined(__cplusplus)\n"
                  "#define PDC_RESTRICT restrict\n"
                  "#elif defined(__GNUC__) || defined(_MSC_VER)\n"
                  "#define PDC_RESTRICT __restrict /* C89 and C++ have no restrict */\n"
                  "#else\n#define PDC_RESTRICT\n#endif\n#endif\n\n");
  buf_puts(out, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  for (int i = 0; i < prog->nfuncs; i++) write_function(out, &prog->funcs[i], cx, opts, g);
  buf_printf(out, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", g);
  buf_free(&guard);
}
