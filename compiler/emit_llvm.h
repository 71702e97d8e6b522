/* emit_llvm.h — the LLVM-facing part of emission, for code that drives LLVM
 * itself (the runtime's JIT): an optimized module for a program, built for
 * a given target machine, following the same EmitRequest as pdc. */
#ifndef PDC_EMIT_LLVM_H
#define PDC_EMIT_LLVM_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "emit.h"

/* A target machine for req->triple/cpu/opt_level (the host's triple, the
 * triple's baseline CPU by default); NULL and *err (malloc'd) on failure.
 * Owned by the running compilation's boundary (util.h) until
 * emit_target_machine_dispose, or pdc_disown when it is handed to LLVM. */
LLVMTargetMachineRef emit_make_target_machine(const EmitRequest *req, char **err);
void emit_target_machine_dispose(LLVMTargetMachineRef tm);

/* An LLVM IR builder, owned likewise until emit_builder_dispose: unlike
 * most LLVM objects a builder is not freed with its context. */
LLVMBuilderRef emit_builder_create(LLVMContextRef C);
void emit_builder_dispose(LLVMBuilderRef B);

/* An LLVM context owned likewise until emit_context_dispose. */
LLVMContextRef emit_context_create(void);
void emit_context_dispose(LLVMContextRef C);

/* Generates, verifies and optimizes the module in context C for tm.
 * Returns NULL and *err (malloc'd) on failure. */
LLVMModuleRef emit_build_module(const Program *prog, ExprCtx *cx, const EmitRequest *req, LLVMContextRef C,
                                LLVMTargetMachineRef tm, char **err);

/* At -O1 and -O2, modules whose largest function has more instructions
 * than this get a lighter pipeline (default<O1>, fast code generation);
 * -O3 does not. See emit.c. */
enum { EMIT_HUGE_FUNCTION = 40000 };
int emit_is_huge(LLVMModuleRef M);

#endif
