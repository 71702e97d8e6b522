#!/usr/bin/python3
"""Write a C program that checks every function of pdc-generated headers
against finite differences.

usage: gen_fd_check.py [--ranges FILE]... [--points N] [--seed S] -o check.c HEADER.h...

The script reads each header pdc wrote (--emit=header) and finds, for every
generated function NAME, its declarations in the order pdc writes them:

    double NAME(double a, double b, ...);           the value
    double NAME_d<v>(double a, double b, ...);      one per wrt variable v
    double NAME_grad(double a, ..., double *grad);  value + gradient
    void   NAME_hess(double a, ..., double *H);     Hessian (only with `hessian`)

The C program it writes evaluates each function at --points seeded
pseudo-random points (default 8) and checks, at every point:

  * bit equality: NAME_grad returns exactly NAME(...), and grad[j] is exactly
    NAME_d<v_j>(...) (compared with memcmp, so -0.0 and NaN count too); the
    slots after grad[nwrt-1] (and after H[nwrt*nwrt-1]) are untouched;
  * NAME_d<v> and grad[] against a 4th-order central difference of NAME
    (Richardson):  fd = (8(f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / (12h),
    h = 1e-3 * max(1, |x|);
  * NAME_hess (when present) against the same difference of NAME_grad.

Error measure, for a partial g and its difference fd at one point:

    err = |g - fd| / max(|g|, |fd|, 1e-3 * scale)

with scale = max_j |fd_j|, the largest component of the finite-difference
gradient at that point (for the Hessian: its largest entry).  The error of a
finite difference is a fraction of the size of the whole gradient (rounding:
about eps*|f|/h; truncation: h^4 times the 5th derivative), not of one
component, so a component a thousand times smaller than the largest one is
compared in absolute terms, at 1e-9 * scale, instead of relative to itself,
where cancellation in the difference would make a correct partial look wrong.
Every err must be below 1e-6 (--tol).  If all of g, fd and scale are zero,
err is 0.

Parameter ranges: each parameter is drawn uniformly from [0.5, 2.5] unless a
ranges file (--ranges, several allowed, later lines win) says otherwise.  A
ranges file has one rule per line, '#' starts a comment:

    FUNCTION-GLOB  PARAM-GLOB  LO  HI

matched (fnmatch) against the generated symbol name (with any --prefix) and
the parameter's name as the header spells it.  Points must make every
function finite and smooth; a non-finite value is reported as a failure.

The program prints one line per function,
    ok   rosen      max rel err 3.1e-10
or  FAIL rosen      max rel err 2.0e-01   (preceded by a line per problem)
and exits 1 if any check failed.
"""
import argparse
import fnmatch
import os
import random
import re
import sys
import zlib

DEFAULT_RANGE = (0.5, 2.5)

DECL_RE = re.compile(r"^(double|void)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*;\s*$")
PARAM_RE = re.compile(r"^double\s+([A-Za-z_][A-Za-z0-9_]*)$")
PTR_RE = re.compile(r"^double\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)$")
GRAD_COMMENT_RE = re.compile(r"grad\[(\d+)\] = d[A-Za-z0-9_]+/d([A-Za-z0-9_]+)")


class InputError(Exception):
    """A header or ranges table the script cannot use."""


class Func:
    def __init__(self, header, name, params):
        self.header = header
        self.name = name
        self.params = params  # header spellings
        self.partials = []  # (var, symbol, param index)
        self.grad = None
        self.hess = None
        self.grad_comment = None


def parse_params(text, where):
    text = text.strip()
    if text == "void":
        return [], None
    scalars, ptr = [], None
    for piece in [p.strip() for p in text.split(",")]:
        m = PARAM_RE.match(piece)
        if m and ptr is None:
            scalars.append(m.group(1))
            continue
        m = PTR_RE.match(piece)
        if m and ptr is None:
            ptr = m.group(1)
            continue
        raise InputError(f"{where}: cannot read parameter '{piece}'")
    return scalars, ptr


def param_index(params, var):
    """The index of the parameter a `_d<var>` symbol names: the header adds a
    trailing underscore to names that are C keywords (or grad, H)."""
    for i, p in enumerate(params):
        if p == var or p == var + "_":
            return i
    return None


def parse_header(path):
    """Return the list of Funcs declared in one pdc header, in order."""
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    funcs = []
    cur = None
    last_comment = None
    array_func = None  # functions with array parameters have tests of their own
    for lineno, line in enumerate(lines, 1):
        where = f"{path}:{lineno}"
        s = line.strip()
        if s.startswith("/*"):
            last_comment = s
            continue
        if not (s.startswith("double") or s.startswith("void")):
            continue
        m = DECL_RE.match(s)
        if not m:
            raise InputError(f"{where}: cannot read declaration '{s}'")
        ret, name, plist = m.groups()
        if "size_t" in plist or "const double *" in plist or "const float *" in plist:
            if cur is not None and cur.grad is None:
                raise InputError(f"{where}: {cur.name} has no {cur.name}_grad before {name}")
            array_func, cur = name, None
            continue
        if array_func and name.startswith(array_func + "_"):
            continue
        params, ptr = parse_params(plist, where)
        if ret == "double" and ptr is None:
            if cur is not None and cur.grad is None and name.startswith(cur.name + "_d"):
                if params != cur.params:
                    raise InputError(f"{where}: {name} has other parameters than {cur.name}")
                var = name[len(cur.name) + 2:]
                idx = param_index(cur.params, var)
                if idx is None:
                    raise InputError(f"{where}: {name}: '{var}' is not a parameter of {cur.name}")
                cur.partials.append((var, name, idx))
                continue
            if cur is not None and cur.grad is None:
                raise InputError(f"{where}: {cur.name} has no {cur.name}_grad before {name}")
            cur = Func(path, name, params)
            funcs.append(cur)
            continue
        if cur is None:
            raise InputError(f"{where}: '{name}' before any function")
        if ret == "double" and ptr == "grad" and name == cur.name + "_grad" and cur.grad is None:
            if params != cur.params:
                raise InputError(f"{where}: {name} has other parameters than {cur.name}")
            cur.grad = name
            cur.grad_comment = last_comment
            continue
        if ret == "void" and ptr == "H" and name == cur.name + "_hess" and cur.grad and cur.hess is None:
            if params != cur.params:
                raise InputError(f"{where}: {name} has other parameters than {cur.name}")
            cur.hess = name
            continue
        raise InputError(f"{where}: unexpected declaration of '{name}'")
    if cur is not None and cur.grad is None:
        raise InputError(f"{path}: {cur.name} has no {cur.name}_grad")
    for f in funcs:
        # The grad comment names the wrt order; it must agree with the order
        # of the _d<var> declarations.
        if f.grad_comment and f.partials:
            order = [(int(i), v) for i, v in GRAD_COMMENT_RE.findall(f.grad_comment)]
            want = [(j, v) for j, (v, _, _) in enumerate(f.partials)]
            if order != want:
                raise InputError(f"{path}: {f.grad}: comment says grad order {order}, declarations say {want}")
    return funcs


def read_ranges(paths):
    rules = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                s = line.split("#", 1)[0].split()
                if not s:
                    continue
                if len(s) != 4:
                    raise InputError(f"{path}:{lineno}: want FUNCTION PARAM LO HI")
                try:
                    lo, hi = float(s[2]), float(s[3])
                except ValueError:
                    raise InputError(f"{path}:{lineno}: LO and HI must be numbers") from None
                if not lo <= hi:
                    raise InputError(f"{path}:{lineno}: empty range")
                rules.append((s[0], s[1], lo, hi, f"{path}:{lineno}"))
    return rules


def range_for(rules, used, fname, pname):
    lo, hi = DEFAULT_RANGE
    for i, (fg, pg, rlo, rhi, _) in enumerate(rules):
        if fnmatch.fnmatchcase(fname, fg) and fnmatch.fnmatchcase(pname, pg):
            lo, hi = rlo, rhi
            used.add(i)
    return lo, hi


RUNTIME = r"""
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Locals below may share a name with a generated function; they never call one. */
#pragma GCC diagnostic ignored "-Wshadow"

typedef double (*fdc_fn)(const double *p);
typedef double (*fdc_gradfn)(const double *p, double *g);
typedef void (*fdc_hessfn)(const double *p, double *H);

typedef struct FdcCheck {
  const char *name;
  int nparams, nwrt, npoints;
  const char *const *params; /* header spellings */
  const int *wrt;            /* parameter index of each wrt variable */
  fdc_fn f;
  const fdc_fn *d; /* the NAME_d<var>, in wrt order */
  fdc_gradfn grad;
  fdc_hessfn hess; /* or NULL */
  const double *points; /* npoints rows of nparams */
} FdcCheck;

enum { FDC_GUARD = 4 };
static const uint64_t FDC_SENTINEL = 0x7ff4dead5eedbeefull; /* a signalling-NaN bit pattern */

static const double fdc_tol = FDC_TOLERANCE;
static const int fdc_name_width = FDC_NAME_WIDTH;

static int fdc_same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static double fdc_sentinel(void) {
  double d;
  memcpy(&d, &FDC_SENTINEL, sizeof d);
  return d;
}

static void fdc_print_point(const FdcCheck *c, const double *p) {
  printf("      at point (");
  for (int i = 0; i < c->nparams; i++) printf("%s%s=%.17g", i ? ", " : "", c->params[i], p[i]);
  printf(")\n");
}

static double fdc_step(double x) { return 1e-3 * fmax(1.0, fabs(x)); }

/* 4th-order central difference of f along parameter k at p (p is restored). */
static double fdc_fd_f(fdc_fn f, double *p, int k) {
  double x = p[k], h = fdc_step(x), v[4];
  const double off[4] = {h, -h, 2 * h, -2 * h};
  for (int i = 0; i < 4; i++) {
    p[k] = x + off[i];
    v[i] = f(p);
  }
  p[k] = x;
  return (8 * (v[0] - v[1]) - (v[2] - v[3])) / (12 * h);
}

/* The same on every component of the gradient: out[i] = d grad_i / d p_k. */
static void fdc_fd_grad(const FdcCheck *c, double *p, int k, double *out, double *work) {
  double x = p[k], h = fdc_step(x);
  const double off[4] = {h, -h, 2 * h, -2 * h};
  for (int i = 0; i < 4; i++) {
    p[k] = x + off[i];
    c->grad(p, work + i * FDC_MAXW);
  }
  p[k] = x;
  for (int i = 0; i < c->nwrt; i++)
    out[i] = (8 * (work[i] - work[FDC_MAXW + i]) - (work[2 * FDC_MAXW + i] - work[3 * FDC_MAXW + i])) / (12 * h);
}

/* |g - fd| / max(|g|, |fd|, 1e-3 * scale); a NaN anywhere is an infinite error. */
static double fdc_rel_err(double g, double fd, double scale) {
  double den = fmax(fmax(fabs(g), fabs(fd)), 1e-3 * scale);
  if (isnan(g) || isnan(fd) || isnan(scale)) return INFINITY;
  if (den == 0) return 0; /* g == fd == 0 */
  double e = fabs(g - fd) / den;
  return isnan(e) ? INFINITY : e;
}

/* Problems found for one function: derivative values, bit equality, the rest. */
typedef struct FdcTally {
  int value, bits, other;
  int shown_point; /* the point printed last, so each is printed once */
} FdcTally;

enum { FDC_SHOWN = 4 }; /* problems printed in full per function */

static void fdc_problem(const FdcCheck *c, const double *p, int pt, FdcTally *t, int *kind, const char *fmt, ...) {
  int n = t->value + t->bits + t->other;
  (*kind)++;
  if (n >= FDC_SHOWN) return;
  va_list ap;
  va_start(ap, fmt);
  printf("    ");
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  if (pt != t->shown_point) fdc_print_point(c, p);
  t->shown_point = pt;
}

static int fdc_check(const FdcCheck *c) {
  static double p[FDC_MAXP], g[FDC_MAXW + FDC_GUARD], d[FDC_MAXW], fd[FDC_MAXW],
      H[FDC_MAXW * FDC_MAXW + FDC_GUARD], fdH[FDC_MAXW * FDC_MAXW], work[4 * FDC_MAXW], col[FDC_MAXW];
  FdcTally t = {0, 0, 0, -1};
  int k = c->nwrt;
  double worst = 0;
  const char *worst_what = "";
  for (int pt = 0; pt < c->npoints; pt++) {
    if (c->nparams) memcpy(p, c->points + (size_t)pt * (size_t)c->nparams, sizeof(double) * (size_t)c->nparams);
    double f0 = c->f(p);
    if (!isfinite(f0)) {
      fdc_problem(c, p, pt, &t, &t.other, "%s = %g is not finite: fix the parameter ranges", c->name, f0);
      continue;
    }
    for (int i = 0; i < k + FDC_GUARD; i++) g[i] = fdc_sentinel();
    double r = c->grad(p, g);
    if (!fdc_same_bits(r, f0))
      fdc_problem(c, p, pt, &t, &t.bits, "%s_grad returned %.17g, %s returned %.17g (not bit-equal)", c->name, r,
                  c->name, f0);
    for (int i = k; i < k + FDC_GUARD; i++)
      if (!fdc_same_bits(g[i], fdc_sentinel())) {
        fdc_problem(c, p, pt, &t, &t.other, "%s_grad wrote grad[%d], past its %d partials", c->name, i, k);
        break;
      }
    double scale = 0;
    for (int j = 0; j < k; j++) {
      d[j] = c->d[j](p);
      fd[j] = fdc_fd_f(c->f, p, c->wrt[j]);
      scale = fmax(scale, fabs(fd[j]));
      if (!fdc_same_bits(g[j], d[j]))
        fdc_problem(c, p, pt, &t, &t.bits, "%s_grad wrote grad[%d] = %.17g, %s_d%s returned %.17g (not bit-equal)",
                    c->name, j, g[j], c->name, c->params[c->wrt[j]], d[j]);
    }
    for (int j = 0; j < k; j++) {
      double e = fmax(fdc_rel_err(d[j], fd[j], scale), fdc_rel_err(g[j], fd[j], scale));
      if (e > worst) worst = e, worst_what = c->params[c->wrt[j]];
      if (!(e < fdc_tol))
        fdc_problem(c, p, pt, &t, &t.value, "d%s/d%s = %.17g (grad[%d] = %.17g), finite difference %.17g: rel err %.2e",
                    c->name, c->params[c->wrt[j]], d[j], j, g[j], fd[j], e);
    }
    if (!c->hess) continue;
    for (int i = 0; i < k * k + FDC_GUARD; i++) H[i] = fdc_sentinel();
    c->hess(p, H);
    for (int i = k * k; i < k * k + FDC_GUARD; i++)
      if (!fdc_same_bits(H[i], fdc_sentinel())) {
        fdc_problem(c, p, pt, &t, &t.other, "%s_hess wrote H[%d], past its %d entries", c->name, i, k * k);
        break;
      }
    double hscale = 0;
    for (int j = 0; j < k; j++) {
      fdc_fd_grad(c, p, c->wrt[j], col, work);
      for (int i = 0; i < k; i++) {
        fdH[i * k + j] = col[i];
        hscale = fmax(hscale, fabs(col[i]));
      }
    }
    for (int i = 0; i < k * k; i++) {
      double e = fdc_rel_err(H[i], fdH[i], hscale);
      if (e > worst) worst = e, worst_what = "hessian";
      if (!(e < fdc_tol))
        fdc_problem(c, p, pt, &t, &t.value,
                    "d2%s/d%s d%s = H[%d] = %.17g, finite difference of the gradient %.17g: rel err %.2e", c->name,
                    c->params[c->wrt[i / k]], c->params[c->wrt[i % k]], i, H[i], fdH[i], e);
    }
  }
  int bad = t.value + t.bits + t.other;
  if (bad > FDC_SHOWN) printf("    ... and %d more\n", bad - FDC_SHOWN);
  printf("%-4s %-*s max rel err %.1e", bad ? "FAIL" : "ok", fdc_name_width, c->name, worst);
  if (k) printf("  (%s)", worst_what);
  if (t.value) printf("; %d wrong derivative values", t.value);
  if (t.bits) printf("; %d results not bit-equal between %s, %s_d* and %s_grad", t.bits, c->name, c->name, c->name);
  if (t.other) printf("; %d other problems", t.other);
  printf("\n");
  fflush(stdout);
  return bad;
}
"""


def opt(cond, s):
    return s if cond else "NULL"


def generate(headers, rules, npoints, seed, tol):
    funcs = []
    for h in headers:
        funcs.extend(parse_header(h))
    if not funcs:
        raise InputError("no functions found in " + ", ".join(headers))
    names = [f.name for f in funcs]
    if len(set(names)) != len(names):
        raise InputError("the same function name in several headers: use pdc --prefix")
    used = set()  # the rules that matched a parameter: a stale rule is an error
    maxp = max([len(f.params) for f in funcs] + [1])
    maxw = max([len(f.partials) for f in funcs] + [1])
    out = []
    w = out.append
    w("/* Generated by gen_fd_check.py from " + ", ".join(os.path.basename(h) for h in headers) + ". Do not edit. */")
    for h in headers:
        w(f'#include "{os.path.abspath(h)}"')
    w(f"#define FDC_MAXP {maxp}")
    w(f"#define FDC_MAXW {maxw}")
    w(f"#define FDC_TOLERANCE {tol!r}")
    w(f"#define FDC_NAME_WIDTH {max(len(n) for n in names)}")
    w(RUNTIME)
    for fi, f in enumerate(funcs):
        n = len(f.params)
        args = ", ".join(f"fdc_p[{i}]" for i in range(n))
        unused = "" if n else "(void)fdc_p; "
        w(f"/* {f.name} from {os.path.basename(f.header)} */")
        w(f"static double fdc_f{fi}(const double *fdc_p) {{ {unused}return {f.name}({args}); }}")
        w(f"static double fdc_g{fi}(const double *fdc_p, double *fdc_g) {{ {unused}"
          f"return {f.grad}({args + ', ' if n else ''}fdc_g); }}")
        if f.hess:
            w(f"static void fdc_h{fi}(const double *fdc_p, double *fdc_H) {{ {unused}"
              f"{f.hess}({args + ', ' if n else ''}fdc_H); }}")
        for j, (_, sym, _) in enumerate(f.partials):
            w(f"static double fdc_d{fi}_{j}(const double *fdc_p) {{ return {sym}({args}); }}")
        if f.partials:
            w(f"static const fdc_fn fdc_d{fi}[] = {{"
              + ", ".join(f"fdc_d{fi}_{j}" for j in range(len(f.partials))) + "};")
            w(f"static const int fdc_wrt{fi}[] = {{" + ", ".join(str(i) for _, _, i in f.partials) + "};")
        if n:
            w(f"static const char *const fdc_params{fi}[] = {{" + ", ".join(f'"{p}"' for p in f.params) + "};")
        rng = random.Random(seed * 1000003 + zlib.crc32(f.name.encode()))
        pts = []
        for _ in range(npoints):
            for pname in f.params:
                lo, hi = range_for(rules, used, f.name, pname)
                pts.append(rng.uniform(lo, hi))
        if pts:
            w(f"static const double fdc_pts{fi}[] = {{")
            for i in range(0, len(pts), 4):
                w("  " + ", ".join(repr(x) for x in pts[i:i + 4]) + ",")
            w("};")
    for i, rule in enumerate(rules):
        if i not in used:
            raise InputError(f"{rule[4]}: the rule '{rule[0]} {rule[1]}' matches no parameter")
    w("static const FdcCheck fdc_checks[] = {")
    for fi, f in enumerate(funcs):
        n = len(f.params)
        k = len(f.partials)
        w(f'  {{"{f.name}", {n}, {k}, {npoints}, {opt(n, f"fdc_params{fi}")}, {opt(k, f"fdc_wrt{fi}")}, '
          f'fdc_f{fi}, {opt(k, f"fdc_d{fi}")}, fdc_g{fi}, {opt(f.hess, f"fdc_h{fi}")}, {opt(n, f"fdc_pts{fi}")}}},')
    w("};")
    w("""
int main(void) {
  int failed = 0, n = (int)(sizeof fdc_checks / sizeof fdc_checks[0]);
  for (int i = 0; i < n; i++) failed += fdc_check(&fdc_checks[i]) != 0;
  if (failed) printf("%d of %d functions FAILED\\n", failed, n);
  return failed != 0;
}""")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("headers", nargs="+", help="headers written by pdc --emit=header")
    ap.add_argument("-o", "--output", required=True, help="the C file to write")
    ap.add_argument("--ranges", action="append", default=[], help="a ranges table (see the script's docstring)")
    ap.add_argument("--points", type=int, default=8, help="points per function (default 8, at least 5)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the point generator")
    ap.add_argument("--tol", type=float, default=1e-6, help="largest allowed relative error (default 1e-6)")
    a = ap.parse_args()
    if a.points < 5:
        ap.error("--points must be at least 5")
    try:
        text = generate(a.headers, read_ranges(a.ranges), a.points, a.seed, a.tol)
    except (InputError, OSError) as e:
        print(f"gen_fd_check.py: error: {e}", file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    tmp = a.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
