/* test_jit_files — pd_compile_file reads files as pdc does (one reader,
 * compiler/source_file.c): a directory and a missing file give the
 * diagnostic pdc prints for them, word for word.
 *
 *   test_jit_files <path of pdc> */
#define _POSIX_C_SOURCE 200809L /* popen, mkdtemp */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pd_runtime.h"
#include "rt_test.h"

/* What `pdc <path> -o /dev/null` prints on stderr. */
static char *pdc_says(const char *pdc, const char *path) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' '%s' -o /dev/null 2>&1", pdc, path);
  FILE *p = popen(cmd, "r");
  static char out[4096];
  size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
  out[n] = '\0';
  if (p) pclose(p);
  return out;
}

static void same_as_pdc(const char *pdc, const char *path, const char *reason) {
  char *diag = NULL;
  CHECK(pd_compile_file(path, NULL, &diag) == NULL);
  const char *want = pdc_says(pdc, path);
  CHECK(strstr(want, reason) != NULL);
  CHECK(diag != NULL);
  if (diag) CHECK_STR(diag, want);
  free(diag);
}

int main(int argc, char **argv) {
  rt_init(argc, argv);
  if (argc < 2) {
    fprintf(stderr, "usage: test_jit_files <pdc>\n");
    return 2;
  }
  char dir[] = "/tmp/pdrt-files-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  same_as_pdc(argv[1], dir, "Is a directory");
  char missing[sizeof dir + 16];
  snprintf(missing, sizeof missing, "%s/missing.pd", dir);
  same_as_pdc(argv[1], missing, "No such file or directory");
  rmdir(dir);
  return unit_report();
}
