/* emit.h — target machine, optimization pipeline and output formats.
 * Everything is produced into memory; the driver writes files only after
 * the whole compilation has succeeded. */
#ifndef PDC_EMIT_H
#define PDC_EMIT_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "buf.h"

typedef enum { EMIT_FMT_OBJ, EMIT_FMT_ASM, EMIT_FMT_LLVM, EMIT_FMT_BC } EmitFormat;

typedef struct EmitTarget {
  const char *triple; /* NULL: the host */
  const char *cpu;    /* NULL: the host's CPU (with its features) */
  int opt_level;      /* 0..3 */
} EmitTarget;

/* Creates the target machine; on failure returns NULL and sets *err
 * (malloc'd message). */
LLVMTargetMachineRef emit_target_machine(const EmitTarget *t, char **err);
/* Sets the module's triple and data layout from the machine. */
void emit_prepare_module(LLVMModuleRef M, LLVMTargetMachineRef tm);
/* Verifies the module; returns 0 and a malloc'd message on failure. */
int emit_verify(LLVMModuleRef M, char **err);
/* Runs default<On>; returns 0 and a malloc'd message on failure. */
int emit_optimize(LLVMModuleRef M, LLVMTargetMachineRef tm, int opt_level, char **err);
/* Appends the module in the given format to out. */
int emit_module(LLVMModuleRef M, LLVMTargetMachineRef tm, EmitFormat fmt, Buf *out, char **err);

#endif
