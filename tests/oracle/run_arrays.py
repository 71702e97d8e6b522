#!/usr/bin/python3
"""run_arrays.py -- check pdc's functions of arrays against SymPy, unrolled
at small sizes.

usage: run_arrays.py --pdc PATH [--count N] [--seed S] [--workdir DIR]
                     [--per-file K] [--points P] [--jobs J] [--cc CC]
                     [--tol T] [--only NAME] [--with-known-bugs]
                     [--perturb K] [--verbose]

The array part of the oracle (run_oracle.py is the scalar part; this reuses
its SymPy machinery, error measure and kink avoidance):

1. gen_arrays.py writes N random functions of arrays, K (10) to a .pd file
   after a few scalar helper functions they call, each file with its SymPy
   translation over pdarr.py.
2. pdc compiles every file (--emit=obj,header, its default -O2) and once
   more at -O0 (--prefix=O0_); both builds are checked.  A function pdc
   fails on is found and reported as run_oracle.py does, and the rest is
   checked.
3. Each function is unrolled at every size of SIZES (n = 0, 1, 2, 3, 5, and
   with a second size m, the pairs of SIZES_NM): an instance, a SymPy
   expression of the scalars and the array elements.  For each instance
   SymPy differentiates by every wrt scalar and every element of every wrt
   array (and the second partials with `hessian`), and P points (default
   2) are drawn, every input uniform in [-2, 2], away from kinks
   (as run_oracle._check_function does, with its ErrorScale).
4. A C driver calls, at every instance and point, f, every f_d<v> of a
   scalar wrt variable, f_grad (grad starts as NaN, with two sentinels past
   its end; grad is NULL when it has no entries, and so is an array of no
   elements) and f_hess, printing each value with %.17g; it is compiled
   with CC and run.  Each function at each size runs in a child process,
   so that a crash is reported (with the sizes) and the rest is checked.
5. Every value is compared with SymPy's at 40 digits with run_oracle.py's
   error measure (relative to the rounding-error scale of the expression,
   with a floor of 1e-3 times the function's size; --tol 1e-10).
   Moreover f_grad's return value must be f's, to the bit, and nothing
   past grad's last entry may be written.  A failure is listed with the
   function's .pd source (with the helpers it calls), the sizes, the point,
   the entry (grad[4] = d/dx[1], say), pdc's value and the exact one.

Empty sums and constant instances
---------------------------------
An empty sum or product is a symbol held at 0 or 1 (pdarr.FIXED), not the
number, so that SymPy does not fold what is computed from it into one
number, whose rounding by pdc (amplified, say, by a power and a cosine
after it) the error scale could not see.  Still, at small sizes a
function may depend on no input at all (every input is read by sums that
are empty there), and SymPy simplifies some of what pdc rounds
(log(exp(y)) - y is 0 for SymPy, 1.4e-17 for pdc at y = 0.1): the error
scale of such a constant instance has an absolute floor of 1e-3 (an error
of 1e-13; the inputs and constants of the generator are O(1)).

The summary line reads `oracle.arrays: N functions at S instances, V values
checked, F failures`; the exit status is 1 on any failure (or anything the
oracle could not check), 0 otherwise.  --only NAME checks one function (the
file is generated as usual, so a failure reproduces with the seed, count
and name); --with-known-bugs generates what gen_arrays.KNOWN_BUGS leaves
out (constructs pdc has a known bug with); --perturb K multiplies the
first exact value from the K-th on that is not below its error scale by
1 + 1e-9, to see the oracle fail.  SymPy is required: without it the
script fails (as run_oracle.py does); it is not skipped.
"""
import argparse
import math
import multiprocessing
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen_arrays  # noqa: E402
import pdarr  # noqa: E402
import run_oracle as ro  # noqa: E402  (imports pdsym, hence SymPy)
from sympy.printing.pycode import MpmathPrinter  # noqa: E402

# SymPy's MpmathPrinter (run_oracle.exact_function) prints log1p(u) as
# log(u + 1), which is 0 at 40 digits for |u| < 1e-40: the exact value of
# log1p(h^2) with h = tanh((0.5*sin(y))^64) was 0, not 1e-100.  mpmath's own
# log1p is exact there.  (run_oracle.py has the same weakness; its
# generator makes such tiny arguments rarely.)
MpmathPrinter._print_log1p = lambda self, e: 'log1p(%s)' % self._print(e.args[0])

SIZES = [0, 1, 2, 3, 5]  # a function of one size
SIZES_NM = [(0, 2), (1, 0), (2, 1), (3, 3), (5, 2)]  # (n, m)
assert max(SIZES + [k for nm in SIZES_NM for k in nm]) <= gen_arrays.MAXN


def size_cases(sizes):
    """[{size name: value}] for a function whose sizes are named sizes (in C
    order, which the dicts keep)."""
    if not sizes:
        return [{}]
    if len(sizes) == 1:
        return [{sizes[0]: k} for k in SIZES]
    order = {'n': 0, 'm': 1}
    return [{s: nm[order[s]] for s in sizes} for nm in SIZES_NM]


def instance_key(name, case):
    return '%s@%d' % (name, case)


def instance(work, stem, name, case, sizes):
    """The function unrolled at sizes, kept in run_oracle's cache of the
    module under instance_key (once per process)."""
    fns = ro.load_module(work, stem)
    key = instance_key(name, case)
    if key not in fns:
        fns[key] = fns[name].instance(sizes)
    return fns[key]


def check_instance(task):
    """Worker: points and exact values for one function at one size case
    (run_oracle.check_function's work, on an instance whose empty sums and
    products are the symbols of pdarr.FIXED, held at 0 and 1)."""
    import signal

    work, stem, name, case, sizes, npoints, seed = task

    def timeout(*_):
        raise TimeoutError('SymPy took more than %d s' % ro.SYMPY_TIMEOUT)

    signal.signal(signal.SIGALRM, timeout)
    signal.alarm(ro.SYMPY_TIMEOUT)
    try:
        return _check_instance(work, stem, name, case, sizes, npoints, seed)
    except Exception as ex:  # noqa: BLE001 -- reported as a problem of the run
        import traceback
        return {'name': instance_key(name, case), 'error': 'oracle error: %s: %s\n%s' % (
            type(ex).__name__, str(ex)[:300], ''.join(traceback.format_exc(limit=-4)))}
    finally:
        signal.alarm(0)


def _check_instance(work, stem, name, case, sizes, npoints, seed):
    """run_oracle._check_function for an instance: draws the points (away
    from kinks), the exact values and their error scales."""
    import mpmath
    import sympy
    t0 = time.time()
    mpmath.mp.dps = ro.DPS
    key = instance_key(name, case)
    f = instance(work, stem, name, case, sizes)
    qs = ro.quantities(f)
    keys = [k for k, _ in qs]
    exprs = [e for _, e in qs]
    fixed = list(pdarr.FIXED.items())
    symbols = tuple(f.symbols) + tuple(s for s, _ in fixed)
    fn = ro.exact_function(symbols, exprs, cse=True)
    rng = random.Random('%d/%s' % (seed, key))
    points, results, rejected = [], [], 0
    want = npoints if f.symbols else 1
    while len(points) < want:
        if rejected > 400:
            return {'name': key, 'error': 'no point away from kinks after %d tries' % rejected}
        pt = [rng.uniform(-ro.RANGE, ro.RANGE) for _ in f.symbols]
        full = pt + [v for _, v in fixed]
        ev = ro.ErrorScale(sympy, dict(zip(symbols, full)))
        try:
            scales = [ev.scale(e) for e in exprs]
        except (ro.PointRejected, OverflowError, ZeroDivisionError):
            rejected += 1
            continue
        if ev.kink < ro.KINK_EPS:
            rejected += 1
            continue
        try:
            exact = fn(*[mpmath.mpf(x) for x in full])
        except ZeroDivisionError:
            fn = ro.exact_function(symbols, exprs, cse=False)  # cse hoisted a dead branch
            exact = fn(*[mpmath.mpf(x) for x in full])
        row = {}
        for k, e, x, s in zip(keys, exprs, exact, scales):
            x = mpmath.mpmathify(x)
            if not isinstance(x, mpmath.mpc):
                x = mpmath.mpf(x)
            if not isinstance(x, mpmath.mpf) or not mpmath.isfinite(x):
                return {'name': key, 'error': 'exact %s is %s at %r' % (k, x, pt)}
            fv = ev.val[e] if e in ev.val else float(e)  # the float walker agrees with SymPy: it checks the walker
            if abs(fv - float(x)) > 1e-9 * max(abs(float(x)), s, 1e-300) and not (fv == 0 and float(x) == 0):
                return {'name': key, 'error': 'ErrorScale value %r != exact %s for %s at %r' % (fv, x, k, pt)}
            row[k] = (mpmath.nstr(x, 30), s)
        points.append(pt)
        results.append(row)
    return {'name': key, 'fname': name, 'case': case, 'sizes': sizes, 'points': points, 'exact': results,
            'rejected': rejected, 'time': time.time() - t0, 'nwrt': len(f.wrt), 'nparams': len(f.params),
            'hessian': f.hessian, 'wrt': list(f.wrt), 'params': list(f.params), 'layout': f.layout,
            'scalar_wrt': f.scalar_wrt, 'constant': not (f.expr.free_symbols - set(pdarr.FIXED))}


def confirm_exact(work, stem, name, case, key, pt):
    """The exact value once more, by SymPy's evalf(30) of the expression with
    the point substituted (run_oracle.confirm_exact, with pdarr.FIXED)."""
    import signal

    import sympy

    def timeout(*_):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(ro.CONFIRM_TIMEOUT)
    try:
        f = ro.load_module(work, stem)[instance_key(name, case)]
        e = dict(ro.quantities(f))[key]
        subs = {s: sympy.Float(x, 60) for s, x in zip(f.symbols, pt)}
        subs.update({s: sympy.Integer(int(v)) for s, v in pdarr.FIXED.items()})
        v = e.xreplace(subs).evalf(30)
        return str(v) if v.is_Number else 'undecided (%s)' % str(v)[:80]
    except TimeoutError:
        return 'n/a (more than %d s)' % ro.CONFIRM_TIMEOUT
    except Exception as ex:  # noqa: BLE001
        return 'n/a (%s)' % type(ex).__name__
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---- driver ----------------------------------------------------------------

def c_driver(results, headers, prefixes):
    """C source calling every function at every instance and point, printing
    `SYM CASE POINT KIND INDEX VALUE`: KIND v (f), d (f_d<v>, INDEX its grad
    entry), gv (f_grad's return value), g (grad[INDEX]), h (H[INDEX]), s
    when a sentinel past grad was overwritten, crash (INDEX the signal)."""
    out = ['/* Generated by run_arrays.py: calls pdc-generated functions of arrays. */', '#include <stdio.h>',
           '#include <stddef.h>', '#include <sys/wait.h>', '#include <unistd.h>', '']
    out += ['#include "%s"' % h for h in headers]
    out += ['', 'static void pr(const char *sym, int c, int p, const char *kind, int i, double v) {',
            '  printf("%s %d %d %s %d %.17g\\n", sym, c, p, kind, i, v);', '}', '',
            '/* Each function at each size runs in a child process: a crash is',
            '   reported (`SYM CASE 0 crash SIGNAL 0`) and the rest still runs. */',
            'static void guard(const char *sym, int c, void (*run)(int, const double *), const double *pts,',
            '                  int stride, int np) {',
            '  fflush(stdout);',
            '  pid_t pid = fork();',
            '  if (pid == 0) {',
            '    for (int p = 0; p < np; p++) run(p, pts + (size_t)p * stride);',
            '    fflush(stdout);',
            '    _exit(0);',
            '  }',
            '  int st = 0;',
            '  if (pid < 0 || waitpid(pid, &st, 0) != pid) { perror("fork/wait"); _exit(3); }',
            '  if (WIFSIGNALED(st)) printf("%s %d 0 crash %d 0\\n", sym, c, WTERMSIG(st));',
            '  else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("%s %d 0 crash 0 0\\n", sym, c);',
            '}', '']
    calls = []
    for key in sorted(results):
        r = results[key]
        if 'error' in r:
            continue
        name, case, sizes = r['fname'], r['case'], r['sizes']
        nin = r['nparams']
        k = r['nwrt']
        args, off = ['(size_t)%d' % v for v in sizes.values()], 0  # the sizes come in C order (size_cases)
        for pname, count in r['layout']:
            if count is None:
                args.append('in[%d]' % off)
                off += 1
            else:
                args.append('in + %d' % off if count else 'NULL')
                off += count
        assert off == nin
        args = ', '.join(args)
        gargs = args + (', ' if args else '')
        table = 'P_%s_%d' % (name, case)
        pts = ', '.join('{%s}' % (', '.join(float.hex(x) for x in p) if p else '0') for p in r['points'])
        out.append('static const double %s[][%d] = {%s};' % (table, max(nin, 1), pts))
        for pre in prefixes:
            sym = pre + name
            fn = 'run_%s_%d' % (sym, case)
            out.append('static void %s(int p, const double *in) {' % fn)
            out.append('  double g[%d], H[%d];' % (k + 2, k * k + 1))
            out.append('  (void)in; (void)H;')
            out.append('  for (int i = 0; i < %d; i++) g[i] = __builtin_nan("");' % k)
            out.append('  g[%d] = g[%d] = 12345.0;' % (k, k + 1))
            out.append('  pr("%s", %d, p, "v", 0, %s(%s));' % (sym, case, sym, args))
            for w, j in r['scalar_wrt']:
                out.append('  pr("%s", %d, p, "d", %d, %s_d%s(%s));' % (sym, case, j, sym, w, args))
            out.append('  pr("%s", %d, p, "gv", 0, %s_grad(%s%s));' % (sym, case, sym, gargs, 'g' if k else 'NULL'))
            out.append('  for (int i = 0; i < %d; i++) pr("%s", %d, p, "g", i, g[i]);' % (k, sym, case))
            out.append('  if (g[%d] != 12345.0 || g[%d] != 12345.0) pr("%s", %d, p, "s", 0, 1);'
                       % (k, k + 1, sym, case))
            if r['hessian']:
                out.append('  for (int i = 0; i < %d; i++) H[i] = __builtin_nan("");' % (k * k))
                out.append('  %s_hess(%sH);' % (sym, gargs))
                out.append('  for (int i = 0; i < %d; i++) pr("%s", %d, p, "h", i, H[i]);' % (k * k, sym, case))
            out.append('}')
            calls.append('  guard("%s", %d, %s, %s[0], %d, %d);'
                         % (sym, case, fn, table, max(nin, 1), len(r['points'])))
    out += ['', 'int main(void) {'] + calls + ['  return 0;', '}']
    return '\n'.join(out) + '\n'


# ---- main ------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description='Check pdc against SymPy on random functions of arrays.')
    ap.add_argument('--pdc', required=True)
    ap.add_argument('--count', type=int, default=100)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--workdir', default='oracle-arrays-work')
    ap.add_argument('--per-file', type=int, default=10)
    ap.add_argument('--points', type=int, default=2)
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    ap.add_argument('--cc', default=os.environ.get('CC', 'cc'))
    ap.add_argument('--tol', type=float, default=1e-10)
    ap.add_argument('--only', default=None, metavar='NAME', help='check this function only')
    ap.add_argument('--with-known-bugs', action='store_true',
                    help="generate the constructs gen_arrays.KNOWN_BUGS leaves out (pdc bugs)")
    ap.add_argument('--perturb', type=int, default=None, metavar='K',
                    help='self-test: multiply the first exact value from the K-th on that is not below its error '
                    'scale by 1 + 1e-9 (the run must then fail)')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args()
    t_start = time.time()
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    import shutil

    import mpmath
    for m in ('pdsym.py', 'pdarr.py'):
        shutil.copy(os.path.join(HERE, m), work)
    mpmath.mp.dps = ro.DPS

    # 1. generate
    files = gen_arrays.generate(a.seed, a.count, a.per_file, a.with_known_bugs)
    metas = []
    for stem, pd, py, meta in files:
        for name, text in ((stem + '.pd', pd), (stem + '.py', py)):
            with open(os.path.join(work, name), 'w') as f:
                f.write(text)
        for m in meta:
            m['stem'] = stem
            metas.append(m)
    by_name = {m['name']: m for m in metas}
    if a.only and a.only not in by_name:
        sys.exit('run_arrays: no function %s among the %d generated' % (a.only, a.count))

    # 2. compile with pdc, at -O2 and at -O0
    pdc = os.path.abspath(a.pdc)
    from concurrent.futures import ThreadPoolExecutor

    def build(f):
        objstem, bad, dropped = ro.compile_file(pdc, work, f[0], f[3], by_name)
        ok, outp = ro.pdc_compile(pdc, work, objstem, ['-O0', '--prefix=O0_'], out='O0_' + objstem)
        return objstem, bad, dropped, (None if ok else outp)

    with ThreadPoolExecutor(a.jobs) as ex:
        compiled = list(ex.map(build, files))
    objstems = [c[0] for c in compiled]
    pdc_bad, pdc_dropped = {}, {}
    for _, bad, dropped, o0 in compiled:
        pdc_bad.update(bad)
        pdc_dropped.update(dropped)
        if o0 is not None:
            sys.stderr.write('run_arrays: pdc -O0 failed where -O2 did not:\n%s\n' % o0)
            sys.exit(2)

    # 3. SymPy: one task per function and size case
    tasks = []
    for m in metas:
        if m['helper'] or m['name'] in pdc_bad or m['name'] in pdc_dropped or (a.only and m['name'] != a.only):
            continue
        for case, sizes in enumerate(size_cases(m['sizes'])):
            tasks.append((work, m['stem'], m['name'], case, sizes, a.points, a.seed))
    results = {}
    t_sym = time.time()
    with multiprocessing.get_context('fork').Pool(a.jobs) as pool:
        for r in pool.imap_unordered(check_instance, tasks, chunksize=1):
            results[r['name']] = r
    t_sym = time.time() - t_sym

    # 4. the driver
    headers = [s + '.h' for s in objstems] + ['O0_' + s + '.h' for s in objstems]
    with open(os.path.join(work, 'driver.c'), 'w') as f:
        f.write(c_driver(results, headers, ['', 'O0_']))
    objs = [s + '.o' for s in objstems] + ['O0_' + s + '.o' for s in objstems]
    ro.run([a.cc, '-O0', '-w', '-o', 'driver', 'driver.c'] + objs + ['-lm'], cwd=work)
    output = ro.run([os.path.join(work, 'driver')], cwd=work)

    # 5. compare
    failures, checked, perturbed, worst = [], 0, None, {}
    values = {}  # (sym, case, point) -> f's printed value
    printed = {}  # (sym, case) -> lines
    crashed = set()  # (sym, case)
    for line in output.splitlines():
        sym, c, p, kind, idx, val = line.split()
        c, p, idx = int(c), int(p), int(idx)
        name = sym[len('O0_'):] if sym.startswith('O0_') else sym
        r = results[instance_key(name, c)]
        row = r['exact'][p]
        printed[(sym, c)] = printed.get((sym, c), 0) + 1
        if kind == 'v':
            values[(sym, c, p)] = val
        if kind == 'crash':
            crashed.add((sym, c))
            failures.append((sym, r, p, kind, idx, None, float('nan'), None, 0.0, math.inf,
                             'the driver crashed (signal %d) calling %s and its derivatives here; what it printed '
                             'before was checked' % (idx, sym)))
            continue
        if kind == 's':
            failures.append((sym, r, p, kind, idx, None, float('nan'), None, 0.0, math.inf,
                             'f_grad wrote past its last entry grad[%d]' % (r['nwrt'] - 1)))
            continue
        if kind == 'gv' and val != values.get((sym, c, p)):
            failures.append((sym, r, p, kind, idx, None, float(val), None, 0.0, math.inf,
                             "f_grad returned %s, not f's value %s" % (val, values.get((sym, c, p)))))
        if kind in ('v', 'gv'):
            key, fam = ('v',), ()
        elif kind in ('d', 'g'):
            key, fam = ('d', idx), ('v', 'd')
        else:
            i, j = divmod(idx, r['nwrt'])
            key, fam = ('h', min(i, j), max(i, j)), ('v', 'd', 'h')
        exact, s = row[key]
        exact = mpmath.mpf(exact)
        s = max([s, ro.TINY] + [ro.FAMILY_FLOOR * abs(mpmath.mpf(x)) for k, (x, _) in row.items() if k[0] in fam])
        if r['constant']:
            s = max(s, ro.FAMILY_FLOOR)  # see "Empty sums and constant instances"
        if a.perturb is not None and checked >= a.perturb and perturbed is None and abs(exact) >= s:
            exact *= 1 + mpmath.mpf('1e-9')
            perturbed = (sym, c, p, kind, idx)
        checked += 1
        got = float(val)
        denom = max(abs(exact), s)
        if not math.isfinite(got):
            err = math.inf
        elif denom > 0:
            err = float(abs(mpmath.mpf(got) - exact) / denom)
        else:
            err = 0.0 if got == 0 else math.inf
        worst[kind] = max(worst.get(kind, (0.0, '')), (err, '%s %s point %d %s %d' % (sym, r['sizes'], p, kind, idx)))
        if not err <= a.tol:
            failures.append((sym, r, p, kind, idx, key, got, exact, s, err, None))

    for key, r in sorted(results.items()):  # every value printed, or a crash reported
        if 'error' in r:
            continue
        k = r['nwrt']
        want = len(r['points']) * (2 + len(r['scalar_wrt']) + k + (k * k if r['hessian'] else 0))
        for pre in ('', 'O0_'):
            got = printed.get((pre + r['fname'], r['case']), 0)
            if got < want and (pre + r['fname'], r['case']) not in crashed:
                failures.append((pre + r['fname'], r, 0, 'missing', 0, None, float('nan'), None, 0.0, math.inf,
                                 'the driver printed %d of the %d values' % (got, want)))

    # 6. report
    for nth, (sym, r, p, kind, idx, key, got, exact, s, err, note) in enumerate(failures):
        name = r['fname']
        fm = by_name[name]
        pt = r['points'][p]
        wrt = r['wrt']
        what = {'v': sym, 'gv': sym + '_grad (its return value)', 's': sym + '_grad', 'crash': sym,
                'missing': sym,
                'g': '%s_grad: grad[%d] = d/d%s' % (sym, idx, wrt[idx] if idx < len(wrt) else '?'),
                'd': '%s_d%s' % (sym, wrt[idx] if idx < len(wrt) else '?'),
                'h': '%s_hess: H[%d] = d2/d%s d%s' % ((sym, idx) + ((wrt[idx // len(wrt)], wrt[idx % len(wrt)])
                                                                   if wrt else ('?', '?')))}[kind]
        sizes = ', '.join('%s = %d' % kv for kv in r['sizes'].items()) or 'fixed sizes'
        at = lambda q: ', '.join('%s = %r' % (n, x) for n, x in zip(r['params'], q))  # noqa: E731
        if kind in ('crash', 'missing'):
            print('FAIL %s at %s, at the points (%s)' % (what, sizes, '), ('.join(at(q) for q in r['points'])))
        else:
            print('FAIL %s at %s, (%s)' % (what, sizes, at(pt)))
        if note:
            print('  ' + note)
        elif nth >= ro.FULL_REPORTS:
            print('  pdc %.17g, exact %s, error %.3g' % (got, mpmath.nstr(exact, 20), err))
            continue
        else:
            instance(work, fm['stem'], name, r['case'], r['sizes'])  # for confirm_exact, in this process
            print('  pdc:   %.17g' % got)
            print('  exact: %s   (evalf(30): %s)' % (mpmath.nstr(exact, 20), confirm_exact(
                work, fm['stem'], name, r['case'], key, pt)))
            print('  error: %.3g (scale s = %.3g)' % (err, s))
        if nth < ro.FULL_REPORTS:
            ro.print_source(fm, by_name)
            print('  reproduce: %s --pdc %s --seed %d --count %d --per-file %d --only %s%s' % (
                os.path.join(HERE, 'run_arrays.py'), a.pdc, a.seed, a.count, a.per_file, name,
                ' --with-known-bugs' if a.with_known_bugs else ''))
    for name, outp in sorted(pdc_bad.items()):
        print('PDC FAILS on %s:' % name)
        ro.print_source(by_name[name], by_name)
        print('  ' + outp.rstrip('\n').replace('\n', '\n  '))
    for name, why in sorted(pdc_dropped.items()):
        print('NOT COMPILED %s: it %s' % (name, why))
    problems = [r for r in results.values() if 'error' in r]
    for r in sorted(problems, key=lambda r: r['name']):
        print('PROBLEM %s (not checked): %s' % (r['name'], r['error']))
        ro.print_source(by_name[r['name'].split('@')[0]], by_name)
    nfail = len(failures) + len(pdc_bad)
    notes = []
    if pdc_bad:
        notes.append('pdc failed on %d functions' % len(pdc_bad))
    if pdc_dropped:
        notes.append('%d not compiled: they call those' % len(pdc_dropped))
    if problems:
        notes.append('%d instances not checked: oracle problems' % len(problems))
    nfuncs = len({t[2] for t in tasks})
    print('oracle.arrays: %d functions at %d instances (sizes %s; n, m in %s), %d values checked, %d failures%s' % (
        nfuncs, len(tasks), SIZES, SIZES_NM, checked, nfail, ' (' + '; '.join(notes) + ')' if notes else ''))
    print('oracle.arrays: %.1fs (SymPy %.1fs on %d jobs), seed %d, work directory %s' % (
        time.time() - t_start, t_sym, a.jobs, a.seed, work))
    if perturbed:
        print('oracle.arrays: self-test: the exact value of %s case %d point %d %s %d was multiplied by 1 + 1e-9'
              % perturbed)
    if a.verbose:
        for r in sorted(results.values(), key=lambda r: -r.get('time', 0))[:5]:
            print('  slow: %s %.2fs' % (r['name'], r.get('time', 0)))
        print('  points redrawn near kinks: %d' % sum(r.get('rejected', 0) for r in results.values()))
        for kind, (err, where) in sorted(worst.items()):
            print('  largest error of kind %-2s: %.3g (%s)' % (kind, err, where))
    sys.exit(1 if nfail or problems else 0)


if __name__ == '__main__':
    main()
