/* output.c — temp file + rename. */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

static char *error_text(const char *what, const char *path) {
  Buf b;
  buf_init(&b);
  buf_printf(&b, "cannot %s '%s': %s", what, path, strerror(errno));
  return buf_take(&b);
}

static int write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

int output_write(const char *path, const void *data, size_t n, char **err) {
  if (strcmp(path, "-") == 0) {
    fflush(stdout);
    if (!write_all(STDOUT_FILENO, data, n)) {
      *err = error_text("write to", "standard output");
      return 0;
    }
    return 1;
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    *err = error_text("write", path);
    return 0;
  }
  Buf tmp;
  buf_init(&tmp);
  const char *slash = strrchr(path, '/');
  if (slash) buf_append(&tmp, path, (size_t)(slash - path + 1));
  buf_printf(&tmp, ".%s.pdc-XXXXXX", slash ? slash + 1 : path);
  char *tmp_path = buf_take(&tmp);
  int fd = mkstemp(tmp_path);
  if (fd < 0) {
    *err = error_text("create an output file next to", path);
    free(tmp_path);
    return 0;
  }
  /* mkstemp makes the file 0600; outputs get the usual 0666 & ~umask */
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  int ok = write_all(fd, data, n);
  if (close(fd) != 0) ok = 0;
  if (!ok) {
    *err = error_text("write", path);
    unlink(tmp_path);
    free(tmp_path);
    return 0;
  }
  if (rename(tmp_path, path) != 0) {
    *err = error_text("write", path);
    unlink(tmp_path);
    free(tmp_path);
    return 0;
  }
  free(tmp_path);
  return 1;
}
