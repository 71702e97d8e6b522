/* test_jit_threads.c — two threads compile, call and free modules at the
 * same time, while both also call one module the main thread compiled.
 * Each thread's source has its own constant, so a result computed by the
 * wrong module, or code corrupted by the other thread's compilation, shows.
 *
 *   test_jit_threads [--quick]    --quick: fewer rounds (for valgrind)
 *
 * It compiles for the host CPU even under valgrind (no --cpu): naming a CPU
 * makes pd_compile probe the name in a forked child (see docs/runtime.md),
 * and a fork while the other thread is inside LLVM is what this test must
 * not depend on. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_test.h"

typedef double (*grad3)(double, double, double, double *);

typedef struct Worker {
  int id, rounds;
  pthread_barrier_t *start;
  pd_module *shared;
  int failures, compiled;
  char *first_diag;
} Worker;

/* Thread id's own function: f(x, y, k) = c*x^2*y - k*sin(y) with c = id + 2. */
static pd_module *compile_own(Worker *w, int round) {
  char src[256];
  snprintf(src, sizeof src,
           "# thread %d, round %d\n"
           "const c = %d\n"
           "fn f(x, y, k) wrt x, y hessian = c*x^2*y - k*sin(y)\n",
           w->id, round, w->id + 2);
  char *diag = NULL;
  pd_module *m = pd_compile(src, NULL, &diag);
  if (!m && !w->first_diag) w->first_diag = diag;
  else free(diag);
  return m;
}

static int check_own(pd_module *m, double c, uint64_t *rng) {
  grad3 fg = (grad3)rt_fnptr(pd_symbol(m, "f_grad"));
  int bad = 0;
  for (int i = 0; i < 200; i++) {
    double x = rt_uniform(rng, -2, 2), y = rt_uniform(rng, -2, 2), k = rt_uniform(rng, 0, 3), g[2];
    double v = fg(x, y, k, g);
    bad += fabs(v - (c * x * x * y - k * sin(y))) > 1e-12 * (1 + fabs(v));
    bad += fabs(g[0] - 2 * c * x * y) > 1e-12 * (1 + fabs(g[0]));
    bad += fabs(g[1] - (c * x * x - k * cos(y))) > 1e-12 * (1 + fabs(g[1]));
  }
  return bad;
}

/* The shared module: seed's f_grad, whose results are exact. */
static int check_shared(pd_module *shared) {
  double (*fg)(double, double, double *) = (double (*)(double, double, double *))rt_fnptr(pd_symbol(shared, "f_grad"));
  int bad = 0;
  for (int i = 0; i < 1000; i++) {
    double g[2], x = i % 7, y = i % 5;
    bad += fg(x, y, g) != x * x - y * y || g[0] != 2 * x || g[1] != -2 * y;
  }
  return bad;
}

static void *work(void *arg) {
  Worker *w = arg;
  uint64_t rng = (uint64_t)w->id + 1;
  pthread_barrier_wait(w->start); /* both threads enter pd_compile together */
  for (int r = 0; r < w->rounds; r++) {
    pd_module *m = compile_own(w, r);
    if (!m) {
      w->failures++;
      continue;
    }
    w->compiled++;
    w->failures += check_own(m, w->id + 2, &rng);
    w->failures += check_shared(w->shared);
    pd_module_free(m);
  }
  return NULL;
}

int main(int argc, char **argv) {
  rt_init(argc, argv);
  int rounds = rt_quick_mode ? 3 : 25;
  pd_module *shared = pd_compile("fn f(x, y) = x^2 - y^2\n", NULL, NULL);
  CHECK(shared != NULL);
  if (!shared) return unit_report();
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 2);
  Worker w[2] = {{.id = 0, .rounds = rounds, .start = &start, .shared = shared},
                 {.id = 1, .rounds = rounds, .start = &start, .shared = shared}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&start);
  for (int i = 0; i < 2; i++) {
    printf("thread %d: %d modules compiled, called and freed, %d failures\n", i, w[i].compiled, w[i].failures);
    if (w[i].first_diag) fprintf(stderr, "thread %d: %s", i, w[i].first_diag);
    free(w[i].first_diag);
    CHECK(w[i].compiled == rounds);
    CHECK(w[i].failures == 0);
  }
  pd_module_free(shared);
  return unit_report();
}
