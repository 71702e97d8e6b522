#!/usr/bin/python3
"""run_oracle.py -- check pdc's values and derivatives against SymPy.

usage: run_oracle.py --pdc PATH [--count N] [--seed S] [--workdir DIR]
                     [--per-file K] [--points P] [--jobs J] [--cc CC]
                     [--tol T] [--perturb K] [--verbose]

1. gen.py writes N random functions, K (25) to a .pd file, each file with
   its SymPy translation (a .py module over pdsym.py).
2. pdc compiles every file (--emit=obj,header, at its default -O2), and
   the first one once more at -O0 (--prefix=O0_), whose functions are
   checked too.  When pdc fails on a file (or takes more than 90 s), each
   function is compiled alone with the functions it calls, to name the
   ones pdc fails on; those are failures, and the rest of the file is
   compiled without them (and without their callers) and checked.
3. For each function, SymPy differentiates the translation: the value,
   every partial in wrt order and, with `hessian`, every second partial.
   P points (default 3) are drawn, each parameter uniform in [-2, 2], and
   drawn again while the point is near a kink of any of these expressions
   (see "Kinks").
4. A C driver calls, at every point, f, every f_d<v>, f_grad (its return
   value and each grad[j]) and f_hess (every H[i*k+j]), printing each
   with %.17g; it is compiled with CC and run.
5. The exact values: SymPy's expressions printed for mpmath (SymPy's
   MpmathPrinter, as lambdify does) and evaluated at 40 significant
   digits.  Every printed value is compared.  A failure is listed with the
   function's .pd source (with the constants and the functions it calls),
   the point, pdc's value, the exact value, and the exact value once more
   from SymPy's evalf(30) of the expression with the point substituted.

The summary line reads `oracle: N functions, V values checked, F failures`;
the exit status is 1 on any failure (or any function the oracle could not
check), 0 otherwise.  --perturb K multiplies the K-th exact value by
1 + 1e-9, to see the oracle fail.

Error measure
-------------
For a quantity q (value, partial or second partial) at a point:

    err = |pdc - exact| / max(|exact|, s),   must be <= --tol (1e-10)

s is the first-order rounding-error scale of computing q, Higham's running
error bound without the unit roundoff:

    s = sum over the nodes n of q's SymPy expression of |dq/dn| * |n|

evaluated at the point (ErrorScale below).  Each operation and libm call
rounds its result n by about one ulp, which reaches q multiplied by dq/dn,
so a correct double evaluation is off by a few times eps*s (eps = 2^-53).
Without cancellation s is about |q| and err is the plain relative error;
when q is a small difference of large terms (a partial crossing zero near
the point, say), s is the size of the terms, and err is relative to that.
1e-10 leaves a factor of ~10^6 for the number of operations and for pdc
computing q another way than SymPy's expression (reverse mode, shared
nodes, fused multiply-adds), and is far below the error of any wrong
derivative rule.

SymPy's expression can lose terms pdc still computes: SymPy makes
d/dy(x*y/y) 0 while pdc forms x/y - (x*y/y)/y, a few ulps; d/dy of
d(hypot(y, y), y) is 0 for SymPy (sqrt(2)*sign(y) is constant), pdc
differentiates y/h + y/h.  s cannot see such terms, so it has a floor:
for a partial, 1e-3 times the largest of |f| and the exact partials at
the point; for a Hessian entry, 1e-3 times the largest of |f|, the
partials and the Hessian entries (the rounding in a derivative of order k
is relative to the quantities of lower order it is computed from; the
parameters are O(1), so their units do not matter).  That is an absolute
error of 1e-13 times the function's size, about 1000 ulps; the e2e finite
difference check uses the same 1e-3 floor.  Finally s >= 1e-300: values
below the normal doubles cannot be compared relatively.

Kinks
-----
pdc and SymPy agree on which side of a kink a point is when the quantity
that decides it is computed accurately enough by pdc to have the right
sign.  So a point is drawn again when, at it, u / s(u) < 1e-6 (s as
above, of u itself) for any u among: a - b for each comparison a < b,
... in a condition of a Piecewise (if, min, max, abs, cbrt's sign test);
the argument of Abs, sign or DiracDelta (made by SymPy); y in atan2(y, x)
with x < 0 (the cut).  A u that is exactly 0 at a random point is 0
everywhere (max(a, a), or t > t after a call) and no kink.  Kinks are
found by walking the very expressions checked, along the branches taken
at the point, so kinks inside called functions and inside d() count too.
Singular points (log or a negative power near 0, sqrt or hypot near 0)
need no such care: SymPy's exact value is right there too, and s grows
with the derivatives.
"""
import argparse
import math
import multiprocessing
import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen  # noqa: E402
import pdsym  # noqa: E402

KINK_EPS = 1e-6
TINY = 1e-300  # below every double that is not subnormal
FULL_REPORTS = 20  # failures reported with source and evalf; the rest in a line
CONFIRM_TIMEOUT = 3  # seconds for that evalf
FAMILY_FLOOR = 1e-3
RANGE = 2.0
DPS = 40
SYMPY_TIMEOUT = 60  # seconds for one function; more is reported as a problem
PDC_TIMEOUT = 90  # seconds pdc may take on a file (a pdc that takes longer fails)
PDC_TIMEOUT_ONE = 30  # and on one function with its callees

# ---- SymPy side (runs in worker processes) -------------------------------

_modules = {}


def load_module(workdir, stem):
    """The generated SymPy module for stem (cached per process)."""
    if stem not in _modules:
        path = os.path.join(workdir, stem + '.py')
        ns = {'__name__': 'oracle_' + stem}
        with open(path) as f:
            exec(compile(f.read(), path, 'exec'), ns)
        _modules[stem] = {f.name: f for f in ns['FUNCTIONS']}
    return _modules[stem]


class PointRejected(Exception):
    pass


class ErrorScale:
    """Float evaluation of SymPy expressions at a point, along the branches
    taken, recording kink distances; and the rounding-error scale
    s = sum |dq/dn| |n| of one expression (see the module docstring)."""

    def __init__(self, sp, env):
        self.sp = sp
        self.env = env  # Symbol -> float
        self.val = {}
        self.kids = {}  # node -> [(child, |d node / d child|)] along the branches taken
        self.kink = math.inf
        import sympy
        from sympy.codegen.cfunctions import expm1, log1p, log2, log10
        m = math
        sq = lambda u: m.sqrt(1 - u * u)  # noqa: E731
        self.fn = {
            sympy.sin: (m.sin, m.cos), sympy.cos: (m.cos, lambda u: -m.sin(u)),
            sympy.tan: (m.tan, lambda u: 1 + m.tan(u) ** 2),
            sympy.asin: (m.asin, lambda u: 1 / sq(u)), sympy.acos: (m.acos, lambda u: -1 / sq(u)),
            sympy.atan: (m.atan, lambda u: 1 / (1 + u * u)),
            sympy.sinh: (m.sinh, m.cosh), sympy.cosh: (m.cosh, m.sinh),
            sympy.tanh: (m.tanh, lambda u: 1 - m.tanh(u) ** 2),
            sympy.exp: (m.exp, m.exp), sympy.log: (m.log, lambda u: 1 / u),
            log2: (m.log2, lambda u: 1 / (u * m.log(2))), log10: (m.log10, lambda u: 1 / (u * m.log(10))),
            log1p: (m.log1p, lambda u: 1 / (1 + u)), expm1: (m.expm1, m.exp),
            sympy.erf: (m.erf, lambda u: 2 / m.sqrt(m.pi) * m.exp(-u * u)),
            sympy.Abs: (abs, lambda u: 1.0),
            sympy.sign: (lambda u: float((u > 0) - (u < 0)), lambda u: 0.0),
            sympy.DiracDelta: (lambda u: 0.0, lambda u: 0.0),
            sympy.Heaviside: (lambda u: float(u > 0), lambda u: 0.0),
        }
        self.kinked = (sympy.Abs, sympy.sign, sympy.DiracDelta, sympy.Heaviside)
        self.scales = {}
        self.rel = {sympy.StrictLessThan: lambda a, b: a < b, sympy.LessThan: lambda a, b: a <= b,
                    sympy.StrictGreaterThan: lambda a, b: a > b, sympy.GreaterThan: lambda a, b: a >= b,
                    sympy.Equality: lambda a, b: a == b, sympy.Unequality: lambda a, b: a != b}

    _constant = {}

    @classmethod
    def constant_difference(cls, rel):
        """Whether the sides of rel differ by a constant (t > t, say): then
        the condition is the same everywhere, not a kink."""
        r = cls._constant.get(rel)
        if r is None:
            r = cls._constant[rel] = not (rel.args[0] - rel.args[1]).free_symbols
        return r

    def near(self, dist):
        self.kink = min(self.kink, dist)

    def cond(self, c):
        sp = self.sp
        if c is sp.true:
            return True
        if c is sp.false:
            return False
        t = type(c)
        if t in self.rel:
            a, b = self.value(c.args[0]), self.value(c.args[1])
            # sides exactly equal at a random point are the same function
            # (max(a, a), or t > t after a call): no kink there
            if a != b and not self.constant_difference(c):
                self.near(abs(a - b) / (self.scale(c.args[0]) + self.scale(c.args[1]) + TINY))
            return self.rel[t](a, b)
        if isinstance(c, sp.And):
            return all([self.cond(x) for x in c.args])
        if isinstance(c, sp.Or):
            return any([self.cond(x) for x in c.args])
        if isinstance(c, sp.Not):
            return not self.cond(c.args[0])
        if isinstance(c, sp.ITE):  # SymPy's form of nested conditions
            return self.cond(c.args[1]) if self.cond(c.args[0]) else self.cond(c.args[2])
        raise TypeError('condition %s' % c)

    def value(self, e):
        v = self.val.get(e)
        if v is None:
            v, kids = self._eval(e)
            self.val[e] = v
            self.kids[e] = kids
        return v

    def _eval(self, e):
        sp = self.sp
        if e.is_Symbol:
            return self.env[e], []
        if e.is_Number or e.is_NumberSymbol:
            return float(e), []
        if e.is_Add:
            return math.fsum(self.value(a) for a in e.args), [(a, 1.0) for a in e.args]
        if e.is_Mul:
            vs = [self.value(a) for a in e.args]
            kids = []
            for i, a in enumerate(e.args):
                p = 1.0
                for j, v in enumerate(vs):
                    if j != i:
                        p *= v
                kids.append((a, abs(p)))
            p = 1.0
            for v in vs:
                p *= v
            return p, kids
        if e.is_Pow:
            b, x = e.args
            bv, xv = self.value(b), self.value(x)
            if x.is_Integer:
                v = bv ** int(x)
                return v, [(b, abs(int(x) * bv ** (int(x) - 1)))]
            if bv <= 0:
                raise PointRejected('power of a base <= 0: %s' % e)
            v = bv ** xv
            kids = [(b, abs(xv * bv ** (xv - 1)))]
            if not x.is_Number:
                kids.append((x, abs(v * math.log(bv))))
            return v, kids
        if isinstance(e, sp.Piecewise):
            for branch, c in e.args:
                if self.cond(c):
                    return self.value(branch), [(branch, 1.0)]
            raise PointRejected('no Piecewise branch holds')
        if isinstance(e, sp.atan2):
            y, x = e.args
            yv, xv = self.value(y), self.value(x)
            r2 = xv * xv + yv * yv
            if xv < 0 and yv != 0:  # the cut, where the sign of y picks pi or -pi
                self.near(abs(yv) / (self.scale(y) + TINY))
            return math.atan2(yv, xv), [(y, abs(xv / r2)), (x, abs(yv / r2))]
        f = self.fn.get(type(e))
        if f is None:
            raise TypeError('ErrorScale: no rule for %s (%s)' % (type(e).__name__, e))
        if len(e.args) != 1 and type(e) not in (sp.DiracDelta, sp.Heaviside):  # DiracDelta(u, k): k-th derivative
            raise TypeError('ErrorScale: no rule for %s with %d arguments' % (type(e).__name__, len(e.args)))
        u = e.args[0]
        uv = self.value(u)
        if type(e) in self.kinked and uv != 0:  # exactly 0 at a random point: 0 everywhere
            self.near(abs(uv) / (self.scale(u) + TINY))
        try:
            return f[0](uv), [(u, abs(f[1](uv)))]
        except (ValueError, OverflowError, ZeroDivisionError) as ex:
            raise PointRejected('%s at %s' % (ex, e))

    def scale(self, root):
        """sum |d root / d n| * |n| over the nodes n (not the parameters)."""
        s = self.scales.get(root)
        if s is None:
            s = self.scales[root] = self._scale(root)
        return s

    def _scale(self, root):
        self.value(root)
        order, seen = [], set()
        stack = [(root, False)]
        while stack:  # post-order over the nodes evaluated, children first
            n, done = stack.pop()
            if done:
                order.append(n)
                continue
            if n in seen:
                continue
            seen.add(n)
            stack.append((n, True))
            for k, _ in self.kids[n]:
                if k not in seen:
                    stack.append((k, False))
        adj = {root: 1.0}
        s = 0.0
        for n in reversed(order):
            a = adj.get(n, 0.0)
            if a == 0.0:
                continue
            if not n.is_Symbol:
                s += a * abs(self.val[n])
            for k, p in self.kids[n]:
                adj[k] = adj.get(k, 0.0) + a * p
        return s


def exact_function(symbols, exprs, cse):
    """What lambdify(symbols, exprs, 'mpmath', cse=cse) makes: a Python
    function of mpf arguments returning the list of values, printed by
    SymPy's MpmathPrinter.  Not lambdify itself: SymPy 1.11's lambdify
    prints every expression once more with str() for a docstring (half the
    time for our biggest Hessians), and prints log2(u)**2 as
    log(u)/log(2)**2."""
    import mpmath
    import sympy
    from sympy.printing.pycode import MpmathPrinter

    class Printer(MpmathPrinter):
        def _print_log2(self, e):
            return '(%s)' % MpmathPrinter._print_log2(self, e)

        def _print_PdPiecewise(self, e):  # not found through the class hierarchy
            return MpmathPrinter._print_Piecewise(self, e)

    extra = {'DiracDelta': lambda u, *k: mpmath.mpf(0) if u != 0 else mpmath.nan,
             'Heaviside': lambda u, *h: mpmath.mpf(u > 0)}
    printer = Printer({'fully_qualified_modules': False, 'inline': True, 'allow_unknown_functions': True,
                       'user_functions': {k: k for k in extra}})
    reps, exprs = sympy.cse(exprs, symbols=sympy.numbered_symbols('_t')) if cse else ([], exprs)
    lines = ['def _exact(%s):' % ', '.join(printer.doprint(s) for s in symbols)]
    lines += ['    %s = %s' % (printer.doprint(t), printer.doprint(e)) for t, e in reps]
    lines.append('    return [%s]' % ', '.join(printer.doprint(e) for e in exprs))
    namespace = {}
    exec('from mpmath import *', namespace)
    namespace.update(extra)
    exec('\n'.join(lines), namespace)
    return namespace['_exact']


def quantities(f):
    """[(key, expr)]: ('v',), ('d', j) per wrt variable, ('h', i, j) i <= j."""
    out = [(('v',), f.expr)]
    ws = f.wrt_symbols()
    grads = [pdsym.derivative(f.expr, w) for w in ws]
    out += [(('d', j), g) for j, g in enumerate(grads)]
    if f.hessian:
        for i in range(len(ws)):
            for j in range(i, len(ws)):
                out.append((('h', i, j), pdsym.derivative(grads[i], ws[j])))
    return out


def check_function(task):
    """Worker: points and exact values for one function."""
    import signal

    def timeout(*_):
        raise TimeoutError('SymPy took more than %d s' % SYMPY_TIMEOUT)

    signal.signal(signal.SIGALRM, timeout)
    signal.alarm(SYMPY_TIMEOUT)
    try:
        return _check_function(*task)
    except Exception as ex:  # noqa: BLE001 -- reported as a problem of the run
        import traceback
        return {'name': task[2], 'error': 'oracle error: %s: %s\n%s' % (
            type(ex).__name__, str(ex)[:300], ''.join(traceback.format_exc(limit=-4)))}
    finally:
        signal.alarm(0)


def _check_function(workdir, stem, name, npoints, seed):
    import mpmath
    import sympy
    t0 = time.time()
    mpmath.mp.dps = DPS
    f = load_module(workdir, stem)[name]
    qs = quantities(f)
    keys = [k for k, _ in qs]
    exprs = [e for _, e in qs]
    fn = exact_function(f.symbols, exprs, cse=True)
    rng = random.Random('%d/%s' % (seed, name))
    points, results, rejected = [], [], 0
    want = npoints if f.symbols else 1
    while len(points) < want:
        if rejected > 400:
            return {'name': name, 'error': 'no point away from kinks after %d tries' % rejected}
        pt = [rng.uniform(-RANGE, RANGE) for _ in f.symbols]
        ev = ErrorScale(sympy, dict(zip(f.symbols, pt)))
        try:
            scales = [ev.scale(e) for e in exprs]
        except (PointRejected, OverflowError, ZeroDivisionError):
            rejected += 1
            continue
        if ev.kink < KINK_EPS:
            rejected += 1
            continue
        try:
            exact = fn(*[mpmath.mpf(x) for x in pt])
        except ZeroDivisionError:
            fn = exact_function(f.symbols, exprs, cse=False)  # cse hoisted a dead branch
            exact = fn(*[mpmath.mpf(x) for x in pt])
        row = {}
        for k, e, x, s in zip(keys, exprs, exact, scales):
            x = mpmath.mpmathify(x)
            if not isinstance(x, mpmath.mpc):
                x = mpmath.mpf(x)  # pi, say, is a constant object
            if not isinstance(x, mpmath.mpf) or not mpmath.isfinite(x):
                return {'name': name, 'error': 'exact %s is %s at %r' % (k, x, pt)}
            # the float walker must agree with SymPy's value: it checks the walker
            fv = ev.val[e] if e in ev.val else float(e)
            if abs(fv - float(x)) > 1e-9 * max(abs(float(x)), s, 1e-300) and not (fv == 0 and float(x) == 0):
                return {'name': name, 'error': 'ErrorScale value %r != exact %s for %s at %r' % (fv, x, k, pt)}
            row[k] = (mpmath.nstr(x, 30), s)
        points.append(pt)
        results.append(row)
    return {'name': name, 'points': points, 'exact': results, 'rejected': rejected, 'time': time.time() - t0,
            'nwrt': len(f.wrt), 'nparams': len(f.params), 'hessian': f.hessian,
            'wrt': list(f.wrt), 'params': list(f.params)}


def confirm_exact(workdir, stem, name, key, pt):
    """The exact value once more, by another road: SymPy's own evalf(30) of
    the expression with the point substituted (as 60-digit Floats, which
    are the doubles exactly).  At most CONFIRM_TIMEOUT seconds."""
    import signal

    import sympy

    def timeout(*_):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(CONFIRM_TIMEOUT)
    try:
        f = load_module(workdir, stem)[name]
        e = dict(quantities(f))[key]
        v = e.xreplace({s: sympy.Float(x, 60) for s, x in zip(f.symbols, pt)}).evalf(30)
        return str(v) if v.is_Number else 'undecided (%s)' % str(v)[:80]
    except TimeoutError:
        return 'n/a (more than %d s)' % CONFIRM_TIMEOUT
    except Exception as ex:  # noqa: BLE001
        return 'n/a (%s)' % type(ex).__name__
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---- driver ----------------------------------------------------------------

def c_driver(funcs, results, headers, o0_names):
    """C source that calls every function at its points and prints each
    value as `TAG POINT KIND INDEX VALUE`; the functions named in o0_names
    are called a second time as O0_<name> (the -O0 build)."""
    out = ['/* Generated by run_oracle.py: calls pdc-generated functions. */', '#include <stdio.h>', '']
    out += ['#include "%s"' % h for h in headers]
    out.append('')
    calls = []
    for fm in funcs:
        r = results.get(fm['name'])
        if r is None or 'error' in r:
            continue
        syms = [fm['name']] + (['O0_' + fm['name']] if fm['name'] in o0_names else [])
        n, k = r['nparams'], r['nwrt']
        args = ', '.join('a[%d]' % i for i in range(n))
        gargs = args + ', ' if args else ''
        pts = ', '.join('{%s}' % (', '.join(float.hex(x) for x in p) if p else '0') for p in r['points'])
        out.append('static const double P_%s[][%d] = {%s};' % (fm['name'], max(n, 1), pts))
        for sym in syms:
            pr = lambda kind, call: out.append(  # noqa: E731
                '  printf("%s %%d %s %%.17g\\n", p, %s);' % (sym, kind, call))
            out.append('static void run_%s(int p, const double *a) {' % sym)
            out.append('  double g[%d], H[%d];' % (k + 1, k * k + 1))
            out.append('  (void)a;')
            pr('v 0', '%s(%s)' % (sym, args))
            for j, w in enumerate(r['wrt']):
                pr('d %d' % j, '%s_d%s(%s)' % (sym, w, args))
            pr('gv 0', '%s_grad(%sg)' % (sym, gargs))
            out.append('  for (int i = 0; i < %d; i++) printf("%s %%d g %%d %%.17g\\n", p, i, g[i]);' % (k, sym))
            if r['hessian']:
                out.append('  %s_hess(%sH);' % (sym, gargs))
                out.append('  for (int i = 0; i < %d; i++) printf("%s %%d h %%d %%.17g\\n", p, i, H[i]);'
                           % (k * k, sym))
            out.append('}')
            calls.append('  for (int i = 0; i < %d; i++) run_%s(i, P_%s[i]);' % (len(r['points']), sym, fm['name']))
    out += ['', 'int main(void) {'] + calls + ['  return 0;', '}']
    return '\n'.join(out) + '\n'


# ---- main ------------------------------------------------------------------

def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, **kw)
    if p.returncode != 0:
        sys.stderr.write('oracle: command failed (%d): %s\n%s\n' % (p.returncode, ' '.join(cmd), p.stdout))
        sys.exit(2)
    return p.stdout


def pdc_compile(pdc, work, stem, extra=(), out=None, timeout=PDC_TIMEOUT):
    """pdc stem.pd --emit=obj,header -o out.o (writes out.o, out.h): (ok, output)."""
    cmd = [pdc, stem + '.pd', '--emit=obj,header'] + list(extra) + ['-o', (out or stem) + '.o']
    try:
        p = subprocess.run(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, '$ pdc %s.pd %s\n(killed after %d s)' % (stem, ' '.join(extra), timeout)
    return p.returncode == 0, '$ pdc %s.pd %s\n%s(exit status %d)' % (stem, ' '.join(extra), p.stdout, p.returncode)


def compile_file(pdc, work, stem, funcs, by_name):
    """Compile stem.pd. When pdc rejects it, find the functions pdc fails on
    by compiling each one with the functions it calls (and the constants),
    and compile the rest as stem_ok.pd.  Returns (object stem,
    {name: pdc's output} for the failing functions, {name: reason} for the
    functions left out because they call a failing one)."""
    ok, _ = pdc_compile(pdc, work, stem)
    if ok:
        return stem, {}, {}
    bad, dropped = {}, {}
    for fm in funcs:
        deps = closure(by_name, fm['name'])[:-1]
        if any(d in bad or d in dropped for d in deps):
            dropped[fm['name']] = 'calls a function pdc fails on'
            continue
        one = '%s_%s' % (stem, fm['name'])
        with open(os.path.join(work, one + '.pd'), 'w') as f:
            f.write(''.join(fm['consts']) + ''.join(by_name[d]['source'] for d in deps) + fm['source'])
        ok, outp = pdc_compile(pdc, work, one, timeout=PDC_TIMEOUT_ONE)
        if not ok:
            bad[fm['name']] = outp
    good = [fm for fm in funcs if fm['name'] not in bad and fm['name'] not in dropped]
    with open(os.path.join(work, stem + '_ok.pd'), 'w') as f:
        f.write(''.join(funcs[0]['consts']) + ''.join(fm['source'] for fm in good))
    ok, outp = pdc_compile(pdc, work, stem + '_ok')
    if not ok:
        sys.stderr.write('oracle: pdc fails on %s.pd as a whole, but on no function alone:\n%s\n' % (stem, outp))
        sys.exit(2)
    return stem + '_ok', bad, dropped


def main():
    ap = argparse.ArgumentParser(description='Check pdc against SymPy on random functions.')
    ap.add_argument('--pdc', required=True)
    ap.add_argument('--count', type=int, default=500)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--workdir', default='oracle-work')
    ap.add_argument('--per-file', type=int, default=25)
    ap.add_argument('--points', type=int, default=3)
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    ap.add_argument('--cc', default=os.environ.get('CC', 'cc'))
    ap.add_argument('--tol', type=float, default=1e-10)
    ap.add_argument('--perturb', type=int, default=None, metavar='K',
                    help='self-test: multiply the K-th exact value by 1 + 1e-9 (the run must then fail)')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args()
    t_start = time.time()
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    import shutil
    shutil.copy(os.path.join(HERE, 'pdsym.py'), work)
    import mpmath
    mpmath.mp.dps = DPS

    # 1. generate
    files = gen.generate(a.seed, a.count, a.per_file)
    funcs = []  # {'name', 'stem', 'source', 'consts', 'deps'}
    for stem, pd, py, meta in files:
        with open(os.path.join(work, stem + '.pd'), 'w') as f:
            f.write(pd)
        with open(os.path.join(work, stem + '.py'), 'w') as f:
            f.write(py)
        for m in meta:
            m['stem'] = stem
            funcs.append(m)
    by_name = {f['name']: f for f in funcs}

    # 2. compile with pdc; the first file once more at -O0
    pdc = os.path.abspath(a.pdc)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(a.jobs) as ex:
        compiled = list(ex.map(lambda f: compile_file(pdc, work, f[0], f[3], by_name), files))
    objstems = [c[0] for c in compiled]
    pdc_bad, pdc_dropped = {}, {}
    for _, bad, dropped in compiled:
        pdc_bad.update(bad)
        pdc_dropped.update(dropped)
    ok, outp = pdc_compile(pdc, work, objstems[0], ['-O0', '--prefix=O0_'], out='O0_' + objstems[0])
    if not ok:
        sys.stderr.write('oracle: pdc -O0 failed where -O2 did not:\n%s\n' % outp)
        sys.exit(2)
    o0_names = {fm['name'] for fm in files[0][3] if fm['name'] not in pdc_bad and fm['name'] not in pdc_dropped}

    # 3. SymPy: points and exact values, one task per function
    tasks = [(work, f['stem'], f['name'], a.points, a.seed) for f in funcs
             if f['name'] not in pdc_bad and f['name'] not in pdc_dropped]
    results = {}
    t_sym = time.time()
    with multiprocessing.get_context('fork').Pool(a.jobs) as pool:
        for r in pool.imap_unordered(check_function, tasks, chunksize=1):
            results[r['name']] = r
    t_sym = time.time() - t_sym

    # 4. the driver
    headers = [s + '.h' for s in objstems] + ['O0_' + objstems[0] + '.h']
    with open(os.path.join(work, 'driver.c'), 'w') as f:
        f.write(c_driver(funcs, results, headers, o0_names))
    objs = [s + '.o' for s in objstems] + ['O0_' + objstems[0] + '.o']
    run([a.cc, '-O0', '-w', '-o', 'driver', 'driver.c'] + objs + ['-lm'], cwd=work)
    output = run([os.path.join(work, 'driver')], cwd=work)

    # 5. compare
    failures, checked, perturbed, worst = [], 0, None, {}
    for line in output.splitlines():
        tag, p, kind, idx, val = line.split()
        p, idx = int(p), int(idx)
        name = tag[len('O0_'):] if tag.startswith('O0_') else tag
        r = results[name]
        row = r['exact'][p]
        # the quantities of lower or equal order: the floor of the scale
        if kind in ('v', 'gv'):
            key, fam = ('v',), ()
        elif kind in ('d', 'g'):
            key, fam = ('d', idx), ('v', 'd')
        else:
            i, j = divmod(idx, r['nwrt'])
            key, fam = ('h', min(i, j), max(i, j)), ('v', 'd', 'h')
        exact, s = row[key]
        exact = mpmath.mpf(exact)
        if a.perturb is not None and checked == a.perturb:
            exact *= 1 + mpmath.mpf('1e-9')
            perturbed = (tag, p, kind, idx)
        checked += 1
        s = max([s, TINY] + [FAMILY_FLOOR * abs(mpmath.mpf(x)) for k, (x, _) in row.items() if k[0] in fam])
        got = float(val)
        denom = max(abs(exact), s)
        if not math.isfinite(got):
            err = math.inf
        elif denom > 0:
            err = float(abs(mpmath.mpf(got) - exact) / denom)
        else:
            err = 0.0 if got == 0 else math.inf
        worst[kind] = max(worst.get(kind, (0.0, '')), (err, '%s point %d %s %d' % (tag, p, kind, idx)))
        if not err <= a.tol:
            failures.append((tag, name, p, kind, idx, key, got, exact, s, err))

    # 6. report: the first failures in full, the rest one line each
    for nth, (tag, name, p, kind, idx, key, got, exact, s, err) in enumerate(failures):
        fm, r = by_name[name], results[name]
        pt = r['points'][p]
        what = {'v': tag, 'gv': tag + '_grad (its return value)', 'g': '%s_grad: grad[%d]' % (tag, idx),
                'h': '%s_hess: H[%d]' % (tag, idx), 'd': '%s_d%s' % (tag, r['wrt'][idx] if kind == 'd' else '')}[kind]
        print('FAIL %s at (%s)' % (what, ', '.join('%s = %r' % (n, x) for n, x in zip(r['params'], pt))))
        if nth >= FULL_REPORTS:
            print('  pdc %.17g, exact %s, error %.3g' % (got, mpmath.nstr(exact, 20), err))
            continue
        print('  pdc:   %.17g' % got)
        print('  exact: %s   (evalf(30): %s)' % (mpmath.nstr(exact, 20),
                                                 confirm_exact(work, fm['stem'], name, key, pt)))
        print('  error: %.3g (scale s = %.3g)' % (err, s))
        print_source(fm, by_name)
    for name, outp in sorted(pdc_bad.items()):
        print('PDC FAILS on %s:' % name)
        print_source(by_name[name], by_name)
        print('  ' + outp.rstrip('\n').replace('\n', '\n  '))
    for name, why in sorted(pdc_dropped.items()):
        print('NOT COMPILED %s: it %s' % (name, why))
    problems = [r for r in results.values() if 'error' in r]
    for r in problems:
        print('PROBLEM %s (not checked): %s' % (r['name'], r['error']))
        print_source(by_name[r['name']], by_name)
    nfail = len(failures) + len(pdc_bad)
    notes = []
    if pdc_bad:
        notes.append('pdc failed on %d functions' % len(pdc_bad))
    if pdc_dropped:
        notes.append('%d not compiled: they call those' % len(pdc_dropped))
    if problems:
        notes.append('%d not checked: oracle problems' % len(problems))
    print('oracle: %d functions, %d values checked, %d failures%s' % (
        len(funcs), checked, nfail, ' (' + '; '.join(notes) + ')' if notes else ''))
    print('oracle: %.1fs (SymPy %.1fs on %d jobs), seed %d, work directory %s' % (
        time.time() - t_start, t_sym, a.jobs, a.seed, work))
    if perturbed:
        print('oracle: self-test: the exact value of %s point %d %s %d was multiplied by 1 + 1e-9' % perturbed)
    if a.verbose:
        for r in sorted(results.values(), key=lambda r: -r.get('time', 0))[:5]:
            print('  slow: %s %.2fs' % (r['name'], r.get('time', 0)))
        print('  points redrawn near kinks: %d' % sum(r.get('rejected', 0) for r in results.values()))
        for kind, (err, where) in sorted(worst.items()):
            print('  largest error of kind %-2s: %.3g (%s)' % (kind, err, where))
    sys.exit(1 if nfail or problems else 0)


def print_source(fm, by_name):
    print('  source (%s.pd):' % fm['stem'])
    for text in fm['consts'] + [by_name[d]['source'] for d in closure(by_name, fm['name'])]:
        for ln in text.rstrip('\n').split('\n'):
            print('    ' + ln)


def closure(by_name, name):
    """name and every function it calls, callees first."""
    seen, out = set(), []

    def visit(n):
        if n in seen:
            return
        seen.add(n)
        for dep in by_name[n]['deps']:
            visit(dep)
        out.append(n)

    visit(name)
    return out


if __name__ == '__main__':
    main()
