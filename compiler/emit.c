/* emit.c — LLVM target machine, new-pass-manager pipeline, and outputs.
 *
 * The pass pipeline always receives the target machine: without it, LLVM's
 * cost model has no vector registers and nothing vectorizes. For a fixed
 * --cpu the features come from the CPU name alone, so output does not
 * depend on the machine pdc runs on. */
#include "emit.h"
#include "emit_llvm.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Core.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "cpu_table.h"
#include "util.h"

typedef struct EmitTarget {
  const char *triple; /* NULL: the host */
  const char *cpu;    /* NULL: the triple's baseline; "native": the host's CPU and features */
  int opt_level;      /* 0..3 */
} EmitTarget;

/* ---- LLVM objects a failed compilation releases ------------------------ */

static void release_message(void *m) { LLVMDisposeMessage(m); }
static void release_context(void *C) { LLVMContextDispose(C); }
static void release_target_machine(void *tm) { LLVMDisposeTargetMachine(tm); }
static void release_builder(void *B) { LLVMDisposeBuilder(B); }
static void release_memory_buffer(void *mb) { LLVMDisposeMemoryBuffer(mb); }

/* The builders of codegen.c and the runtime's wrappers. */
LLVMBuilderRef emit_builder_create(LLVMContextRef C) {
  LLVMBuilderRef B = LLVMCreateBuilderInContext(C);
  pdc_own(B, release_builder);
  return B;
}

void emit_builder_dispose(LLVMBuilderRef B) {
  pdc_disown(B);
  LLVMDisposeBuilder(B);
}

LLVMContextRef emit_context_create(void) {
  LLVMContextRef C = LLVMContextCreate();
  pdc_own(C, release_context);
  return C;
}

void emit_context_dispose(LLVMContextRef C) {
  pdc_disown(C);
  LLVMContextDispose(C);
}

void emit_target_machine_dispose(LLVMTargetMachineRef tm) {
  pdc_disown(tm);
  LLVMDisposeTargetMachine(tm);
}

static char *copy_text(const char *s) {
  Buf b;
  buf_init(&b);
  buf_puts(&b, s);
  return buf_take(&b);
}

/* An LLVM string as x*alloc memory (so a failure later frees it). */
static char *take_llvm_message(char *m) {
  if (!m) return copy_text("unknown LLVM error");
  pdc_own(m, release_message);
  char *s = copy_text(m);
  pdc_disown(m);
  LLVMDisposeMessage(m);
  return s;
}

/* ---- the target machine ---------------------------------------------------- */

static void init_targets_once(void) {
  LLVMInitializeAllTargetInfos();
  LLVMInitializeAllTargets();
  LLVMInitializeAllTargetMCs();
  LLVMInitializeAllAsmPrinters();
  LLVMInitializeAllAsmParsers();
  /* A sum over an array is added in index order (exact C semantics), which
   * LLVM's loop vectorizer leaves scalar on x86 unless told it may keep the
   * order: then it computes the terms in vector lanes and adds them one by
   * one (llvm.vector.reduce.fadd without reassoc: the same additions in the
   * same order, so the same bits), as GCC's fold-left reductions do. Only
   * a global option reaches it; it changes no result. */
  const char *const args[] = {"pdc", "-force-ordered-reductions"};
  LLVMParseCommandLineOptions(2, args, NULL);
}

/* Threads of an embedding program (the runtime) may create their first
 * target machines at the same time. */
static void init_targets(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_targets_once);
}

/* LLVM reports an unknown CPU name only as a warning on stderr, and may then
 * abort in code generation ("64-bit code requested on a subtarget that
 * doesn't support it"). The C API cannot ask whether a name is known, so the
 * build lists each target's CPUs with llc (cpu_table.h). A target missing
 * from the table (an LLVM other than the one pdc was built with) is left to
 * LLVM. */
static int cpu_is_known(LLVMTargetRef target, const char *cpu) {
  const char *name = LLVMGetTargetName(target);
  for (const PdcTargetCpus *t = pdc_target_cpus; t->target; t++) {
    if (strcmp(t->target, name) != 0) continue;
    for (const char *const *c = t->cpus; *c; c++)
      if (strcmp(*c, cpu) == 0) return 1;
    return strcmp(cpu, "generic") == 0;
  }
  return 1;
}

/* The CPU when --cpu is not given, as clang and gcc choose it: the
 * baseline of the triple (x86-64: SSE2 and nothing newer), so the object
 * runs on every machine of the triple and does not depend on the one pdc
 * ran on. */
static const char *baseline_cpu(const char *triple) { return strncmp(triple, "x86_64", 6) == 0 ? "x86-64" : "generic"; }

static char *native_elsewhere_message(const char *triple) {
  Buf b;
  buf_init(&b);
  buf_printf(&b, "--cpu=native names this machine's CPU, which cannot run target %s", triple);
  return buf_take(&b);
}

static char *unknown_cpu_message(const char *cpu, const char *triple) {
  Buf b;
  buf_init(&b);
  buf_printf(&b, "unknown CPU '%s' for target %s (llc-19 -mtriple=%s -mcpu=help lists them)", cpu, triple, triple);
  return buf_take(&b);
}

static char *unknown_target_message(const char *triple) {
  Buf b;
  buf_init(&b);
  buf_printf(&b, "unknown target '%s': no architecture of this LLVM matches it (pdc --print-targets lists them)",
             triple);
  return buf_take(&b);
}

static int by_target_name(const void *a, const void *b) {
  return strcmp(LLVMGetTargetName(*(const LLVMTargetRef *)a), LLVMGetTargetName(*(const LLVMTargetRef *)b));
}

void emit_print_targets(Buf *out) {
  init_targets();
  char *host = LLVMGetDefaultTargetTriple();
  buf_printf(out, "Default target: %s\nRegistered targets (the architecture of a --target triple):\n", host);
  LLVMDisposeMessage(host);
  LLVMTargetRef sorted[128];
  size_t n = 0;
  for (LLVMTargetRef t = LLVMGetFirstTarget(); t && n < countof(sorted); t = LLVMGetNextTarget(t)) sorted[n++] = t;
  qsort(sorted, n, sizeof sorted[0], by_target_name);
  for (size_t i = 0; i < n; i++)
    buf_printf(out, "  %-12s %s\n", LLVMGetTargetName(sorted[i]), LLVMGetTargetDescription(sorted[i]));
}

static LLVMTargetMachineRef emit_target_machine(const EmitTarget *t, char **err) {
  init_targets();
  char *host_triple = LLVMGetDefaultTargetTriple();
  pdc_own(host_triple, release_message);
  char *triple = LLVMNormalizeTargetTriple(t->triple ? t->triple : host_triple);
  pdc_own(triple, release_message);
  int native = !t->triple || strcmp(triple, host_triple) == 0;
  LLVMTargetRef target;
  char *msg = NULL;
  LLVMTargetMachineRef tm = NULL;
  int want_host = t->cpu && strcmp(t->cpu, "native") == 0;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    LLVMDisposeMessage(msg); /* LLVM's words: "No available targets are compatible with triple" */
    *err = unknown_target_message(t->triple ? t->triple : triple);
  } else if (want_host && !native) {
    *err = native_elsewhere_message(triple);
  } else if (t->cpu && !want_host && !cpu_is_known(target, t->cpu)) {
    *err = unknown_cpu_message(t->cpu, triple);
  } else {
    static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess, LLVMCodeGenLevelDefault,
                                                 LLVMCodeGenLevelAggressive};
    int lvl = t->opt_level < 0 ? 0 : t->opt_level > 3 ? 3 : t->opt_level;
    char *cpu = want_host ? LLVMGetHostCPUName() : NULL;
    char *features = want_host ? LLVMGetHostCPUFeatures() : NULL;
    const char *cpu_name = cpu ? cpu : t->cpu ? t->cpu : baseline_cpu(triple);
    tm = LLVMCreateTargetMachine(target, triple, cpu_name, features ? features : "", levels[lvl], LLVMRelocPIC,
                                 LLVMCodeModelDefault);
    if (cpu) LLVMDisposeMessage(cpu);
    if (features) LLVMDisposeMessage(features);
    if (tm) pdc_own(tm, release_target_machine);
    else *err = copy_text("cannot create a target machine");
  }
  pdc_disown(triple);
  LLVMDisposeMessage(triple);
  pdc_disown(host_triple);
  LLVMDisposeMessage(host_triple);
  return tm;
}

/* target-cpu and target-features on every definition, as clang writes them,
 * so the .ll or .bc compiles with llc for the same CPU without flags. */
static void tag_functions(LLVMModuleRef M, LLVMTargetMachineRef tm) {
  LLVMContextRef C = LLVMGetModuleContext(M);
  char *cpu = LLVMGetTargetMachineCPU(tm);
  char *features = LLVMGetTargetMachineFeatureString(tm);
  for (LLVMValueRef f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f)) {
    if (LLVMIsDeclaration(f)) continue;
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(C, "target-cpu", 10, cpu, (unsigned)strlen(cpu)));
    if (*features)
      LLVMAddAttributeAtIndex(
          f, LLVMAttributeFunctionIndex,
          LLVMCreateStringAttribute(C, "target-features", 15, features, (unsigned)strlen(features)));
  }
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
}

static void emit_prepare_module(LLVMModuleRef M, LLVMTargetMachineRef tm) {
  tag_functions(M, tm);
  char *triple = LLVMGetTargetMachineTriple(tm);
  LLVMSetTarget(M, triple);
  LLVMDisposeMessage(triple);
  LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
  LLVMSetModuleDataLayout(M, td);
  LLVMDisposeTargetData(td);
}

static int emit_verify(LLVMModuleRef M, char **err) {
  char *msg = NULL;
  if (LLVMVerifyModule(M, LLVMReturnStatusAction, &msg)) {
    *err = take_llvm_message(msg);
    return 0;
  }
  if (msg) LLVMDisposeMessage(msg);
  return 1;
}

static int emit_optimize(LLVMModuleRef M, LLVMTargetMachineRef tm, int opt_level, char **err) {
  static const char *const pipelines[] = {"default<O0>", "default<O1>", "default<O2>", "default<O3>"};
  int lvl = opt_level < 0 ? 0 : opt_level > 3 ? 3 : opt_level;
  LLVMPassBuilderOptionsRef o = LLVMCreatePassBuilderOptions();
  LLVMErrorRef e = LLVMRunPasses(M, pipelines[lvl], tm, o); /* calls nothing of pdc's: cannot unwind */
  LLVMDisposePassBuilderOptions(o);
  if (e) {
    *err = take_llvm_message(LLVMGetErrorMessage(e));
    return 0;
  }
  return 1;
}

static void append_memory_buffer(Buf *out, LLVMMemoryBufferRef mb) {
  pdc_own(mb, release_memory_buffer);
  buf_append(out, LLVMGetBufferStart(mb), LLVMGetBufferSize(mb));
  pdc_disown(mb);
  LLVMDisposeMemoryBuffer(mb);
}

static int emit_module(LLVMModuleRef M, LLVMTargetMachineRef tm, EmitFormat fmt, Buf *out, char **err) {
  switch (fmt) {
  case EMIT_FMT_LLVM: {
    char *s = LLVMPrintModuleToString(M);
    pdc_own(s, release_message);
    buf_puts(out, s);
    pdc_disown(s);
    LLVMDisposeMessage(s);
    return 1;
  }
  case EMIT_FMT_BC: append_memory_buffer(out, LLVMWriteBitcodeToMemoryBuffer(M)); return 1;
  case EMIT_FMT_OBJ:
  case EMIT_FMT_ASM: {
    LLVMMemoryBufferRef mb = NULL;
    char *msg = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, M, fmt == EMIT_FMT_OBJ ? LLVMObjectFile : LLVMAssemblyFile, &msg,
                                            &mb)) {
      *err = take_llvm_message(msg);
      return 0;
    }
    append_memory_buffer(out, mb);
    return 1;
  }
  case EMIT_NUM_FORMATS: break;
  }
  pdc_unreachable();
}

LLVMTargetMachineRef emit_make_target_machine(const EmitRequest *req, char **err) {
  EmitTarget t = {req->triple, req->cpu, req->opt_level};
  return emit_target_machine(&t, err);
}

static char *message(const char *fmt, const char *detail) {
  Buf b;
  buf_init(&b);
  buf_printf(&b, fmt, detail);
  return buf_take(&b);
}

/* The largest function's instruction count, before optimization. */
static size_t largest_function(LLVMModuleRef M) {
  size_t largest = 0;
  for (LLVMValueRef f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f)) {
    size_t n = 0;
    for (LLVMBasicBlockRef b = LLVMGetFirstBasicBlock(f); b; b = LLVMGetNextBasicBlock(b))
      for (LLVMValueRef i = LLVMGetFirstInstruction(b); i; i = LLVMGetNextInstruction(i)) n++;
    if (n > largest) largest = n;
  }
  return largest;
}

/* Which vector instruction sets (and libmvec variants) the target machine
 * has: SSE2 on any x86-64,
 * AVX2 and AVX-512 from its features (the host's) or its CPU name (the
 * features a named CPU implies are not visible through the C API, so the
 * common names are listed; an unlisted CPU gets the SSE2 variants). */
static unsigned vector_isas(LLVMTargetMachineRef tm) {
  char *triple = LLVMGetTargetMachineTriple(tm), *cpu = LLVMGetTargetMachineCPU(tm);
  char *features = LLVMGetTargetMachineFeatureString(tm);
  unsigned isas = 0;
  if (strncmp(triple, "x86_64", 6) == 0) {
    static const char *const avx512[] = {"x86-64-v4",  "skylake-avx512", "cascadelake",    "cooperlake",
                                         "cannonlake", "icelake-client", "icelake-server", "tigerlake",
                                         "rocketlake", "sapphirerapids", "emeraldrapids",  "graniterapids",
                                         "znver4",     "znver5"};
    static const char *const avx2[] = {"x86-64-v3",  "haswell",    "broadwell", "skylake",   "alderlake",
                                       "raptorlake", "meteorlake", "arrowlake", "gracemont", "znver1",
                                       "znver2",     "znver3",     "bdver4"};
    int has512 = strstr(features, "+avx512f") != NULL, has2 = strstr(features, "+avx2") != NULL;
    for (size_t i = 0; i < countof(avx512); i++) has512 |= strcmp(cpu, avx512[i]) == 0;
    for (size_t i = 0; i < countof(avx2); i++) has2 |= strcmp(cpu, avx2[i]) == 0;
    isas = CG_VEC_SSE2 | (has2 || has512 ? CG_VEC_AVX2 : 0) | (has512 ? CG_VEC_AVX512 : 0);
  }
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
  return isas;
}

int emit_is_huge(LLVMModuleRef M) { return largest_function(M) > EMIT_HUGE_FUNCTION; }

LLVMModuleRef emit_build_module(const Program *prog, ExprCtx *cx, const EmitRequest *req, LLVMContextRef C,
                                LLVMTargetMachineRef tm, char **err) {
  CgOptions co = {req->prefix,         req->fast_math, req->fp_contract, req->batch, req->batch ? vector_isas(tm) : 0,
                  req->veclib_libmvec, req->f32};
  LLVMModuleRef M = cg_module(prog, cx, C, req->module_name, &co);
  emit_prepare_module(M, tm);
  /* LLVM's optimizers and code generator cost more than linear time on one
   * enormous basic block (a 10 000-term polynomial's gradient: 40 s at
   * default<O2>). For such modules the middle end runs default<O1>, which
   * keeps the DAG's sharing and folds, but skips the vectorizers and other
   * superlinear passes. */
  int level = req->opt_level;
  if (level == 2 && emit_is_huge(M)) level = 1; /* -O3 asks for the full pipeline whatever it costs */
  char *msg = NULL;
  if (!emit_verify(M, &msg)) {
    *err = message("internal error: generated LLVM IR does not verify:\n%s\nthis is a bug in pdc", msg);
  } else if (level > 0 && !emit_optimize(M, tm, level, &msg)) {
    *err = message("internal error: optimization failed: %s", msg);
  } else {
    return M;
  }
  free(msg);
  LLVMDisposeModule(M);
  return NULL;
}

int emit_program(const Program *prog, ExprCtx *cx, const EmitRequest *req, char **err) {
  LLVMTargetMachineRef tm = emit_make_target_machine(req, err);
  if (!tm) return PDC_EXIT_USAGE;
  LLVMContextRef C = emit_context_create();
  LLVMModuleRef M = emit_build_module(prog, cx, req, C, tm, err);
  int rc = M ? PDC_EXIT_OK : PDC_EXIT_INTERNAL;
  if (M && req->opt_level > 0 && req->opt_level < 3 && emit_is_huge(M)) {
    /* ... and the code generator runs at its fast level: its greedy
     * register allocator, scheduler and two-address pass are the
     * superlinear part. The code is larger, the compile time linear. */
    EmitRequest fast = *req;
    fast.opt_level = 0;
    LLVMTargetMachineRef tm0 = emit_make_target_machine(&fast, err);
    if (tm0) {
      emit_target_machine_dispose(tm);
      tm = tm0;
    }
  }
  /* text and bitcode first: they show the module itself, before the code
   * generator has run on it */
  static const EmitFormat order[] = {EMIT_FMT_LLVM, EMIT_FMT_BC, EMIT_FMT_ASM, EMIT_FMT_OBJ};
  char *msg = NULL;
  for (size_t i = 0; i < countof(order) && rc == PDC_EXIT_OK; i++) {
    if (!req->out[order[i]]) continue;
    if (!emit_module(M, tm, order[i], req->out[order[i]], &msg)) {
      *err = message("cannot generate code: %s", msg);
      free(msg);
      rc = PDC_EXIT_INTERNAL;
    }
  }
  if (M) LLVMDisposeModule(M);
  emit_context_dispose(C);
  emit_target_machine_dispose(tm);
  return rc;
}

void emit_shutdown(void) { LLVMShutdown(); }
