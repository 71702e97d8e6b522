/* source_file.c — see source_file.h. */
#include "source_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "input_limits.h"

static char *cannot_read(const char *path, int error) {
  Buf e;
  buf_init(&e);
  /* strerror is thread-safe in glibc for the errno values stdio sets */
  buf_printf(&e, "cannot read '%s': %s", path, strerror(error));
  return buf_take(&e);
}

static char *too_large(const char *path) {
  Buf e;
  buf_init(&e);
  buf_printf(&e, "'%s' is too large: more than %d MiB (the limit for a source file)", path, PDC_MAX_SOURCE_BYTES >> 20);
  return buf_take(&e);
}

/* Reads f to its end into b; 0 with errno when reading fails, -1 when the
 * text passes the size limit. */
static int read_all(FILE *f, Buf *b) {
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b->len + n > PDC_MAX_SOURCE_BYTES) return -1;
    buf_append(b, chunk, n);
  }
  return ferror(f) ? 0 : 1;
}

static int is_directory(FILE *f) {
  struct stat st;
  return fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
}

/* A failed compilation (out of memory while reading) closes the file. */
static void release_file(void *f) { fclose(f); }

int source_file_read(const char *path, char **text, size_t *len, char **err) {
  int is_stdin = strcmp(path, "-") == 0;
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  if (!f) {
    *err = cannot_read(path, errno);
    return 0;
  }
  if (!is_stdin) pdc_own(f, release_file);
  Buf b;
  buf_init(&b);
  int r = is_directory(f) ? (errno = EISDIR, 0) : read_all(f, &b);
  int saved = errno;
  if (!is_stdin) {
    pdc_disown(f);
    fclose(f);
  }
  if (r == 1) {
    *len = b.len;
    *text = buf_take(&b);
    return 1;
  }
  buf_free(&b);
  *err = r < 0 ? too_large(path) : cannot_read(path, saved);
  return 0;
}
