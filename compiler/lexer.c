/* lexer.c — hand-written scanner for .pd files.
 *
 *   number = digits ["." [digits]] [exponent] | "." digits [exponent]
 *   exponent = ("e" | "E") ["+" | "-"] digits
 *   name   = (letter | "_") {letter | digit | "_"}
 *   comment = "#" to end of line
 *
 * "**" is an alias of "^". A number immediately followed by a letter, digit
 * or dot ("1.2.3", "2x", "1e") is one bad token, reported once. A number too
 * large for a double is an error, never a silent infinity. */
#include "lexer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const token_names[] = {
#define X(kind, spelling) spelling,
#include "tokens.def"
};

static const struct {
  const char *word;
  TokenKind kind;
} keywords[] = {
#define X(kind, spelling)
#define KW(kind, spelling) {spelling, kind},
#include "tokens.def"
};

const char *lex_token_name(TokenKind k) { return k < TK_COUNT ? token_names[k] : "?"; }

int lex_is_keyword(const char *name) {
  for (size_t i = 0; i < countof(keywords); i++)
    if (strcmp(keywords[i].word, name) == 0) return 1;
  return 0;
}

typedef struct Lexer {
  const Source *src;
  const char *s;
  uint32_t pos, len;
  int paren_depth;
  Arena *arena;
  Diag *d;
  Token *tok;
  size_t count, cap;
  int bad_pending; /* a bad character was skipped since the last token */
} Lexer;

static void push(Lexer *L, TokenKind kind, uint32_t start, uint32_t end) {
  if (L->count == L->cap) {
    L->cap = L->cap ? L->cap * 2 : 256;
    L->tok = xrealloc(L->tok, L->cap * sizeof(Token));
  }
  Token *t = &L->tok[L->count++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->span = (Span){start, end - start};
  t->after_error = L->bad_pending;
  L->bad_pending = 0;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }

static int peekc(const Lexer *L, uint32_t k) { return L->pos + k < L->len ? (unsigned char)L->s[L->pos + k] : -1; }

static uint32_t scan_digits(Lexer *L) {
  uint32_t n = 0;
  while (is_digit(peekc(L, 0))) L->pos++, n++;
  return n;
}

static void lex_number(Lexer *L) {
  uint32_t start = L->pos;
  int ok = 1;
  uint32_t int_digits = scan_digits(L), frac_digits = 0;
  if (peekc(L, 0) == '.' && peekc(L, 1) != '.') { /* 0..n is 0, "..", n */
    L->pos++;
    frac_digits = scan_digits(L);
  }
  if (int_digits + frac_digits == 0) ok = 0;
  if (peekc(L, 0) == 'e' || peekc(L, 0) == 'E') {
    L->pos++;
    if (peekc(L, 0) == '+' || peekc(L, 0) == '-') L->pos++;
    if (scan_digits(L) == 0) ok = 0;
  }
  /* swallow the rest of a malformed literal such as 1.2.3 or 3x4 */
  while (is_alnum(peekc(L, 0)) || (peekc(L, 0) == '.' && peekc(L, 1) != '.')) L->pos++, ok = 0;
  push(L, TK_NUM, start, L->pos);
  Token *t = &L->tok[L->count - 1];
  if (!ok) {
    diag_error(L->d, t->span, "invalid number '%.*s'", (int)t->span.len, L->s + start);
    t->after_error = 1;
    return;
  }
  char tmp[64];
  const char *text = L->s + start;
  char *heap = NULL;
  size_t n = L->pos - start;
  if (n < sizeof tmp) {
    memcpy(tmp, text, n);
    tmp[n] = '\0';
    text = tmp;
  } else {
    text = heap = arena_strndup(L->arena, text, n);
  }
  (void)heap;
  errno = 0;
  double v = strtod(text, NULL);
  if (errno == ERANGE && (v > 1.0 || v < -1.0)) {
    diag_error(L->d, t->span, "number '%s' is too large for a double", text);
    v = 0;
  } else if (errno == ERANGE && v == 0.0) {
    diag_error(L->d, t->span, "number '%s' is too small for a double (it would be 0)", text);
  }
  t->num = v;
}

static void lex_name(Lexer *L) {
  uint32_t start = L->pos;
  while (is_alnum(peekc(L, 0))) L->pos++;
  const char *w = L->s + start;
  size_t n = L->pos - start;
  for (size_t i = 0; i < countof(keywords); i++) {
    if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, w, n) == 0) {
      push(L, keywords[i].kind, start, L->pos);
      return;
    }
  }
  push(L, TK_NAME, start, L->pos);
  L->tok[L->count - 1].name = arena_strndup(L->arena, w, n);
}

/* One UTF-8 sequence (or one stray byte) for the "unexpected character"
 * message, so a bad character is reported once, not once per byte. */
static uint32_t utf8_len(const Lexer *L) {
  int c = peekc(L, 0);
  uint32_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  uint32_t k = 1;
  while (k < n && L->pos + k < L->len && ((unsigned char)L->s[L->pos + k] & 0xC0) == 0x80) k++;
  return k;
}

/* A complete UTF-8 sequence of n bytes led by c (overlong and surrogate
 * forms aside, which a terminal shows as a replacement character anyway). */
static int utf8_complete(int c, uint32_t n) {
  uint32_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  return c >= 0xC2 && c <= 0xF4 && n == want;
}

/* Printable ASCII only: what may be quoted back in a message. */
static int is_plain_text(const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 32 || (unsigned char)s[i] > 126) return 0;
  return 1;
}

/* Characters newcomers type for operators pdc spells differently. |x| is
 * reported once, with both bars under the caret, not once per bar. */
static int lex_foreign_operator(Lexer *L) {
  static const struct {
    const char *text, *message;
  } foreign[] = {
      {"||", "'||' is not an operator; logical or is written 'or'"},
      {"&&", "'&&' is not an operator; logical and is written 'and'"},
      {"!", "'!' is not an operator; logical not is written 'not' (and 'not equal' '!=')"},
  };
  for (size_t i = 0; i < countof(foreign); i++) {
    size_t n = strlen(foreign[i].text);
    if (L->pos + n <= L->len && memcmp(L->s + L->pos, foreign[i].text, n) == 0) {
      diag_error(L->d, (Span){L->pos, (uint32_t)n}, "%s", foreign[i].message);
      L->pos += (uint32_t)n;
      return 1;
    }
  }
  if (peekc(L, 0) != '|') return 0;
  uint32_t close = L->pos + 1;
  while (close < L->len && L->s[close] != '|' && L->s[close] != '\n') close++;
  if (close < L->len && L->s[close] == '|') {
    uint32_t inner = close - L->pos - 1;
    if (inner <= 40 && is_plain_text(L->s + L->pos + 1, inner))
      diag_error(L->d, (Span){L->pos, close + 1 - L->pos}, "absolute value bars are not pdc syntax; write abs(%.*s)",
                 (int)inner, L->s + L->pos + 1);
    else diag_error(L->d, (Span){L->pos, close + 1 - L->pos}, "absolute value bars are not pdc syntax; write abs(...)");
    L->pos = close + 1; /* the bars and what is between them */
  } else {
    diag_error(L->d, (Span){L->pos, 1}, "unexpected character '|' (absolute value: abs(x); logical or: 'or')");
    L->pos++;
  }
  return 1;
}

static void lex_bad_char(Lexer *L) {
  L->bad_pending = 1;
  if (lex_foreign_operator(L)) return;
  uint32_t start = L->pos, n = utf8_len(L);
  int c = peekc(L, 0);
  Span sp = {start, n};
  if (c == 0) diag_error(L->d, sp, "NUL byte in source file");
  else if (c < 32 || c == 127) diag_error(L->d, sp, "unexpected control character (byte 0x%02x)", c);
  else if (c >= 128 && !utf8_complete(c, n)) diag_error(L->d, sp, "invalid UTF-8 (byte 0x%02x)", c);
  else if (c >= 128)
    diag_error(L->d, sp, "unexpected character '%.*s' (pdc source is ASCII outside comments)", (int)n, L->s + start);
  else diag_error(L->d, sp, "unexpected character '%c'", c);
  L->pos += n;
}

/* Punctuation, longest match first. Returns 0 when c starts none. */
static int lex_punct(Lexer *L) {
  static const struct {
    const char *text;
    TokenKind kind;
  } puncts[] = {
      {"**", TK_CARET}, {"<=", TK_LE},      {">=", TK_GE},      {"==", TK_EQ},     {"!=", TK_NE},    {"(", TK_LPAREN},
      {")", TK_RPAREN}, {"{", TK_LBRACE},   {"}", TK_RBRACE},   {",", TK_COMMA},   {";", TK_SEMI},   {"+", TK_PLUS},
      {"-", TK_MINUS},  {"*", TK_STAR},     {"/", TK_SLASH},    {"^", TK_CARET},   {"=", TK_ASSIGN}, {"<", TK_LT},
      {">", TK_GT},     {"[", TK_LBRACKET}, {"]", TK_RBRACKET}, {"..", TK_DOTDOT},
  };
  for (size_t i = 0; i < countof(puncts); i++) {
    size_t n = strlen(puncts[i].text);
    if (L->pos + n <= L->len && memcmp(L->s + L->pos, puncts[i].text, n) == 0) {
      /* brackets, like parentheses, let an expression run over lines */
      if (puncts[i].kind == TK_LPAREN || puncts[i].kind == TK_LBRACKET) L->paren_depth++;
      if ((puncts[i].kind == TK_RPAREN || puncts[i].kind == TK_RBRACKET) && L->paren_depth > 0) L->paren_depth--;
      /* A brace resets the paren count so a missing ')' does not swallow
       * the newlines of every following statement. */
      if (puncts[i].kind == TK_LBRACE || puncts[i].kind == TK_RBRACE) L->paren_depth = 0;
      push(L, puncts[i].kind, L->pos, L->pos + (uint32_t)n);
      L->pos += (uint32_t)n;
      return 1;
    }
  }
  return 0;
}

/* Whether the line starting at pos begins with `fn` or `const`. */
static int starts_definition(const Lexer *L, uint32_t pos) {
  while (pos < L->len && (L->s[pos] == ' ' || L->s[pos] == '\t' || L->s[pos] == '\r')) pos++;
  static const char *const words[] = {"fn", "const"};
  for (size_t i = 0; i < countof(words); i++) {
    size_t n = strlen(words[i]);
    if (pos + n <= L->len && memcmp(L->s + pos, words[i], n) == 0 &&
        (pos + n == L->len || !is_alnum((unsigned char)L->s[pos + n])))
      return 1;
  }
  return 0;
}

TokenList lex_source(const Source *src, Arena *arena, Diag *d) {
  Lexer L = {.src = src, .s = src->text, .len = src->len, .arena = arena, .d = d};
  while (L.pos < L.len) {
    int c = peekc(&L, 0);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      L.pos++;
    } else if (c == '\n') {
      /* A definition keyword at the start of a line closes any parentheses
       * left open above it, so a missing ')' costs one error, not the rest
       * of the file. */
      if (L.paren_depth > 0 && starts_definition(&L, L.pos + 1)) L.paren_depth = 0;
      if (L.paren_depth == 0 && (L.count == 0 || L.tok[L.count - 1].kind != TK_NEWLINE))
        push(&L, TK_NEWLINE, L.pos, L.pos + 1);
      L.pos++;
    } else if (c == '#') {
      while (L.pos < L.len && L.s[L.pos] != '\n') L.pos++;
    } else if (c == '\\' && (peekc(&L, 1) == '\n' || (peekc(&L, 1) == '\r' && peekc(&L, 2) == '\n'))) {
      L.pos += peekc(&L, 1) == '\r' ? 3 : 2; /* explicit line continuation */
    } else if (is_digit(c) || (c == '.' && is_digit(peekc(&L, 1)))) {
      lex_number(&L);
    } else if (is_alpha(c)) {
      lex_name(&L);
    } else if (!lex_punct(&L)) {
      lex_bad_char(&L);
    }
  }
  if (L.paren_depth == 0 && (L.count == 0 || L.tok[L.count - 1].kind != TK_NEWLINE)) push(&L, TK_NEWLINE, L.len, L.len);
  push(&L, TK_EOF, L.len, L.len);
  return (TokenList){L.tok, L.count};
}
