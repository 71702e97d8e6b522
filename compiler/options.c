/* options.c — command-line parsing in the style of clang and llc:
 * single-dash short options (-o, -S, -c, -O2), double-dash long options with
 * '=' (--emit=obj,header), and '-' for standard input. */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Set by CMake from the project and the LLVM it found. */
#ifndef PDC_VERSION
#define PDC_VERSION "0.0.0"
#endif
#ifndef PDC_LLVM_VERSION
#define PDC_LLVM_VERSION "?"
#endif
#ifndef PDC_HOST_TRIPLE
#define PDC_HOST_TRIPLE "the host"
#endif

static const char usage_line[] = "usage: pdc [options] <file.pd>...   (pdc --help for the options)\n";

void options_print_help(void) {
  printf("pdc %s — a derivative compiler: .pd functions to native code for them and their derivatives\n\n"
         "usage: pdc [options] <file.pd>...     ('-' reads standard input)\n\n"
         "Output:\n"
         "  -o <file>              write the output to <file> ('-' for standard output); with several\n"
         "                         --emit kinds, <file>'s stem names each output (x.o, x.h, ...)\n"
         "  --emit=<kind>[,<kind>]  what to produce (default obj):\n"
         "                           obj     native object file (.o)\n"
         "                           asm     assembly (.s)\n"
         "                           llvm    LLVM IR (.ll), optimized unless -O0\n"
         "                           bc      LLVM bitcode (.bc)\n"
         "                           header  C header for the generated functions (.h)\n"
         "                           deriv   the derivatives as formulas (standard output)\n"
         "  -S                     same as --emit=asm\n"
         "  -c                     same as --emit=obj\n"
         "  --prefix=<name>        prepend <name> to every generated symbol\n\n"
         "Code generation:\n"
         "  -O0, -O1, -O2, -O3     optimization level (default -O2)\n"
         "  --target=<triple>      target triple (default: the host, %s)\n"
         "  --cpu=<name>           target CPU, e.g. x86-64-v3; native: this machine's CPU and features\n"
         "                         (default: the triple's baseline, x86-64 for x86_64: runs anywhere)\n"
         "  -ffp-contract=on|off   fuse a*b+c into fused multiply-adds (default on, as clang)\n"
         "  -ffast-math            allow real-number rewrites and LLVM's fast-math flags\n"
         "  -fno-fast-math         the default: results as IEEE evaluation of the formula gives\n"
         "  --batch                also f_batch and f_grad_batch: loops over arrays of points\n"
         "  --precision=f64|f32    double (default) or float for every generated function\n"
         "  -fveclib=libmvec|none  in batch loops, call glibc's vector math (libmvec, within\n"
         "                         4 ulp; link with -lm) for sin, exp, ... (default none)\n\n"
         "Diagnostics:\n"
         "  -Werror                make warnings errors (exit status 1, no output written)\n"
         "  -Wno-error             the default: warnings are reported and the outputs written\n\n"
         "Inspection:\n"
         "  --dump=tokens|ast|dag  print the tokens, the syntax tree or the expression DAG to\n"
         "                         standard output and stop after that phase\n"
         "  --help                 show this help\n"
         "  --version              show the version\n"
         "  --print-targets        list the architectures --target can name\n\n"
         "Exit status: 0 success, 1 errors in the input, 2 bad command line, 3 internal error.\n",
         PDC_VERSION, PDC_HOST_TRIPLE);
}

void options_print_version(void) { printf("pdc %s (LLVM %s)\n", PDC_VERSION, PDC_LLVM_VERSION); }

static int bad(const char *fmt, const char *arg) {
  fputs("pdc: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(usage_line, stderr);
  return 0;
}

static int parse_emit(const char *list, PdcOptions *o) {
  static const struct {
    const char *name;
    unsigned bit;
  } kinds[] = {{"obj", EMIT_OBJ}, {"asm", EMIT_ASM},       {"llvm", EMIT_LLVM}, {"ll", EMIT_LLVM},
               {"bc", EMIT_BC},   {"header", EMIT_HEADER}, {"h", EMIT_HEADER},  {"deriv", EMIT_DERIV}};
  const char *s = list;
  if (!*s) return bad("--emit needs a kind: obj, asm, llvm, bc, header or deriv", "");
  while (*s) {
    size_t n = strcspn(s, ",");
    unsigned bit = 0;
    for (size_t i = 0; i < countof(kinds); i++)
      if (strlen(kinds[i].name) == n && strncmp(kinds[i].name, s, n) == 0) bit = kinds[i].bit;
    if (!bit) {
      char tmp[64];
      snprintf(tmp, sizeof tmp, "%.*s", (int)(n < 40 ? n : 40), s);
      return bad("unknown --emit kind '%s' (expected obj, asm, llvm, bc, header or deriv)", tmp);
    }
    o->emit |= bit;
    s += n;
    if (*s == ',') s++;
  }
  return 1;
}

static int parse_dump(const char *what, PdcOptions *o) {
  if (strcmp(what, "tokens") == 0) o->dump |= DUMP_TOKENS;
  else if (strcmp(what, "ast") == 0) o->dump |= DUMP_AST;
  else if (strcmp(what, "dag") == 0) o->dump |= DUMP_DAG;
  else return bad("unknown --dump kind '%s' (expected tokens, ast or dag)", what);
  return 1;
}

/* "--name=value" or "--name value"; returns the value, NULL if argv[*i] is
 * another option, or "" when the value is missing (the caller complains). */
static const char *long_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0) return NULL;
  if (a[n] == '=') return a + n + 1;
  if (a[n] != '\0') return NULL;
  if (*i + 1 < argc) return argv[++*i];
  return "";
}

static int is_identifier(const char *s) {
  if (!*s) return 1; /* an empty prefix is no prefix */
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

int options_parse(int argc, char **argv, PdcOptions *o) {
  memset(o, 0, sizeof *o);
  o->opt_level = 2;
  o->prefix = "";
  o->fp_contract = 1;
  o->inputs = xmalloc(sizeof(char *) * (size_t)(argc + 1));
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    if (strcmp(a, "-") == 0 || a[0] != '-') {
      o->inputs[o->ninputs++] = a;
    } else if (strcmp(a, "-o") == 0) {
      if (i + 1 >= argc) return bad("-o needs a file name%s", "");
      o->output = argv[++i];
    } else if (strncmp(a, "-o", 2) == 0) {
      o->output = a + 2;
    } else if ((v = long_value(argc, argv, &i, "--emit"))) {
      if (!parse_emit(v, o)) return 0;
    } else if ((v = long_value(argc, argv, &i, "--dump"))) {
      if (!*v) return bad("--dump needs a kind: tokens, ast or dag%s", "");
      if (!parse_dump(v, o)) return 0;
    } else if ((v = long_value(argc, argv, &i, "--target"))) {
      if (!*v) return bad("--target needs a triple%s", "");
      o->target = v;
    } else if ((v = long_value(argc, argv, &i, "--cpu"))) {
      if (!*v) return bad("--cpu needs a CPU name%s", "");
      o->cpu = v;
    } else if ((v = long_value(argc, argv, &i, "--prefix"))) {
      if (!*v && strcmp(argv[i], "--prefix") == 0) return bad("--prefix needs a name%s", "");
      if (!is_identifier(v)) return bad("--prefix must be a C identifier, not '%s'", v);
      o->prefix = v;
    } else if (strcmp(a, "-S") == 0) {
      o->emit |= EMIT_ASM;
    } else if (strcmp(a, "-c") == 0) {
      o->emit |= EMIT_OBJ;
    } else if (a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && a[3] == '\0') {
      o->opt_level = a[2] - '0';
    } else if (strcmp(a, "-O") == 0) {
      o->opt_level = 2;
    } else if (strcmp(a, "-ffast-math") == 0) {
      o->fast_math = 1;
    } else if (strcmp(a, "-fno-fast-math") == 0) {
      o->fast_math = 0;
    } else if (strcmp(a, "-ffp-contract=on") == 0 || strcmp(a, "-ffp-contract=fast") == 0) {
      o->fp_contract = 1;
    } else if (strcmp(a, "-ffp-contract=off") == 0) {
      o->fp_contract = 0;
    } else if (strcmp(a, "--precision=f32") == 0) {
      o->f32 = 1;
    } else if (strcmp(a, "--precision=f64") == 0) {
      o->f32 = 0;
    } else if (strncmp(a, "--precision=", 12) == 0) {
      return bad("unknown precision '%s' (expected f64 or f32)", a + 12);
    } else if (strcmp(a, "-Werror") == 0) {
      o->werror = 1;
    } else if (strcmp(a, "-Wno-error") == 0) {
      o->werror = 0;
    } else if (strcmp(a, "--batch") == 0) {
      o->batch = 1;
    } else if (strcmp(a, "-fveclib=libmvec") == 0) {
      o->veclib_libmvec = 1;
    } else if (strcmp(a, "-fveclib=none") == 0) {
      o->veclib_libmvec = 0;
    } else if (strncmp(a, "-fveclib=", 9) == 0) {
      return bad("unknown vector library '%s' (expected libmvec or none)", a + 9);
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "-help") == 0) {
      o->help = 1;
    } else if (strcmp(a, "--version") == 0 || strcmp(a, "-version") == 0) {
      o->version = 1;
    } else if (strcmp(a, "--print-targets") == 0) {
      o->print_targets = 1;
    } else {
      return bad("unknown argument '%s'", a);
    }
  }
  if (o->help || o->version || o->print_targets) return 1;
  if (o->ninputs == 0) return bad("no input files%s", "");
  if (o->output && o->ninputs > 1) return bad("cannot use -o with several input files%s", "");
  if (o->dump && o->emit)
    return bad("--dump prints an intermediate form and stops; it cannot be combined with --emit%s", "");
  return 1;
}

void options_free(PdcOptions *o) {
  free(o->inputs);
  o->inputs = NULL;
}
