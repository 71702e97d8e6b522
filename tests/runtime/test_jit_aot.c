/* test_jit_aot.c — the JIT computes what pdc's object files compute, to the
 * last bit.
 *
 *   test_jit_aot (<file.pd> <prefix> <opt_level> <fp_contract> <fast_math> <cpu>)...
 *
 * For each group, CMake linked into this program the object pdc made of
 * <file.pd> with --prefix=<prefix> and the matching flags, for <cpu>
 * ("host": pdc's default, the host CPU with all its features; otherwise
 * --cpu=<cpu>). The test compiles the same file with pd_compile_file and
 * the same options, then calls every generated symbol both ways — the
 * object's through dlsym (the program is linked with -rdynamic), the JIT's
 * through pd_symbol and through pd_function's array forms — at random and
 * edge points, and compares results and output arrays bit for bit (memcmp:
 * -0.0 and NaN payloads count). Same IR, same target machine settings, same
 * libm: there is nothing that may differ. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_test.h"

enum { NPOINTS = 64, SENTINEL_SLOTS = 2 };

typedef struct Config {
  const char *pd, *prefix;
  pd_options opts;
} Config;

typedef struct Tally {
  int symbols, calls, mismatches;
} Tally;

/* Parameter values of point p: edge cases first, then random. */
static void make_point(int p, int n, uint64_t *rng, double *x) {
  static const double edges[] = {0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, INFINITY, NAN};
  for (int i = 0; i < n; i++) {
    if (p < (int)(sizeof edges / sizeof edges[0])) x[i] = edges[p];
    else if (p % 2) x[i] = rt_uniform(rng, 0.5, 2.5); /* where every function is smooth and finite */
    else x[i] = rt_uniform(rng, -4.0, 4.0);
  }
}

/* Calls fn (kind: 0 value, 1 grad, 2 hess) the native way into out[]; out
 * holds nout results plus sentinel slots that must stay untouched. */
static double call_native(rt_fn fn, int kind, int nparams, const double *x, double *out, int nout) {
  for (int i = 0; i < nout + SENTINEL_SLOTS; i++) out[i] = -12345.678;
  if (kind == 0) return rt_call_value(fn, nparams, x);
  return rt_call_out(fn, nparams, x, out, kind == 2);
}

static int compare_symbol(const pd_function *f, const char *sym, int kind, int index, pd_module *m, uint64_t *rng,
                          Tally *t) {
  rt_fn jit = rt_fnptr(pd_symbol(m, sym));
  rt_fn aot = rt_fnptr(dlsym(RTLD_DEFAULT, sym));
  if (!jit || !aot) {
    fprintf(stderr, "  %s: missing (%s)\n", sym, !jit ? "JIT" : "object");
    t->mismatches++;
    return 0;
  }
  int nout = kind == 1 ? f->nwrt : kind == 2 ? f->nwrt * f->nwrt : 0;
  double x[RT_MAX_PARAMS], *oj = calloc((size_t)nout + SENTINEL_SLOTS, sizeof(double)),
                           *oa = calloc((size_t)nout + SENTINEL_SLOTS, sizeof(double)),
                           *ow = calloc((size_t)nout + SENTINEL_SLOTS, sizeof(double));
  int bad = 0;
  for (int p = 0; p < NPOINTS && bad < 3; p++) {
    make_point(p, f->nparams, rng, x);
    double rj = call_native(jit, kind, f->nparams, x, oj, nout);
    double ra = call_native(aot, kind, f->nparams, x, oa, nout);
    /* the array form of the same symbol */
    for (int i = 0; i < nout + SENTINEL_SLOTS; i++) ow[i] = -12345.678;
    double rw = kind == 0 ? (index < 0 ? f->value(x) : f->partials[index](x))
                : kind == 1 ? f->grad(x, ow)
                            : (f->hess(x, ow), 0.0);
    size_t bytes = sizeof(double) * (size_t)(nout + SENTINEL_SLOTS);
    if (!rt_same_bits(rj, ra) || !rt_same_bits(rj, rw) || memcmp(oj, oa, bytes) || memcmp(oj, ow, bytes)) {
      fprintf(stderr, "  %s at point %d: JIT %.17g, object %.17g, array form %.17g%s\n", sym, p, rj, ra, rw,
              nout ? " (or their output arrays)" : "");
      bad++;
    }
    t->calls += 3;
  }
  free(oj);
  free(oa);
  free(ow);
  t->symbols++;
  t->mismatches += bad;
  return bad == 0;
}

static void compare_function(const pd_function *f, pd_module *m, uint64_t *rng, Tally *t) {
  compare_symbol(f, f->symbol, 0, -1, m, rng, t);
  for (int j = 0; j < f->nwrt; j++) compare_symbol(f, f->partial_symbols[j], 0, j, m, rng, t);
  compare_symbol(f, f->grad_symbol, 1, -1, m, rng, t);
  if (f->hessian) compare_symbol(f, f->hess_symbol, 2, -1, m, rng, t);
}

static int run_config(const Config *c) {
  char *diag = NULL;
  pd_module *m = pd_compile_file(c->pd, &c->opts, &diag);
  CHECK(m != NULL);
  if (!m) {
    fprintf(stderr, "%s", diag ? diag : "");
    free(diag);
    return 0;
  }
  Tally t = {0, 0, 0};
  uint64_t rng = 42;
  for (int i = 0; i < pd_function_count(m); i++) {
    const pd_function *f = pd_function_at(m, i);
    if (f->nparams > RT_MAX_PARAMS) continue;
    compare_function(f, m, &rng, &t);
  }
  printf("%-4s %s -O%d%s%s --prefix=%s --cpu=%s: %d symbols, %d calls, %d mismatches\n",
         t.mismatches ? "FAIL" : "ok", c->pd, c->opts.opt_level == PD_OPT_O0 ? 0 : c->opts.opt_level, c->opts.no_fp_contract ? " -ffp-contract=off" : "",
         c->opts.fast_math ? " -ffast-math" : "", c->prefix, c->opts.cpu ? c->opts.cpu : "host", t.symbols, t.calls,
         t.mismatches);
  CHECK(t.mismatches == 0);
  CHECK(t.symbols > 0);
  pd_module_free(m);
  return t.mismatches == 0;
}

int main(int argc, char **argv) {
  if (argc < 7 || (argc - 1) % 6) {
    fprintf(stderr, "usage: test_jit_aot (<file.pd> <prefix> <opt_level> <fp_contract> <fast_math> <cpu>)...\n");
    return 2;
  }
  for (int i = 1; i + 5 < argc; i += 6) {
    Config c = {argv[i], argv[i + 1], PD_OPTIONS_INIT};
    c.opts.prefix = c.prefix;
    int opt = atoi(argv[i + 2]);
    c.opts.opt_level = opt == 0 ? PD_OPT_O0 : opt;
    c.opts.no_fp_contract = !atoi(argv[i + 3]);
    c.opts.fast_math = atoi(argv[i + 4]);
    c.opts.cpu = strcmp(argv[i + 5], "host") == 0 ? NULL : argv[i + 5];
    run_config(&c);
  }
  return unit_report();
}
