/* expr.h — the expression DAG: immutable, hash-consed nodes.
 *
 * Every node is interned: building the same operation on the same operands
 * twice returns the same pointer, so structural equality is pointer
 * equality and common subexpressions are shared across a function and all
 * of its derivatives for free. Nodes live in the compilation's arena.
 *
 * The constructors (ex_add, ex_mul, ...) fold constants and apply only the
 * identities that are exact in IEEE-754 double arithmetic for every input,
 * inf, NaN and -0.0 included: x*1, x/1, x-0, x+(-0), -(-x), x^1, x+(-y) =
 * x-y, x*(-1) = -x. Identities that only hold over the reals (x*0 = 0,
 * x-x = 0, x/x = 1, x+0 = x) fire only when the context is in fast-math
 * mode. Commutative operations keep the order written, except that a
 * constant goes first in a product and last in a sum; building y*x when x*y
 * exists returns x*y, so both spellings are one node.
 *
 * x^k for an integer constant k with |k| <= EX_POWI_MAX is its own
 * operation (EX_POWI), evaluated by multiplications (ex_powi_eval gives the
 * exact order) rather than pow(), as hand-written C would do it. */
#ifndef PDC_EXPR_H
#define PDC_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "affine.h"
#include "arena.h"
#include "buf.h"

/* Operation flags: see ops.def. */
enum {
  OPF_COMM = 1,
  OPF_FUNC = 2,
  OPF_BOOL = 4,
  OPF_CALL = 8,
  OPF_FLAT = 16,
  OPF_CHEAP = 32,
  OPF_VEC = 64,
  OPF_ARRAY = 128
};

typedef enum {
#define OP(kind, name, arity, flags, eval, llvm, libm, summary) kind,
#include "ops.def"
  EX_NUM_OPS
} ExprOp;

enum { EX_POWI_MAX = 64 };

typedef struct Expr Expr;
struct Expr {
  uint32_t id; /* creation order, dense from 0 */
  uint8_t op;
  uint8_t nkids;
  uint8_t from_diff; /* first built as a derivative term (display hint only) */
  uint8_t whole;     /* a shared adjoint: the derivative algebra keeps it one factor */
  uint16_t lvmask;   /* the loop levels it depends on (bit L: level L) */
  int32_t k;         /* EX_VAR, EX_LOAD: parameter index; EX_POWI: exponent; EX_RSUM, EX_RPROD: level */
  double num;        /* EX_CONST */
  Expr *kid[3];
  const Affine *ix[2]; /* EX_INDEX: the form; EX_LOAD: the indices; EX_RSUM, EX_RPROD: lo, hi */
};

typedef struct ExprCtx {
  Arena *arena;
  Expr **table; /* open addressing, power-of-two capacity */
  size_t tcap;
  Expr **nodes; /* by id */
  size_t count, ncap;
  uint32_t *mark; /* per-id scratch for traversals */
  size_t mark_cap;
  uint32_t stamp;
  int fast_math;
  uint8_t origin; /* stamped on new nodes as from_diff */
  /* Past node_limit nodes (0: no limit) every constructor returns `sink`, a
   * constant, and sets over_limit: the work left is then bounded, and the
   * caller reports the function as too large instead of using the result. */
  size_t node_limit;
  int over_limit;
  Expr *sink;
  /* Folds whose finite operands gave inf or NaN (1/0, log(-1), 2^2000):
   * lowering watches the count to warn where the source wrote them. */
  unsigned nonfinite_folds;
  /* ex_index_begin's map: -1 for every id outside the current list */
  int32_t *index;
  size_t index_cap;
  int index_busy;
  AffCtx ax; /* the index forms of array expressions */
} ExprCtx;

void ex_ctx_init(ExprCtx *cx, Arena *arena);
void ex_ctx_free(ExprCtx *cx); /* the nodes themselves go with the arena */

/* One operation's row of ops.def. */
typedef struct OpInfo {
  const char *name;
  int arity, flags;
  const char *llvm, *libm, *summary;
} OpInfo;

const OpInfo *ex_op_info(ExprOp op);
const char *ex_op_name(ExprOp op);
int ex_op_arity(ExprOp op);
int ex_op_flags(ExprOp op);

Expr *ex_num(ExprCtx *cx, double v);
Expr *ex_var(ExprCtx *cx, int index);
Expr *ex_add(ExprCtx *cx, Expr *a, Expr *b);
Expr *ex_sub(ExprCtx *cx, Expr *a, Expr *b);
Expr *ex_mul(ExprCtx *cx, Expr *a, Expr *b);
Expr *ex_div(ExprCtx *cx, Expr *a, Expr *b);
Expr *ex_neg(ExprCtx *cx, Expr *a);
Expr *ex_pow(ExprCtx *cx, Expr *a, Expr *b);
Expr *ex_powi(ExprCtx *cx, Expr *a, int k);
/* Any operation by kind: unary and binary functions, comparisons, logic,
 * select (kids[0] ? kids[1] : kids[2]). Routes to the folding constructors. */
Expr *ex_make(ExprCtx *cx, ExprOp op, Expr *const *kids);
/* Interns a node exactly as given, with no folding. For tests and passes
 * that already produced a canonical form. */
Expr *ex_intern(ExprCtx *cx, ExprOp op, int k, double num, Expr *const *kids);

/* Arrays (see ops.def). ex_index of a constant form is that number. */
Expr *ex_index(ExprCtx *cx, const Affine *a);
Expr *ex_load(ExprCtx *cx, int param, const Affine *i0, const Affine *i1);
/* Σ or Π (op EX_RSUM, EX_RPROD) of body over level = lo..hi. */
Expr *ex_reduce(ExprCtx *cx, ExprOp op, int level, const Affine *lo, const Affine *hi, Expr *body);
static inline int ex_is_reduce(const Expr *e) { return e->op == EX_RSUM || e->op == EX_RPROD; }

static inline int ex_is_const(const Expr *e) { return e->op == EX_CONST; }
static inline int ex_is_num(const Expr *e, double v) { return e->op == EX_CONST && e->num == v; }
/* true if e is the constant v with the same sign bit (distinguishes -0.0) */
int ex_is_exactly(const Expr *e, double v);

/* root with every variable k replaced by vals[k] (k < nvals), rebuilt
 * through the folding constructors. */
Expr *ex_substitute(ExprCtx *cx, Expr *root, Expr *const *vals, int nvals);

/* Evaluation of one operation on doubles: constant folding uses the very
 * same arithmetic the generated code performs. */
double ex_eval_op(ExprOp op, int k, const double *args);
double ex_powi_eval(double x, int k);

/* Value of root with variable k bound to vars[k], evaluated node by node
 * with ex_eval_op: the reference semantics the generated code follows. */
double ex_evaluate(ExprCtx *cx, Expr *root, const double *vars);

/* All nodes reachable from roots, children before parents (post-order,
 * children left to right, roots in order). Iterative: deep DAGs cannot
 * overflow the stack. The array is malloc'd; *n receives its length. */
Expr **ex_topo(ExprCtx *cx, Expr *const *roots, size_t nroots, size_t *n);

/* ex_topo with a filter: the edge from e to its kid number k is followed
 * only when follow(e, k, ctx) says so. */
Expr **ex_topo_filtered(ExprCtx *cx, Expr *const *roots, size_t nroots, size_t *n,
                        int (*follow)(const Expr *e, int k, void *ctx), void *ctx);

/* Dense positions of a node list: index[list[i]->id] = i, and -1 for every
 * other node that existed at the call. Only the list's entries are written
 * (and ex_index_end resets only them), so a pass over one function costs
 * that function's size, not the file's: per-pass arrays sized by the whole
 * DAG made 20 000 small functions quadratic. One index at a time. */
const int32_t *ex_index_begin(ExprCtx *cx, Expr *const *list, size_t n);
void ex_index_end(ExprCtx *cx, Expr *const *list, size_t n);

/* s-expression dump (--dump=dag): one line per shared node. */
void ex_dump(Buf *out, ExprCtx *cx, Expr *const *roots, const char *const *root_names, size_t nroots,
             const char *const *var_names);

#endif
