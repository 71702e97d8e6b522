/* emit.c — LLVM target machine, new-pass-manager pipeline, and outputs.
 *
 * The pass pipeline always receives the target machine: without it, LLVM's
 * cost model has no vector registers and nothing vectorizes. For a fixed
 * --cpu the features come from the CPU name alone, so output does not
 * depend on the machine pdc runs on. */
#include "emit.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *take_llvm_message(char *m) {
  char *s = strdup(m ? m : "unknown LLVM error");
  if (m) LLVMDisposeMessage(m);
  return s;
}

static void init_targets(void) {
  static int done;
  if (done) return;
  done = 1;
  LLVMInitializeAllTargetInfos();
  LLVMInitializeAllTargets();
  LLVMInitializeAllTargetMCs();
  LLVMInitializeAllAsmPrinters();
  LLVMInitializeAllAsmParsers();
}

LLVMTargetMachineRef emit_target_machine(const EmitTarget *t, char **err) {
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

void emit_prepare_module(LLVMModuleRef M, LLVMTargetMachineRef tm) {
  char *triple = LLVMGetTargetMachineTriple(tm);
  LLVMSetTarget(M, triple);
  LLVMDisposeMessage(triple);
  LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
  LLVMSetModuleDataLayout(M, td);
  LLVMDisposeTargetData(td);
}

int emit_verify(LLVMModuleRef M, char **err) {
  char *msg = NULL;
  if (LLVMVerifyModule(M, LLVMReturnStatusAction, &msg)) {
    *err = take_llvm_message(msg);
    return 0;
  }
  if (msg) LLVMDisposeMessage(msg);
  return 1;
}

int emit_optimize(LLVMModuleRef M, LLVMTargetMachineRef tm, int opt_level, char **err) {
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

int emit_module(LLVMModuleRef M, LLVMTargetMachineRef tm, EmitFormat fmt, Buf *out, char **err) {
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
  }
  pdc_unreachable();
}
