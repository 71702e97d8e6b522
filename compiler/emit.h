/* emit.h — from the program's DAGs to LLVM's output formats: target
 * machine, code generation (codegen.h), verification, the optimization
 * pipeline, and .o/.s/.ll/.bc bytes in memory. The driver writes files only
 * after the whole compilation succeeded. This header exposes no LLVM type,
 * so only codegen.c and emit.c see the LLVM C API. */
#ifndef PDC_EMIT_H
#define PDC_EMIT_H

#include "buf.h"
#include "expr.h"
#include "lower.h"

typedef enum { EMIT_FMT_OBJ, EMIT_FMT_ASM, EMIT_FMT_LLVM, EMIT_FMT_BC, EMIT_NUM_FORMATS } EmitFormat;

typedef struct EmitRequest {
  const char *triple;         /* NULL: the host */
  const char *cpu;            /* NULL: the triple's baseline (x86-64: "x86-64");
                                 "native": the host's CPU and features */
  int opt_level;              /* 0..3; 0 emits the IR as generated */
  const char *prefix;         /* symbol prefix */
  int fast_math;              /* LLVM fast-math flags everywhere */
  int fp_contract;            /* a*b + c as llvm.fmuladd */
  int batch;                  /* also the f_batch / f_grad_batch loops */
  int veclib_libmvec;         /* batch loops may call glibc's vector math (x86-64) */
  int f32;                    /* float instead of double (--precision=f32) */
  const char *module_name;    /* source file name recorded in the module */
  Buf *out[EMIT_NUM_FORMATS]; /* where each wanted format goes; NULL: not wanted */
} EmitRequest;

/* Returns PDC_EXIT_OK, PDC_EXIT_USAGE for a bad target or CPU, or
 * PDC_EXIT_INTERNAL; on failure *err is a malloc'd message. */
int emit_program(const Program *prog, ExprCtx *cx, const EmitRequest *req, char **err);

/* The default triple and every architecture LLVM can target here
 * (--print-targets). */
void emit_print_targets(Buf *out);

/* Releases LLVM's global state at process exit. */
void emit_shutdown(void);

#endif
