/* ast.h — the syntax tree, as written, with a source span on every node.
 *
 * Chains of one precedence level ("a + b - c", "a * b / c") are one n-ary
 * node (AST_SUM, AST_PROD) rather than a left-deep binary tree, so the depth
 * of the tree is bounded by the nesting the parser accepted (parentheses,
 * unary minus, powers, calls) and recursive walks over the AST cannot
 * overflow the stack on a long polynomial. Lowering turns the chains back
 * into left-associated binary operations, which is what the user wrote.
 *
 * Sema fills in the `ref` of names and calls; nothing else changes the tree
 * after parsing. */
#ifndef PDC_AST_H
#define PDC_AST_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

typedef enum {
  AST_NUM,
  AST_NAME,
  AST_NEG,
  AST_SUM,  /* kids[0] op[1] kids[1] ... with op '+' or '-' */
  AST_PROD, /* kids[0] op[1] kids[1] ... with op '*' or '/' */
  AST_POW,  /* kids[0] ^ kids[1] */
  AST_CALL, /* name(kids...) */
  AST_IF,   /* if kids[0] then kids[1] else kids[2] */
  AST_CMP,  /* kids[0] op kids[1], op a comparison token */
  AST_AND,
  AST_OR,
  AST_NOT,
  AST_INDEX,  /* name[kids...]: an element of an array parameter or let */
  AST_REDUCE, /* sum/prod(binders[k] = kids[2k]..kids[2k+1], ...) kids[last] */
} AstKind;

typedef struct Ast Ast;
typedef struct AstFunc AstFunc;
typedef struct AstConst AstConst;

/* What a name or call refers to, filled by sema. */
typedef enum {
  REF_NONE,
  REF_PARAM, /* index = parameter number */
  REF_LET,   /* index = let number in the function */
  REF_CONST, /* konst */
  REF_PI,
  REF_BUILTIN, /* index = its operation (ExprOp) */
  REF_FUNC,    /* func */
  REF_DERIV,   /* d(expr, var): index = parameter number of var */
  REF_SIZE,    /* index = size number of the function */
  REF_INDEX,   /* an index variable: index = its slot in the function */
} RefKind;

typedef struct AstRef {
  RefKind kind;
  int index;
  AstFunc *func;
  AstConst *konst;
} AstRef;

typedef struct AstName {
  const char *name;
  Span span;
} AstName;

struct Ast {
  AstKind kind;
  Span span;
  double num;       /* AST_NUM */
  const char *name; /* AST_NAME, AST_CALL */
  Span name_span;   /* AST_CALL: the callee's name */
  int nkids;
  Ast **kids;
  int *ops; /* AST_SUM/AST_PROD: TokenKind per kid (ops[0] unused); AST_CMP: ops[0] */
  AstRef ref;
  AstName *binders; /* AST_REDUCE: the index variables, outermost first */
  int nbinders;
  int *slots;  /* AST_REDUCE: sema's slot of each binder */
  int is_prod; /* AST_REDUCE: prod rather than sum */
};

/* One extent of an array parameter: a run-time size (x[n]) or a fixed one
 * (x[3]). */
typedef struct AstDim {
  Span span;
  const char *size; /* NULL for a fixed extent */
  long long fixed;
  int size_index; /* sema: the function's size number */
} AstDim;

enum { AST_MAX_DIMS = 2 };

typedef struct AstShape {
  int ndims; /* 0 for a scalar */
  AstDim dim[AST_MAX_DIMS];
} AstShape;

typedef struct AstLet {
  AstName name;
  Ast *value;
  AstName *idx; /* let h[j] = ...: the element's index variables */
  int nidx;
  int *slots; /* sema: the slot of each */
} AstLet;

struct AstFunc {
  AstName name;
  Span span; /* the whole definition */
  AstName *params;
  AstShape *shapes; /* per parameter; ndims 0 for a scalar */
  int nparams;
  const char **sizes; /* sema: the size variables, in order of first appearance */
  Span *size_spans;
  int nsizes;
  int nslots;   /* sema: index variables (sum binders and let indices) */
  AstName *wrt; /* as written; sema resolves wrt_index */
  int nwrt;
  int has_wrt;    /* a wrt clause was written */
  int *wrt_index; /* sema: parameter index of each wrt variable */
  int hessian;
  Span hessian_span;
  AstLet *lets;
  int nlets;
  Ast *body;
};

struct AstConst {
  AstName name;
  Ast *value;
  int state; /* sema: 0 unvisited, 1 in progress, 2 done */
};

typedef enum { ITEM_FUNC, ITEM_CONST } ItemKind;

typedef struct AstItem {
  ItemKind kind;
  AstFunc *func;
  AstConst *konst;
} AstItem;

typedef struct AstFile {
  AstItem *items;
  int nitems;
  AstConst **const_order; /* sema: every constant after those it uses */
  int nconsts;
} AstFile;

/* s-expression dump of the whole file, for --dump=ast and parser tests. */
void ast_dump_file(Buf *out, const AstFile *f);
void ast_dump_expr(Buf *out, const Ast *e);

#endif
