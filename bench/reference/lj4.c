/* Hand-written reference for suite.pd: Lennard-Jones energy of four atoms in 3-D,
 *   E = 4 * sum over pairs of (s^6 - s^3),  s = 1/r^2.
 * Per pair, with d = p_i - p_j: dE/dp_i = 24*s^4*(1 - 2*s^3) * d = -dE/dp_j.
 * Powers by multiplication (s2, s3 = s2*s, s4 = s2*s2, s6 = s3*s3), one division per pair,
 * the twelve gradient components accumulated in locals and stored once. */
double lj4(double x1, double y1, double z1, double x2, double y2, double z2, double x3, double y3,
           double z3, double x4, double y4, double z4);
double lj4_grad(double x1, double y1, double z1, double x2, double y2, double z2, double x3,
                double y3, double z3, double x4, double y4, double z4, double *grad);

#define S(i, j) \
  (1.0 / ((x##i - x##j) * (x##i - x##j) + (y##i - y##j) * (y##i - y##j) + \
          (z##i - z##j) * (z##i - z##j)))

static inline double pair(double s) {
  double s3 = s * s * s;
  return s3 * s3 - s3;
}

double lj4(double x1, double y1, double z1, double x2, double y2, double z2, double x3, double y3,
           double z3, double x4, double y4, double z4) {
  return 4.0 * (pair(S(1, 2)) + pair(S(1, 3)) + pair(S(1, 4)) + pair(S(2, 3)) + pair(S(2, 4)) +
                pair(S(3, 4)));
}

#define PAIR(i, j)                                                    \
  do {                                                                \
    double dx = x##i - x##j, dy = y##i - y##j, dz = z##i - z##j;     \
    double s = 1.0 / (dx * dx + dy * dy + dz * dz);                   \
    double s2 = s * s, s3 = s2 * s, s4 = s2 * s2;                     \
    e += s3 * s3 - s3;                                                \
    double c = 24.0 * s4 * (1.0 - 2.0 * s3);                          \
    gx##i += c * dx; gy##i += c * dy; gz##i += c * dz;                \
    gx##j -= c * dx; gy##j -= c * dy; gz##j -= c * dz;                \
  } while (0)

double lj4_grad(double x1, double y1, double z1, double x2, double y2, double z2, double x3,
                double y3, double z3, double x4, double y4, double z4, double *grad) {
  double e = 0.0;
  double gx1 = 0.0, gy1 = 0.0, gz1 = 0.0, gx2 = 0.0, gy2 = 0.0, gz2 = 0.0;
  double gx3 = 0.0, gy3 = 0.0, gz3 = 0.0, gx4 = 0.0, gy4 = 0.0, gz4 = 0.0;
  PAIR(1, 2);
  PAIR(1, 3);
  PAIR(1, 4);
  PAIR(2, 3);
  PAIR(2, 4);
  PAIR(3, 4);
  grad[0] = gx1; grad[1] = gy1; grad[2] = gz1;
  grad[3] = gx2; grad[4] = gy2; grad[5] = gz2;
  grad[6] = gx3; grad[7] = gy3; grad[8] = gz3;
  grad[9] = gx4; grad[10] = gy4; grad[11] = gz4;
  return 4.0 * e;
}
