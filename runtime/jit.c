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

#include <errno.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>
#include <llvm/Config/llvm-config.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "emit_llvm.h"
#include "frontend.h"
#include "jit_internal.h"
#include "sema.h"
#include "strmap.h"

struct pd_module {
  LLVMOrcLLJITRef jit; /* owns the code */
  Arena arena;         /* names, arrays and the pd_function records */
  pd_function *funcs;
  int nfuncs;
  StrMap symbols; /* generated symbol -> address */
  StrMap by_name; /* function name as written -> pd_function */
  Buf jit_errors; /* what ORC's session reports on its own */
};

void pd_options_init(pd_options *opts) {
  const pd_options defaults = PD_OPTIONS_INIT;
  *opts = defaults;
}

/* ---- diagnostics ------------------------------------------------------- */

/* Problems without a place in the source read as pdc prints them. */
static void diag_plain(Buf *diag, const char *what, const char *msg) { buf_printf(diag, "pdc: %s%s\n", what, msg); }

static void append_llvm_error(Buf *b, LLVMErrorRef e) {
  char *msg = LLVMGetErrorMessage(e); /* consumes e */
  buf_puts(b, msg);
  LLVMDisposeErrorMessage(msg);
}

/* ORC reports some failures (a symbol the code needs but the process lacks)
 * through the session instead of the call that triggered them. By default
 * it prints them on stderr; a library must not, so they are collected. */
static void collect_jit_error(void *ctx, LLVMErrorRef e) {
  Buf *b = ctx;
  buf_puts(b, "pdc: error: JIT: ");
  append_llvm_error(b, e);
  buf_putc(b, '\n');
}

static void hand_over(Buf *diag, char **diagnostics) {
  if (diagnostics) *diagnostics = diag->len ? buf_take(diag) : NULL;
  buf_free(diag);
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
  if (o->opt_level < 0 || o->opt_level > 3) {
    buf_printf(diag, "pdc: error: opt_level must be 0, 1, 2 or 3, not %d\n", o->opt_level);
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

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;

/* emit.c initializes LLVM's targets on its first call behind a plain static
 * flag, which two threads compiling at once would race on. Making that
 * first call here, under pthread_once, means every later call finds the
 * flag set (pthread_once orders the write before them). */
static void llvm_init(void) {
  EmitRequest req = {.opt_level = 2};
  char *err = NULL;
  LLVMTargetMachineRef tm = emit_make_target_machine(&req, &err);
  if (tm) LLVMDisposeTargetMachine(tm);
  free(err);
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
  jc->C = LLVMOrcThreadSafeContextGetContext(jc->tsc);
#else
  jc->C = LLVMContextCreate();
#endif
}

static void jit_context_dispose(JitContext *jc) {
#if LLVM_VERSION_MAJOR < 21
  LLVMOrcDisposeThreadSafeContext(jc->tsc);
#else
  LLVMContextDispose(jc->C);
#endif
}

/* Wraps M for the JIT; the module keeps the context alive from here on. */
static LLVMOrcThreadSafeModuleRef jit_context_take_module(JitContext *jc, LLVMModuleRef M) {
#if LLVM_VERSION_MAJOR >= 21
  LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContextFromLLVMContext(jc->C);
#else
  LLVMOrcThreadSafeContextRef tsc = jc->tsc;
#endif
  LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(M, tsc);
  LLVMOrcDisposeThreadSafeContext(tsc);
  return tsm;
}

/* An LLJIT whose code generator is configured like tm (which it consumes):
 * the same CPU, features, relocation model and optimization level as pdc's
 * object emitter. */
static LLVMOrcLLJITRef jit_create(LLVMTargetMachineRef tm, Buf *diag) {
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
  /* value, one partial per wrt variable, grad, and hess when present */
  const char **names = ARENA_ARRAY(a, const char *, lf->nwrt + 3);
  sema_symbol_names(lf->ast, prefix, 0, a, names);
  f->symbol = names[0];
  f->partial_symbols = names + 1;
  f->grad_symbol = names[1 + lf->nwrt];
  f->hessian = lf->hessian;
  f->hess_symbol = lf->hessian ? names[2 + lf->nwrt] : NULL;
  f->partials = ARENA_ARRAY(a, pd_value_fn, lf->nwrt + 1);
}

static pd_module *module_new(const Program *prog, const char *prefix) {
  pd_module *m = xcalloc(1, sizeof *m);
  arena_init(&m->arena);
  strmap_init(&m->symbols);
  strmap_init(&m->by_name);
  buf_init(&m->jit_errors);
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

/* Looks up the native symbol (recorded for pd_symbol) and its array form. */
static int resolve(pd_module *m, const char *sym, uintptr_t *array_form, Buf *diag) {
  uintptr_t native = lookup(m, "", sym, diag);
  *array_form = native ? lookup(m, PDRT_ARRAY_PREFIX, sym, diag) : 0;
  if (!native || !*array_form) return 0;
  strmap_put(&m->symbols, sym, (void *)native);
  return 1;
}

static int resolve_function(pd_module *m, pd_function *f, Buf *diag) {
  uintptr_t a;
  if (!resolve(m, f->symbol, &a, diag)) return 0;
  f->value = (pd_value_fn)a;
  if (!resolve(m, f->grad_symbol, &a, diag)) return 0;
  f->grad = (pd_grad_fn)a;
  pd_value_fn *partials = (pd_value_fn *)f->partials; /* allocated writable in describe_function */
  for (int j = 0; j < f->nwrt; j++) {
    if (!resolve(m, f->partial_symbols[j], &a, diag)) return 0;
    partials[j] = (pd_value_fn)a;
  }
  if (f->hess_symbol) {
    if (!resolve(m, f->hess_symbol, &a, diag)) return 0;
    f->hess = (pd_hess_fn)a;
  }
  return 1;
}

/* The first lookup makes LLJIT compile the whole module. */
static int resolve_all(pd_module *m, Buf *diag) {
  for (int i = 0; i < m->nfuncs; i++) {
    if (!resolve_function(m, &m->funcs[i], diag)) {
      buf_append(diag, m->jit_errors.data, m->jit_errors.len);
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
    LLVMOrcDisposeThreadSafeModule(tsm);
    return 0;
  }
  LLVMOrcExecutionSessionSetErrorReporter(LLVMOrcLLJITGetExecutionSession(m->jit), collect_jit_error, &m->jit_errors);
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
  EmitRequest req = {.cpu = o->cpu,
                     .opt_level = o->opt_level,
                     .prefix = o->prefix ? o->prefix : "",
                     .fast_math = o->fast_math,
                     .fp_contract = o->fp_contract,
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
    LLVMDisposeTargetMachine(tm);
    return 0;
  }
  return jit_load(m, tm, &jc, M, diag) && resolve_all(m, diag);
}

static pd_module *compile_checked(const char *text, size_t len, const char *name, const pd_options *o, Buf *diag) {
  Frontend fe;
  FrontendOptions fo = {o->prefix ? o->prefix : "", o->fast_math};
  pd_module *m = NULL;
  if (frontend_run(&fe, name, text, len, &fo)) {
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

/* The lexer reads numbers with strtod, which follows LC_NUMERIC: in a host
 * program that called setlocale for, say, a German locale, "1.5" would stop
 * at the '.'. The compilation runs under the "C" locale, for this thread
 * only (uselocale), so the host's setting is neither obeyed nor changed. */
static pd_module *compile_text(const char *text, size_t len, const char *name, const pd_options *opts,
                               char **diagnostics) {
  pthread_once(&llvm_once, llvm_init);
  pd_options o;
  if (opts) o = *opts;
  else pd_options_init(&o);
  Buf diag;
  buf_init(&diag);
  pd_module *m = NULL;
  if (check_options(&o, &diag)) {
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t saved = c_locale ? uselocale(c_locale) : (locale_t)0;
    m = compile_checked(text, len, name, &o, &diag);
    if (c_locale) {
      uselocale(saved);
      freelocale(c_locale);
    }
  }
  hand_over(&diag, diagnostics);
  return m;
}

pd_module *pd_compile(const char *source, const pd_options *opts, char **diagnostics) {
  if (!source) {
    Buf diag;
    buf_init(&diag);
    diag_plain(&diag, "error: ", "no source (NULL)");
    hand_over(&diag, diagnostics);
    return NULL;
  }
  return compile_text(source, strlen(source), opts && opts->name ? opts->name : "<source>", opts, diagnostics);
}

/* The whole file, or NULL after reporting (strerror is thread-safe for the
 * errno values fopen and fread set, in glibc). */
static char *read_file(const char *path, size_t *len, Buf *diag) {
  FILE *f = fopen(path, "rb");
  Buf b;
  buf_init(&b);
  if (f) {
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    if (!ferror(f)) {
      fclose(f);
      *len = b.len;
      return buf_take(&b);
    }
  }
  buf_printf(diag, "pdc: error: cannot read '%s': %s\n", path, strerror(errno));
  if (f) fclose(f);
  buf_free(&b);
  return NULL;
}

pd_module *pd_compile_file(const char *path, const pd_options *opts, char **diagnostics) {
  Buf diag;
  buf_init(&diag);
  size_t len = 0;
  char *text = path ? read_file(path, &len, &diag) : NULL;
  if (!path) diag_plain(&diag, "error: ", "no file name (NULL)");
  if (!text) {
    hand_over(&diag, diagnostics);
    return NULL;
  }
  buf_free(&diag);
  pd_module *m = compile_text(text, len, opts && opts->name ? opts->name : path, opts, diagnostics);
  free(text);
  return m;
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

void pd_module_free(pd_module *m) {
  if (!m) return;
  if (m->jit) {
    LLVMErrorRef e = LLVMOrcDisposeLLJIT(m->jit);
    if (e) LLVMConsumeError(e);
  }
  strmap_free(&m->symbols);
  strmap_free(&m->by_name);
  arena_free_all(&m->arena);
  buf_free(&m->jit_errors);
  free(m);
}
