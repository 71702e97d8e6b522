/* Hand-written reference for bench/functions/arrays.pd (issue 14): the
 * Lennard-Jones energy of n atoms, pos row-major n x 3,
 *   ljn(n, pos) = sum_{i<j} 4*(r_ij^-12 - r_ij^-6) = 4*sum_{i<j} (s^6 - s^3),  s = 1/r_ij^2.
 * Per pair, with d = p_i - p_j: dE/dp_i = 24*s^4*(1 - 2*s^3)*d = -dE/dp_j
 * (Newton's third law: each pair is visited once). Atom i's gradient is
 * accumulated in locals over its j loop; atom j's is scattered. */
#include <stddef.h>
#include <string.h>

double ljn(size_t n, const double *pos);
double ljn_grad(size_t n, const double *pos, double *grad);

double ljn(size_t n, const double *pos) {
  double e = 0.0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      double dx = pos[3 * i] - pos[3 * j], dy = pos[3 * i + 1] - pos[3 * j + 1], dz = pos[3 * i + 2] - pos[3 * j + 2];
      double s = 1.0 / (dx * dx + dy * dy + dz * dz), s3 = s * s * s;
      e += s3 * s3 - s3;
    }
  return 4.0 * e;
}

double ljn_grad(size_t n, const double *pos, double *grad) {
  if (n) memset(grad, 0, 3 * n * sizeof *grad);
  double e = 0.0;
  for (size_t i = 0; i < n; i++) {
    double gx = 0.0, gy = 0.0, gz = 0.0;
    for (size_t j = i + 1; j < n; j++) {
      double dx = pos[3 * i] - pos[3 * j], dy = pos[3 * i + 1] - pos[3 * j + 1], dz = pos[3 * i + 2] - pos[3 * j + 2];
      double s = 1.0 / (dx * dx + dy * dy + dz * dz);
      double s2 = s * s, s3 = s2 * s, s4 = s2 * s2;
      e += s3 * s3 - s3;
      double c = 24.0 * s4 * (1.0 - 2.0 * s3);
      gx += c * dx, gy += c * dy, gz += c * dz;
      grad[3 * j] -= c * dx, grad[3 * j + 1] -= c * dy, grad[3 * j + 2] -= c * dz;
    }
    grad[3 * i] += gx, grad[3 * i + 1] += gy, grad[3 * i + 2] += gz;
  }
  return 4.0 * e;
}
