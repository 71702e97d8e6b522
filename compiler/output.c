/* output.c — temp file + rename. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

/* The temporary file being written, so a SIGINT or SIGTERM arriving during
 * the write removes it instead of leaving a partial file behind. */
static char *volatile pending_tmp;

static void remove_pending_and_die(int sig) {
  char *p = pending_tmp;
  if (p) unlink(p);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void guard_signals(void) {
  static int installed;
  if (installed) return;
  installed = 1;
  signal(SIGINT, remove_pending_and_die);
  signal(SIGTERM, remove_pending_and_die);
  signal(SIGHUP, remove_pending_and_die);
}

static char *error_text(const char *what, const char *path) {
  Buf b;
  buf_init(&b);
  buf_printf(&b, "cannot %s '%s': %s", what, path, strerror(errno));
  return buf_take(&b);
}

/* The output's temporary file could not be made: the directory is what is
 * wrong (missing, not writable), so the message names it. */
static char *directory_error_text(const char *path) {
  const char *slash = strrchr(path, '/');
  Buf b;
  buf_init(&b);
  buf_printf(&b, "cannot create '%s': directory '", path);
  if (!slash) buf_putc(&b, '.');
  else if (slash == path) buf_putc(&b, '/');
  else buf_append(&b, path, (size_t)(slash - path));
  buf_printf(&b, "': %s", strerror(errno));
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

static int write_in_place(const char *path, const void *data, size_t n, char **err);

/* The path a symbolic link names even when that file does not exist yet. */
static char *dangling_link_target(const char *link) {
  char target[PATH_MAX];
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return NULL;
  target[n] = '\0';
  Buf b;
  buf_init(&b);
  const char *slash = strrchr(link, '/');
  if (target[0] != '/' && slash) buf_append(&b, link, (size_t)(slash - link + 1));
  buf_puts(&b, target);
  return buf_take(&b);
}
static int write_atomically(const char *path, const void *data, size_t n, char **err);

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
  /* Devices and pipes (-o /dev/null, a FIFO) are written in place: renaming
   * a file over them would replace the device itself. */
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) return write_in_place(path, data, n, err);
  /* Through a symbolic link, the file it names is replaced, not the link. */
  char *resolved = NULL;
  struct stat lst;
  if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
    resolved = realpath(path, NULL);
    if (!resolved) resolved = dangling_link_target(path);
    if (resolved) path = resolved;
  }
  int ok = write_atomically(path, data, n, err);
  free(resolved);
  return ok;
}

static int write_in_place(const char *path, const void *data, size_t n, char **err) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) {
    *err = error_text("write", path);
    return 0;
  }
  int ok = write_all(fd, data, n);
  if (close(fd) != 0) ok = 0;
  if (!ok) *err = error_text("write", path);
  return ok;
}

static int write_atomically(const char *path, const void *data, size_t n, char **err) {
  Buf tmp;
  buf_init(&tmp);
  const char *slash = strrchr(path, '/');
  if (slash) buf_append(&tmp, path, (size_t)(slash - path + 1));
  buf_printf(&tmp, ".%s.pdc-XXXXXX", slash ? slash + 1 : path);
  char *tmp_path = buf_take(&tmp);
  guard_signals();
  int fd = mkstemp(tmp_path);
  pending_tmp = tmp_path;
  if (fd < 0) {
    pending_tmp = NULL;
    *err = directory_error_text(path);
    free(tmp_path);
    return 0;
  }
  /* mkstemp makes the file 0600; outputs get the usual 0666 & ~umask */
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  int ok = write_all(fd, data, n);
  if (close(fd) != 0) ok = 0;
  if (ok && rename(tmp_path, path) != 0) ok = 0;
  if (!ok) {
    *err = error_text("write", path);
    unlink(tmp_path);
  }
  pending_tmp = NULL;
  free(tmp_path);
  return ok;
}
