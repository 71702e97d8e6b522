/* lexer.h — bytes to tokens. The whole file is tokenized up front into an
 * array (the parser needs one token of lookahead and cheap backtracking for
 * error recovery). Newlines are tokens because they end statements, except
 * inside parentheses, where an expression may continue on the next line. */
#ifndef PDC_LEXER_H
#define PDC_LEXER_H

#include "arena.h"
#include "diag.h"

typedef enum {
#define X(kind, spelling) kind,
#include "tokens.def"
  TK_COUNT
} TokenKind;

typedef struct Token {
  TokenKind kind;
  Span span;
  double num;       /* TK_NUM */
  const char *name; /* TK_NAME: NUL-terminated copy in the arena */
  int after_error;  /* a lexical error was reported just before or at it */
} Token;

typedef struct TokenList {
  Token *tok;
  size_t count; /* the last token is always TK_EOF */
} TokenList;

/* Tokenizes src; lexical errors are reported to d and skipped. */
TokenList lex_source(const Source *src, Arena *arena, Diag *d);
const char *lex_token_name(TokenKind k);
/* Reserved words, for diagnostics that suggest names. */
int lex_is_keyword(const char *name);

#endif
