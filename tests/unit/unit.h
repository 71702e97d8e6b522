/* unit.h — the whole unit-test harness: CHECK, CHECK_NEAR, RUN, report. */
#ifndef PDC_UNIT_H
#define PDC_UNIT_H

#include <math.h>
#include <stdio.h>

static int unit_failures, unit_checks;

#define CHECK(cond)                                                            \
  do {                                                                         \
    unit_checks++;                                                             \
    if (!(cond)) {                                                             \
      unit_failures++;                                                         \
      fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond);         \
    }                                                                          \
  } while (0)

/* |got - want| <= abs_tol + rel_tol * |want| */
#define CHECK_NEAR(got, want, rel_tol, abs_tol)                                \
  do {                                                                         \
    double g_ = (got), w_ = (want);                                            \
    unit_checks++;                                                             \
    if (!(fabs(g_ - w_) <= (abs_tol) + (rel_tol) * fabs(w_))) {                \
      unit_failures++;                                                         \
      fprintf(stderr, "%s:%d: FAIL: %s = %.17g, want %.17g\n", __FILE__,       \
              __LINE__, #got, g_, w_);                                         \
    }                                                                          \
  } while (0)

#define CHECK_STR(got, want)                                                   \
  do {                                                                         \
    const char *g_ = (got), *w_ = (want);                                      \
    unit_checks++;                                                             \
    if (strcmp(g_, w_) != 0) {                                                 \
      unit_failures++;                                                         \
      fprintf(stderr, "%s:%d: FAIL: %s\n  got:  %s\n  want: %s\n", __FILE__,   \
              __LINE__, #got, g_, w_);                                         \
    }                                                                          \
  } while (0)

#define RUN(test) test()

static inline int unit_report(void) {
  printf("%d checks, %d failed\n", unit_checks, unit_failures);
  return unit_failures ? 1 : 0;
}

#endif
