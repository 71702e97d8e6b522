/* parser.h — tokens to AST. Reports every syntax error of the file (one per
 * statement, then resynchronizes at the next statement or definition). */
#ifndef PDC_PARSER_H
#define PDC_PARSER_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "lexer.h"

/* Deepest nesting of parentheses, calls, unary operators and powers the
 * parser accepts; deeper input is an error, not a stack overflow. */
enum { PARSE_MAX_DEPTH = 256 };

AstFile parse_file(const TokenList *toks, const Source *src, Arena *arena, Diag *d);

#endif
