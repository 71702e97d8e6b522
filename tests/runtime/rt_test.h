/* rt_test.h — shared by the runtime tests: unit.h's CHECK macros, calls
 * through generated signatures whose arity is known only at run time, and a
 * reproducible point generator. */
#ifndef PDRT_TEST_H
#define PDRT_TEST_H

#include <stdint.h>
#include <string.h>

#include "pd_runtime.h"
#include "unit.h"

/* pd_symbol returns void *, like dlsym; POSIX guarantees the conversion to
 * a function pointer, ISO C does not, so convert through one place. */
typedef void (*rt_fn)(void);
static inline rt_fn rt_fnptr(void *p) {
  rt_fn f;
  memcpy(&f, &p, sizeof f);
  return f;
}

/* Arguments a[0..n-1] of a call with n <= 16 doubles. */
#define RT_T1 double
#define RT_T2 RT_T1, double
#define RT_T3 RT_T2, double
#define RT_T4 RT_T3, double
#define RT_T5 RT_T4, double
#define RT_T6 RT_T5, double
#define RT_T7 RT_T6, double
#define RT_T8 RT_T7, double
#define RT_T9 RT_T8, double
#define RT_T10 RT_T9, double
#define RT_T11 RT_T10, double
#define RT_T12 RT_T11, double
#define RT_T13 RT_T12, double
#define RT_T14 RT_T13, double
#define RT_T15 RT_T14, double
#define RT_T16 RT_T15, double
#define RT_A1 a[0]
#define RT_A2 RT_A1, a[1]
#define RT_A3 RT_A2, a[2]
#define RT_A4 RT_A3, a[3]
#define RT_A5 RT_A4, a[4]
#define RT_A6 RT_A5, a[5]
#define RT_A7 RT_A6, a[6]
#define RT_A8 RT_A7, a[7]
#define RT_A9 RT_A8, a[8]
#define RT_A10 RT_A9, a[9]
#define RT_A11 RT_A10, a[10]
#define RT_A12 RT_A11, a[11]
#define RT_A13 RT_A12, a[12]
#define RT_A14 RT_A13, a[13]
#define RT_A15 RT_A14, a[14]
#define RT_A16 RT_A15, a[15]
#define RT_ARITIES(X) \
  X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16)
enum { RT_MAX_PARAMS = 16 };

/* double f(double...) */
static inline double rt_call_value(rt_fn fn, int n, const double *a) {
  switch (n) {
  case 0: return ((double (*)(void))fn)();
#define RT_CASE(k) \
  case k: return ((double (*)(RT_T##k))fn)(RT_A##k);
    RT_ARITIES(RT_CASE)
#undef RT_CASE
  }
  return 0;
}

/* double f_grad(double..., double *out) and void f_hess(double..., double *out);
 * the hessian's (void) result is returned as 0. */
static inline double rt_call_out(rt_fn fn, int n, const double *a, double *out, int returns_void) {
  if (returns_void) {
    switch (n) {
    case 0: ((void (*)(double *))fn)(out); return 0;
#define RT_CASE(k) \
  case k: ((void (*)(RT_T##k, double *))fn)(RT_A##k, out); return 0;
      RT_ARITIES(RT_CASE)
#undef RT_CASE
    }
    return 0;
  }
  switch (n) {
  case 0: return ((double (*)(double *))fn)(out);
#define RT_CASE(k) \
  case k: return ((double (*)(RT_T##k, double *))fn)(RT_A##k, out);
    RT_ARITIES(RT_CASE)
#undef RT_CASE
  }
  return 0;
}

/* Uniform in [lo, hi), reproducible. */
static inline double rt_uniform(uint64_t *state, double lo, double hi) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return lo + (hi - lo) * (double)(*state >> 11) * 0x1p-53;
}

static inline int rt_same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Command-line options of the tests, for the valgrind runs:
 *   --quick      shorter loops;
 *   --cpu=NAME   compile for NAME instead of the host CPU. Valgrind 3.19
 *                cannot execute AVX-512 instructions, which code for an
 *                AVX-512 host may contain; the valgrind runs pass
 *                --cpu=x86-64-v3. */
static int rt_quick_mode;
static const char *rt_cpu;

static inline void rt_init(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) rt_quick_mode = 1;
    else if (strncmp(argv[i], "--cpu=", 6) == 0) rt_cpu = argv[i] + 6;
  }
}

/* The options tests compile with: the defaults, with --cpu applied. */
static inline pd_options rt_options(void) {
  pd_options o = PD_OPTIONS_INIT;
  o.cpu = rt_cpu;
  return o;
}

static inline pd_module *rt_compile(const char *src, char **diag) {
  pd_options o = rt_options();
  return pd_compile(src, &o, diag);
}

#endif
