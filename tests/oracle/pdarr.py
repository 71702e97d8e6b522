"""pdarr.py -- the meaning of pd's arrays, sums and products in SymPy, for
the array oracle (run_arrays.py).

gen_arrays.py writes, next to every generated .pd file of array functions,
a Python module that says the same thing over this module and pdsym.py:

    fn g0003(x[n], a) wrt x, a {                 @pda('x[n] a', wrt='x a')
      let h[j] = x[j]^2                          def g0003(n, x, a):
      return sum(i = 0..n-2) h[i]*h[i+1] + a         h = Elem(lambda j: x[j]**2)
    }                                                return Sum(0, n - 2, lambda i: h[i]*h[i + 1] + a)

The Python function takes the sizes first (Python ints), then the
parameters: a scalar is a real Symbol, an array an Arr whose elements are
real Symbols.  So calling it at concrete sizes unrolls every sum and
product into one SymPy expression of the elements and scalars, which
run_arrays.py differentiates by each of them, as run_oracle.py does for
scalar functions.  Indices are Python ints (`(i + 1) % n` is pd's
`(i + 1) mod n`, both in 0..n-1); an index or size used as a number is
Integer(i), so that i / n stays exact.

An element read outside its array is the symbol OUT_OF_RANGE rather than
an error, because both branches of an `if` are built before the If drops
the one whose (numeric) index condition is false: `if i > 0 then x[i-1]
else 0` at i = 0.  A function whose expression still contains
OUT_OF_RANGE reads outside an array, which pdc would have rejected: the
oracle reports it as a problem of the generator.
"""
import operator
import re

import sympy

import pdsym

__all__ = ['pda', 'Arr', 'Elem', 'Sum', 'Prod', 'Integer', 'OUT_OF_RANGE', 'pdabs']

Integer = sympy.Integer
OUT_OF_RANGE = sympy.Symbol('OUT_OF_RANGE', real=True)

# An empty sum is the symbol EMPTY_SUM, an empty product EMPTY_PROD, which
# the oracle sets to 0 and 1 (FIXED), rather than the numbers: SymPy would
# fold what is computed from them into one exact number (sin(0.25 + 0) is
# sin(0.25) to 60 digits), and the oracle's error scale, a sum over the
# nodes of the expression, could not see how much pdc's rounding in that
# part is amplified after it ((1.25*cos(atan(0.25)))^64 is 1.6e6 times an
# ulp of it, fed to cos).  With the symbols the expression keeps its nodes.
EMPTY_SUM = sympy.Symbol('EMPTY_SUM', real=True)
EMPTY_PROD = sympy.Symbol('EMPTY_PROD', positive=True)
FIXED = {EMPTY_SUM: 0.0, EMPTY_PROD: 1.0}


def element_symbol(name, idx):
    """The Symbol of name[idx] (x__3, W__1__0: valid Python identifiers for
    the printed mpmath code, and no parameter is spelled with '__')."""
    return sympy.Symbol(name + ''.join('__%d' % k for k in idx), real=True)


def element_name(name, idx):
    return '%s[%s]' % (name, ', '.join(str(k) for k in idx))


class Arr:
    """A parameter array at concrete extents: its elements, row-major."""

    def __init__(self, name, shape):
        self.name, self.shape = name, tuple(shape)
        self.indices = [()]
        for e in self.shape:
            self.indices = [ix + (k,) for ix in self.indices for k in range(e)]
        self.symbols = [element_symbol(name, ix) for ix in self.indices]
        self.names = [element_name(name, ix) for ix in self.indices]
        self._by_index = dict(zip(self.indices, self.symbols))

    def __getitem__(self, key):
        key = tuple(operator.index(k) for k in (key if isinstance(key, tuple) else (key,)))
        if len(key) != len(self.shape):
            raise IndexError('%s takes %d indices, got %r' % (self.name, len(self.shape), key))
        return self._by_index.get(key, OUT_OF_RANGE)


class Elem:
    """`let h[j] = expr` (or h[j, k]): h[e] is expr with e for j, computed once
    per index."""

    def __init__(self, body):
        self.body = body
        self.memo = {}

    def __getitem__(self, key):
        key = tuple(operator.index(k) for k in (key if isinstance(key, tuple) else (key,)))
        if key not in self.memo:
            self.memo[key] = sympy.sympify(self.body(*key))
        return self.memo[key]


def Sum(lo, hi, body):
    """sum(i = lo..hi) body(i): 0 (EMPTY_SUM) when hi < lo."""
    terms = [sympy.sympify(body(i)) for i in range(operator.index(lo), operator.index(hi) + 1)]
    return sympy.Add(*terms) if terms else EMPTY_SUM


def Prod(lo, hi, body):
    """prod(i = lo..hi) body(i): 1 (EMPTY_PROD) when hi < lo."""
    factors = [sympy.sympify(body(i)) for i in range(operator.index(lo), operator.index(hi) + 1)]
    return sympy.Mul(*factors) if factors else EMPTY_PROD


def pdabs(u):
    """|u| with pdc's derivative sign(u), which is 0 at u = 0
    (docs/language.md, built-in functions).  pdsym.pdabs takes the branch
    u >= 0 there, derivative 1, which is never asked for at random points;
    but at small sizes an empty sum makes u exactly 0 (abs(t) in a helper
    called with tanh(<empty sum>), differentiated by t).  The generated
    modules import this one after pdsym's."""
    return pdsym.If(pdsym.Gt(u, 0), u, pdsym.If(pdsym.Lt(u, 0), -u, 0))


_PARAM = re.compile(r'^([A-Za-z_]\w*)(?:\[([^\]]*)\])?$')


class ArrayFunction:
    """A pd function with array parameters, for any sizes: instance(sizes)
    is the function unrolled there."""

    def __init__(self, body, params, wrt, hessian):
        self.body = body
        self.name = body.__name__
        self.params = []  # [(name, [extent: int or size name])], declaration order
        self.sizes = []  # size names, in order of first appearance (pdc's C order)
        for p in params.split():
            m = _PARAM.match(p)
            if not m:
                raise ValueError('parameter %r' % p)
            ext = [int(e) if e.isdigit() else e for e in m.group(2).split(',')] if m.group(2) else []
            self.params.append((m.group(1), ext))
            for e in ext:
                if isinstance(e, str) and e not in self.sizes:
                    self.sizes.append(e)
        self.wrt = wrt.split() if wrt is not None else [p for p, _ in self.params]
        self.hessian = hessian

    def instance(self, sizes):
        return Instance(self, sizes)


class Instance:
    """The function at concrete sizes (a dict size name -> int): a function of
    the scalars and elements, in the C argument order, with run_oracle.py's
    interface (expr, symbols, wrt_symbols(), hessian)."""

    def __init__(self, fn, sizes):
        self.fn, self.sizes = fn, dict(sizes)
        self.name = fn.name
        self.hessian = fn.hessian
        self.args = {}  # parameter name -> Symbol or Arr
        self.layout = []  # [(name, None) for a scalar | (name, element count) for an array]
        self.symbols, self.params = [], []  # every input, and its printed name (x[0], a)
        for name, ext in fn.params:
            if not ext:
                s = pdsym.param(name)
                self.args[name] = s
                self.layout.append((name, None))
                self.symbols.append(s)
                self.params.append(name)
            else:
                arr = Arr(name, [self.sizes[e] if isinstance(e, str) else e for e in ext])
                self.args[name] = arr
                self.layout.append((name, len(arr.symbols)))
                self.symbols += arr.symbols
                self.params += arr.names
        self.symbols = tuple(self.symbols)
        self.wrt_list, self.wrt_names = [], []  # flattened, in grad order
        for w in fn.wrt:
            a = self.args[w]
            if isinstance(a, Arr):
                self.wrt_list += a.symbols
                self.wrt_names += a.names
            else:
                self.wrt_list.append(a)
                self.wrt_names.append(w)
        self.wrt = tuple(self.wrt_names)
        # the scalar wrt variables, which have an f_d<var>: (name, grad index)
        self.scalar_wrt = [(n, k) for k, n in enumerate(self.wrt_names) if n in fn.wrt]
        self._expr = None

    @property
    def expr(self):
        if self._expr is None:
            e = sympy.sympify(self.fn.body(*([self.sizes[s] for s in self.fn.sizes] +
                                             [self.args[p] for p, _ in self.fn.params])))
            if OUT_OF_RANGE in e.free_symbols:
                raise IndexError('%s reads outside an array at sizes %s' % (self.name, self.sizes))
            self._expr = e
        return self._expr

    def wrt_symbols(self):
        return tuple(self.wrt_list)


def pda(params, wrt=None, hessian=False):
    """Decorator: `@pda('x[n] W[m,2] a', wrt='x a')` above `def f(n, m, x, W, a)`."""

    def wrap(body):
        return ArrayFunction(body, params, wrt, hessian)

    return wrap
