/* jit.c — pd_compile: the compiler library in front of ORC LLJIT.
 *
 * The pipeline is pdc's, piece for piece: frontend_run (lex, parse, sema,
 * lower, differentiate), then emit_make_target_machine and
 * emit_build_module (codegen, verification, default<On> with the target
 * machine), so the IR is exactly the IR pdc would emit. What pdc would then
 * hand to the target machine's object emitter goes to an LLJIT instead, and
 * the JIT is built from that same target machine (triple, CPU, features,
 * code generation level), so the machine code matches the object's too.
 *
 * Each module owns its own LLJIT and LLVM context. That costs a few
 * milliseconds per module, and buys what the API promises: modules are
 * independent, free their code when freed, and can be compiled in
 * different threads at once with no lock around LLVM.
 *
 * Every symbol is looked up right after compilation, which makes LLJIT
 * generate the machine code there and then: pd_compile reports every
 * failure, and pd_symbol is a read-only table lookup that can never fail
 * late and is safe from any thread. */
#define _POSIX_C_SOURCE 200809L /* newlocale, uselocale: also under a strict -std=c17 */

#include "pd_runtime.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>
#include <llvm/Config/llvm-config.h>
#include <locale.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "affine.h"
#include "arena.h"
#include "emit_llvm.h"
#include "frontend.h"
#include "jit_internal.h"
#include "sema.h"
#include "source_file.h"
#include "strmap.h"

struct pd_module {
  LLVMOrcLLJITRef jit; /* owns the code */
  Arena arena;         /* names, arrays and the pd_function records */
  pd_function *funcs;
  int nfuncs;
  StrMap symbols;   /* generated symbol -> address */
  StrMap by_name;   /* function name as written -> pd_function */
  char *jit_errors; /* what ORC's session reports on its own (plain malloc, see collect_jit_error) */
  size_t jit_errors_len;
};

/* Every field's zero is its default (pd_runtime.h). */
void pd_options_init(pd_options *opts) { memset(opts, 0, sizeof *opts); }

/* ---- diagnostics ------------------------------------------------------- */

/* Problems without a place in the source read as pdc prints them. */
static void diag_plain(Buf *diag, const char *what, const char *msg) { buf_printf(diag, "pdc: %s%s\n", what, msg); }

/* NULL, with "pdc: error: <what>" for a call without anything to compile
 * (plain malloc: no compilation is running). */
static pd_module *no_input(const char *what, char **diagnostics) {
  static const char prefix[] = "pdc: error: ";
  if (!diagnostics) return NULL;
  size_t n = strlen(what);
  char *s = malloc(sizeof prefix + n + 1);
  if (s) {
    memcpy(s, prefix, sizeof prefix - 1);
    memcpy(s + sizeof prefix - 1, what, n);
    memcpy(s + sizeof prefix - 1 + n, "\n", 2);
  }
  *diagnostics = s;
  return NULL;
}

static void append_llvm_error(Buf *b, LLVMErrorRef e) {
  char *msg = LLVMGetErrorMessage(e); /* consumes e */
  buf_puts(b, msg);
  LLVMDisposeErrorMessage(msg);
}

/* Appends text to the malloc'd string *s of length *len; drops it when
 * memory is short. For code that LLVM calls, which must not unwind: a
 * longjmp through LLVM's C++ frames would skip their destructors. */
static void append_quietly(char **s, size_t *len, const char *text) {
  size_t n = strlen(text);
  char *t = realloc(*s, *len + n + 1);
  if (!t) return;
  memcpy(t + *len, text, n + 1);
  *s = t;
  *len += n;
}

/* ORC reports some failures (a symbol the code needs but the process lacks)
 * through the session instead of the call that triggered them. By default
 * it prints them on stderr; a library must not, so they are collected. */
static void collect_jit_error(void *ctx, LLVMErrorRef e) {
  pd_module *m = ctx;
  char *msg = LLVMGetErrorMessage(e); /* consumes e */
  append_quietly(&m->jit_errors, &m->jit_errors_len, "pdc: error: JIT: ");
  append_quietly(&m->jit_errors, &m->jit_errors_len, msg);
  append_quietly(&m->jit_errors, &m->jit_errors_len, "\n");
  LLVMDisposeErrorMessage(msg);
}

/* ---- options ----------------------------------------------------------- */

static int is_identifier(const char *s) {
  if (!*s) return 1; /* an empty prefix is no prefix */
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

static int check_options(const pd_options *o, Buf *diag) {
  if (o->opt_level < PD_OPT_O0 || o->opt_level > 3) {
    buf_printf(diag, "pdc: error: opt_level must be 1, 2, 3, PD_OPT_O0 or 0 (the default, -O2), not %d\n",
               o->opt_level);
    return 0;
  }
  if (o->prefix && !is_identifier(o->prefix)) {
    buf_printf(diag, "pdc: error: prefix must be a C identifier, not '%s'\n", o->prefix);
    return 0;
  }
  if (o->cpu && !*o->cpu) {
    diag_plain(diag, "error: ", "cpu must be a CPU name, or NULL for the host's");
    return 0;
  }
  return 1;
}

/* ---- LLVM setup -------------------------------------------------------- */

/* What a failed compilation releases (util.h's boundary). */
static void release_thread_safe_context(void *tsc) { LLVMOrcDisposeThreadSafeContext(tsc); }
static void release_thread_safe_module(void *tsm) { LLVMOrcDisposeThreadSafeModule(tsm); }

/* What of a module is not x*alloc memory, which a failed compilation
 * releases before its recorded memory (the module itself) is freed: the
 * JIT and the text ORC's callback collected. */
static void release_module_resources(void *module) {
  pd_module *m = module;
  if (m->jit) {
    LLVMErrorRef e = LLVMOrcDisposeLLJIT(m->jit);
    if (e) LLVMConsumeError(e);
    m->jit = NULL;
  }
  free(m->jit_errors);
  m->jit_errors = NULL;
}

/* The context a module is built in. LLVM 21 removed
 * LLVMOrcThreadSafeContextGetContext; there the context comes first and is
 * wrapped when the module is handed over. */
typedef struct JitContext {
  LLVMContextRef C;
#if LLVM_VERSION_MAJOR < 21
  LLVMOrcThreadSafeContextRef tsc;
#endif
} JitContext;

static void jit_context_create(JitContext *jc) {
#if LLVM_VERSION_MAJOR < 21
  jc->tsc = LLVMOrcCreateNewThreadSafeContext();
  pdc_own(jc->tsc, release_thread_safe_context);
  jc->C = LLVMOrcThreadSafeContextGetContext(jc->tsc);
#else
  jc->C = emit_context_create();
#endif
}

static void jit_context_dispose(JitContext *jc) {
#if LLVM_VERSION_MAJOR < 21
  pdc_disown(jc->tsc);
  LLVMOrcDisposeThreadSafeContext(jc->tsc);
#else
  emit_context_dispose(jc->C);
#endif
}

/* Wraps M for the JIT; the module keeps the context alive from here on. */
static LLVMOrcThreadSafeModuleRef jit_context_take_module(JitContext *jc, LLVMModuleRef M) {
#if LLVM_VERSION_MAJOR >= 21
  pdc_disown(jc->C);
  LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContextFromLLVMContext(jc->C);
#else
  LLVMOrcThreadSafeContextRef tsc = jc->tsc;
  pdc_disown(tsc);
#endif
  LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(M, tsc);
  LLVMOrcDisposeThreadSafeContext(tsc);
  pdc_own(tsm, release_thread_safe_module);
  return tsm;
}

/* An LLJIT whose code generator is configured like tm (which it consumes):
 * the same CPU, features, relocation model and optimization level as pdc's
 * object emitter. */
static LLVMOrcLLJITRef jit_create(LLVMTargetMachineRef tm, Buf *diag) {
  pdc_disown(tm);
  LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(tm));
  LLVMOrcLLJITRef jit = NULL;
  LLVMErrorRef e = LLVMOrcCreateLLJIT(&jit, builder); /* consumes builder */
  if (e) {
    buf_puts(diag, "pdc: error: cannot create the JIT: ");
    append_llvm_error(diag, e);
    buf_putc(diag, '\n');
    return NULL;
  }
  return jit;
}

/* ---- the module's description ------------------------------------------ */

static const char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

/* An extent as lowering records it: a constant, or one size variable (sema
 * admits nothing else in a declaration). */
static pd_extent describe_extent(const Affine *e) {
  if (aff_is_const(e) && e->c >= 1) return (pd_extent){-1, (size_t)e->c};
  if (aff_single_size(e) >= 0) return (pd_extent){aff_single_size(e), 0};
  pdc_internal_error(__FILE__, __LINE__, "an array extent that is neither a number nor a size");
}

/* The sizes and the shape of each parameter. Dimensions past ndims[p] read
 * as a fixed 1, so a parameter's length is always the product of its two
 * extents. */
static void describe_arrays(Arena *a, const LFunc *lf, pd_function *f) {
  f->has_arrays = lf->has_arrays;
  f->nsizes = lf->nsizes;
  const char **sizes = ARENA_ARRAY(a, const char *, lf->nsizes + 1);
  for (int k = 0; k < lf->nsizes; k++) sizes[k] = arena_strdup(a, lf->sizes[k]);
  f->sizes = sizes;
  int *ndims = ARENA_ARRAY(a, int, lf->nparams + 1);
  pd_extent *extents = ARENA_ARRAY(a, pd_extent, 2 * lf->nparams + 1);
  for (int p = 0; p < lf->nparams; p++) {
    ndims[p] = lf->ndims[p];
    for (int k = 0; k < 2; k++)
      extents[2 * p + k] = k < ndims[p] ? describe_extent(lf->extent[2 * p + k]) : (pd_extent){-1, 1};
  }
  f->ndims = ndims;
  f->extents = extents;
}

/* The symbols: sema_symbol_names lists the value, the partials of the
 * scalar wrt variables (an array's gradient is only in f_grad), the
 * gradient and the Hessian when present. partial_symbols has one entry per
 * wrt variable, NULL for an array. */
static void describe_symbols(Arena *a, const LFunc *lf, const char *prefix, pd_function *f) {
  const char **names = ARENA_ARRAY(a, const char *, lf->nwrt + 3);
  int n = sema_symbol_names(lf->ast, prefix, 0, a, names), next = 1;
  const char **partials = ARENA_ARRAY(a, const char *, lf->nwrt + 1);
  for (int j = 0; j < lf->nwrt; j++) partials[j] = lfunc_wrt_is_array(lf, j) ? NULL : names[next++];
  f->symbol = names[0];
  f->partial_symbols = partials;
  f->grad_symbol = names[next++];
  f->hessian = lf->hessian;
  f->hess_symbol = lf->hessian ? names[next++] : NULL;
  if (next != n) pdc_internal_error(__FILE__, __LINE__, "'%s' has %d symbols, not %d", lf->name, n, next);
}

/* Copies what a user needs to know about lf into f, in the module's arena,
 * so the front end's memory can be released right after compilation. */
static void describe_function(Arena *a, const LFunc *lf, const char *prefix, pd_function *f) {
  f->name = arena_strdup(a, lf->name);
  f->nparams = lf->nparams;
  const char **params = ARENA_ARRAY(a, const char *, lf->nparams + 1);
  for (int i = 0; i < lf->nparams; i++) params[i] = arena_strdup(a, lf->params[i]);
  f->params = params;
  f->nwrt = lf->nwrt;
  int *wrt = ARENA_ARRAY(a, int, lf->nwrt + 1);
  for (int j = 0; j < lf->nwrt; j++) wrt[j] = lf->wrt[j];
  f->wrt = wrt;
  describe_symbols(a, lf, prefix, f);
  describe_arrays(a, lf, f);
  f->partials = ARENA_ARRAY(a, pd_value_fn, lf->nwrt + 1);
  f->sized_partials = ARENA_ARRAY(a, pd_sized_value_fn, lf->nwrt + 1);
}

static pd_module *module_new(const Program *prog, const char *prefix) {
  pd_module *m = xcalloc(1, sizeof *m);
  arena_init(&m->arena);
  strmap_init(&m->symbols);
  strmap_init(&m->by_name);
  m->nfuncs = prog->nfuncs;
  m->funcs = ARENA_ARRAY(&m->arena, pd_function, prog->nfuncs + 1);
  for (int i = 0; i < prog->nfuncs; i++) {
    describe_function(&m->arena, &prog->funcs[i], prefix, &m->funcs[i]);
    strmap_put(&m->by_name, m->funcs[i].name, &m->funcs[i]);
  }
  return m;
}

/* ---- symbols ----------------------------------------------------------- */

/* The address of sym (with wrapper_prefix before it), 0 after reporting. */
static uintptr_t lookup(pd_module *m, const char *wrapper_prefix, const char *sym, Buf *diag) {
  Buf name;
  buf_init(&name);
  buf_printf(&name, "%s%s", wrapper_prefix, sym);
  LLVMOrcExecutorAddress addr = 0;
  LLVMErrorRef e = LLVMOrcLLJITLookup(m->jit, &addr, name.data);
  if (e) {
    buf_printf(diag, "pdc: error: JIT: cannot generate '%s': ", name.data);
    append_llvm_error(diag, e);
    buf_putc(diag, '\n');
    addr = 0;
  }
  buf_free(&name);
  return (uintptr_t)addr;
}

/* The addresses of one generated symbol's forms; array 0 when the
 * function has none (it has arrays). */
typedef struct Forms {
  uintptr_t array, sized;
} Forms;

/* Looks up the native symbol (recorded for pd_symbol) and its wrappers. */
static int resolve(pd_module *m, const pd_function *f, const char *sym, Forms *forms, Buf *diag) {
  uintptr_t native = lookup(m, "", sym, diag);
  forms->sized = native ? lookup(m, PDRT_SIZED_PREFIX, sym, diag) : 0;
  forms->array = forms->sized && !f->has_arrays ? lookup(m, PDRT_ARRAY_PREFIX, sym, diag) : 0;
  if (!forms->sized || (!f->has_arrays && !forms->array)) return 0;
  strmap_put(&m->symbols, sym, (void *)native);
  return 1;
}

/* The partials' forms, one per wrt variable; none for an array. */
static int resolve_partials(pd_module *m, pd_function *f, Buf *diag) {
  pd_value_fn *partials = (pd_value_fn *)f->partials; /* allocated writable in describe_function */
  pd_sized_value_fn *sized = (pd_sized_value_fn *)f->sized_partials;
  for (int j = 0; j < f->nwrt; j++) {
    Forms a;
    if (!f->partial_symbols[j]) continue;
    if (!resolve(m, f, f->partial_symbols[j], &a, diag)) return 0;
    partials[j] = (pd_value_fn)a.array;
    sized[j] = (pd_sized_value_fn)a.sized;
  }
  return 1;
}

static int resolve_function(pd_module *m, pd_function *f, Buf *diag) {
  Forms a;
  if (!resolve(m, f, f->symbol, &a, diag)) return 0;
  f->value = (pd_value_fn)a.array;
  f->sized_value = (pd_sized_value_fn)a.sized;
  if (!resolve(m, f, f->grad_symbol, &a, diag)) return 0;
  f->grad = (pd_grad_fn)a.array;
  f->sized_grad = (pd_sized_grad_fn)a.sized;
  if (!resolve_partials(m, f, diag)) return 0;
  if (f->hess_symbol) {
    if (!resolve(m, f, f->hess_symbol, &a, diag)) return 0;
    f->hess = (pd_hess_fn)a.array;
    f->sized_hess = (pd_sized_hess_fn)a.sized;
  }
  return 1;
}

/* The first lookup makes LLJIT compile the whole module. */
static int resolve_all(pd_module *m, Buf *diag) {
  for (int i = 0; i < m->nfuncs; i++) {
    if (!resolve_function(m, &m->funcs[i], diag)) {
      if (m->jit_errors) buf_append(diag, m->jit_errors, m->jit_errors_len);
      return 0;
    }
  }
  return 1;
}

/* ---- compilation ------------------------------------------------------- */

/* The optimized module of fe's program plus the array wrappers, in jc's
 * context; NULL after reporting. */
static LLVMModuleRef build_ir(pd_module *m, Frontend *fe, const EmitRequest *req, LLVMTargetMachineRef tm,
                              JitContext *jc, Buf *diag) {
  char *err = NULL;
  LLVMModuleRef M = emit_build_module(&fe->prog, &fe->cx, req, jc->C, tm, &err);
  if (!M) {
    diag_plain(diag, "", err); /* emit's messages say "internal error: ..." */
    free(err);
    return NULL;
  }
  Buf werr;
  buf_init(&werr);
  char *msg = NULL;
  int ok = pdrt_add_array_wrappers(M, m->funcs, m->nfuncs, &werr);
  if (ok && LLVMVerifyModule(M, LLVMReturnStatusAction, &msg)) {
    buf_printf(&werr, "internal error: the array wrappers do not verify:\n%s", msg);
    ok = 0;
  }
  if (msg) LLVMDisposeMessage(msg);
  if (!ok) {
    diag_plain(diag, "", werr.data);
    LLVMDisposeModule(M);
    M = NULL;
  }
  buf_free(&werr);
  return M;
}

/* Gives M to a new LLJIT, m->jit, built from tm; consumes tm and M. */
static int jit_load(pd_module *m, LLVMTargetMachineRef tm, JitContext *jc, LLVMModuleRef M, Buf *diag) {
  LLVMOrcThreadSafeModuleRef tsm = jit_context_take_module(jc, M);
  m->jit = jit_create(tm, diag);
  if (!m->jit) {
    pdc_disown(tsm);
    LLVMOrcDisposeThreadSafeModule(tsm);
    return 0;
  }
  pdc_own(m, release_module_resources);
  LLVMOrcExecutionSessionSetErrorReporter(LLVMOrcLLJITGetExecutionSession(m->jit), collect_jit_error, m);
  pdc_disown(tsm);
  LLVMErrorRef e = LLVMOrcLLJITAddLLVMIRModule(m->jit, LLVMOrcLLJITGetMainJITDylib(m->jit), tsm); /* consumes tsm */
  if (e) {
    buf_puts(diag, "pdc: error: JIT: ");
    append_llvm_error(diag, e);
    buf_putc(diag, '\n');
    return 0;
  }
  return 1;
}

/* Builds m's code from the checked program in fe. */
static int module_build(pd_module *m, Frontend *fe, const pd_options *o, const char *name, Buf *diag) {
  /* the code runs here, on the CPU it is compiled on: the host's by default */
  EmitRequest req = {.cpu = o->cpu ? o->cpu : "native",
                     .opt_level = o->opt_level == PD_OPT_O0 ? 0
                                  : o->opt_level == 0       ? 2
                                                            : o->opt_level,
                     .prefix = o->prefix ? o->prefix : "",
                     .fast_math = o->fast_math,
                     .fp_contract = !o->no_fp_contract,
                     .module_name = name};
  char *err = NULL;
  LLVMTargetMachineRef tm = emit_make_target_machine(&req, &err);
  if (!tm) {
    diag_plain(diag, "error: ", err);
    free(err);
    return 0;
  }
  JitContext jc;
  jit_context_create(&jc);
  LLVMModuleRef M = build_ir(m, fe, &req, tm, &jc, diag);
  if (!M) {
    jit_context_dispose(&jc);
    emit_target_machine_dispose(tm);
    return 0;
  }
  return jit_load(m, tm, &jc, M, diag) && resolve_all(m, diag);
}

static pd_module *compile_checked(const char *text, size_t len, const char *name, const pd_options *o, Buf *diag) {
  Frontend fe;
  FrontendOptions fo = {o->prefix ? o->prefix : "", o->fast_math, 0};
  pd_module *m = NULL;
  if (frontend_run(&fe, name, text, len, &fo)) {
    buf_append(diag, buf_cstr(&fe.diag.out), fe.diag.out.len); /* warnings */
    m = module_new(&fe.prog, fo.prefix);
    if (!module_build(m, &fe, o, name, diag)) {
      pd_module_free(m);
      m = NULL;
    }
  } else {
    buf_append(diag, buf_cstr(&fe.diag.out), fe.diag.out.len);
  }
  frontend_free(&fe);
  return m;
}

/* What to compile: source text, or a file to read. */
typedef struct Request {
  const char *text; /* NULL: read path */
  const char *path;
  const pd_options *opts; /* NULL: the defaults */
} Request;

/* Compiles r inside the running boundary; the module, or NULL with the
 * reasons in diag. */
static pd_module *compile_request(const Request *r, Buf *diag) {
  pd_options o = {0};
  if (r->opts) o = *r->opts;
  if (!check_options(&o, diag)) return NULL;
  char *owned_text = NULL, *err = NULL;
  size_t len = 0;
  const char *text = r->text, *name = o.name ? o.name : r->path ? r->path : "<source>";
  if (text) {
    len = strlen(text);
  } else if (source_file_read(r->path, &owned_text, &len, &err)) {
    text = owned_text;
  } else {
    diag_plain(diag, "error: ", err);
    free(err);
    return NULL;
  }
  pd_module *m = compile_checked(text, len, name, &o, diag);
  free(owned_text);
  return m;
}

/* The text of a failure that unwound the compilation (util.h): plain
 * malloc, as the compilation's memory is gone; NULL if even that fails. */
static char *failure_text(const PdcBoundary *b) {
  size_t n = strlen(b->message) + 1;
  char *s = malloc(n);
  if (s) memcpy(s, b->message, n);
  return s;
}

/* The lexer reads numbers with strtod, which follows LC_NUMERIC: in a host
 * program that called setlocale for, say, a German locale, "1.5" would stop
 * at the '.'. The compilation runs under the "C" locale, for this thread
 * only (uselocale), so the host's setting is neither obeyed nor changed.
 *
 * Internal errors and exhausted memory unwind to the boundary here (see
 * util.h): the compilation's memory and LLVM objects are released and
 * pd_compile returns NULL with the message, and the host goes on. */
static pd_module *compile_guarded(const Request *r, char **diagnostics) {
  locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  locale_t saved = c_locale ? uselocale(c_locale) : (locale_t)0;
  pd_module *m = NULL;
  char *text = NULL;
  PdcBoundary b;
  pdc_boundary_enter(&b);
  if (setjmp(b.env) == 0) {
    Buf diag;
    buf_init(&diag);
    m = compile_request(r, &diag);
    text = diag.len ? buf_take(&diag) : NULL;
    buf_free(&diag);
    pdc_boundary_leave(&b);
  } else {
    m = NULL;
    text = failure_text(&b);
  }
  if (c_locale) {
    uselocale(saved);
    freelocale(c_locale);
  }
  if (diagnostics) *diagnostics = text;
  else free(text);
  return m;
}

pd_module *pd_compile(const char *source, const pd_options *opts, char **diagnostics) {
  if (!source) return no_input("no source (NULL)", diagnostics);
  Request r = {source, NULL, opts};
  return compile_guarded(&r, diagnostics);
}

pd_module *pd_compile_file(const char *path, const pd_options *opts, char **diagnostics) {
  if (!path) return no_input("no file name (NULL)", diagnostics);
  Request r = {NULL, path, opts};
  return compile_guarded(&r, diagnostics);
}

/* ---- queries ----------------------------------------------------------- */

void *pd_symbol(pd_module *m, const char *name) {
  if (!m || !name) return NULL;
  return strmap_get(&m->symbols, name);
}

int pd_function_count(const pd_module *m) { return m ? m->nfuncs : 0; }

const pd_function *pd_function_at(const pd_module *m, int i) {
  if (!m || i < 0 || i >= m->nfuncs) return NULL;
  return &m->funcs[i];
}

const pd_function *pd_function_find(const pd_module *m, const char *name) {
  if (!m || !name) return NULL;
  return strmap_get(&m->by_name, name);
}

/* a * b, or SIZE_MAX when it does not fit (SIZE_MAX is also the error). */
static size_t mul_size(size_t a, size_t b) { return b && a > (SIZE_MAX - 1) / b ? SIZE_MAX : a * b; }

static size_t add_size(size_t a, size_t b) { return a == SIZE_MAX || b >= SIZE_MAX - a ? SIZE_MAX : a + b; }

/* The value of one extent at the given sizes. */
static size_t extent_value(const pd_extent *e, const size_t *sizes) {
  if (e->size < 0) return e->fixed;
  return sizes ? sizes[e->size] : SIZE_MAX;
}

size_t pd_function_param_length(const pd_function *f, int p, const size_t *sizes) {
  if (!f || p < 0 || p >= f->nparams) return SIZE_MAX;
  size_t rows = extent_value(&f->extents[2 * p], sizes), cols = extent_value(&f->extents[2 * p + 1], sizes);
  if (rows == SIZE_MAX || cols == SIZE_MAX) return SIZE_MAX;
  return mul_size(rows, cols);
}

size_t pd_function_input_length(const pd_function *f, const size_t *sizes) {
  if (!f) return SIZE_MAX;
  size_t n = 0;
  for (int p = 0; p < f->nparams; p++) n = add_size(n, pd_function_param_length(f, p, sizes));
  return n;
}

size_t pd_function_grad_length(const pd_function *f, const size_t *sizes) {
  if (!f) return SIZE_MAX;
  size_t n = 0;
  for (int j = 0; j < f->nwrt; j++) n = add_size(n, pd_function_param_length(f, f->wrt[j], sizes));
  return n;
}

void pd_module_free(pd_module *m) {
  if (!m) return;
  pdc_disown(m); /* when a compilation frees its own failed module */
  release_module_resources(m);
  strmap_free(&m->symbols);
  strmap_free(&m->by_name);
  arena_free_all(&m->arena);
  free(m);
}
