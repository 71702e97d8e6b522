/* main.c — the pdc command: options in, exit code out.
 *
 * The compiler's internal errors and out-of-memory unwind to an error
 * boundary (util.h) instead of ending the process, because the same code
 * runs inside other programs (libpdrt). Here, in the command, they end the
 * run with their message on stderr and exit code 3, as before. */
#include <setjmp.h>
#include <stdio.h>

#include "driver.h"
#include "emit.h"
#include "options.h"
#include "util.h"

static void print_targets(void) {
  Buf out;
  buf_init(&out);
  emit_print_targets(&out);
  fputs(buf_cstr(&out), stdout);
  buf_free(&out);
}

static int run(int argc, char **argv) {
  PdcOptions o;
  if (!options_parse(argc, argv, &o)) {
    options_free(&o);
    return PDC_EXIT_USAGE;
  }
  int rc = PDC_EXIT_OK;
  if (o.help) options_print_help();
  else if (o.version) options_print_version();
  else if (o.print_targets) print_targets();
  else rc = driver_run(&o);
  options_free(&o);
  return rc;
}

int main(int argc, char **argv) {
  PdcBoundary b;
  pdc_boundary_enter(&b);
  int rc;
  if (setjmp(b.env) == 0) {
    rc = run(argc, argv);
    pdc_boundary_leave(&b);
  } else {
    fputs(b.message, stderr);
    rc = PDC_EXIT_INTERNAL;
  }
  emit_shutdown();
  return rc;
}
