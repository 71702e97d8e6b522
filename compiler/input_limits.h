/* input_limits.h — the bounds that keep every input within bounded time and
 * memory. Beyond each, pdc stops with a diagnostic instead of running for
 * minutes or gigabytes; docs/cli.md ("Limits") states them with what the
 * largest accepted inputs cost. */
#ifndef PDC_INPUT_LIMITS_H
#define PDC_INPUT_LIMITS_H

enum {
  /* bytes in one source file */
  PDC_MAX_SOURCE_BYTES = 16 << 20,
  /* `fn` definitions in one file. Compile time is linear in them, at about
   * 3 ms a function at -O2 (four LLVM functions each, more with a Hessian)
   * and 0.5 ms at -O0: 20 000 small functions take about 60 s and 9.5 s,
   * the limit five minutes at most. */
  PDC_MAX_FUNCTIONS = 100000,
  /* operations (DAG nodes) built for one file: its functions after
   * inlining, with all their derivatives; LLVM's time is about linear in it */
  PDC_MAX_NODES = 500000,
};

#endif
