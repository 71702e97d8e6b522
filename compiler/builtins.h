/* builtins.h — lookup in the table of built-in functions (builtins.def). */
#ifndef PDC_BUILTINS_H
#define PDC_BUILTINS_H

typedef struct Builtin {
  const char *name;
  int arity;
  int op; /* ExprOp */
  const char *summary;
} Builtin;

const Builtin *builtin_lookup(const char *name); /* NULL if not a built-in */
const Builtin *builtin_at(int i);                /* NULL past the end */
int builtin_index(const Builtin *b);

#endif
