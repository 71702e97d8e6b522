/* Memory-bandwidth baselines for bench/batch: the traffic of rosen_grad_batch (read two
 * arrays, write three: 40 bytes a point) with next to no arithmetic, so that their speed is
 * what the memory system gives one core. STREAM_NAME stores as C does (each written line is
 * first read: write-allocate); STREAM_NAME_nt stores past the cache with the widest
 * non-temporal stores the target has (arrays 64-byte aligned, as bench/batch allocates
 * them), which is the limit of a loop with this traffic. bench/batch compiles this with
 * -O3 -march=native (with gcc and with clang, each under its own name via
 * -DSTREAM_NAME=...) and reports pdc's rosen_grad_batch as a fraction of the fastest. */
#include <immintrin.h>
#include <stddef.h>

#ifndef STREAM_NAME
#define STREAM_NAME stream_2r3w
#endif
#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define STREAM_NAME_NT CONCAT(STREAM_NAME, _nt)

void STREAM_NAME(size_t n, const double *restrict x, const double *restrict y, double *restrict a,
                 double *restrict b, double *restrict c);
void STREAM_NAME_NT(size_t n, const double *restrict x, const double *restrict y, double *restrict a,
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

void STREAM_NAME_NT(size_t n, const double *restrict x, const double *restrict y, double *restrict a,
                    double *restrict b, double *restrict c) {
  size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 8 <= n; i += 8) {
    __m512d u = _mm512_loadu_pd(x + i), v = _mm512_loadu_pd(y + i);
    _mm512_stream_pd(a + i, _mm512_add_pd(u, v));
    _mm512_stream_pd(b + i, _mm512_mul_pd(u, v));
    _mm512_stream_pd(c + i, _mm512_sub_pd(u, v));
  }
#elif defined(__AVX__)
  for (; i + 4 <= n; i += 4) {
    __m256d u = _mm256_loadu_pd(x + i), v = _mm256_loadu_pd(y + i);
    _mm256_stream_pd(a + i, _mm256_add_pd(u, v));
    _mm256_stream_pd(b + i, _mm256_mul_pd(u, v));
    _mm256_stream_pd(c + i, _mm256_sub_pd(u, v));
  }
#else
  for (; i + 2 <= n; i += 2) {
    __m128d u = _mm_loadu_pd(x + i), v = _mm_loadu_pd(y + i);
    _mm_stream_pd(a + i, _mm_add_pd(u, v));
    _mm_stream_pd(b + i, _mm_mul_pd(u, v));
    _mm_stream_pd(c + i, _mm_sub_pd(u, v));
  }
#endif
  _mm_sfence();
  for (; i < n; i++) {
    double u = x[i], v = y[i];
    a[i] = u + v;
    b[i] = u * v;
    c[i] = u - v;
  }
}
