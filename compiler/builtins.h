/* builtins.h — the built-in functions a .pd file may call: the operations
 * ops.def flags OPF_CALL, under their ops.def names. */
#ifndef PDC_BUILTINS_H
#define PDC_BUILTINS_H

/* The operation (ExprOp) the built-in `name` stands for, or -1. */
int builtin_lookup(const char *name);

#endif
