/* Relax a 13-atom Lennard-Jones cluster with FIRE (Bitzek et al., PRL 97,
 * 170201, 2006), using the energy and gradient pdc generated for
 * lj_cluster.pd: ljn_grad(n, pos, grad) returns the energy of the n x 3
 * positions and writes its 3n partial derivatives, the forces with their
 * sign flipped. FIRE is damped molecular dynamics that steers the velocity
 * toward the force and stops dead when it goes uphill; it needs forces only,
 * and it is hard to throw out of a potential as steep as r^-12.
 * The start is a jiggled icosahedron around a central atom, so the cluster
 * should settle in LJ13's global minimum, E = -44.326801. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "lj_cluster.h" /* generated: pdc lj_cluster.pd --emit=obj,header -o lj_cluster.o */

#define N 13 /* atoms */

/* Deterministic jiggle: xorshift64 with a fixed seed, uniform in [-h, h). */
static double jiggle(double h) {
  static unsigned long long s = 0x9E3779B97F4A7C15ull;
  s ^= s << 13, s ^= s >> 7, s ^= s << 17;
  return h * (2.0 * (double)(s >> 11) / 9007199254740992.0 - 1.0);
}

/* Positions are flat, atom i's (x, y, z) at pos[3i..3i+2]: the row-major
 * n x 3 layout ljn takes. Atom 0 at the origin, atoms 1..12 on the vertices
 * of an icosahedron, (0, +-1, +-phi) and its cyclic permutations, at
 * distance r from it; then every coordinate moved by up to 0.05. */
static void start_positions(double pos[3 * N], double r) {
  const double phi = (1.0 + sqrt(5.0)) / 2.0, scale = r / sqrt(1.0 + phi * phi);
  for (int c = 0; c < 3; c++) pos[c] = 0.0;
  int atom = 1;
  for (int axis = 0; axis < 3; axis++)
    for (int s1 = -1; s1 <= 1; s1 += 2)
      for (int s2 = -1; s2 <= 1; s2 += 2, atom++) {
        pos[3 * atom + axis] = 0.0;
        pos[3 * atom + (axis + 1) % 3] = s1 * scale;
        pos[3 * atom + (axis + 2) % 3] = s2 * phi * scale;
      }
  for (int k = 0; k < 3 * N; k++) pos[k] += jiggle(0.05);
}

/* The largest force on any atom (the length of its 3-vector). A NaN is
 * returned as such (fmax would drop it), so it never passes for converged. */
static double max_force(const double grad[3 * N]) {
  double worst = 0.0;
  for (int i = 0; i < N; i++) {
    const double *g = &grad[3 * i];
    double f = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    if (isnan(f)) return f;
    worst = fmax(worst, f);
  }
  return worst;
}

/* Pairs closer than 1.3: the icosahedron has 42 (12 spokes, 30 edges). */
static int close_pairs(const double pos[3 * N]) {
  int count = 0;
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++) {
      double dx = pos[3 * i] - pos[3 * j], dy = pos[3 * i + 1] - pos[3 * j + 1], dz = pos[3 * i + 2] - pos[3 * j + 2];
      count += dx * dx + dy * dy + dz * dz < 1.3 * 1.3;
    }
  return count;
}

/* FIRE's state and its constants, as in the paper (unit masses). */
typedef struct {
  double v[3 * N], dt, alpha;
  int downhill; /* steps since the power F.v was last negative */
} Fire;
static const double dt_max = 0.1, f_inc = 1.1, f_dec = 0.5, alpha_start = 0.1, f_alpha = 0.99;
static const int n_min = 5;
static const double max_move = 0.1; /* no atom moves farther in one step: r^-12 punishes overshoot */

/* One FIRE step: mix the velocity toward the force while the motion is
 * downhill (and, after n_min such steps, lengthen dt), freeze it when it is
 * not; then a semi-implicit Euler step, v += F dt, x += v dt. */
static void fire_step(Fire *fs, double pos[3 * N], const double grad[3 * N]) {
  double power = 0.0, vv = 0.0, ff = 0.0; /* F.v, |v|^2, |F|^2 with F = -grad */
  for (int k = 0; k < 3 * N; k++) {
    power -= grad[k] * fs->v[k];
    vv += fs->v[k] * fs->v[k];
    ff += grad[k] * grad[k];
  }
  if (power > 0.0) {
    double mix = ff > 0.0 ? fs->alpha * sqrt(vv / ff) : 0.0;
    for (int k = 0; k < 3 * N; k++) fs->v[k] = (1.0 - fs->alpha) * fs->v[k] - mix * grad[k];
    if (++fs->downhill > n_min) {
      fs->dt = fmin(fs->dt * f_inc, dt_max);
      fs->alpha *= f_alpha;
    }
  } else {
    for (int k = 0; k < 3 * N; k++) fs->v[k] = 0.0;
    fs->dt *= f_dec;
    fs->alpha = alpha_start;
    fs->downhill = 0;
  }
  for (int k = 0; k < 3 * N; k++) {
    fs->v[k] -= fs->dt * grad[k];
    pos[k] += fmax(-max_move, fmin(max_move, fs->dt * fs->v[k]));
  }
}

int main(void) {
  double pos[3 * N], grad[3 * N];
  start_positions(pos, 1.1);
  Fire fs = {.dt = 0.01, .alpha = alpha_start};
  double e = ljn_grad(N, pos, grad);
  printf("LJ%d from a jiggled icosahedron: E = %.4f, max force %.2e\n", N, e, max_force(grad));
  int step = 0;
  for (; step < 100000 && max_force(grad) >= 1e-6; step++) {
    fire_step(&fs, pos, grad);
    e = ljn_grad(N, pos, grad);
    if (step < 3 || (step + 1) % 100 == 0) printf("step %4d: E = %.4f, max force %.2e\n", step + 1, e, max_force(grad));
  }
  if (!(max_force(grad) < 1e-6)) {
    printf("did not relax: max force %.3e after %d steps\n", max_force(grad), step);
    return 1;
  }
  printf("%d pairs closer than 1.3 (an icosahedron has 42)\n", close_pairs(pos));
  printf("relaxed: E = %.6f after %d steps\n", e, step);
  return 0;
}
