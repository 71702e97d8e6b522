"""pdsym.py -- the meaning of pd's constructs in SymPy, for the oracle.

gen.py writes, next to every generated .pd file, a Python module that says
the same thing in SymPy, one Python function per pd function:

    fn f0003(x, y, k) wrt x, y hessian {          @pd(wrt='x y', hessian=True)
      let a = log(1 + x^2)                         def f0003(x, y, k):
      return if x < y then a else d(a*y, x)            a = log(1 + x**2)
    }                                                  return If(Lt(x, y), a, d(a*y, x))

This module defines the names such a module uses.  Numbers are the
rationals equal to the doubles pdc reads (num), and so is pi; built-ins are
their mathematical definitions (a built-in of numbers is a 60-digit Float,
see _builtin).  Nothing here knows how pdc differentiates: d() is SymPy's
differentiation, the chain rule over SymPy's own derivative of each
function (see derivative).

The rest works around SymPy 1.11's automatic simplification, which is
slow or stuck on some of the expressions the generator writes: comparisons
are left unevaluated, Piecewise is PdPiecewise, |u| is two branches,
sinh/cosh/tanh do not study their argument's imaginary part, and odd
constant exponents are Floats.  Each says why where it is defined.

A pd function is evaluated once, on real symbols named after its parameters;
calling it from another function substitutes the arguments (the callee's
d() was taken with respect to its own parameters, before the call, as in pd).
"""
import inspect
import math
from fractions import Fraction

import sympy
from sympy import (And, Not, Or, Piecewise, Rational, acos, asin, atan, atan2, cos, cosh, erf, exp,
                   log, sin, sinh, sqrt, tan, tanh)
from sympy.codegen.cfunctions import expm1, log1p, log2, log10
from sympy.core.containers import Tuple
from sympy.functions.elementary.piecewise import ExprCondPair

__all__ = ['pd', 'num', 'pi', 'If', 'Lt', 'Le', 'Gt', 'Ge', 'Eq', 'Ne', 'And', 'Or', 'Not', 'd', 'pdpow', 'sin',
           'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'exp', 'log', 'log2', 'log10',
           'log1p', 'expm1', 'sqrt', 'cbrt', 'pdabs', 'hypot', 'pdmin', 'pdmax', 'erf', 'derivative']


def num(text):
    """The exact value of the double pdc reads for the literal `text`."""
    f = Fraction(float(text))
    return Rational(f.numerator, f.denominator)


# pd's pi is the double nearest pi (pdc uses M_PI), not pi: sin(pi) is
# 1.2246e-16 in pd, and SymPy must not make it 0.
pi = num(repr(math.pi))


def _only_if_real_argument(self):
    return True if self.args[0].is_extended_real else None


# SymPy asks whether sinh(u), cosh(u), tanh(u) are real (or positive, or
# finite) whenever they take part in an operation, and unless u is known to
# be real it works it out from u's imaginary part modulo pi/2 (as_real_imag,
# Mod, a polynomial gcd), which takes minutes for some of our arguments,
# such as u = sin(log10(exp(...)))^3 with an acos inside.  All pd values are
# real, and the oracle needs nothing from these answers: they are reduced
# to the first test SymPy makes, "u is real", and are unknown otherwise.
for _f, _props in ((sympy.sinh, ['real']), (sympy.cosh, ['real', 'positive', 'nonnegative']),
                   (sympy.tanh, ['real', 'finite'])):
    for _p in _props:  # the class's table of handlers, made when it was defined
        setattr(_f, '_eval_is_' + _p, _only_if_real_argument)
        _f._prop_handler[_p] = _only_if_real_argument


def param(name):
    return sympy.Symbol(name, real=True)


# ---- constants are numbers ---------------------------------------------
# A built-in applied to numbers gives a 60-digit Float, not a symbolic
# constant such as sin(3/10): SymPy reasons about symbolic constants (their
# sign, say, by evalf at growing precision) whenever they take part in an
# operation, which took minutes for the constants a call with constant
# arguments makes.  60 digits are exact for the oracle's purpose.
DIGITS = 60


def _numbers(args):
    return all(sympy.sympify(a).is_number for a in args)


def _builtin(f):
    def call(*args):
        r = f(*args)
        return r.evalf(DIGITS) if _numbers(args) else r

    call.__name__ = f.__name__
    call.__doc__ = 'pd built-in: sympy.%s' % f.__name__
    return call


sin, cos, tan, asin, acos, atan, atan2 = map(_builtin, (sin, cos, tan, asin, acos, atan, atan2))
sinh, cosh, tanh, exp, log, log2, log10 = map(_builtin, (sinh, cosh, tanh, exp, log, log2, log10))
log1p, expm1, sqrt, erf = map(_builtin, (log1p, expm1, sqrt, erf))


# Comparisons are left as they are (a symbolic decision, as in x < x + 1,
# asks SymPy's assumptions about both sides: seconds for big ones), but
# decided when both sides are numbers.
def _comparison(rel):
    return lambda a, b: rel(a, b) if _numbers((a, b)) else rel(a, b, evaluate=False)


Lt, Le, Gt, Ge, Eq, Ne = map(_comparison, (sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge, sympy.Eq, sympy.Ne))


class PdPair(ExprCondPair):
    """(expr, cond) as is: ExprCondPair rewrites a condition that contains
    a Piecewise (piecewise_fold, then as_set, which solves inequalities with
    simplify(): minutes for some of our conditions)."""

    def __new__(cls, expr, cond):
        cond = sympy.true if cond is True else sympy.false if cond is False else cond
        return Tuple.__new__(cls, sympy.sympify(expr), cond)


class PdPiecewise(Piecewise):
    """A Piecewise that SymPy does not rewrite: Piecewise's automatic
    evaluation canonicalizes the conditions, which in SymPy 1.11 can take
    minutes (see PdPair) or recurse forever (on z - w <= w - y, say).  This
    one only drops branches whose condition is literally false and those
    after one literally true, as Piecewise does.  Derivatives and
    substitutions rebuild it with self.func, so they stay PdPiecewise;
    printing, lambdify and evalf are Piecewise's."""

    def __new__(cls, *args):
        pairs = []
        for expr, cond in args:
            pair = PdPair(expr, cond)
            if pair.cond is sympy.false:
                continue
            pairs.append(pair)
            if pair.cond is sympy.true:
                break
        if pairs[0].cond is sympy.true:
            return pairs[0].expr
        return sympy.Basic.__new__(cls, *pairs)


def If(cond, a, b):
    """pd's `if cond then a else b`."""
    return PdPiecewise((a, cond), (b, True))


def d(e, var):
    """pd's d(e, var): var is a parameter of the enclosing function."""
    return derivative(e, var)


def derivative(e, x):
    """de/dx, as sympy.diff(e, x) computes it, but in time linear in the
    size of e: sympy.diff walks the whole result once more at every node
    it differentiates (Derivative.__new__ makes the Derivatives in it
    canonical), a minute for a third derivative of some of our functions.
    The rules are SymPy's: the chain rule over Add, Mul, Pow, Piecewise and
    each function's own fdiff."""
    memo = {}

    def walk(e):
        if x not in e.free_symbols:
            return sympy.S.Zero
        r = memo.get(e)
        if r is not None:
            return r
        if e == x:
            r = sympy.S.One
        elif e.is_Add:
            r = sympy.Add(*[walk(a) for a in e.args])
        elif e.is_Mul:
            terms = []
            for i, a in enumerate(e.args):
                da = walk(a)
                if da != 0:
                    terms.append(sympy.Mul(*(e.args[:i] + (da,) + e.args[i + 1:])))
            r = sympy.Add(*terms)
        elif e.is_Pow:
            b, p = e.args
            r = p * b ** (p - 1) * walk(b)
            if x in p.free_symbols:
                r += e * log(b) * walk(p)
        elif isinstance(e, Piecewise):
            r = e.func(*[(walk(v), c) for v, c in e.args])
        elif isinstance(e, (sympy.sign, sympy.Heaviside, sympy.DiracDelta)):
            # SymPy makes Abs(y) of sqrt(y**2); these follow from it.  Real
            # arguments (sympy.diff leaves sign(u)' alone unless it can
            # prove u real); 0 away from 0, where the oracle stays.
            u, k = e.args[0], (e.args[1] + 1 if isinstance(e, sympy.DiracDelta) and len(e.args) > 1 else
                               1 if isinstance(e, sympy.DiracDelta) else 0)
            r = (2 if isinstance(e, sympy.sign) else 1) * sympy.DiracDelta(u, k) * walk(u)
        elif isinstance(e, sympy.Function):
            r = sympy.Add(*[e.fdiff(i + 1) * walk(a) for i, a in enumerate(e.args) if x in a.free_symbols])
        else:
            raise TypeError('derivative: no rule for %s' % type(e).__name__)
        memo[e] = r
        return r

    return walk(sympy.sympify(e))


def pdpow(a, b):
    """a^b and pow(a, b). For an integer constant b pdc multiplies, which is
    the same number as SymPy's a**b for any real a.

    A constant exponent that is not a simple fraction, such as the double
    0.1 = 3602879701896397/2^55, becomes a 60-digit Float, the same number:
    with such a Rational exponent SymPy's assumptions (is a**b real?) build
    polynomials of that degree and never finish."""
    a, b = sympy.sympify(a), sympy.sympify(b)
    if b.is_number and not (b.is_Rational and b.q <= 64):
        b = b.evalf(DIGITS)
    if a.is_number and b.is_number and not (a.is_Rational and b.is_Integer):
        return (a ** b).evalf(DIGITS)
    return a ** b


def cbrt(u):
    """The real cube root (C's cbrt): negative for negative u."""
    third = Rational(1, 3)
    return If(Ge(u, 0), u ** third, -(-u) ** third)


def pdabs(u):
    """|u| as two branches, not sympy.Abs: Abs differentiates as a complex
    function (with re() and im()) unless SymPy can prove u real, which it
    cannot for, e.g., acos(0.9*sin(x)).  The derivative at 0, where pdc
    takes 0, is never asked for: the oracle keeps away from kinks."""
    return If(Ge(u, 0), u, -u)


def hypot(a, b):
    return sqrt(a ** 2 + b ** 2)


def pdmin(a, b):
    """min: the first argument on a tie, so its derivative is the first's."""
    return If(Le(a, b), a, b)


def pdmax(a, b):
    return If(Le(b, a), a, b)


class PdFunction:
    """A pd function: its parameters, wrt list, hessian flag and value."""

    def __init__(self, body, wrt, hessian):
        self.body = body
        self.name = body.__name__
        self.params = tuple(inspect.signature(body).parameters)
        self.symbols = tuple(param(p) for p in self.params)
        self.wrt = tuple(wrt.split()) if wrt is not None else self.params
        self.hessian = hessian
        self._expr = None

    @property
    def expr(self):
        """The value as a SymPy expression over self.symbols."""
        if self._expr is None:
            self._expr = sympy.sympify(self.body(*self.symbols))
        return self._expr

    def wrt_symbols(self):
        return tuple(param(p) for p in self.wrt)

    def __call__(self, *args):
        args = [sympy.sympify(a) for a in args]
        args = [a.evalf(DIGITS) if a.is_number else a for a in args]  # see _builtin
        return self.expr.xreplace(dict(zip(self.symbols, args)))


def pd(wrt=None, hessian=False):
    """Decorator: `@pd(wrt='x y', hessian=True)` above `def f(x, y, k): ...`."""

    def wrap(body):
        return PdFunction(body, wrt, hessian)

    return wrap
