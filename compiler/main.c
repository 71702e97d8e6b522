/* main.c — the pdc command: options in, exit code out. */
#include <stdio.h>

#include "driver.h"
#include "emit.h"
#include "options.h"
#include "util.h"

int main(int argc, char **argv) {
  PdcOptions o;
  if (!options_parse(argc, argv, &o)) {
    options_free(&o);
    return PDC_EXIT_USAGE;
  }
  int rc = PDC_EXIT_OK;
  if (o.help) options_print_help();
  else if (o.version) options_print_version();
  else rc = driver_run(&o);
  options_free(&o);
  emit_shutdown();
  return rc;
}
