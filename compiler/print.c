/* print.c — infix printing with minimal parentheses.
 *
 * Sums and products are flattened for display: a product is printed as
 * sign, factors of the numerator, then "/" and the denominator, with a
 * constant coefficient first (-2*x*y/z); a sum as terms joined by + and -.
 * The printed formula is the same function mathematically; the order in
 * which the generated code rounds is what the DAG (and --dump=dag) says. */
#include "print.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { PREC_SUM = 1, PREC_PROD = 2, PREC_UNARY = 3, PREC_POW = 4, PREC_ATOM = 5 };
enum { PRINT_INLINE_LIMIT = 400, PRINT_MAX_DEPTH = 200 };

void printer_init(Printer *p, ExprCtx *cx, const char *const *vars) {
  memset(p, 0, sizeof *p);
  p->cx = cx;
  p->vars = vars;
}

void printer_free(Printer *p) {
  free(p->temp);
  p->temp = NULL;
}

static uint32_t temp_of(const Printer *p, const Expr *e) {
  return e->id < p->ntemp_ids ? p->temp[e->id] : 0;
}

static void print_at(Printer *p, Buf *out, Expr *e, int prec);

/* Small multiples and fractions of pi print as such (2*pi, pi/2), and e
 * as exp(1), since that is how people write them. Such a constant reads as a
 * product, so *prec says how it binds. Returns 0 for ordinary numbers. */
static int named_number(Buf *out, double v, int *prec) {
  if (v == M_PI) {
    buf_puts(out, "pi");
    *prec = PREC_ATOM;
    return 1;
  }
  if (v == M_E) {
    buf_puts(out, "exp(1)");
    *prec = PREC_ATOM;
    return 1;
  }
  for (int k = 2; k <= 8; k++) {
    if (v == k * M_PI) {
      buf_printf(out, "%d*pi", k);
      *prec = PREC_PROD;
      return 1;
    }
    if (v == M_PI / k) {
      buf_printf(out, "pi/%d", k);
      *prec = PREC_PROD;
      return 1;
    }
  }
  return 0;
}

static void put_number(Buf *out, double v) {
  int prec;
  if (!named_number(out, v, &prec)) buf_put_double(out, v);
}

static int number_prec(double v) {
  Buf tmp;
  buf_init(&tmp);
  int prec = v < 0 ? PREC_UNARY : PREC_ATOM;
  named_number(&tmp, v, &prec);
  buf_free(&tmp);
  return prec;
}

/* ---- products ---------------------------------------------------------- */

typedef struct Factors {
  Expr **num, **den;
  int nnum, nden, cap_num, cap_den;
  int negative;
} Factors;

static void push_factor(Expr ***v, int *n, int *cap, Expr *e) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 8;
    *v = xrealloc(*v, sizeof(Expr *) * (size_t)*cap);
  }
  (*v)[(*n)++] = e;
}

static int is_product(const Printer *p, const Expr *e) {
  if (temp_of(p, e)) return 0;
  return e->op == EX_MUL || e->op == EX_DIV || e->op == EX_NEG || (e->op == EX_POWI && e->k < 0) ||
         (e->op == EX_CONST && e->num < 0);
}

static void collect_factors(Printer *p, Factors *f, Expr *e, int in_den) {
  if (!is_product(p, e)) {
    if (in_den) push_factor(&f->den, &f->nden, &f->cap_den, e);
    else push_factor(&f->num, &f->nnum, &f->cap_num, e);
    return;
  }
  switch (e->op) {
  case EX_MUL:
    collect_factors(p, f, e->kid[0], in_den);
    collect_factors(p, f, e->kid[1], in_den);
    return;
  case EX_DIV:
    collect_factors(p, f, e->kid[0], in_den);
    collect_factors(p, f, e->kid[1], !in_den);
    return;
  case EX_NEG:
    f->negative ^= 1;
    collect_factors(p, f, e->kid[0], in_den);
    return;
  case EX_CONST:
    f->negative ^= 1;
    collect_factors(p, f, ex_num(p->cx, -e->num), in_den);
    return;
  default: /* x^-k */
    collect_factors(p, f, ex_powi(p->cx, e->kid[0], -e->k), !in_den);
    return;
  }
}

/* Display order of a factor: constants, then variables and their powers in
 * parameter order, then everything else as built. */
static int factor_key(const Expr *e) {
  if (e->op == EX_CONST) return -1;
  if (e->op == EX_VAR) return e->k;
  if (e->op == EX_POWI && e->kid[0]->op == EX_VAR) return e->kid[0]->k;
  return 1 << 30;
}

static void stable_sort_by_key(Expr **v, char *aux, int n, const int *key) {
  /* insertion sort: factor and term lists are short, and it is stable */
  int *k = xmalloc(sizeof(int) * (size_t)(n ? n : 1));
  memcpy(k, key, sizeof(int) * (size_t)n);
  for (int i = 1; i < n; i++) {
    Expr *e = v[i];
    char a = aux ? aux[i] : 0;
    int kk = k[i], j = i - 1;
    for (; j >= 0 && k[j] > kk; j--) {
      v[j + 1] = v[j];
      k[j + 1] = k[j];
      if (aux) aux[j + 1] = aux[j];
    }
    v[j + 1] = e;
    k[j + 1] = kk;
    if (aux) aux[j + 1] = a;
  }
  free(k);
}

/* x*x^2 shows as x^3: factors with one base are merged (display only). */
static int merge_powers(Printer *p, Expr **v, int n) {
  int m = 0;
  for (int i = 0; i < n; i++) {
    Expr *base = v[i]->op == EX_POWI && v[i]->k > 0 && !temp_of(p, v[i]) ? v[i]->kid[0] : v[i];
    int k = v[i]->op == EX_POWI && v[i]->k > 0 && !temp_of(p, v[i]) ? v[i]->k : 1;
    int merged = 0;
    if (base->op != EX_CONST) {
      for (int j = 0; j < m && !merged; j++) {
        Expr *bj = v[j]->op == EX_POWI && v[j]->k > 0 && !temp_of(p, v[j]) ? v[j]->kid[0] : v[j];
        int kj = v[j]->op == EX_POWI && v[j]->k > 0 && !temp_of(p, v[j]) ? v[j]->k : 1;
        if (bj == base && k + kj <= EX_POWI_MAX) {
          v[j] = ex_intern(p->cx, EX_POWI, k + kj, 0, &base);
          merged = 1;
        }
      }
    }
    if (!merged) v[m++] = v[i];
  }
  return m;
}

static void print_factor_list(Printer *p, Buf *out, Expr **v, int n) {
  n = merge_powers(p, v, n);
  int *key = xmalloc(sizeof(int) * (size_t)(n ? n : 1));
  for (int i = 0; i < n; i++) key[i] = factor_key(v[i]);
  stable_sort_by_key(v, NULL, n, key);
  free(key);
  /* constants first: 2*x, not x*2 */
  int first = 1;
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < n; i++) {
      if ((v[i]->op == EX_CONST) != (pass == 0)) continue;
      if (!first) buf_putc(out, '*');
      first = 0;
      if (v[i]->op == EX_CONST && v[i]->num > 0) put_number(out, v[i]->num); /* 2*pi*x */
      else print_at(p, out, v[i], PREC_POW);
    }
  }
}

/* Prints |e| as a product; returns whether e is negative. */
static int print_product_magnitude(Printer *p, Buf *out, Expr *e) {
  Factors f = {0};
  collect_factors(p, &f, e, 0);
  /* drop a coefficient of exactly 1 when other factors remain: -1*x is -x */
  int k = 0;
  for (int i = 0; i < f.nnum; i++)
    if (!(ex_is_num(f.num[i], 1) && f.nnum > 1)) f.num[k++] = f.num[i];
  f.nnum = k;
  if (f.nnum == 0) buf_putc(out, '1');
  else print_factor_list(p, out, f.num, f.nnum);
  if (f.nden) {
    buf_putc(out, '/');
    f.nden = merge_powers(p, f.den, f.nden);
    if (f.nden == 1) {
      print_at(p, out, f.den[0], PREC_POW);
    } else {
      buf_putc(out, '(');
      print_factor_list(p, out, f.den, f.nden);
      buf_putc(out, ')');
    }
  }
  free(f.num);
  free(f.den);
  return f.negative;
}

static void print_signed_product(Printer *p, Buf *out, Expr *e) {
  Buf tmp;
  buf_init(&tmp);
  if (print_product_magnitude(p, &tmp, e)) buf_putc(out, '-');
  buf_append(out, buf_cstr(&tmp), tmp.len);
  buf_free(&tmp);
}

/* ---- sums --------------------------------------------------------------- */

typedef struct Terms {
  Expr **v;
  char *neg;
  int n, cap;
} Terms;

static void push_term(Terms *t, Expr *e, int neg) {
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 8;
    t->v = xrealloc(t->v, sizeof(Expr *) * (size_t)t->cap);
    t->neg = xrealloc(t->neg, (size_t)t->cap);
  }
  t->v[t->n] = e;
  t->neg[t->n] = (char)neg;
  t->n++;
}

static int is_sum(const Printer *p, const Expr *e) {
  return (e->op == EX_ADD || e->op == EX_SUB) && !temp_of(p, e);
}

/* Terms of a sum in order. The left spine is walked with a loop, so a sum
 * of ten thousand terms does not recurse ten thousand deep. */
static void collect_terms(Printer *p, Terms *t, Expr *e, int neg) {
  Expr **spine = NULL;
  int n = 0, cap = 0;
  while (is_sum(p, e)) {
    push_factor(&spine, &n, &cap, e);
    e = e->kid[0];
  }
  push_term(t, e, neg);
  for (int i = n - 1; i >= 0; i--) {
    Expr *r = spine[i]->kid[1];
    int rneg = neg ^ (spine[i]->op == EX_SUB);
    if (is_sum(p, r)) collect_terms(p, t, r, rneg);
    else push_term(t, r, rneg);
  }
  free(spine);
}

/* Polynomial degree of a term, or a large number when it is not a monomial:
 * derivative sums are shown highest degree first, constants last. */
static int term_degree(const Printer *p, const Expr *e) {
  if (temp_of(p, e)) return 1 << 20;
  switch (e->op) {
  case EX_CONST: return 0;
  case EX_VAR: return 1;
  case EX_NEG: return term_degree(p, e->kid[0]);
  case EX_POWI: return e->k > 0 && e->kid[0]->op == EX_VAR ? e->k : 1 << 20;
  case EX_MUL: {
    int a = term_degree(p, e->kid[0]), b = term_degree(p, e->kid[1]);
    return a >= 1 << 20 || b >= 1 << 20 ? 1 << 20 : a + b;
  }
  default: return 1 << 20;
  }
}

static void print_sum(Printer *p, Buf *out, Expr *e) {
  Terms t = {0};
  collect_terms(p, &t, e, 0);
  if (e->from_diff && t.n > 1) {
    int *key = xmalloc(sizeof(int) * (size_t)t.n);
    for (int i = 0; i < t.n; i++) key[i] = -term_degree(p, t.v[i]);
    stable_sort_by_key(t.v, t.neg, t.n, key);
    free(key);
  }
  for (int i = 0; i < t.n; i++) {
    Buf tmp;
    buf_init(&tmp);
    int neg = t.neg[i];
    if (is_product(p, t.v[i])) neg ^= print_product_magnitude(p, &tmp, t.v[i]);
    else print_at(p, &tmp, t.v[i], PREC_PROD);
    if (i == 0) buf_puts(out, neg ? "-" : "");
    else buf_puts(out, neg ? " - " : " + ");
    buf_append(out, buf_cstr(&tmp), tmp.len);
    buf_free(&tmp);
  }
  free(t.v);
  free(t.neg);
}

/* ---- everything else ---------------------------------------------------- */

static int prec_of(const Printer *p, const Expr *e) {
  if (temp_of(p, e)) return PREC_ATOM;
  switch (e->op) {
  case EX_CONST: return number_prec(e->num);
  case EX_VAR: return PREC_ATOM;
  case EX_ADD:
  case EX_SUB: return PREC_SUM;
  case EX_MUL:
  case EX_DIV: return PREC_PROD;
  case EX_NEG: return PREC_UNARY;
  case EX_POWI: return e->k < 0 ? PREC_PROD : PREC_POW;
  case EX_POW: return PREC_POW;
  case EX_SELECT: return 0;
  default: return ex_op_flags((ExprOp)e->op) & OPF_BOOL ? 0 : PREC_ATOM;
  }
}

static void print_bool(Printer *p, Buf *out, Expr *e) {
  switch (e->op) {
  case EX_LT:
  case EX_LE:
    if (ex_is_const(e->kid[0]) && !ex_is_const(e->kid[1])) { /* 0 < x reads x > 0 */
      print_at(p, out, e->kid[1], PREC_SUM);
      buf_puts(out, e->op == EX_LT ? " > " : " >= ");
      print_at(p, out, e->kid[0], PREC_SUM);
      return;
    }
    /* fall through */
  case EX_EQ:
  case EX_NE:
    print_at(p, out, e->kid[0], PREC_SUM);
    buf_printf(out, " %s ", ex_op_name((ExprOp)e->op));
    print_at(p, out, e->kid[1], PREC_SUM);
    return;
  case EX_AND:
  case EX_OR:
    for (int i = 0; i < 2; i++) {
      int paren = e->kid[i]->op == EX_AND || e->kid[i]->op == EX_OR;
      if (i) buf_printf(out, " %s ", ex_op_name((ExprOp)e->op));
      if (paren) buf_putc(out, '(');
      print_bool(p, out, e->kid[i]);
      if (paren) buf_putc(out, ')');
    }
    return;
  case EX_NOT:
    buf_puts(out, "not (");
    print_bool(p, out, e->kid[0]);
    buf_putc(out, ')');
    return;
  default: print_at(p, out, e, PREC_SUM); return;
  }
}

static void print_node(Printer *p, Buf *out, Expr *e) {
  uint32_t t = temp_of(p, e);
  if (t) {
    buf_printf(out, "t%u", t);
    return;
  }
  switch (e->op) {
  case EX_CONST: put_number(out, e->num); return;
  case EX_VAR: buf_puts(out, p->vars[e->k]); return;
  case EX_ADD:
  case EX_SUB: print_sum(p, out, e); return;
  case EX_MUL:
  case EX_DIV:
  case EX_NEG: print_signed_product(p, out, e); return;
  case EX_POWI:
    if (e->k < 0) {
      print_signed_product(p, out, e);
      return;
    }
    print_at(p, out, e->kid[0], PREC_ATOM);
    buf_printf(out, "^%d", e->k);
    return;
  case EX_POW:
    print_at(p, out, e->kid[0], PREC_ATOM);
    buf_putc(out, '^');
    if (ex_is_const(e->kid[1]) && e->kid[1]->num < 0) {
      buf_putc(out, '(');
      print_at(p, out, e->kid[1], 0);
      buf_putc(out, ')');
    } else {
      print_at(p, out, e->kid[1], PREC_POW);
    }
    return;
  case EX_SELECT:
    buf_puts(out, "if ");
    print_bool(p, out, e->kid[0]);
    buf_puts(out, " then ");
    print_at(p, out, e->kid[1], 0);
    buf_puts(out, " else ");
    print_at(p, out, e->kid[2], 0);
    return;
  default:
    if (ex_op_flags((ExprOp)e->op) & OPF_BOOL) {
      print_bool(p, out, e);
      return;
    }
    buf_printf(out, "%s(", ex_op_name((ExprOp)e->op));
    for (int i = 0; i < e->nkids; i++) {
      if (i) buf_puts(out, ", ");
      print_at(p, out, e->kid[i], 0);
    }
    buf_putc(out, ')');
    return;
  }
}

static void print_at(Printer *p, Buf *out, Expr *e, int prec) {
  int mine = prec_of(p, e);
  /* a negative product in a factor position keeps its sign inside parens */
  int paren = mine < prec || (prec >= PREC_POW && mine == PREC_UNARY);
  if (!paren && (e->op == EX_MUL || e->op == EX_DIV || e->op == EX_NEG || (e->op == EX_POWI && e->k < 0)) &&
      !temp_of(p, e)) {
    Buf tmp;
    buf_init(&tmp);
    int neg = print_product_magnitude(p, &tmp, e);
    if (neg && prec >= PREC_PROD) paren = 1;
    if (paren) buf_putc(out, '(');
    if (neg) buf_putc(out, '-');
    buf_append(out, buf_cstr(&tmp), tmp.len);
    if (paren) buf_putc(out, ')');
    buf_free(&tmp);
    return;
  }
  if (paren) buf_putc(out, '(');
  if (paren && (e->op == EX_MUL || e->op == EX_DIV || e->op == EX_NEG || (e->op == EX_POWI && e->k < 0)) &&
      !temp_of(p, e)) {
    Buf tmp;
    buf_init(&tmp);
    int neg = print_product_magnitude(p, &tmp, e);
    if (neg) buf_putc(out, '-');
    buf_append(out, buf_cstr(&tmp), tmp.len);
    buf_free(&tmp);
  } else {
    print_node(p, out, e);
  }
  if (paren) buf_putc(out, ')');
}

void printer_expr(Printer *p, Buf *out, Expr *e) { print_at(p, out, e, 0); }

/* ---- temporaries --------------------------------------------------------- */

double print_tree_size(ExprCtx *cx, Expr *e) {
  size_t n;
  Expr **topo = ex_topo(cx, &e, 1, &n);
  double *size = xcalloc(cx->count, sizeof(double));
  for (size_t i = 0; i < n; i++) {
    double s = 1;
    for (int k = 0; k < topo[i]->nkids; k++) s += size[topo[i]->kid[k]->id];
    size[topo[i]->id] = s > 1e300 ? 1e300 : s;
  }
  double r = size[e->id];
  free(size);
  free(topo);
  return r;
}

void printer_plan(Printer *p, Expr *const *roots, size_t nroots, Buf *out) {
  ExprCtx *cx = p->cx;
  size_t n;
  Expr **topo = ex_topo(cx, roots, nroots, &n);
  size_t ids = cx->count;
  double *size = xcalloc(ids, sizeof(double));
  uint32_t *uses = xcalloc(ids, sizeof(uint32_t));
  uint32_t *height = xcalloc(ids, sizeof(uint32_t));
  double total = 0;
  for (size_t i = 0; i < n; i++) {
    Expr *e = topo[i];
    double s = 1;
    uint32_t h = 0;
    for (int k = 0; k < e->nkids; k++) {
      s += size[e->kid[k]->id];
      uses[e->kid[k]->id]++;
      if (height[e->kid[k]->id] + 1 > h) h = height[e->kid[k]->id] + 1;
    }
    size[e->id] = s > 1e300 ? 1e300 : s;
    height[e->id] = h;
  }
  for (size_t r = 0; r < nroots; r++) total += size[roots[r]->id];
  free(p->temp);
  p->temp = xcalloc(ids, sizeof(uint32_t));
  p->ntemp_ids = ids;
  p->ntemps = 0;
  if (total > PRINT_INLINE_LIMIT) {
    for (size_t i = 0; i < n; i++) {
      Expr *e = topo[i];
      if (e->nkids == 0 || (ex_op_flags((ExprOp)e->op) & OPF_BOOL)) continue;
      int shared = uses[e->id] >= 2 && size[e->id] > 3;
      int deep = height[e->id] % PRINT_MAX_DEPTH == PRINT_MAX_DEPTH - 1;
      int is_root = 0;
      for (size_t r = 0; r < nroots; r++) is_root |= roots[r] == e;
      if ((shared || deep) && !is_root) {
        buf_printf(out, "  t%d = ", p->ntemps + 1);
        printer_expr(p, out, e);
        buf_putc(out, '\n');
        p->temp[e->id] = (uint32_t)++p->ntemps;
      }
    }
  }
  free(height);
  free(uses);
  free(size);
  free(topo);
}
