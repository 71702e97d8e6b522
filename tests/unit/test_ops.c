/* test_ops.c — the operation table (ops.def) against what is said of it
 * elsewhere: the built-ins table of docs/language.md lists exactly the
 * callable operations, with their arity and lowering; each row is
 * self-consistent (flags, lowering, evaluation). */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "expr.h"
#include "unit.h"

enum { MAX_ROWS = 128 };

typedef struct DocRow {
  char name[32];
  int arity;
  char code[64];
} DocRow;

/* The `| `name(args)` | arity | computes | derivative | code |` rows of
 * the section "## Built-in functions", up to the next heading or text. */
static int read_doc_rows(const char *path, DocRow *rows) {
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (!f) return 0;
  char line[1024];
  int in_section = 0, n = 0;
  while (fgets(line, sizeof line, f) && n < MAX_ROWS) {
    if (strncmp(line, "## ", 3) == 0) in_section = strcmp(line, "## Built-in functions\n") == 0;
    if (!in_section || strncmp(line, "| `", 3) != 0) continue;
    const char *open = strchr(line + 3, '(');
    const char *tick = strchr(line + 3, '`');
    if (!open || !tick || open > tick || (size_t)(open - line - 3) >= sizeof rows[n].name) continue;
    DocRow *r = &rows[n++];
    memcpy(r->name, line + 3, (size_t)(open - line - 3));
    r->name[open - line - 3] = '\0';
    const char *bar = strchr(tick, '|');
    r->arity = bar ? atoi(bar + 1) : -1;
    const char *last = strrchr(line, '|'), *code = last;
    while (code > line && code[-1] != '|') code--;
    size_t len = last && code < last ? (size_t)(last - code) : 0;
    if (len >= sizeof r->code) len = sizeof r->code - 1;
    memcpy(r->code, code, len);
    r->code[len] = '\0';
  }
  fclose(f);
  return n;
}

static const DocRow *find_row(const DocRow *rows, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(rows[i].name, name) == 0) return &rows[i];
  return NULL;
}

static void test_docs_list_exactly_the_builtins(void) {
  static DocRow rows[MAX_ROWS];
  int n = read_doc_rows(PDC_SOURCE_DIR "/docs/language.md", rows);
  int callable = 0;
  for (int op = 0; op < EX_NUM_OPS; op++) {
    const OpInfo *info = ex_op_info((ExprOp)op);
    if (!(info->flags & OPF_CALL)) continue;
    callable++;
    const DocRow *r = find_row(rows, n, info->name);
    if (!r) fprintf(stderr, "docs/language.md does not list the built-in '%s'\n", info->name);
    CHECK(r != NULL);
    if (!r) continue;
    CHECK(r->arity == info->arity);
    char want[64];
    if (info->llvm) {
      snprintf(want, sizeof want, "`%s`", info->llvm);
      if (strstr(r->code, "`llvm.")) CHECK(strstr(r->code, want) != NULL);
    } else if (info->libm) {
      snprintf(want, sizeof want, "libm `%s`", info->libm);
      CHECK(strstr(r->code, want) != NULL);
    }
    CHECK(info->summary && *info->summary);
    CHECK(builtin_lookup(info->name) == op);
  }
  for (int i = 0; i < n; i++) {
    if (builtin_lookup(rows[i].name) < 0) fprintf(stderr, "docs/language.md lists '%s', not a built-in\n", rows[i].name);
    CHECK(builtin_lookup(rows[i].name) >= 0);
  }
  CHECK(n == callable);
}

static void test_rows_are_consistent(void) {
  for (int op = 0; op < EX_NUM_OPS; op++) {
    const OpInfo *info = ex_op_info((ExprOp)op);
    CHECK(info->arity >= 0 && info->arity <= 3);
    if (info->flags & OPF_CALL) CHECK(info->arity >= 1); /* a call has arguments */
    if (info->flags & OPF_VEC) CHECK(info->libm != NULL); /* the variants are named after libm */
    if (info->flags & OPF_BOOL) CHECK(info->flags & OPF_FLAT);
    if (info->flags & OPF_COMM) CHECK(info->arity == 2);
  }
}

/* The evaluation column is what constant folding computes. */
static void test_folding_uses_the_eval_column(void) {
  Arena arena;
  ExprCtx cx;
  arena_init(&arena);
  ex_ctx_init(&cx, &arena);
  double args[2] = {0.375, 1.25};
  for (int op = 0; op < EX_NUM_OPS; op++) {
    const OpInfo *info = ex_op_info((ExprOp)op);
    if (!(info->flags & OPF_CALL)) continue;
    Expr *kids[2] = {ex_num(&cx, args[0]), ex_num(&cx, args[1])};
    Expr *folded = ex_make(&cx, (ExprOp)op, kids);
    CHECK(ex_is_const(folded));
    CHECK(folded->num == ex_eval_op((ExprOp)op, 0, args));
  }
  CHECK(ex_eval_op(EX_FLOOR, 0, (double[]){-2.5}) == -3.0);
  CHECK(ex_eval_op(EX_CEIL, 0, (double[]){-2.5}) == -2.0);
  CHECK(ex_eval_op(EX_SIGN, 0, (double[]){-0.0}) == 0.0);
  ex_ctx_free(&cx);
  arena_free_all(&arena);
}

int main(void) {
  RUN(test_docs_list_exactly_the_builtins);
  RUN(test_rows_are_consistent);
  RUN(test_folding_uses_the_eval_column);
  return unit_report();
}
