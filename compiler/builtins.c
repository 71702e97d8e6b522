/* builtins.c — the built-in function table. */
#include "builtins.h"

#include <string.h>

#include "expr.h"
#include "util.h"

static const Builtin builtins[] = {
#define B(name, arity, op, summary) {name, arity, op, summary},
#include "builtins.def"
};

const Builtin *builtin_lookup(const char *name) {
  for (size_t i = 0; i < countof(builtins); i++)
    if (strcmp(builtins[i].name, name) == 0) return &builtins[i];
  return NULL;
}

const Builtin *builtin_at(int i) { return i >= 0 && (size_t)i < countof(builtins) ? &builtins[i] : NULL; }

int builtin_index(const Builtin *b) { return (int)(b - builtins); }
