/* options.h — the pdc command line, parsed into PdcOptions. */
#ifndef PDC_OPTIONS_H
#define PDC_OPTIONS_H

enum {
  EMIT_OBJ = 1 << 0,
  EMIT_ASM = 1 << 1,
  EMIT_LLVM = 1 << 2,
  EMIT_BC = 1 << 3,
  EMIT_HEADER = 1 << 4,
  EMIT_DERIV = 1 << 5,
};
enum { DUMP_TOKENS = 1 << 0, DUMP_AST = 1 << 1, DUMP_DAG = 1 << 2 };

typedef struct PdcOptions {
  const char **inputs;
  int ninputs;
  const char *output; /* -o; NULL for the default name */
  unsigned emit;      /* EMIT_* bits; 0 means EMIT_OBJ */
  unsigned dump;      /* DUMP_* bits: print and stop before code generation */
  int opt_level;      /* -O0..-O3, default 2 */
  const char *target; /* --target */
  const char *cpu;    /* --cpu */
  const char *prefix; /* --prefix, "" by default */
  int fast_math;      /* -ffast-math */
  int fp_contract;    /* -ffp-contract=on (default) / off */
  int batch;          /* --batch: f_batch and f_grad_batch too */
  int veclib_libmvec; /* -fveclib=libmvec */
  int f32;            /* --precision=f32 */
  int werror;         /* -Werror: warnings are errors */
  int help, version, print_targets;
} PdcOptions;

/* Parses argv; on a bad command line prints the problem and a usage line to
 * stderr and returns 0. The options own nothing but the inputs array. */
int options_parse(int argc, char **argv, PdcOptions *o);
void options_free(PdcOptions *o);
void options_print_help(void);
void options_print_version(void);

#endif
