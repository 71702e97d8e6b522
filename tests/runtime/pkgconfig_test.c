/* Built by runtime.package.pkgconfig with nothing but the flags
 * `pkg-config --cflags --libs pdrt` prints for the installed tree. */
#include <pd_runtime.h>
#include <stdio.h>

int main(void) {
  pd_module *m = pd_compile("fn f(x, y) = x^2 - y^2\n", NULL, NULL);
  const pd_function *f = pd_function_find(m, "f");
  if (!f) return 1;
  double args[2] = {2, 3}, g[2];
  double v = f->grad(args, g);
  printf("%g %g %g\n", v, g[0], g[1]);
  pd_module_free(m);
  return 0;
}
