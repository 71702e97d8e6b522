/* parser.c — recursive descent with one precedence function per level.
 *
 *   file    = { END | item }
 *   item    = "fn" NAME "(" [NAME {"," NAME}] ")" ["wrt" NAME {"," NAME}]
 *             ["hessian"] ("=" expr END | block)
 *           | "const" NAME "=" expr END
 *   block   = "{" { END } { "let" NAME "=" expr END } "return" expr { END } "}"
 *   expr    = or
 *   or      = and { "or" and }
 *   and     = not { "and" not }
 *   not     = "not" not | cmp
 *   cmp     = sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]
 *   sum     = prod { ("+" | "-") prod }
 *   prod    = unary { ("*" | "/") unary }
 *   unary   = ("-" | "+") unary | power
 *   power   = primary [ ("^" | "**") unary ]       -- right-associative
 *   primary = NUMBER | NAME | NAME "(" [expr {"," expr}] ")" | "(" expr ")"
 *           | "if" expr "then" expr "else" expr
 *   END     = newline | ";"
 *
 * `-x^2` is `-(x^2)` and `2^3^x` is `2^(3^x)`: the exponent is parsed as a
 * unary, so `2^-x` works too. A newline is not a statement end right after a
 * binary operator or inside parentheses, so long expressions can be broken. */
#include "parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Parser {
  const Token *tok;
  size_t pos, count;
  const Source *src;
  Arena *arena;
  Diag *d;
  int depth;
  int failed;        /* an error was reported in the current statement */
  size_t stmt_start; /* first token of the current statement */
} Parser;

static const Token *peek(Parser *P) { return &P->tok[P->pos]; }
static TokenKind peek_kind(Parser *P) { return P->tok[P->pos].kind; }
static const Token *advance(Parser *P) {
  const Token *t = &P->tok[P->pos];
  if (t->kind != TK_EOF) P->pos++;
  return t;
}
static int accept(Parser *P, TokenKind k) {
  if (peek_kind(P) != k) return 0;
  advance(P);
  return 1;
}
static void skip_newlines(Parser *P) {
  while (peek_kind(P) == TK_NEWLINE) advance(P);
}
/* The current token is the first of its statement line. */
static int starts_line(Parser *P) {
  TokenKind prev = P->pos ? P->tok[P->pos - 1].kind : TK_NEWLINE;
  return prev == TK_NEWLINE || prev == TK_SEMI || prev == TK_RBRACE || prev == TK_LBRACE;
}

static int at_end(Parser *P) {
  TokenKind k = peek_kind(P);
  return k == TK_NEWLINE || k == TK_SEMI || k == TK_EOF;
}

/* "'foo'", "number '2.5'", "end of line" — how a token reads in a message. */
static const char *describe(Parser *P, const Token *t, char *buf, size_t n) {
  switch (t->kind) {
  case TK_EOF:
  case TK_NEWLINE: return lex_token_name(t->kind);
  case TK_NUM:
    snprintf(buf, n, "number '%.*s'", (int)(t->span.len > 40 ? 40 : t->span.len), P->src->text + t->span.off);
    return buf;
  default:
    snprintf(buf, n, "'%.*s'", (int)(t->span.len > 40 ? 40 : t->span.len), P->src->text + t->span.off);
    return buf;
  }
}

/* A lexical error already explains what is wrong with the statement it is
 * in; a syntax error after it would only repeat it. */
static int statement_had_lexical_error(Parser *P) {
  for (size_t i = P->stmt_start; i <= P->pos && i < P->count; i++)
    if (P->tok[i].after_error) return 1;
  return 0;
}

/* A binary operator that begins a line: the previous line's expression has
 * already ended there, which is the newline rule newcomers trip over. */
static int operator_starts_line(const Parser *P, const Token *t) {
  int binary = t->kind == TK_PLUS || t->kind == TK_MINUS || t->kind == TK_STAR || t->kind == TK_SLASH ||
               t->kind == TK_CARET || t->kind == TK_AND || t->kind == TK_OR;
  if (!binary) return 0;
  for (size_t i = P->pos; i > 0; i--) {
    TokenKind k = P->tok[i - 1].kind;
    if (k == TK_NEWLINE) return 1;
    if (k != TK_SEMI) return 0;
  }
  return 0;
}

static void error_at_token(Parser *P, const char *expected) {
  if (P->failed) return;
  P->failed = 1;
  if (statement_had_lexical_error(P)) return;
  char buf[80];
  const Token *t = peek(P);
  diag_error(P->d, t->span, "expected %s, found %s", expected, describe(P, t, buf, sizeof buf));
  if (operator_starts_line(P, t))
    diag_note(P->d, t->span,
              "a newline before an operator ends the expression: put the '%s' at the end of the previous line, "
              "or wrap the expression in parentheses",
              lex_token_name(t->kind));
}

static int expect(Parser *P, TokenKind k, const char *what) {
  if (accept(P, k)) return 1;
  error_at_token(P, what);
  return 0;
}

static Ast *new_node(Parser *P, AstKind kind, Span span, int nkids) {
  Ast *e = ARENA_NEW(P->arena, Ast);
  e->kind = kind;
  e->span = span;
  e->nkids = nkids;
  if (nkids) e->kids = ARENA_ARRAY(P->arena, Ast *, nkids);
  return e;
}

/* A growable list of AST pointers built while parsing one chain. */
typedef struct AstVec {
  Ast **v;
  int *ops;
  int n, cap;
} AstVec;

static void vec_push(AstVec *a, Ast *e, int op) {
  if (a->n == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 8;
    a->v = xrealloc(a->v, sizeof(Ast *) * (size_t)a->cap);
    a->ops = xrealloc(a->ops, sizeof(int) * (size_t)a->cap);
  }
  a->v[a->n] = e;
  a->ops[a->n] = op;
  a->n++;
}

static Ast *vec_finish(Parser *P, AstVec *a, AstKind kind) {
  Ast *e;
  if (a->n == 1) {
    e = a->v[0];
  } else {
    e = new_node(P, kind, span_join(a->v[0]->span, a->v[a->n - 1]->span), a->n);
    e->ops = ARENA_ARRAY(P->arena, int, a->n);
    memcpy(e->kids, a->v, sizeof(Ast *) * (size_t)a->n);
    memcpy(e->ops, a->ops, sizeof(int) * (size_t)a->n);
  }
  free(a->v);
  free(a->ops);
  return e;
}

static Ast *parse_expr(Parser *P);
static Ast *parse_unary(Parser *P);
static int expect_name(Parser *P, AstName *out, const char *what);

static int enter(Parser *P) {
  if (++P->depth <= PARSE_MAX_DEPTH) return 1;
  if (!P->failed) {
    P->failed = 1;
    diag_error(P->d, peek(P)->span, "expression is nested too deeply (more than %d levels)", PARSE_MAX_DEPTH);
  }
  return 0;
}

/* args = "(" [expr {"," expr}] ")" after a callee name */
static Ast *parse_call(Parser *P, const Token *name) {
  const Token *open = advance(P);
  AstVec args = {0};
  skip_newlines(P);
  if (peek_kind(P) != TK_RPAREN) {
    for (;;) {
      Ast *a = parse_expr(P);
      if (!a) {
        free(args.v), free(args.ops);
        return NULL;
      }
      vec_push(&args, a, 0);
      if (!accept(P, TK_COMMA)) break;
    }
  }
  if (peek_kind(P) != TK_RPAREN) {
    error_at_token(P, "',' or ')' in argument list");
    diag_note(P->d, open->span, "to match this '('");
    free(args.v), free(args.ops);
    return NULL;
  }
  const Token *close = advance(P);
  Ast *e = new_node(P, AST_CALL, span_join(name->span, close->span), args.n);
  e->name = name->name;
  e->name_span = name->span;
  if (args.n) memcpy(e->kids, args.v, sizeof(Ast *) * (size_t)args.n);
  free(args.v), free(args.ops);
  return e;
}

static Ast *parse_if(Parser *P) {
  const Token *kw = advance(P);
  Ast *c = parse_expr(P);
  if (!c) return NULL;
  skip_newlines(P);
  if (!expect(P, TK_THEN, "'then'")) return NULL;
  Ast *a = parse_expr(P);
  if (!a) return NULL;
  skip_newlines(P);
  if (!expect(P, TK_ELSE, "'else'")) return NULL;
  Ast *b = parse_expr(P);
  if (!b) return NULL;
  Ast *e = new_node(P, AST_IF, span_join(kw->span, b->span), 3);
  e->kids[0] = c, e->kids[1] = a, e->kids[2] = b;
  return e;
}

/* name[e1, e2]: an element of an array */
static Ast *parse_index(Parser *P, const Token *name) {
  const Token *open = advance(P);
  AstVec idx = {0};
  for (;;) {
    Ast *a = parse_expr(P);
    if (!a) {
      free(idx.v), free(idx.ops);
      return NULL;
    }
    vec_push(&idx, a, 0);
    if (!accept(P, TK_COMMA)) break;
  }
  if (peek_kind(P) != TK_RBRACKET) {
    error_at_token(P, "',' or ']' after an index");
    diag_note(P->d, open->span, "to match this '['");
    free(idx.v), free(idx.ops);
    return NULL;
  }
  const Token *close = advance(P);
  Ast *e = new_node(P, AST_INDEX, span_join(name->span, close->span), idx.n);
  e->name = name->name;
  e->name_span = name->span;
  memcpy(e->kids, idx.v, sizeof(Ast *) * (size_t)idx.n);
  free(idx.v), free(idx.ops);
  return e;
}

/* sum(i = ...) and prod(i = ...): the words are not reserved, so a call
 * sum(x) to a function of the file stays a call. */
static int starts_reduce(Parser *P) {
  const Token *t = peek(P);
  if (strcmp(t->name, "sum") != 0 && strcmp(t->name, "prod") != 0) return 0;
  if (P->pos + 3 >= P->count) return 0;
  return P->tok[P->pos + 1].kind == TK_LPAREN && P->tok[P->pos + 2].kind == TK_NAME &&
         P->tok[P->pos + 3].kind == TK_ASSIGN;
}

/* reduce = ("sum" | "prod") "(" NAME "=" expr ".." expr {"," NAME "=" expr ".." expr} ")" expr
 * The body, like an else branch, extends as far as it can. */
static Ast *parse_reduce(Parser *P) {
  const Token *kw = advance(P);
  const Token *open = advance(P);
  AstVec bounds = {0};
  AstName *binders = NULL;
  int nb = 0;
  Ast *body = NULL;
  for (;;) {
    AstName b;
    if (!expect_name(P, &b, "an index variable")) goto fail;
    if (!expect(P, TK_ASSIGN, "'=' after the index variable")) goto fail;
    Ast *lo = parse_expr(P);
    if (!lo) goto fail;
    if (!expect(P, TK_DOTDOT, "'..' between the bounds of the range")) goto fail;
    Ast *hi = parse_expr(P);
    if (!hi) goto fail;
    binders = xrealloc(binders, sizeof(AstName) * (size_t)(nb + 1));
    binders[nb++] = b;
    vec_push(&bounds, lo, 0);
    vec_push(&bounds, hi, 0);
    if (!accept(P, TK_COMMA)) break;
  }
  if (peek_kind(P) != TK_RPAREN) {
    error_at_token(P, "',' or ')' after the range");
    diag_note(P->d, open->span, "to match this '('");
    goto fail;
  }
  advance(P);
  if (!enter(P)) goto fail;
  body = parse_expr(P);
  P->depth--;
  if (!body) goto fail;
  Ast *e = new_node(P, AST_REDUCE, span_join(kw->span, body->span), bounds.n + 1);
  e->name = kw->name;
  e->name_span = kw->span;
  e->is_prod = strcmp(kw->name, "prod") == 0;
  memcpy(e->kids, bounds.v, sizeof(Ast *) * (size_t)bounds.n);
  e->kids[bounds.n] = body;
  e->nbinders = nb;
  e->binders = ARENA_ARRAY(P->arena, AstName, nb);
  memcpy(e->binders, binders, sizeof(AstName) * (size_t)nb);
  free(binders);
  free(bounds.v), free(bounds.ops);
  return e;
fail:
  free(binders);
  free(bounds.v), free(bounds.ops);
  return NULL;
}

/* primary = NUMBER | NAME | NAME "(" args ")" | NAME "[" indices "]" | reduce
 *         | "(" expr ")" | if */
static Ast *parse_primary(Parser *P) {
  skip_newlines(P);
  const Token *t = peek(P);
  switch (t->kind) {
  case TK_NUM: {
    advance(P);
    Ast *e = new_node(P, AST_NUM, t->span, 0);
    e->num = t->num;
    return e;
  }
  case TK_NAME: {
    if (starts_reduce(P)) return parse_reduce(P);
    advance(P);
    if (peek_kind(P) == TK_LPAREN) return parse_call(P, t);
    if (peek_kind(P) == TK_LBRACKET) return parse_index(P, t);
    Ast *e = new_node(P, AST_NAME, t->span, 0);
    e->name = t->name;
    return e;
  }
  case TK_LPAREN: {
    advance(P);
    Ast *e = parse_expr(P);
    if (!e) return NULL;
    skip_newlines(P);
    if (peek_kind(P) != TK_RPAREN) {
      error_at_token(P, "')'");
      diag_note(P->d, t->span, "to match this '('");
      return NULL;
    }
    advance(P);
    return e;
  }
  case TK_IF: return parse_if(P);
  default: error_at_token(P, "an expression"); return NULL;
  }
}

/* power = primary [ "^" unary ] */
static Ast *parse_power(Parser *P) {
  Ast *base = parse_primary(P);
  if (!base || peek_kind(P) != TK_CARET) return base;
  advance(P);
  if (!enter(P)) return NULL;
  Ast *ex = parse_unary(P);
  P->depth--;
  if (!ex) return NULL;
  Ast *e = new_node(P, AST_POW, span_join(base->span, ex->span), 2);
  e->kids[0] = base, e->kids[1] = ex;
  return e;
}

/* unary = ("-" | "+") unary | power */
static Ast *parse_unary(Parser *P) {
  skip_newlines(P);
  Ast *r;
  const Token *t = peek(P);
  if (t->kind == TK_MINUS || t->kind == TK_PLUS) {
    if (!enter(P)) return NULL;
    advance(P);
    Ast *x = parse_unary(P);
    P->depth--;
    if (x && t->kind == TK_MINUS) {
      r = new_node(P, AST_NEG, span_join(t->span, x->span), 1);
      r->kids[0] = x;
    } else {
      r = x;
    }
  } else {
    r = parse_power(P);
  }
  return r;
}

/* The operator of a chain at the current token, or 0. `mod` is a name the
 * parser reads as an operator where an operator is expected (a name cannot
 * follow an operand otherwise), so it is not reserved. */
static int chain_op(Parser *P, TokenKind op1, TokenKind op2) {
  const Token *t = peek(P);
  if (t->kind == op1 || t->kind == op2) return (int)t->kind;
  if (op1 == TK_STAR && t->kind == TK_NAME && strcmp(t->name, "mod") == 0) return TK_MOD;
  return 0;
}

/* prod = unary { ("*" | "/" | "mod") unary } ; sum = prod { ("+" | "-") prod } */
static Ast *parse_chain(Parser *P, AstKind kind, TokenKind op1, TokenKind op2, Ast *(*sub)(Parser *)) {
  Ast *first = sub(P);
  if (!first) return NULL;
  if (!chain_op(P, op1, op2)) return first;
  AstVec v = {0};
  vec_push(&v, first, 0);
  int op;
  while ((op = chain_op(P, op1, op2))) {
    advance(P);
    Ast *x = sub(P);
    if (!x) {
      free(v.v), free(v.ops);
      return NULL;
    }
    vec_push(&v, x, op);
  }
  return vec_finish(P, &v, kind);
}

static Ast *parse_prod(Parser *P) { return parse_chain(P, AST_PROD, TK_STAR, TK_SLASH, parse_unary); }
static Ast *parse_sum(Parser *P) { return parse_chain(P, AST_SUM, TK_PLUS, TK_MINUS, parse_prod); }

static int is_comparison(TokenKind k) {
  return k == TK_LT || k == TK_LE || k == TK_GT || k == TK_GE || k == TK_EQ || k == TK_NE;
}

/* cmp = sum [ cmpop sum ] ; comparisons do not chain */
static Ast *parse_cmp(Parser *P) {
  Ast *a = parse_sum(P);
  if (!a || !is_comparison(peek_kind(P))) return a;
  int op = (int)advance(P)->kind;
  Ast *b = parse_sum(P);
  if (!b) return NULL;
  Ast *e = new_node(P, AST_CMP, span_join(a->span, b->span), 2);
  e->kids[0] = a, e->kids[1] = b;
  e->ops = ARENA_ARRAY(P->arena, int, 1);
  e->ops[0] = op;
  if (is_comparison(peek_kind(P)) && !P->failed) {
    P->failed = 1;
    diag_error(P->d, peek(P)->span, "comparisons cannot be chained; combine them with 'and'");
    return NULL;
  }
  return e;
}

static Ast *parse_not(Parser *P) {
  skip_newlines(P);
  if (peek_kind(P) != TK_NOT) return parse_cmp(P);
  if (!enter(P)) return NULL;
  const Token *t = advance(P);
  Ast *x = parse_not(P);
  P->depth--;
  if (!x) return NULL;
  Ast *e = new_node(P, AST_NOT, span_join(t->span, x->span), 1);
  e->kids[0] = x;
  return e;
}

static Ast *parse_logic(Parser *P, AstKind kind, TokenKind op, Ast *(*sub)(Parser *)) {
  Ast *a = sub(P);
  while (a && peek_kind(P) == op) {
    advance(P);
    Ast *b = sub(P);
    if (!b) return NULL;
    Ast *e = new_node(P, kind, span_join(a->span, b->span), 2);
    e->kids[0] = a, e->kids[1] = b;
    a = e;
  }
  return a;
}

static Ast *parse_and(Parser *P) { return parse_logic(P, AST_AND, TK_AND, parse_not); }
static Ast *parse_or(Parser *P) { return parse_logic(P, AST_OR, TK_OR, parse_and); }

static Ast *parse_expr(Parser *P) {
  if (!enter(P)) return NULL;
  Ast *e = parse_or(P);
  P->depth--;
  return e;
}

static int expect_name(Parser *P, AstName *out, const char *what) {
  const Token *t = peek(P);
  if (t->kind != TK_NAME) {
    if (t->kind >= TK_FN && !P->failed) {
      P->failed = 1;
      diag_error(P->d, t->span, "'%s' is a reserved word and cannot be used as %s", lex_token_name(t->kind), what);
      return 0;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%s", what);
    error_at_token(P, buf);
    return 0;
  }
  advance(P);
  out->name = t->name;
  out->span = t->span;
  return 1;
}

/* A statement ends at a newline, ';', '}' (left for the caller) or EOF. */
static int expect_end(Parser *P) {
  if (at_end(P)) {
    if (peek_kind(P) != TK_EOF) advance(P);
    return 1;
  }
  if (peek_kind(P) == TK_RBRACE) return 1;
  error_at_token(P, "end of statement");
  return 0;
}

/* Skips to the end of the current statement; stops before '}' or EOF. */
static void sync_statement(Parser *P) {
  int depth = 0;
  for (;;) {
    TokenKind k = peek_kind(P);
    if (k == TK_EOF) return;
    if (k == TK_LBRACE) depth++;
    if (k == TK_RBRACE) {
      if (depth == 0) return;
      depth--;
    }
    if ((k == TK_NEWLINE || k == TK_SEMI) && depth == 0) {
      advance(P);
      return;
    }
    if ((k == TK_FN || k == TK_CONST) && starts_line(P)) return;
    advance(P);
  }
}

/* Skips to the next top-level definition: 'fn' or 'const' at a line start. */
static void sync_item(Parser *P) {
  for (;;) {
    TokenKind k = peek_kind(P);
    if (k == TK_EOF) return;
    if ((k == TK_FN || k == TK_CONST) && starts_line(P)) return;
    advance(P);
  }
}

typedef struct NameVec {
  AstName *v;
  int n, cap;
} NameVec;

static AstName *names_finish(Parser *P, NameVec *nv) {
  AstName *out = nv->n ? ARENA_ARRAY(P->arena, AstName, nv->n) : NULL;
  if (nv->n) memcpy(out, nv->v, sizeof(AstName) * (size_t)nv->n);
  free(nv->v);
  return out;
}

static void names_push(NameVec *nv, AstName n) {
  if (nv->n == nv->cap) {
    nv->cap = nv->cap ? nv->cap * 2 : 8;
    nv->v = xrealloc(nv->v, sizeof(AstName) * (size_t)nv->cap);
  }
  nv->v[nv->n++] = n;
}

static int parse_name_list(Parser *P, NameVec *nv, const char *what) {
  for (;;) {
    AstName n;
    if (!expect_name(P, &n, what)) return 0;
    names_push(nv, n);
    if (!accept(P, TK_COMMA)) return 1;
    skip_newlines(P);
  }
}

/* let h[j] = ...: the index variables of an element-wise definition */
static int parse_let_indices(Parser *P, AstLet *let) {
  if (!accept(P, TK_LBRACKET)) return 1;
  NameVec nv = {0};
  if (!parse_name_list(P, &nv, "an index variable")) {
    free(nv.v);
    return 0;
  }
  if (!expect(P, TK_RBRACKET, "',' or ']' after the index variables")) {
    free(nv.v);
    return 0;
  }
  let->nidx = nv.n;
  let->idx = names_finish(P, &nv);
  return 1;
}

typedef struct LetVec {
  AstLet *v;
  int n, cap;
} LetVec;

/* block = "{" { END } { "let" NAME "=" expr END } "return" expr { END } "}" */
static int parse_block(Parser *P, AstFunc *fn) {
  const Token *open = advance(P);
  LetVec lets = {0};
  Ast *body = NULL;
  int ok = 1;
  for (;;) {
    while (accept(P, TK_NEWLINE) || accept(P, TK_SEMI)) {
    }
    TokenKind k = peek_kind(P);
    if (k == TK_RBRACE || k == TK_EOF) break;
    if ((k == TK_FN || k == TK_CONST) && starts_line(P)) break; /* a '}' is missing */
    P->failed = 0;
    P->stmt_start = P->pos;
    if (k == TK_LET) {
      advance(P);
      AstLet let = {0};
      if (body && !P->failed) {
        diag_error(P->d, P->tok[P->pos - 1].span, "'let' after 'return': the return statement must come last");
        P->failed = 1;
      }
      if (!P->failed && expect_name(P, &let.name, "a name after 'let'") && parse_let_indices(P, &let) &&
          expect(P, TK_ASSIGN, "'='") && (let.value = parse_expr(P)) && expect_end(P)) {
        if (lets.n == lets.cap) {
          lets.cap = lets.cap ? lets.cap * 2 : 8;
          lets.v = xrealloc(lets.v, sizeof(AstLet) * (size_t)lets.cap);
        }
        lets.v[lets.n++] = let;
        continue;
      }
    } else if (k == TK_RETURN) {
      const Token *kw = advance(P);
      if (body) {
        diag_error(P->d, kw->span, "a block has exactly one 'return'");
        P->failed = 1;
      }
      Ast *e = P->failed ? NULL : parse_expr(P);
      if (e && expect_end(P)) {
        body = e;
        continue;
      }
    } else {
      error_at_token(P, "'let' or 'return' in a block");
    }
    ok = 0;
    sync_statement(P);
  }
  fn->nlets = lets.n;
  fn->lets = lets.n ? ARENA_ARRAY(P->arena, AstLet, lets.n) : NULL;
  if (lets.n) memcpy(fn->lets, lets.v, sizeof(AstLet) * (size_t)lets.n);
  free(lets.v);
  if (peek_kind(P) != TK_RBRACE) {
    P->failed = 0;
    P->stmt_start = P->pos;
    error_at_token(P, "'}'");
    diag_note(P->d, open->span, "to match this '{'");
    return 0;
  }
  const Token *close = advance(P);
  if (ok && !body) {
    diag_error(P->d, close->span, "function '%s' has no 'return' statement", fn->name.name);
    return 0;
  }
  fn->body = body;
  fn->span = span_join(fn->span, close->span);
  return ok;
}

/* dim = NAME | NUMBER: a size variable or a fixed extent */
static int parse_dim(Parser *P, AstDim *d) {
  const Token *t = peek(P);
  d->span = t->span;
  if (t->kind == TK_NAME) {
    d->size = advance(P)->name;
    return 1;
  }
  if (t->kind == TK_NUM) {
    advance(P);
    if (t->num != (double)(long long)t->num || t->num < 1 || t->num > 1e9) {
      if (!P->failed) diag_error(P->d, t->span, "a fixed array extent must be a whole number from 1 to 1000000000");
      P->failed = 1;
      return 0;
    }
    d->fixed = (long long)t->num;
    return 1;
  }
  error_at_token(P, "a size name or a number as the array extent");
  return 0;
}

/* params = param {"," param}; param = NAME ["[" dim {"," dim} "]"] */
static int parse_params(Parser *P, NameVec *nv, AstShape **shapes) {
  for (;;) {
    AstName n;
    if (!expect_name(P, &n, "a parameter name")) return 0;
    names_push(nv, n);
    *shapes = xrealloc(*shapes, sizeof(AstShape) * (size_t)nv->n);
    AstShape *sh = &(*shapes)[nv->n - 1];
    memset(sh, 0, sizeof *sh);
    if (accept(P, TK_LBRACKET)) {
      const Token *open = &P->tok[P->pos - 1];
      for (;;) {
        if (sh->ndims == AST_MAX_DIMS) {
          if (!P->failed) diag_error(P->d, peek(P)->span, "arrays have at most %d dimensions", AST_MAX_DIMS);
          P->failed = 1;
          return 0;
        }
        if (!parse_dim(P, &sh->dim[sh->ndims++])) return 0;
        if (!accept(P, TK_COMMA)) break;
      }
      if (peek_kind(P) != TK_RBRACKET) {
        error_at_token(P, "',' or ']' after the array extents");
        diag_note(P->d, open->span, "to match this '['");
        return 0;
      }
      advance(P);
    }
    if (!accept(P, TK_COMMA)) return 1;
    skip_newlines(P);
  }
}

static AstFunc *parse_fn(Parser *P) {
  const Token *kw = advance(P);
  AstFunc *fn = ARENA_NEW(P->arena, AstFunc);
  fn->span = kw->span;
  if (!expect_name(P, &fn->name, "a function name")) return NULL;
  if (!expect(P, TK_LPAREN, "'(' after the function name")) return NULL;
  NameVec params = {0};
  AstShape *shapes = NULL;
  skip_newlines(P);
  if (peek_kind(P) != TK_RPAREN && !parse_params(P, &params, &shapes)) {
    free(params.v), free(shapes);
    return NULL;
  }
  skip_newlines(P);
  if (!expect(P, TK_RPAREN, "',' or ')' after the parameters")) {
    free(params.v), free(shapes);
    return NULL;
  }
  fn->nparams = params.n;
  fn->params = names_finish(P, &params);
  fn->shapes = ARENA_ARRAY(P->arena, AstShape, params.n ? params.n : 1);
  if (params.n) memcpy(fn->shapes, shapes, sizeof(AstShape) * (size_t)params.n);
  free(shapes);
  if (accept(P, TK_WRT)) {
    NameVec wrt = {0};
    fn->has_wrt = 1;
    if (!parse_name_list(P, &wrt, "a variable name after 'wrt'")) {
      free(wrt.v);
      return NULL;
    }
    fn->nwrt = wrt.n;
    fn->wrt = names_finish(P, &wrt);
  }
  if (peek_kind(P) == TK_HESSIAN) {
    fn->hessian = 1;
    fn->hessian_span = advance(P)->span;
  }
  if (peek_kind(P) == TK_LBRACE) return parse_block(P, fn) ? fn : NULL;
  if (!expect(P, TK_ASSIGN, "'=' or '{' to start the function body")) return NULL;
  fn->body = parse_expr(P);
  if (!fn->body || !expect_end(P)) return NULL;
  fn->span = span_join(fn->span, fn->body->span);
  return fn;
}

static AstConst *parse_const(Parser *P) {
  advance(P);
  AstConst *c = ARENA_NEW(P->arena, AstConst);
  if (!expect_name(P, &c->name, "a constant name") || !expect(P, TK_ASSIGN, "'='")) return NULL;
  c->value = parse_expr(P);
  if (!c->value || !expect_end(P)) return NULL;
  return c;
}

AstFile parse_file(const TokenList *toks, const Source *src, Arena *arena, Diag *d) {
  Parser P = {.tok = toks->tok, .count = toks->count, .src = src, .arena = arena, .d = d};
  AstItem *items = NULL;
  int n = 0, cap = 0;
  for (;;) {
    while (accept(&P, TK_NEWLINE) || accept(&P, TK_SEMI)) {
    }
    if (peek_kind(&P) == TK_EOF) break;
    P.failed = 0;
    P.depth = 0;
    P.stmt_start = P.pos;
    AstItem item = {0};
    if (peek_kind(&P) == TK_FN) {
      item.kind = ITEM_FUNC;
      item.func = parse_fn(&P);
    } else if (peek_kind(&P) == TK_CONST) {
      item.kind = ITEM_CONST;
      item.konst = parse_const(&P);
    } else {
      error_at_token(&P, "'fn' or 'const'");
    }
    if (!item.func && !item.konst) {
      if (!P.failed && diag_error_count(d) == 0) error_at_token(&P, "a definition");
      if (!((peek_kind(&P) == TK_FN || peek_kind(&P) == TK_CONST) && starts_line(&P))) advance(&P);
      sync_item(&P);
      continue;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      items = xrealloc(items, sizeof(AstItem) * (size_t)cap);
    }
    items[n++] = item;
  }
  AstFile f = {.items = NULL, .nitems = n};
  if (n) {
    f.items = ARENA_ARRAY(arena, AstItem, n);
    memcpy(f.items, items, sizeof(AstItem) * (size_t)n);
  }
  free(items);
  return f;
}
