/* print.c — infix printing with minimal parentheses.
 *
 * Sums and products are flattened for display: a product is printed as
 * sign, factors of the numerator, then "/" and the denominator, with a
 * constant coefficient first (-2*x*y/z); a sum as terms joined by + and -.
 * The printed formula is the same function mathematically; the order in
 * which the generated code rounds is what the DAG (and --dump=dag) says. */
#include "print.h"

#include <math.h>
#include <stdio.h>
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

static int name_taken(const char *n, const char *const *names, int k) {
  for (int i = 0; i < k; i++)
    if (names[i] && strcmp(names[i], n) == 0) return 1;
  return 0;
}

void printer_arrays(Printer *p, const char *const *sizes, int nsizes, int nvars) {
  static const char *const pool[] = {"i", "j", "k", "l", "p", "q", "r", "s", "u", "v", "w"};
  p->sizes = sizes;
  int next = 0, suffix = 0;
  for (int L = 0; L < AFF_MAX_LEVELS; L++) {
    for (;;) {
      if (next == (int)countof(pool)) next = 0, suffix++;
      char *buf = p->level_store[L];
      if (suffix) snprintf(buf, sizeof p->level_store[L], "%s%d", pool[next], suffix);
      else snprintf(buf, sizeof p->level_store[L], "%s", pool[next]);
      next++;
      if (name_taken(buf, p->vars, nvars) || name_taken(buf, sizes, nsizes)) continue;
      p->level_names[L] = buf;
      break;
    }
  }
}

const char *printer_level_name(const Printer *p, int level) {
  return p->level_names[level] ? p->level_names[level] : "?";
}

static const char *form_name(int32_t var, void *ctx) {
  const Printer *p = ctx;
  if (aff_is_level(var)) return printer_level_name(p, var);
  return p->sizes ? p->sizes[aff_size_index(var)] : "?";
}

void printer_form(Printer *p, Buf *out, const Affine *a) { aff_print(out, a, form_name, p); }

void printer_free(Printer *p) {
  free(p->temp_ids);
  free(p->temp_nums);
  p->temp_ids = p->temp_nums = NULL;
  p->temp_cap = 0;
}

/* Temporaries are few; a set sized by them keeps a function's listing from
 * costing the size of the whole file's DAG. Ids are stored plus one, so 0
 * marks an empty slot. */
static uint32_t temp_of(const Printer *p, const Expr *e) {
  if (!p->temp_cap) return 0;
  for (size_t h = (e->id * 2654435761u) & (p->temp_cap - 1);; h = (h + 1) & (p->temp_cap - 1)) {
    if (p->temp_ids[h] == e->id + 1) return p->temp_nums[h];
    if (!p->temp_ids[h]) return 0;
  }
}

static void add_temp(Printer *p, const Expr *e, uint32_t num) {
  if (2 * (size_t)(p->ntemps + 1) > p->temp_cap) {
    size_t old_cap = p->temp_cap, cap = old_cap ? old_cap * 2 : 64;
    uint32_t *old_ids = p->temp_ids, *old_nums = p->temp_nums;
    p->temp_ids = xcalloc(cap, sizeof(uint32_t));
    p->temp_nums = xcalloc(cap, sizeof(uint32_t));
    p->temp_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
      if (old_ids[i]) {
        size_t h = ((old_ids[i] - 1) * 2654435761u) & (cap - 1);
        while (p->temp_ids[h]) h = (h + 1) & (cap - 1);
        p->temp_ids[h] = old_ids[i], p->temp_nums[h] = old_nums[i];
      }
    free(old_ids);
    free(old_nums);
  }
  size_t h = (e->id * 2654435761u) & (p->temp_cap - 1);
  while (p->temp_ids[h]) h = (h + 1) & (p->temp_cap - 1);
  p->temp_ids[h] = e->id + 1, p->temp_nums[h] = num;
}

static void print_at(Printer *p, Buf *out, Expr *e, int prec);

static int nice_coefficient(double c, Buf *num, Buf *den);

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
  Buf num, den;
  buf_init(&num);
  buf_init(&den);
  int nice = v > 0 && v != floor(v) && nice_coefficient(v, &num, &den);
  if (nice) { /* 1/3, 1/log(2) */
    buf_printf(out, "%s/%s", num.len ? buf_cstr(&num) : "1", buf_cstr(&den));
    *prec = PREC_PROD;
  }
  buf_free(&num);
  buf_free(&den);
  if (nice) return 1;
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

/* ---- products ----------------------------------------------------------
 * A product is shown as [-]coefficient*factors/(factors): constants are
 * multiplied into one coefficient, powers of one base merged (x*x^2 is
 * x^3), in derivative terms factors common to numerator and denominator
 * cancelled (y/(x*y) is 1/x wherever the original is defined), and the
 * coefficient written as a person would (1/3, 1/log(2), 2/sqrt(pi)). */

typedef struct Factor {
  Expr *base;
  int k; /* > 0 */
} Factor;

typedef struct Factors {
  Factor *num, *den;
  int nnum, nden, cap_num, cap_den;
  double coef;
  int negative;
} Factors;

static void push_factor(Factor **v, int *n, int *cap, Expr *base, int k) {
  for (int i = 0; i < *n; i++) {
    if ((*v)[i].base == base && (*v)[i].k + k <= EX_POWI_MAX) {
      (*v)[i].k += k;
      return;
    }
  }
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 8;
    *v = xrealloc(*v, sizeof(Factor) * (size_t)*cap);
  }
  (*v)[(*n)++] = (Factor){base, k};
}

/* Nodes shown as a product: *, /, unary minus, x^-k, and (a/b)^k. */
static int shows_as_product(const Printer *p, const Expr *e) {
  if (temp_of(p, e)) return 0;
  if (e->op == EX_POWI)
    return e->k < 0 || e->kid[0]->op == EX_DIV || e->kid[0]->op == EX_MUL || e->kid[0]->op == EX_NEG;
  return e->op == EX_MUL || e->op == EX_DIV || e->op == EX_NEG;
}

static int is_product(const Printer *p, const Expr *e) {
  return shows_as_product(p, e) || (e->op == EX_CONST && e->num < 0 && !temp_of(p, e));
}

static void collect_factors(Printer *p, Factors *f, Expr *e, int in_den, int k) {
  if (!temp_of(p, e)) {
    switch (e->op) {
    case EX_MUL:
      collect_factors(p, f, e->kid[0], in_den, k);
      collect_factors(p, f, e->kid[1], in_den, k);
      return;
    case EX_DIV:
      collect_factors(p, f, e->kid[0], in_den, k);
      collect_factors(p, f, e->kid[1], !in_den, k);
      return;
    case EX_NEG:
      if (k % 2) f->negative ^= 1;
      collect_factors(p, f, e->kid[0], in_den, k);
      return;
    case EX_CONST: {
      double c = ex_powi_eval(e->num, k);
      if (in_den) f->coef /= c;
      else f->coef *= c;
      return;
    }
    case EX_POWI:
      if (e->k < 0) {
        collect_factors(p, f, e->kid[0], !in_den, -e->k * k);
        return;
      }
      if (e->kid[0]->op == EX_DIV || e->kid[0]->op == EX_MUL || e->kid[0]->op == EX_NEG) {
        collect_factors(p, f, e->kid[0], in_den, e->k * k); /* (a/b)^2 is a^2/b^2 */
        return;
      }
      if (e->kid[0]->op != EX_CONST && (int64_t)e->k * k <= EX_POWI_MAX) {
        if (in_den) push_factor(&f->den, &f->nden, &f->cap_den, e->kid[0], e->k * k);
        else push_factor(&f->num, &f->nnum, &f->cap_num, e->kid[0], e->k * k);
        return;
      }
      break;
    default: break;
    }
  }
  if (in_den) push_factor(&f->den, &f->nden, &f->cap_den, e, k);
  else push_factor(&f->num, &f->nnum, &f->cap_num, e, k);
}

static void cancel_common(Factors *f) {
  for (int i = 0; i < f->nden; i++) {
    for (int j = 0; j < f->nnum; j++) {
      if (f->num[j].base != f->den[i].base) continue;
      int m = f->num[j].k < f->den[i].k ? f->num[j].k : f->den[i].k;
      f->num[j].k -= m;
      f->den[i].k -= m;
    }
  }
  int a = 0, b = 0;
  for (int j = 0; j < f->nnum; j++)
    if (f->num[j].k) f->num[a++] = f->num[j];
  for (int i = 0; i < f->nden; i++)
    if (f->den[i].k) f->den[b++] = f->den[i];
  f->nnum = a, f->nden = b;
}

/* Display order: variables and their powers in parameter order, then the
 * rest as built. */
static int factor_key(const Expr *e) {
  if (e->op == EX_CONST) return -1;
  if (e->op == EX_VAR) return e->k;
  if (ex_op_flags((ExprOp)e->op) & OPF_FUNC || e->op == EX_POW) return 1 << 21; /* calls last: x*cos(x) */
  return 1 << 20;                                                               /* then sums: 2*(x + 1)*exp(x) */
}

static void sort_factors(Factor *v, int n) {
  for (int i = 1; i < n; i++) { /* insertion sort: short lists, stable */
    Factor x = v[i];
    int j = i - 1;
    for (; j >= 0 && factor_key(v[j].base) > factor_key(x.base); j--) v[j + 1] = v[j];
    v[j + 1] = x;
  }
}

/* Coefficients people write as fractions or names. */
static int nice_coefficient(double c, Buf *num, Buf *den) {
  static const struct {
    double value;
    const char *num, *den;
  } named[] = {
      {M_LN2, "log(2)", NULL},       {1 / M_LN2, NULL, "log(2)"},   {M_LN10, "log(10)", NULL},
      {1 / M_LN10, NULL, "log(10)"}, {M_2_SQRTPI, "2", "sqrt(pi)"}, {M_E, "exp(1)", NULL},
  };
  for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
    if (c == named[i].value) {
      if (named[i].num) buf_puts(num, named[i].num);
      if (named[i].den) buf_puts(den, named[i].den);
      return 1;
    }
  }
  Buf dec; /* a short decimal (0.5, 0.25, 0.1) reads better than a fraction */
  buf_init(&dec);
  buf_put_double(&dec, c);
  size_t declen = dec.len;
  buf_free(&dec);
  if (declen <= 6) return 0;
  for (int q = 2; q <= 16; q++) {
    double pnum = c * q;
    if (pnum == floor(pnum) && fabs(pnum) <= 1000 && pnum / q == c && fmod(pnum, q) != 0) {
      if (pnum != 1) buf_printf(num, "%.0f", pnum);
      buf_printf(den, "%d", q);
      return 1;
    }
  }
  return 0;
}

static void print_factors(Printer *p, Buf *out, Factor *v, int n, const char *lead) {
  int first = 1;
  if (lead && *lead) {
    buf_puts(out, lead);
    first = 0;
  }
  for (int i = 0; i < n; i++) {
    if (!first) buf_putc(out, '*');
    first = 0;
    if (v[i].k == 1) {
      print_at(p, out, v[i].base, PREC_POW);
    } else {
      print_at(p, out, v[i].base, PREC_ATOM);
      buf_printf(out, "^%d", v[i].k);
    }
  }
}

/* Prints |e| as a product; returns whether e is negative. */
static int print_product_magnitude(Printer *p, Buf *out, Expr *e) {
  Factors f = {.coef = 1};
  collect_factors(p, &f, e, 0, 1);
  /* x/x stays as written in a function; derivative terms are pdc's own and
   * show in lowest terms (y/(x*y) is 1/x wherever it is defined) */
  if (e->from_diff) cancel_common(&f);
  sort_factors(f.num, f.nnum);
  sort_factors(f.den, f.nden);
  if (f.coef < 0) f.negative ^= 1, f.coef = -f.coef;
  Buf cnum, cden;
  buf_init(&cnum);
  buf_init(&cden);
  if (f.coef != 1 && !nice_coefficient(f.coef, &cnum, &cden)) put_number(&cnum, f.coef);
  if (f.nnum == 0 && cnum.len == 0) buf_putc(out, '1');
  else print_factors(p, out, f.num, f.nnum, buf_cstr(&cnum));
  int nden = f.nden + (cden.len > 0);
  if (nden) {
    buf_putc(out, '/');
    if (nden > 1) buf_putc(out, '(');
    if (f.nden == 1 && !cden.len) {
      if (f.den[0].k == 1) print_at(p, out, f.den[0].base, PREC_POW);
      else print_factors(p, out, f.den, f.nden, NULL);
    } else {
      print_factors(p, out, f.den, f.nden, buf_cstr(&cden));
    }
    if (nden > 1) buf_putc(out, ')');
  }
  buf_free(&cnum);
  buf_free(&cden);
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

static int is_sum(const Printer *p, const Expr *e) { return (e->op == EX_ADD || e->op == EX_SUB) && !temp_of(p, e); }

/* Terms of a sum in order. The left spine is walked with a loop, so a sum
 * of ten thousand terms does not recurse ten thousand deep. */
static void collect_terms(Printer *p, Terms *t, Expr *e, int neg) {
  Expr **spine = NULL;
  int n = 0, cap = 0;
  while (is_sum(p, e)) {
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      spine = xrealloc(spine, sizeof(Expr *) * (size_t)cap);
    }
    spine[n++] = e;
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

static void stable_sort_by_key(Expr **v, char *aux, int n, int *k) {
  for (int i = 1; i < n; i++) { /* insertion sort: short lists, stable */
    Expr *e = v[i];
    char a = aux[i];
    int kk = k[i], j = i - 1;
    for (; j >= 0 && k[j] > kk; j--) {
      v[j + 1] = v[j];
      k[j + 1] = k[j];
      aux[j + 1] = aux[j];
    }
    v[j + 1] = e;
    k[j + 1] = kk;
    aux[j + 1] = a;
  }
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

static int term_is_negative(Printer *p, Terms *t, int i) {
  int neg = t->neg[i];
  if (is_product(p, t->v[i])) {
    Buf tmp;
    buf_init(&tmp);
    neg ^= print_product_magnitude(p, &tmp, t->v[i]);
    buf_free(&tmp);
  }
  return neg;
}

/* 1 - x^2 rather than -x^2 + 1: a sum opens with a positive term if it has one. */
static void rotate_positive_first(Printer *p, Terms *t) {
  if (t->n < 2 || !term_is_negative(p, t, 0)) return;
  for (int i = 1; i < t->n; i++) {
    if (term_is_negative(p, t, i)) continue;
    Expr *e = t->v[i];
    char n = t->neg[i];
    memmove(t->v + 1, t->v, sizeof(Expr *) * (size_t)i);
    memmove(t->neg + 1, t->neg, (size_t)i);
    t->v[0] = e;
    t->neg[0] = n;
    return;
  }
}

/* Exponents of the first few variables in a monomial term, packed so that
 * a larger key means "x before y" in lexicographic order (x^2 before x*y
 * before y^2); 0 for anything else. */
static int monomial_lex_key(const Expr *e) {
  int exps[4] = {0, 0, 0, 0};
  const Expr *stack[64];
  int sp = 0;
  stack[sp++] = e;
  while (sp) {
    const Expr *x = stack[--sp];
    if (x->op == EX_MUL && sp + 2 <= 64) {
      stack[sp++] = x->kid[0];
      stack[sp++] = x->kid[1];
    } else if (x->op == EX_NEG && sp < 64) {
      stack[sp++] = x->kid[0];
    } else if (x->op == EX_VAR && x->k < 4) {
      exps[x->k] += 1;
    } else if (x->op == EX_POWI && x->k > 0 && x->kid[0]->op == EX_VAR && x->kid[0]->k < 4) {
      exps[x->kid[0]->k] += x->k;
    } else if (x->op != EX_CONST) {
      return 0;
    }
  }
  int key = 0;
  for (int i = 0; i < 4; i++) key = key * 64 + (exps[i] < 63 ? exps[i] : 63);
  return key;
}

static void print_sum(Printer *p, Buf *out, Expr *e) {
  Terms t = {0};
  collect_terms(p, &t, e, 0);
  if (e->from_diff && t.n > 1) {
    int *key = xmalloc(sizeof(int) * (size_t)t.n);
    /* degree first, then lexicographic; the key is small for what comes first */
    for (int i = 0; i < t.n; i++) {
      int deg = term_degree(p, t.v[i]);
      key[i] = deg >= 1 << 20 ? -(1 << 30) : -(deg * (1 << 24) + (monomial_lex_key(t.v[i]) & 0xffffff));
    }
    stable_sort_by_key(t.v, t.neg, t.n, key);
    free(key);
    rotate_positive_first(p, &t);
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
  case EX_POWI: return shows_as_product(p, e) ? PREC_PROD : PREC_POW;
  case EX_POW: return PREC_POW;
  case EX_SELECT:
  case EX_RSUM:
  case EX_RPROD: return 0; /* the body extends as far as it can */
  case EX_INDEX: return e->ix[0]->nterms > 1 || e->ix[0]->c ? PREC_SUM : PREC_ATOM;
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
    if (shows_as_product(p, e)) {
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
  case EX_INDEX: printer_form(p, out, e->ix[0]); return;
  case EX_LOAD:
    buf_printf(out, "%s[", p->vars[e->k]);
    printer_form(p, out, e->ix[0]);
    if (e->ix[1]) {
      buf_puts(out, ", ");
      printer_form(p, out, e->ix[1]);
    }
    buf_putc(out, ']');
    return;
  case EX_RSUM:
  case EX_RPROD:
    buf_printf(out, "%s(%s = ", e->op == EX_RSUM ? "sum" : "prod", printer_level_name(p, e->k));
    printer_form(p, out, e->ix[0]);
    buf_puts(out, "..");
    printer_form(p, out, e->ix[1]);
    buf_puts(out, ") ");
    print_at(p, out, e->kid[0], 0);
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
  if (!paren && shows_as_product(p, e)) {
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
  if (paren && shows_as_product(p, e)) {
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
  const int32_t *pos = ex_index_begin(cx, topo, n);
  double *size = xmalloc(n * sizeof(double)); /* by position in topo */
  for (size_t i = 0; i < n; i++) {
    double s = 1;
    for (int k = 0; k < topo[i]->nkids; k++) s += size[pos[topo[i]->kid[k]->id]];
    size[i] = s > 1e300 ? 1e300 : s;
  }
  ex_index_end(cx, topo, n);
  double r = size[n - 1];
  free(size);
  free(topo);
  return r;
}

void printer_plan(Printer *p, Expr *const *roots, size_t nroots, Buf *out) {
  ExprCtx *cx = p->cx;
  size_t n;
  Expr **topo = ex_topo(cx, roots, nroots, &n);
  const int32_t *pos = ex_index_begin(cx, topo, n);
  /* by position in topo */
  double *size = xcalloc(n ? n : 1, sizeof(double));
  uint32_t *uses = xcalloc(n ? n : 1, sizeof(uint32_t));
  uint32_t *height = xcalloc(n ? n : 1, sizeof(uint32_t));
  double total = 0;
  for (size_t i = 0; i < n; i++) {
    Expr *e = topo[i];
    double s = 1;
    uint32_t h = 0;
    for (int k = 0; k < e->nkids; k++) {
      size_t kp = (size_t)pos[e->kid[k]->id];
      s += size[kp];
      uses[kp]++;
      if (height[kp] + 1 > h) h = height[kp] + 1;
    }
    size[i] = s > 1e300 ? 1e300 : s;
    height[i] = h;
  }
  for (size_t r = 0; r < nroots; r++) total += size[pos[roots[r]->id]];
  ex_index_end(cx, topo, n);
  printer_free(p);
  p->ntemps = 0;
  if (total > PRINT_INLINE_LIMIT) {
    for (size_t i = 0; i < n; i++) {
      Expr *e = topo[i];
      /* a temporary is defined outside every loop: no loop index in it */
      if (e->nkids == 0 || (ex_op_flags((ExprOp)e->op) & OPF_BOOL) || e->lvmask) continue;
      int shared = uses[i] >= 2 && size[i] > 3;
      int deep = height[i] % PRINT_MAX_DEPTH == PRINT_MAX_DEPTH - 1;
      int is_root = 0;
      for (size_t r = 0; r < nroots; r++) is_root |= roots[r] == e;
      if ((shared || deep) && !is_root) {
        buf_printf(out, "  t%d = ", p->ntemps + 1);
        printer_expr(p, out, e);
        buf_putc(out, '\n');
        add_temp(p, e, (uint32_t)(p->ntemps + 1));
        p->ntemps++;
      }
    }
  }
  free(height);
  free(uses);
  free(size);
  free(topo);
}
