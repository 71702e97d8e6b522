/* driver.c — pdc's compilation of one file, phase by phase. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "emit.h"
#include "expr.h"
#include "header.h"
#include "input_limits.h"
#include "lexer.h"
#include "listing.h"
#include "lower.h"
#include "output.h"
#include "parser.h"
#include "sema.h"
#include "source_file.h"

typedef struct Output {
  unsigned kind;
  const char *ext;
  Buf data;
} Output;

static int read_input(const char *path, char **text, size_t *len, char **err) {
  return source_file_read(path, text, len, err);
}

/* "dir/seed.pd" -> "seed" */
static char *file_stem(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  char *s = xmalloc(n + 1);
  memcpy(s, base, n);
  s[n] = '\0';
  return s;
}

static const char *const known_exts[] = {".o", ".s", ".ll", ".bc", ".h", ".txt", ".deriv"};

/* With several outputs, -o x.o names them x.o, x.h, ...: the stem of -o,
 * without one of our extensions, plus each output's extension. */
static char *output_path(const PdcOptions *o, const char *input, const Output *out, int noutputs) {
  Buf b;
  buf_init(&b);
  /* the derivative listing is for reading: standard output, unless it is
   * the only output and -o names a file for it */
  if (out->kind == EMIT_DERIV && !(o->output && noutputs == 1)) {
    buf_puts(&b, "-");
    return buf_take(&b);
  }
  if (o->output && noutputs == 1) {
    buf_puts(&b, o->output);
  } else if (o->output) {
    if (strcmp(o->output, "-") == 0) {
      buf_puts(&b, "-");
    } else {
      size_t n = strlen(o->output);
      const char *dot = strrchr(o->output, '.');
      const char *slash = strrchr(o->output, '/');
      if (dot && (!slash || dot > slash)) {
        for (size_t i = 0; i < countof(known_exts); i++)
          if (strcmp(dot, known_exts[i]) == 0) n = (size_t)(dot - o->output);
      }
      buf_append(&b, o->output, n);
      buf_puts(&b, out->ext);
    }
  } else if (strcmp(input, "-") == 0 || out->kind == EMIT_DERIV) {
    buf_puts(&b, "-");
  } else {
    char *stem = file_stem(input);
    buf_printf(&b, "%s%s", stem, out->ext);
    free(stem);
  }
  return buf_take(&b);
}

static void flush_diagnostics(Diag *d) {
  if (d->out.len) fwrite(d->out.data, 1, d->out.len, stderr);
  d->out.len = 0;
}

static void dump_tokens(Buf *out, const TokenList *t, const Source *src) {
  for (size_t i = 0; i < t->count; i++) {
    const Token *k = &t->tok[i];
    uint32_t line, col;
    source_line_col((Source *)src, k->span.off, &line, &col);
    buf_printf(out, "%u:%u %s", line, col, lex_token_name(k->kind));
    if (k->kind == TK_NAME) buf_printf(out, " %s", k->name);
    if (k->kind == TK_NUM) {
      buf_putc(out, ' ');
      buf_put_double(out, k->num);
    }
    buf_putc(out, '\n');
  }
}

static void dump_dag(Buf *out, const Program *prog, ExprCtx *cx) {
  for (int i = 0; i < prog->nfuncs; i++) {
    const LFunc *f = &prog->funcs[i];
    int n = 1 + f->nwrt;
    Expr **roots = xmalloc(sizeof(Expr *) * (size_t)n);
    const char **names = xmalloc(sizeof(char *) * (size_t)n);
    Buf nb;
    buf_init(&nb);
    roots[0] = f->value;
    names[0] = f->name;
    for (int j = 0; j < f->nwrt; j++) {
      roots[j + 1] = f->partials[j];
      buf_printf(&nb, "d%s/d%s", f->name, f->params[f->wrt[j]]);
      buf_putc(&nb, '\0');
    }
    const char *p = nb.data;
    for (int j = 0; j < f->nwrt; j++, p += strlen(p) + 1) names[j + 1] = p;
    buf_printf(out, "fn %s\n", f->name);
    ex_dump(out, cx, roots, names, (size_t)n, f->params);
    buf_free(&nb);
    free(names);
    free(roots);
  }
}

/* Object code, assembly, IR and bitcode, whichever were asked for. */
static int generate_code(const PdcOptions *o, const Program *prog, ExprCtx *cx, const char *module_name, Output *outs,
                         int nouts) {
  EmitRequest req = {.triple = o->target,
                     .cpu = o->cpu,
                     .opt_level = o->opt_level,
                     .prefix = o->prefix,
                     .fast_math = o->fast_math,
                     .fp_contract = o->fp_contract,
                     .batch = o->batch,
                     .veclib_libmvec = o->veclib_libmvec,
                     .f32 = o->f32,
                     .module_name = module_name};
  static const struct {
    unsigned kind;
    EmitFormat fmt;
  } formats[] = {
      {EMIT_LLVM, EMIT_FMT_LLVM}, {EMIT_BC, EMIT_FMT_BC}, {EMIT_ASM, EMIT_FMT_ASM}, {EMIT_OBJ, EMIT_FMT_OBJ}};
  for (int i = 0; i < nouts; i++)
    for (size_t k = 0; k < countof(formats); k++)
      if (outs[i].kind == formats[k].kind) req.out[formats[k].fmt] = &outs[i].data;
  char *err = NULL;
  int rc = emit_program(prog, cx, &req, &err);
  if (rc != PDC_EXIT_OK) fprintf(stderr, "pdc: %s%s\n", rc == PDC_EXIT_INTERNAL ? "" : "error: ", err);
  free(err);
  return rc;
}

static int write_outputs(const PdcOptions *o, const char *input, Output *outs, int nouts) {
  for (int i = 0; i < nouts; i++) {
    char *path = output_path(o, input, &outs[i], nouts);
    char *err = NULL;
    int binary = outs[i].kind == EMIT_OBJ || outs[i].kind == EMIT_BC;
    if (binary && strcmp(path, "-") == 0 && isatty(fileno(stdout))) {
      fprintf(stderr, "pdc: error: not writing binary output to a terminal; use -o FILE\n");
      free(path);
      return PDC_EXIT_USAGE;
    }
    int ok = output_write(path, outs[i].data.data ? outs[i].data.data : "", outs[i].data.len, &err);
    free(path);
    if (!ok) {
      fprintf(stderr, "pdc: error: %s\n", err);
      free(err);
      return PDC_EXIT_INPUT;
    }
  }
  return PDC_EXIT_OK;
}

static int compile_file(const PdcOptions *o, const char *input) {
  char *text = NULL, *err = NULL;
  size_t len = 0;
  if (!read_input(input, &text, &len, &err)) {
    fprintf(stderr, "pdc: error: %s\n", err);
    free(err);
    return PDC_EXIT_INPUT;
  }
  Source src = {strcmp(input, "-") == 0 ? "<stdin>" : input, text, (uint32_t)len, NULL, 0};
  Diag d;
  diag_init(&d, &src);
  d.warnings_are_errors = o->werror;
  Arena arena;
  arena_init(&arena);
  ExprCtx cx;
  ex_ctx_init(&cx, &arena);
  cx.fast_math = o->fast_math;
  int rc = PDC_EXIT_INPUT;
  Buf dump;
  buf_init(&dump);
  Output outs[6];
  int nouts = 0;

  /* --dump=K prints the form after phase K and stops there */
  TokenList toks = lex_source(&src, &arena, &d);
  if (o->dump & DUMP_TOKENS) {
    dump_tokens(&dump, &toks, &src);
    rc = diag_error_count(&d) ? PDC_EXIT_INPUT : PDC_EXIT_OK;
    goto done;
  }
  AstFile file = parse_file(&toks, &src, &arena, &d);
  if (diag_error_count(&d)) goto done;
  if (o->dump & DUMP_AST) {
    ast_dump_file(&dump, &file);
    rc = PDC_EXIT_OK;
    goto done;
  }
  SemaOptions so = {o->prefix, o->batch};
  if (sema_check(&file, &so, &arena, &d)) goto done;
  Program prog = lower_file(&file, &cx, &arena, &d);
  if (diag_error_count(&d)) goto done;
  if (o->dump & DUMP_DAG) {
    dump_dag(&dump, &prog, &cx);
    rc = PDC_EXIT_OK;
    goto done;
  }

  static const struct {
    unsigned kind;
    const char *ext;
  } kinds[] = {{EMIT_DERIV, ".txt"}, {EMIT_HEADER, ".h"}, {EMIT_LLVM, ".ll"},
               {EMIT_BC, ".bc"},     {EMIT_ASM, ".s"},    {EMIT_OBJ, ".o"}};
  unsigned emit = o->emit ? o->emit : EMIT_OBJ;
  for (size_t k = 0; k < countof(kinds); k++) {
    if (!(emit & kinds[k].kind)) continue;
    outs[nouts].kind = kinds[k].kind;
    outs[nouts].ext = kinds[k].ext;
    buf_init(&outs[nouts].data);
    nouts++;
  }
  char *stem = file_stem(strcmp(input, "-") == 0 ? (o->output && strcmp(o->output, "-") ? o->output : "stdin") : input);
  char *base = strrchr(input, '/') ? strrchr(input, '/') + 1 : (char *)input;
  for (int i = 0; i < nouts; i++) {
    if (outs[i].kind == EMIT_DERIV) listing_write(&outs[i].data, &prog, &cx);
    if (outs[i].kind == EMIT_HEADER) {
      char *guard = o->output && strcmp(o->output, "-") ? file_stem(o->output) : NULL;
      HeaderOptions ho = {guard ? guard : stem, strcmp(input, "-") == 0 ? "<stdin>" : base, o->prefix, o->batch,
                          o->f32};
      header_write(&outs[i].data, &prog, &cx, &ho);
      free(guard);
    }
  }
  rc = PDC_EXIT_OK;
  if (emit & (EMIT_OBJ | EMIT_ASM | EMIT_LLVM | EMIT_BC))
    rc = generate_code(o, &prog, &cx, strcmp(input, "-") == 0 ? "<stdin>" : base, outs, nouts);
  free(stem);
  if (rc == PDC_EXIT_OK) rc = write_outputs(o, input, outs, nouts);

done:
  flush_diagnostics(&d);
  if (dump.len) fwrite(dump.data, 1, dump.len, stdout);
  for (int i = 0; i < nouts; i++) buf_free(&outs[i].data);
  buf_free(&dump);
  free(toks.tok);
  ex_ctx_free(&cx);
  arena_free_all(&arena);
  diag_free(&d);
  source_free(&src);
  free(text);
  return rc;
}

int driver_run(const PdcOptions *o) {
  int worst = PDC_EXIT_OK;
  for (int i = 0; i < o->ninputs; i++) {
    int rc = compile_file(o, o->inputs[i]);
    if (rc > worst) worst = rc;
  }
  fflush(stdout);
  return worst;
}
