/* frontend.c — lex, parse, sema, lower (with differentiation). */
#include "frontend.h"

#include <stdlib.h>
#include <string.h>

#include "input_limits.h"
#include "parser.h"
#include "sema.h"

int frontend_run(Frontend *fe, const char *name, const char *text, size_t len, const FrontendOptions *opts) {
  memset(fe, 0, sizeof *fe);
  fe->src = (Source){name, text, (uint32_t)len, NULL, 0};
  diag_init(&fe->diag, &fe->src);
  fe->diag.warnings_are_errors = opts->werror;
  arena_init(&fe->arena);
  ex_ctx_init(&fe->cx, &fe->arena);
  fe->cx.fast_math = opts->fast_math;
  if (len > PDC_MAX_SOURCE_BYTES) {
    diag_file_error(&fe->diag, "file too large: %zu bytes (the limit is %d MiB)", len, PDC_MAX_SOURCE_BYTES >> 20);
    return 0;
  }
  fe->toks = lex_source(&fe->src, &fe->arena, &fe->diag);
  fe->file = parse_file(&fe->toks, &fe->src, &fe->arena, &fe->diag);
  if (diag_error_count(&fe->diag)) return 0;
  SemaOptions so = {opts->prefix ? opts->prefix : "", 0};
  if (sema_check(&fe->file, &so, &fe->arena, &fe->diag)) return 0;
  fe->prog = lower_file(&fe->file, &fe->cx, &fe->arena, &fe->diag);
  return diag_error_count(&fe->diag) == 0;
}

void frontend_free(Frontend *fe) {
  free(fe->toks.tok);
  ex_ctx_free(&fe->cx);
  arena_free_all(&fe->arena);
  diag_free(&fe->diag);
  source_free(&fe->src);
  memset(fe, 0, sizeof *fe);
}
