/* Compiles energy.pd at run time with libpdrt, checks its gradient and
 * prints what app prints.   usage: jit <energy.pd> */
#include <pd_runtime.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  char *diag = NULL;
  pd_module *m = argc > 1 ? pd_compile_file(argv[1], NULL, &diag) : NULL;
  if (!m) {
    fprintf(stderr, "%s", diag ? diag : "usage: jit <energy.pd>\n");
    free(diag);
    return 1;
  }
  const pd_function *f = pd_function_find(m, "energy");
  const double point[4] = {3, 4, 2, 4};
  double err[2];
  if (!f || pd_gradcheck(m, "energy", point, 1, NULL, err) != 0) {
    fprintf(stderr, "gradient check failed\n");
    return 1;
  }
  double g[2];
  double e = f->grad(point, g);
  printf("energy = %g, grad = (%g, %g)\n", e, g[0], g[1]);
  pd_module_free(m);
  return 0;
}
