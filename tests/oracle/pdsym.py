"""pdsym.py -- the meaning of pd's constructs in SymPy, for the oracle.

gen.py writes, next to every generated .pd file, a Python module that says
the same thing in SymPy, one Python function per pd function:

    fn f0003(x, y, k) wrt x, y hessian {          @pd(wrt='x y', hessian=True)
      let a = log(1 + x^2)                         def f0003(x, y, k):
      return if x < y then a else d(a*y, x)            a = log(1 + x**2)
    }                                                  return If(Lt(x, y), a, d(a*y, x))

This module defines the names such a module uses.  Everything is exact:
numbers are the rationals equal to the doubles pdc reads (num), pi is the
real pi, and built-ins are their mathematical definitions.  Nothing here
knows how pdc differentiates; d() is sympy.diff.

A pd function is evaluated once, on real symbols named after its parameters;
calling it from another function substitutes the arguments (the callee's
d() was taken with respect to its own parameters, before the call, as in pd).
"""
import inspect
from fractions import Fraction

import sympy
from sympy import (Abs, And, Not, Or, Piecewise, Rational, acos, asin, atan, atan2, cos, cosh, diff, erf, exp,
                   log, sin, sinh, sqrt, tan, tanh)
from sympy.codegen.cfunctions import expm1, log1p, log2, log10

__all__ = ['pd', 'num', 'pi', 'If', 'Lt', 'Le', 'Gt', 'Ge', 'Eq', 'Ne', 'And', 'Or', 'Not', 'd', 'pdpow', 'sin',
           'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'exp', 'log', 'log2', 'log10',
           'log1p', 'expm1', 'sqrt', 'cbrt', 'pdabs', 'hypot', 'pdmin', 'pdmax', 'erf']

pi = sympy.pi


def num(text):
    """The exact value of the double pdc reads for the literal `text`."""
    f = Fraction(float(text))
    return Rational(f.numerator, f.denominator)


def param(name):
    return sympy.Symbol(name, real=True)


# Comparisons, as the sign of a - b: SymPy 1.11's Piecewise loops forever
# rewriting some conditions with expressions on both sides, such as
# z - w <= w - y, and never one compared with 0.
def Lt(a, b): return sympy.Lt(a - b, 0)
def Le(a, b): return sympy.Le(a - b, 0)
def Gt(a, b): return sympy.Gt(a - b, 0)
def Ge(a, b): return sympy.Ge(a - b, 0)
def Eq(a, b): return sympy.Eq(a - b, 0)
def Ne(a, b): return sympy.Ne(a - b, 0)


def If(cond, a, b):
    """pd's `if cond then a else b`."""
    return Piecewise((a, cond), (b, True))


def d(e, var):
    """pd's d(e, var): var is a parameter of the enclosing function."""
    return diff(e, var)


def pdpow(a, b):
    """a^b and pow(a, b). For an integer constant b pdc multiplies, which is
    the same number as SymPy's a**b for any real a."""
    return a ** b


def cbrt(u):
    """The real cube root (C's cbrt): negative for negative u."""
    third = Rational(1, 3)
    return Piecewise((u ** third, Ge(u, 0)), (-(-u) ** third, True))


def pdabs(u):
    return Abs(u)


def hypot(a, b):
    return sqrt(a ** 2 + b ** 2)


def pdmin(a, b):
    """min: the first argument on a tie, so its derivative is the first's."""
    return Piecewise((a, Le(a, b)), (b, True))


def pdmax(a, b):
    return Piecewise((a, Le(b, a)), (b, True))


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
        return self.expr.xreplace(dict(zip(self.symbols, (sympy.sympify(a) for a in args))))


def pd(wrt=None, hessian=False):
    """Decorator: `@pd(wrt='x y', hessian=True)` above `def f(x, y, k): ...`."""

    def wrap(body):
        return PdFunction(body, wrt, hessian)

    return wrap
