/* symbols.c — generated function names (see symbols.h). */
#include "symbols.h"

static const char *const suffixes[] = {
    [SYM_VALUE] = "",     [SYM_PARTIAL] = "_d",   [SYM_GRAD] = "_grad",
    [SYM_HESS] = "_hess", [SYM_BATCH] = "_batch", [SYM_GRAD_BATCH] = "_grad_batch",
};

void symbol_name(Buf *out, const char *prefix, const char *fn, SymbolKind kind, const char *var) {
  buf_printf(out, "%s%s%s%s", prefix ? prefix : "", fn, suffixes[kind], kind == SYM_PARTIAL ? var : "");
}

char *symbol_name_dup(const char *prefix, const char *fn, SymbolKind kind, const char *var) {
  Buf b;
  buf_init(&b);
  symbol_name(&b, prefix, fn, kind, var);
  return buf_take(&b);
}
