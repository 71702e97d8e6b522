/* driver.h — the pipeline, one input at a time:
 *   read -> lex -> parse -> sema -> lower (+ diff) -> codegen -> optimize -> emit
 * with an error check at every phase boundary. Outputs are built in memory
 * and written (atomically) only when every phase succeeded. */
#ifndef PDC_DRIVER_H
#define PDC_DRIVER_H

#include "options.h"

/* Compiles every input; returns the process exit code (util.h). */
int driver_run(const PdcOptions *o);

#endif
