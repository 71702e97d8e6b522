/* cpu_table.h — the CPU names LLVM knows, per target, generated at build
 * time from `llc -march=<target> -mcpu=help` (gen_cpu_table.cmake). The C
 * API has no way to ask whether a CPU name is known, and LLVM answers an
 * unknown one with a warning on stderr and, later, possibly an abort. */
#ifndef PDC_CPU_TABLE_H
#define PDC_CPU_TABLE_H

typedef struct PdcTargetCpus {
  const char *target;      /* LLVMGetTargetName's name: "x86-64", "aarch64", ... */
  const char *const *cpus; /* sorted, NULL-terminated */
} PdcTargetCpus;

/* Every registered target, sorted by name; ends with {NULL, NULL}. */
extern const PdcTargetCpus pdc_target_cpus[];

#endif
