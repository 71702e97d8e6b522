/* source_file.h — reading a .pd file, the one way pdc and libpdrt do it:
 * "-" is standard input (for pdc), a directory is refused, and a file over
 * PDC_MAX_SOURCE_BYTES (input_limits.h) is refused before it is read whole.
 * The text may hold NUL bytes: it comes back with its length, and the lexer
 * reports them. */
#ifndef PDC_SOURCE_FILE_H
#define PDC_SOURCE_FILE_H

#include <stddef.h>

/* Reads path into *text (x*alloc'd, NUL-terminated after *len bytes).
 * Returns 1, or 0 with *err (x*alloc'd) set to the message without the
 * "pdc: error: " prefix: "cannot read 'p': <strerror>" or "'p' is too
 * large: ...". */
int source_file_read(const char *path, char **text, size_t *len, char **err);

#endif
