/* Memory-bandwidth baseline for bench/batch: the traffic of rosen_grad_batch (read two
 * arrays, write three: 40 bytes a point) with next to no arithmetic, so that its speed is
 * what the memory system gives one core. bench/batch compiles it with -O3 -march=native
 * (with gcc and with clang, each under its own name via -DSTREAM_NAME=...) and reports
 * pdc's rosen_grad_batch as a fraction of the faster. */
#include <stddef.h>

#ifndef STREAM_NAME
#define STREAM_NAME stream_2r3w
#endif

void STREAM_NAME(size_t n, const double *restrict x, const double *restrict y, double *restrict a,
                 double *restrict b, double *restrict c);

void STREAM_NAME(size_t n, const double *restrict x, const double *restrict y, double *restrict a,
                 double *restrict b, double *restrict c) {
  for (size_t i = 0; i < n; i++) {
    double u = x[i], v = y[i];
    a[i] = u + v;
    b[i] = u * v;
    c[i] = u - v;
  }
}
