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
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen.h"
#include "util.h"

typedef struct EmitTarget {
  const char *triple; /* NULL: the host */
  const char *cpu;    /* NULL: the host's CPU (with its features) */
  int opt_level;      /* 0..3 */
} EmitTarget;

static char *take_llvm_message(char *m) {
  char *s = strdup(m ? m : "unknown LLVM error");
  if (m) LLVMDisposeMessage(m);
  return s;
}

static void init_targets_once(void) {
  LLVMInitializeAllTargetInfos();
  LLVMInitializeAllTargets();
  LLVMInitializeAllTargetMCs();
  LLVMInitializeAllAsmPrinters();
  LLVMInitializeAllAsmParsers();
}

/* Threads of an embedding program (the runtime) may create their first
 * target machines at the same time. */
static void init_targets(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_targets_once);
}

/* LLVM reports an unknown CPU name only as a warning on stderr, and may then
 * abort in code generation ("64-bit code requested on a subtarget that
 * doesn't support it"). The C API has no way to ask whether a name is
 * known, so a child process tries it: it generates a tiny function for the
 * CPU with its stderr captured, and the parent reads what it said. */
static int probe_cpu(LLVMTargetRef target, const char *triple, const char *cpu);

/* Answers are cached per (triple, CPU), so a process forks at most once per
 * name, and never again for a name it has checked. */
static int cpu_is_known(LLVMTargetRef target, const char *triple, const char *cpu) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  static struct {
    char *key;
    int known;
  } cache[32];
  static int ncache;
  Buf key;
  buf_init(&key);
  buf_printf(&key, "%s/%s", triple, cpu);
  pthread_mutex_lock(&lock);
  int known = -1;
  for (int i = 0; i < ncache && known < 0; i++)
    if (strcmp(cache[i].key, buf_cstr(&key)) == 0) known = cache[i].known;
  if (known < 0) {
    known = probe_cpu(target, triple, cpu);
    if (ncache < (int)countof(cache)) {
      cache[ncache].key = buf_take(&key);
      cache[ncache++].known = known;
    }
  }
  pthread_mutex_unlock(&lock);
  buf_free(&key);
  return known;
}

static int probe_cpu(LLVMTargetRef target, const char *triple, const char *cpu) {
  int fds[2];
  if (pipe(fds) != 0) return 1; /* cannot check: let LLVM decide */
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return 1;
  }
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    LLVMTargetMachineRef tm =
        LLVMCreateTargetMachine(target, triple, cpu, "", LLVMCodeGenLevelNone, LLVMRelocPIC, LLVMCodeModelDefault);
    LLVMContextRef C = LLVMContextCreate();
    LLVMModuleRef M = LLVMModuleCreateWithNameInContext("probe", C);
    LLVMSetTarget(M, triple);
    LLVMValueRef f = LLVMAddFunction(M, "probe", LLVMFunctionType(LLVMVoidTypeInContext(C), NULL, 0, 0));
    LLVMBuilderRef B = LLVMCreateBuilderInContext(C);
    LLVMPositionBuilderAtEnd(B, LLVMAppendBasicBlockInContext(C, f, "entry"));
    LLVMBuildRetVoid(B);
    LLVMMemoryBufferRef mb;
    char *msg;
    if (!LLVMTargetMachineEmitToMemoryBuffer(tm, M, LLVMObjectFile, &msg, &mb)) LLVMDisposeMemoryBuffer(mb);
    LLVMDisposeBuilder(B);
    LLVMDisposeModule(M);
    LLVMContextDispose(C);
    LLVMDisposeTargetMachine(tm);
    _exit(0);
  }
  close(fds[1]);
  char buf[4096];
  size_t len = 0;
  ssize_t r;
  while ((r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)r;
  close(fds[0]);
  buf[len] = '\0';
  int status = 0;
  waitpid(pid, &status, 0);
  int clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return clean_exit && !strstr(buf, "is not a recognized processor");
}

static LLVMTargetMachineRef emit_target_machine(const EmitTarget *t, char **err) {
  init_targets();
  char *host_triple = LLVMGetDefaultTargetTriple();
  char *triple = t->triple ? LLVMNormalizeTargetTriple(t->triple) : LLVMNormalizeTargetTriple(host_triple);
  int native = !t->triple || strcmp(triple, host_triple) == 0;
  LLVMDisposeMessage(host_triple);
  LLVMTargetRef target;
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    *err = take_llvm_message(msg);
    LLVMDisposeMessage(triple);
    return NULL;
  }
  char *cpu = NULL, *features = NULL;
  if (!t->cpu && native) {
    cpu = LLVMGetHostCPUName();
    features = LLVMGetHostCPUFeatures();
  }
  const char *cpu_name = cpu ? cpu : t->cpu ? t->cpu : "generic";
  if (t->cpu && !cpu_is_known(target, triple, t->cpu)) {
    Buf b;
    buf_init(&b);
    buf_printf(&b, "unknown CPU '%s' for target %s (llc-19 -mtriple=%s -mcpu=help lists them)", t->cpu, triple, triple);
    *err = buf_take(&b);
    LLVMDisposeMessage(triple);
    return NULL;
  }
  static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess, LLVMCodeGenLevelDefault,
                                               LLVMCodeGenLevelAggressive};
  int lvl = t->opt_level < 0 ? 0 : t->opt_level > 3 ? 3 : t->opt_level;
  LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, cpu_name, features ? features : "", levels[lvl],
                                                    LLVMRelocPIC, LLVMCodeModelDefault);
  if (cpu) LLVMDisposeMessage(cpu);
  if (features) LLVMDisposeMessage(features);
  LLVMDisposeMessage(triple);
  if (!tm) *err = strdup("cannot create a target machine");
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
  LLVMErrorRef e = LLVMRunPasses(M, pipelines[lvl], tm, o);
  LLVMDisposePassBuilderOptions(o);
  if (e) {
    *err = take_llvm_message(LLVMGetErrorMessage(e));
    return 0;
  }
  return 1;
}

static void append_memory_buffer(Buf *out, LLVMMemoryBufferRef mb) {
  buf_append(out, LLVMGetBufferStart(mb), LLVMGetBufferSize(mb));
  LLVMDisposeMemoryBuffer(mb);
}

static int emit_module(LLVMModuleRef M, LLVMTargetMachineRef tm, EmitFormat fmt, Buf *out, char **err) {
  switch (fmt) {
  case EMIT_FMT_LLVM: {
    char *s = LLVMPrintModuleToString(M);
    buf_puts(out, s);
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
  LLVMContextRef C = LLVMContextCreate();
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
      LLVMDisposeTargetMachine(tm);
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
  LLVMContextDispose(C);
  LLVMDisposeTargetMachine(tm);
  return rc;
}

void emit_shutdown(void) { LLVMShutdown(); }
