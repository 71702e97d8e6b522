/* fuzz_pipeline.c — libFuzzer target over pdc's whole pipeline up to code
 * generation: lexer, parser, sema, lowering, differentiation, the
 * derivative listing and the C header, then the LLVM module with the batch
 * loops (generated and
 * verified; the optimizer is LLVM's, not ours, and would only slow the
 * search down). Each input is compiled twice: as is, and with -ffast-math
 * and --precision=f32.
 *
 * Anything other than a clean diagnostic is a finding: a sanitizer report,
 * a crash, a hang, or pdc's internal-error exit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "emit_llvm.h"
#include "frontend.h"
#include "header.h"
#include "listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static LLVMTargetMachineRef target_machine(void) {
  static LLVMTargetMachineRef tm;
  if (!tm) {
    EmitRequest req = {.opt_level = 0, .cpu = "x86-64-v3", .triple = "x86_64-pc-linux-gnu"};
    char *err = NULL;
    tm = emit_make_target_machine(&req, &err);
    if (!tm) abort(); /* the harness itself is broken */
  }
  return tm;
}

static void compile(const uint8_t *data, size_t size, int fast_math, int f32) {
  Frontend fe;
  FrontendOptions fo = {.prefix = "", .fast_math = fast_math};
  if (frontend_run(&fe, "fuzz.pd", (const char *)data, size, &fo)) {
    Buf text;
    buf_init(&text);
    listing_write(&text, &fe.prog, &fe.cx);
    HeaderOptions ho = {.guard_stem = "fuzz", .source = "fuzz.pd", .prefix = "", .batch = 1};
    header_write(&text, &fe.prog, &fe.cx, &ho);
    buf_free(&text);

    /* with the batch loops, and libmvec's variants in them */
    EmitRequest req = {.opt_level = 0, .fast_math = fast_math, .fp_contract = 1, .prefix = "",
                       .batch = 1, .veclib_libmvec = 1, .f32 = f32, .module_name = "fuzz.pd"};
    LLVMContextRef C = LLVMContextCreate();
    char *err = NULL;
    LLVMModuleRef M = emit_build_module(&fe.prog, &fe.cx, &req, C, target_machine(), &err);
    if (!M) abort(); /* the IR did not verify: a bug in pdc */
    LLVMDisposeModule(M);
    LLVMContextDispose(C);
  }
  frontend_free(&fe);
}

/* The target machine is made once, before the first input: checking the CPU
 * name forks a child, which is slow in a sanitizer build on a loaded machine
 * and would count against the first input's time limit. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  target_machine();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  compile(data, size, 0, 0);
  compile(data, size, 1, 1); /* -ffast-math, in single precision */
  return 0;
}
