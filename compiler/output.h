/* output.h — writing output files atomically: the bytes go to a temporary
 * file in the target's directory, which is renamed over the target only
 * when complete, so an error or a kill never leaves a partial file and an
 * older output stays untouched until the new one is whole. */
#ifndef PDC_OUTPUT_H
#define PDC_OUTPUT_H

#include <stddef.h>

/* path "-" writes to standard output. Returns 0 and sets *err (malloc'd) on
 * failure. */
int output_write(const char *path, const void *data, size_t n, char **err);

#endif
