/* ast.c — s-expression dump of the AST (--dump=ast). Chains print as the
 * left-associated binary operations they stand for: a - b + c is
 * (+ (- a b) c). */
#include "ast.h"

#include "lexer.h"

static void dump_kids(Buf *out, const Ast *e, int from) {
  for (int i = from; i < e->nkids; i++) {
    buf_putc(out, ' ');
    ast_dump_expr(out, e->kids[i]);
  }
}

void ast_dump_expr(Buf *out, const Ast *e) {
  switch (e->kind) {
  case AST_NUM: buf_put_double(out, e->num); return;
  case AST_NAME: buf_puts(out, e->name); return;
  case AST_NEG:
    buf_puts(out, "(neg");
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_NOT:
    buf_puts(out, "(not");
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_POW:
    buf_puts(out, "(pow");
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_AND:
    buf_puts(out, "(and");
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_OR:
    buf_puts(out, "(or");
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_IF:
    buf_puts(out, "(if");
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_CMP:
    buf_printf(out, "(%s", lex_token_name((TokenKind)e->ops[0]));
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_CALL:
    buf_printf(out, "(call %s", e->name);
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_INDEX:
    buf_printf(out, "(index %s", e->name);
    dump_kids(out, e, 0);
    buf_putc(out, ')');
    return;
  case AST_REDUCE:
    buf_printf(out, "(%s", e->is_prod ? "prod" : "sum");
    for (int i = 0; i < e->nbinders; i++) {
      buf_printf(out, " (%s ", e->binders[i].name);
      ast_dump_expr(out, e->kids[2 * i]);
      buf_putc(out, ' ');
      ast_dump_expr(out, e->kids[2 * i + 1]);
      buf_putc(out, ')');
    }
    buf_putc(out, ' ');
    ast_dump_expr(out, e->kids[e->nkids - 1]);
    buf_putc(out, ')');
    return;
  case AST_SUM:
  case AST_PROD:
    for (int i = e->nkids - 1; i >= 1; i--) buf_printf(out, "(%s ", lex_token_name((TokenKind)e->ops[i]));
    ast_dump_expr(out, e->kids[0]);
    for (int i = 1; i < e->nkids; i++) {
      buf_putc(out, ' ');
      ast_dump_expr(out, e->kids[i]);
      buf_putc(out, ')');
    }
    return;
  }
}

static void dump_names(Buf *out, const AstName *v, int n) {
  for (int i = 0; i < n; i++) buf_printf(out, "%s%s", i ? ", " : "", v[i].name);
}

static void dump_params(Buf *out, const AstFunc *fn) {
  for (int i = 0; i < fn->nparams; i++) {
    buf_printf(out, "%s%s", i ? ", " : "", fn->params[i].name);
    const AstShape *sh = fn->shapes ? &fn->shapes[i] : NULL;
    for (int k = 0; sh && k < sh->ndims; k++) {
      buf_puts(out, k ? ", " : "[");
      if (sh->dim[k].size) buf_puts(out, sh->dim[k].size);
      else buf_printf(out, "%lld", sh->dim[k].fixed);
    }
    if (sh && sh->ndims) buf_putc(out, ']');
  }
}

void ast_dump_file(Buf *out, const AstFile *f) {
  for (int i = 0; i < f->nitems; i++) {
    const AstItem *it = &f->items[i];
    if (it->kind == ITEM_CONST) {
      buf_printf(out, "const %s\n  ", it->konst->name.name);
      ast_dump_expr(out, it->konst->value);
      buf_putc(out, '\n');
      continue;
    }
    const AstFunc *fn = it->func;
    buf_printf(out, "fn %s(", fn->name.name);
    dump_params(out, fn);
    buf_putc(out, ')');
    if (fn->has_wrt) {
      buf_puts(out, " wrt ");
      dump_names(out, fn->wrt, fn->nwrt);
    }
    if (fn->hessian) buf_puts(out, " hessian");
    buf_putc(out, '\n');
    for (int k = 0; k < fn->nlets; k++) {
      buf_printf(out, "  (let %s", fn->lets[k].name.name);
      if (fn->lets[k].nidx) {
        buf_putc(out, '[');
        dump_names(out, fn->lets[k].idx, fn->lets[k].nidx);
        buf_putc(out, ']');
      }
      buf_putc(out, ' ');
      ast_dump_expr(out, fn->lets[k].value);
      buf_puts(out, ")\n");
    }
    buf_puts(out, "  ");
    ast_dump_expr(out, fn->body);
    buf_putc(out, '\n');
  }
}
