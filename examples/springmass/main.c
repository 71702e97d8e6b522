/* A spring-mass chain integrated with velocity Verlet. force1/force2 are
 * -d(energy, x1) and -d(energy, x2), derived by pdc. Verlet conserves the
 * total energy to O(dt^2), which the program checks. */
#include <math.h>
#include <stdio.h>

#include "springmass.h" /* generated: pdc springmass.pd --emit=obj,header */

int main(void) {
  const double k1 = 4.0, k2 = 1.0, L1 = 1.0, L2 = 1.0, m = 1.0, dt = 1e-3;
  double x1 = 1.3, x2 = 2.1, v1 = 0, v2 = 0;
  double e0 = energy(x1, x2, k1, k2, L1, L2);
  double a1 = force1(x1, x2, k1, k2, L1, L2) / m, a2 = force2(x1, x2, k1, k2, L1, L2) / m;
  double worst = 0;
  for (int step = 1; step <= 20000; step++) {
    x1 += v1 * dt + 0.5 * a1 * dt * dt;
    x2 += v2 * dt + 0.5 * a2 * dt * dt;
    double n1 = force1(x1, x2, k1, k2, L1, L2) / m, n2 = force2(x1, x2, k1, k2, L1, L2) / m;
    v1 += 0.5 * (a1 + n1) * dt;
    v2 += 0.5 * (a2 + n2) * dt;
    a1 = n1, a2 = n2;
    double e = energy(x1, x2, k1, k2, L1, L2) + 0.5 * m * (v1 * v1 + v2 * v2);
    worst = fmax(worst, fabs(e - e0) / e0);
    if (step % 5000 == 0) printf("t = %5.1f: x1 = %+.6f  x2 = %+.6f  energy = %.9f\n", step * dt, x1, x2, e);
  }
  printf("initial energy %.9f, worst relative drift %.2e\n", e0, worst);
  return worst < 1e-5 ? 0 : 1;
}
