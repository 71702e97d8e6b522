/* test_lexer.c — token kinds, numbers, newlines as statement ends, and
 * lexical errors that are reported once and skipped. */
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "unit.h"

typedef struct Lexed {
  Arena arena;
  Source src;
  Diag d;
  TokenList toks;
} Lexed;

static void lex(Lexed *l, const char *text) {
  arena_init(&l->arena);
  l->src = (Source){"t.pd", text, (uint32_t)strlen(text), NULL, 0};
  diag_init(&l->d, &l->src);
  l->toks = lex_source(&l->src, &l->arena, &l->d);
}

static void unlex(Lexed *l) {
  free(l->toks.tok);
  diag_free(&l->d);
  source_free(&l->src);
  arena_free_all(&l->arena);
}

static void test_kinds(void) {
  Lexed l;
  lex(&l, "fn f(x) = x**2 <= 3 # comment\n");
  static const TokenKind want[] = {TK_FN, TK_NAME, TK_LPAREN, TK_NAME, TK_RPAREN, TK_ASSIGN, TK_NAME,
                                   TK_CARET, TK_NUM, TK_LE, TK_NUM, TK_NEWLINE, TK_EOF};
  CHECK(l.toks.count == sizeof want / sizeof want[0]);
  for (size_t i = 0; i < l.toks.count && i < sizeof want / sizeof want[0]; i++) CHECK(l.toks.tok[i].kind == want[i]);
  CHECK(diag_error_count(&l.d) == 0);
  unlex(&l);
}

static void test_numbers(void) {
  Lexed l;
  lex(&l, "3 2.5 .5 1e-3 6.02E23");
  double want[] = {3, 2.5, .5, 1e-3, 6.02e23};
  for (int i = 0; i < 5; i++) CHECK(l.toks.tok[i].kind == TK_NUM && l.toks.tok[i].num == want[i]);
  unlex(&l);
}

static void test_bad_numbers_are_one_error_each(void) {
  Lexed l;
  lex(&l, "1.2.3 1e 3x 1e999");
  CHECK(diag_error_count(&l.d) == 4);
  CHECK(strstr(buf_cstr(&l.d.out), "t.pd:1:1: error: invalid number '1.2.3'") != NULL);
  CHECK(strstr(buf_cstr(&l.d.out), "too large") != NULL);
  unlex(&l);
}

static void test_newlines_inside_parentheses_do_not_end_statements(void) {
  Lexed l;
  lex(&l, "(a\n+ b)\n\n\nc");
  int newlines = 0;
  for (size_t i = 0; i < l.toks.count; i++) newlines += l.toks.tok[i].kind == TK_NEWLINE;
  CHECK(newlines == 2); /* one collapsed run after ')', one at the end */
  unlex(&l);
}

static void test_utf8_character_is_one_error(void) {
  Lexed l;
  lex(&l, "x \xce\xbb y");
  CHECK(diag_error_count(&l.d) == 1);
  CHECK(strstr(buf_cstr(&l.d.out), "1:3: error: unexpected character") != NULL);
  unlex(&l);
}

int main(void) {
  RUN(test_kinds);
  RUN(test_numbers);
  RUN(test_bad_numbers_are_one_error_each);
  RUN(test_newlines_inside_parentheses_do_not_end_statements);
  RUN(test_utf8_character_is_one_error);
  return unit_report();
}
