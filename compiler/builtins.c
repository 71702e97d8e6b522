/* builtins.c — built-in functions, read off the operation table. */
#include "builtins.h"

#include <string.h>

#include "expr.h"

int builtin_lookup(const char *name) {
  for (int op = 0; op < EX_NUM_OPS; op++)
    if ((ex_op_flags((ExprOp)op) & OPF_CALL) && strcmp(ex_op_name((ExprOp)op), name) == 0) return op;
  return -1;
}
