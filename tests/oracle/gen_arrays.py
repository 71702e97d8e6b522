#!/usr/bin/python3
"""gen_arrays.py -- seeded random .pd functions of arrays for the array
oracle (run_arrays.py), with their SymPy translation.

usage: gen_arrays.py [--seed S] [--count N] [--per-file K] --out DIR

writes DIR/arrays_NN.pd and, next to each, DIR/arrays_NN.py: the same
functions over pdarr.py and pdsym.py (see pdarr.py), so the oracle never
parses .pd.  Both are printed from one tree, as in gen.py.

What is generated
-----------------
A file has a few constants and two or three functions of scalars made by
gen.py's generator (helpers, not checked here: run_oracle.py checks such
functions), then array functions `g0000`, `g0001`, ... Each has:

- parameters, declared in a random order (so the size parameters of the C
  interface come in either order): a vector x[n], often a second y[n] and a
  third t[n] sharing the size, a 2-D W[m, 2] or W[m, n] with v[m], now and
  then a square A[n, n] and a fixed-size p[3], and zero to two scalars among
  a u w s;
- `wrt`: now and then absent (every parameter a variable), now and then
  scalars only (every array data, as in expfit), otherwise a random subset
  of the parameters in random order, mixing scalars and arrays; the arrays
  left out are data; `hessian` often when every wrt variable is a scalar;
- sometimes element-wise lets, `let h[j] = <expr in x[j], y[j], ...>` over
  n, `let g[j] = <expr in W[j, ...], v[j], and maybe tanh(sum(i = 0..n-1)
  W[j, i]*x[i])>` over m (a hidden layer), `let r[k, l] = <expr in x[k],
  x[l]>` used by pair sums, and a mean `let mu = sum(i = 0..n-1) <expr> / n`;
- a body made of one to three reductions, either alone (`= sum(...) ...`,
  the body extending to the end) or combined by a random expression with
  the scalars.  The reductions:
    plain     sum(i = 0..n-1) <x[i], x[n - 1 - i], h[i], i, n, a prefix
              sum(j = 0..i) ..., a guarded boundary term>
    chain     sum(i = 0..n-2) <x[i], x[i+1], ...>
    periodic  sum(i = 0..n-1) <x[i], x[(i + 1) mod n], x[(i - 1) mod n],
              x[(i + 2) mod n]>
    pairs     sum(i = 0..n-1, j = i+1..n-1) <x[i], x[j], r[i, j], A[i, j]>
              (or j = 0..i, j = 0..i-1)
    prod      prod(i = 0..n-1) <a positive or a bounded factor>
    rows      sum(j = 0..m-1) <W[j, 0], W[j, 1], v[j], g[j], j, m>
              (or sum(j = 0..m-1, c = 0..1) <W[j, c], c>, or over W[m, n])
    fixed     sum(c = 0..2) <p[c], c>
  The guarded boundary terms read `if i > 0 then ... x[i - 1] ... else ...`
  (also i >= 1, i < n - 1 with x[i + 1], and both with `and`), and the
  conditions `i == 0`, `i == n - 1` without shifted reads.

The random expressions inside (sum bodies, factors, let values, the
combination) are gen.py's: every built-in, if/min/max/abs kinks, d() by a
scalar parameter, calls of the helpers, with gen.py's domain safety (its
positive forms and magnitude bounds).  Their leaves are the elements the
surrounding sums may read (see Ctx), the scalars, and the indices and sizes
as numbers.  Bounds assume sizes up to MAXN.

A construct is left out by KNOWN_BUGS (see there) while pdc has a known bug
with it; `--with-known-bugs` (or run_arrays.py --with-known-bugs) puts it
back to reproduce the bug.

How it is built: a sum nested in an expression (a reduction used in the
combination, a prefix sum in a sum body) and a guarded term are leaves of
gen.py's trees: ('name', pd text), the pd text parenthesized; the Python
text of every such leaf is kept in a table and substituted when the Python
is printed (ArrayGen.py()).  gen.py's generator is made safe for sums
that are empty at small sizes by SafeGen, which makes the helpers too.
"""
import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen  # noqa: E402
from gen import Bin, Call, Name, Num, to_pd  # noqa: E402

MAXN = 5  # the largest size the oracle uses; the magnitude bounds assume it
ELEM_BOUND = gen.PARAM_BOUND  # elements and scalars, as gen.py's parameters

# Constructs pdc has a bug with (found by this oracle).  Left out of what
# is generated unless --with-known-bugs, so that the test checks the rest;
# remove an entry (and the code that tests it) when the bug is fixed.
#   prod-scalar: a product whose factors depend both on the index and on a
#   scalar that it is differentiated by (a wrt variable, or in d()), e.g.
#       fn p(x[n], a) wrt a = prod(i = 0..n-1) (a + x[i])
#       fn p(x[n], a) wrt x = d(prod(i = 0..n-1) (a + x[i]), a)
#   pdc: internal error at compiler/expr.c:490: unreachable (ex_index_begin
#   entered twice).  Fixed in pdc (exec: 17.75 = dP/da at x = 1, 2, 3,
#   a = 0.5), but enabling it here makes SymPy time out on some programs
#   (the n^2 product rule): still left out until the oracle bounds that.
#   pair-rect-O0: at -O0, f_grad of a function with a pair sum (or any
#   two-level sum whose inner range depends on the outer index) and a sum
#   over a rectangle (k = 0..m-1, l = 0..n-1, or nested) runs the first
#   iteration of an empty outer range: it reads x[0] at n = 0, or W[0, l]
#   at m = 0 -- a crash when that array is NULL, as the interface allows
#   for an array of no elements (the values are right), e.g.
#       fn g(W[m, n], x[n]) wrt W = (sum(i = 0..n-1, j = 0..i) x[j]) * (sum(k = 0..m-1, l = 0..n-1) W[k, l])
#       g_grad(2, 0, NULL, NULL, NULL)
#       fn g(W[m, n], A[n, n]) wrt A = (sum(i = 0..n-1, j = i+1..n-1) A[i, j]) * (sum(k = 0..m-1, l = 0..n-1) W[k, l])
#       g_grad(0, 2, NULL, A, grad)
#   Left out: no pair sums or prefix sums (j = 0..i) in a function with
#   W[m, n].
#   branch-sum: sums computed in a branch (of an `if`, or of pdc's own: a
#   min or max of large operands, the second derivative of a power with a
#   variable exponent) whose values the gradient needs after it: the IR of
#   f_grad does not verify (Instruction does not dominate all uses), e.g.
#       fn g(x[n], a) wrt x = if a > 0 then (sum(i = 0..n-1) x[i]^2) * (sum(i = 0..n-1) x[i]) else 1
#       fn g(x[n], a) wrt a = (if a > 0 then 1 else (sum(i = 0..n-1) x[i]*a)) * (sum(i = 0..n-1) x[i]*a)
#       fn g(s, t[n]) wrt s hessian = pow(1 + s^2, sum(k = 0..n-1) t[k]*s)
#   Left out: an `if` whose branches hold a sum or product (or mu, g[j]) is
#   <then> + <else> instead, and so is a min or max of such operands; the
#   guarded terms hold none; the helpers called where sums are at
#   hand have no if, min or max (calls are inlined); and a power u^v with v
#   not constant is exp(v*log(u)) (in the helpers too).
#   nested-two: two different sums nested in one sum's body over the same
#   range, which depends on the outer index (j = 0..k, or a row k of W),
#   under a nonlinear function: f_grad's IR does not verify (Instruction
#   does not dominate all uses), e.g.
#       fn g(x[n]) = sin(sum(k = 0..n-1) (sum(j = 0..k) x[j]) * (sum(j = 0..k) x[j]^2))
#       fn g(W[m, n]) = sin(sum(k = 0..m-1) (sum(j = 0..n-1) W[k, j]) * (sum(j = 0..n-1) W[k, j]^2))
#   d(e, w) of such a nested sum makes the second one:
#       fn g(x[n], w) wrt x = d(sin(sum(k = 0..n-1) (sum(j = 0..k) x[j]*w)^2), w)
#   Left out: no d() where a nested sum is at hand (the generator nests at
#   most one sum in a body otherwise).
KNOWN_BUGS = {'prod-scalar', 'pair-rect-O0', 'branch-sum', 'nested-two'}


class Ctx:
    """The leaves an expression may use where it stands: [(weight, bound,
    pd text)], their Python texts in the generator's table."""

    def __init__(self, leaves):
        self.leaves = list(leaves)

    def plus(self, leaves):
        return Ctx(self.leaves + list(leaves))


class SafeGen(gen.Gen):
    """gen.py's generator, made safe where a sum is empty.

    At n = 0 (n = 1 for a chain or a pair sum) a sum is the constant 0 in
    the instance, and so is whatever is computed from it alone:
    - gen.py's atan2(y, x) with any x, and hypot(u, v), may then sit exactly
      at the origin (SymPy's atan2(0, 0) is nan, C's 0), or atan2 on its cut
      with y = -0 (C's -pi, SymPy's pi); and cbrt(u) at u = 0 has an infinite
      derivative, which times a zero derivative of u is NaN in pdc (IEEE) and
      0 in SymPy.  So the second argument of atan2 is made positive, that of
      hypot kept away from 0, and cbrt's argument shifted.
    - a subexpression of constants is a single number for SymPy (exact), so
      the error scale of the oracle cannot see how much pdc's rounding in it
      is amplified (sin((1.25*cos(pi))^64) is sin of 1.6e6).  gen.py makes
      such subexpressions now and then; here every one with an operator in
      it mentions a variable (variables()), or is drawn again.  (An empty
      sum is a symbol for the oracle, pdarr.EMPTY_SUM, for the same reason.)
    Helpers (functions of scalars) are made by this class too: a helper is
    called with the constants of an empty sum."""

    known_bugs = set()  # KNOWN_BUGS, unless --with-known-bugs

    def variables(self):
        return set(self.params) | {n for _, n in self.lets}

    def _expr(self, depth):
        node, b = super()._expr(depth)
        pw = (node[2] if node[0] == 'call' and node[1] == 'pow' else
              [node[2], node[3]] if node[0] == 'bin' and node[1] in ('^', '**') else None)
        if pw and gen.names_in(pw[1]) and 'branch-sum' in self.known_bugs:
            # see KNOWN_BUGS, branch-sum; the base is one of gen.py's positive forms
            node = Call('exp', Bin('*', pw[1], Call('log', pw[0])))
        return node, b

    def expr(self, depth):
        for _ in range(4):
            e, b = super().expr(depth)
            if depth <= 0 or e[0] in ('num', 'name', 'pi') or gen.names_in(e) & self.variables():
                break
        return e, b

    def builtin(self, sub):
        node, b = super().builtin(sub)
        if node[0] == 'call' and node[1] == 'atan2':
            y, x = node[2]
            return Call('atan2', y, Bin('+', Num('1.5'), Call('tanh', x))), b
        if node[0] == 'call' and node[1] == 'hypot':
            u, v = node[2]
            if v[0] != 'num' or float(v[1]) == 0:
                v = Num('0.5') if v[0] == 'num' else Bin('+', Num('0.5'), Bin('^', v, Num('2')))
            return Call('hypot', u, v), b + 0.5 + b * b
        if node[0] == 'call' and node[1] == 'cbrt':
            return Call('cbrt', Bin('+', node[2][0], Num('0.375'))), b + 1
        return node, b


class ArrayGen(SafeGen):
    """The functions of arrays: gen.py's expressions over the leaves of the
    context (self.ctx), assembled into sums, products and lets (function)."""

    def __init__(self, rng, consts, helpers):
        super().__init__(rng)
        self.consts = consts
        self.funcs = helpers
        self.by_name = {f.name: f for f in helpers}
        self.lets, self.let_names = [], {}  # gen.py's scalar lets: none here
        self.pymap = {}  # pd text of a leaf -> its Python text
        self.ctx = Ctx([])
        self.no_branch_sums = False
        self.in_body = 0  # making the body of a sum (or product)

    # -- leaves --
    def L(self, pd, py=None, bound=ELEM_BOUND, weight=10):
        """A leaf: pd text, Python text (the same by default)."""
        py = pd if py is None else py
        assert self.pymap.get(pd, py) == py, (pd, py, self.pymap[pd])
        self.pymap[pd] = py
        return (weight, bound, pd)

    def number_leaf(self, name, bound=MAXN, weight=2):
        """An index or a size used as a number (an exact SymPy Integer)."""
        return self.L(name, 'Integer(%s)' % name, bound, weight)

    def leaf(self):
        names = self.ctx.leaves
        choice = self.pick([(80 if names else 0, 'name'), (12, 'num'), (5 if self.consts else 0, 'const'),
                            (3, 'pi')])
        if choice == 'name':
            _, b, t = self.pick([(w, x) for x in names for w in [x[0]]])
            return Name(t), b
        if choice == 'const':
            n, v = self.r.choice(self.consts)
            return Name(n), abs(v)
        if choice == 'pi':
            return ('pi',), 3.15
        return self.number()

    def expr_in(self, ctx, depth):
        old, self.ctx = self.ctx, ctx
        try:
            return self.expr(depth)
        finally:
            self.ctx = old

    def positive_in(self, ctx, depth):
        old, self.ctx = self.ctx, ctx
        try:
            return self.positive(depth)
        finally:
            self.ctx = old

    def variables(self):
        return {x[2] for x in self.ctx.leaves if not self.pymap[x[2]].startswith('Integer(')}

    @staticmethod
    def holds_reduction(node):
        return any('sum(' in t or 'prod(' in t or t == 'mu' or t.startswith('g[') for t in gen.names_in(node))

    def nested(self, t):
        """Whether the leaf t holds a sum nested in another sum (counting the
        one whose body is being made)."""
        return (t.count('sum(') + t.count('prod(') >= 2 or 'g[' in t or
                (self.in_body and self.holds_reduction(Name(t))))

    def callable(self):
        fs = super().callable()
        if self.no_branch_sums and any(self.holds_reduction(Name(x[2])) for x in self.ctx.leaves):
            fs = [f for f in fs if not any(k in f.pd_source() for k in ('if ', 'min(', 'max('))]  # see KNOWN_BUGS
        return fs

    def _expr(self, depth):
        node, b = super()._expr(depth)
        if not self.no_branch_sums:
            return node, b
        # see KNOWN_BUGS, branch-sum
        if node[0] == 'if' and (self.holds_reduction(node[2]) or self.holds_reduction(node[3])):
            node = Bin('+', node[2], node[3])
        if node[0] == 'call' and node[1] in ('min', 'max') and self.holds_reduction(node):
            node = Bin('+', node[2][0], node[2][1])
        return node, b

    def deriv(self, sub):
        """gen.py's d(e, v), with v mostly a scalar e mentions: most of what
        the sums read is elements, which gen.py's choice does not see."""
        if 'nested-two' in self.known_bugs and any(self.nested(x[2]) for x in self.ctx.leaves):
            return self.expr(sub)  # see KNOWN_BUGS, nested-two
        node, b = super().deriv(sub)
        e = node
        while e[0] == 'd':
            e = e[1]
        if self.params and not gen.names_in(e) & set(self.params) and self.chance(0.8):
            s = self.r.choice(self.params)
            e2 = Bin('*', e, Name(s)) if self.chance(0.5) else Bin('+', e, Call('sin', Name(s)))
            return self.rebuild_d(node, e2), b * ELEM_BOUND
        return node, b

    def rebuild_d(self, node, inner):
        if node[0] != 'd':
            return inner
        return ('d', self.rebuild_d(node[1], inner), node[2])

    # -- printing --
    def py(self, node):
        """The Python (pdsym/pdarr) text of node."""
        return gen.to_py(self.rename(node))

    def rename(self, node):
        if isinstance(node, list):
            return [self.rename(k) for k in node]
        if not isinstance(node, tuple):
            return node
        if node[0] == 'name':
            return ('name', self.pymap.get(node[1], node[1]))
        return tuple(self.rename(k) for k in node)

    def body_depth(self):
        return self.r.choice([1, 2, 2, 3])

    # -- reductions: each returns (pd text unparenthesized, py text, bound) --
    def reduction(self, op, ranges, body_node, count):
        """op 'sum' or 'prod'; ranges [(index, lo, hi)] (texts valid in pd and
        Python); the body a tree."""
        pd = '%s(%s) %s' % (op, ', '.join('%s = %s..%s' % (i, lo, hi) for i, lo, hi in ranges), to_pd(body_node))
        py = self.py(body_node)
        fn = 'Sum' if op == 'sum' else 'Prod'
        for i, lo, hi in reversed(ranges):  # several ranges nest, the first outermost
            py = '%s(%s, %s, lambda %s: %s)' % (fn, lo, hi, i, py)
        return pd, py, count

    def as_leaf(self, red, bound, weight=10):
        pd, py, _ = red
        return self.L('(' + pd + ')', py, bound, weight)

    def elems(self, arrays, index, bound=ELEM_BOUND, weight=20):
        """Leaves arr[index] for each array name (pd text of index; its
        Python text is the same but for mod)."""
        py_index = index.replace(' mod ', ' % ')
        return [self.L('%s[%s]' % (a, index), '%s[%s]' % (a, py_index), bound, weight) for a in arrays]

    def sum_over(self, ctx, ranges, count, op='sum', must=()):
        """A sum (or product) over ranges of a random body in ctx; the body
        uses one of the leaves must (those that depend on the indices) at
        least once."""
        self.in_body += 1
        try:
            return self._sum_over(ctx, ranges, count, op, must)
        finally:
            self.in_body -= 1

    def _sum_over(self, ctx, ranges, count, op, must):
        depth = self.body_depth()
        must = [x for x in must if x in ctx.leaves and not self.pymap[x[2]].startswith('Integer(')]
        if op == 'prod':
            if self.chance(0.6):
                node, lo, hi = self.positive_in(ctx, depth)
                if hi > 3:
                    node, hi = Bin('+', Num('1.5'), Call(self.r.choice(['sin', 'cos', 'tanh']), node)), 2.5
            else:
                e, _ = self.expr_in(ctx, depth)
                node, hi = Bin('*', Num(self.r.choice(['1.25', '0.9', '1.5'])),
                               Call(self.r.choice(['sin', 'tanh', 'cos']), e)), 1.5
            if must and not gen.names_in(node) & {x[2] for x in must}:
                x = self.r.choice(must)
                node = Bin('*', node, Bin('+', Num('1.5'), Call('tanh', Name(x[2]))))
                hi *= 2.5
            return self.reduction('prod', ranges, node, count), hi ** count
        node, b = self.expr_in(ctx, depth)
        if must and not gen.names_in(node) & {x[2] for x in must}:
            x = self.r.choice(must)
            op = self.r.choice('+-*')
            node = Bin(op, node, Name(x[2])) if self.chance(0.5) else Bin(op, Name(x[2]), node)
            b = b * x[1] if op == '*' else b + x[1]
        return self.reduction('sum', ranges, node, count), b * count

    def dependent(self, ctx, top):
        """The leaves of ctx that are elements (not top's, not numbers)."""
        return [x for x in ctx.leaves if x not in top.leaves and not self.pymap[x[2]].startswith('Integer(')]

    def guarded(self, ctx, i, n_arrays):
        """A boundary term in a sum over i = 0..n-1, as a leaf."""
        self.in_body += 1
        try:
            return self._guarded(ctx, i, n_arrays)
        finally:
            self.in_body -= 1

    def _guarded(self, ctx, i, n_arrays):
        r = self.r
        form = r.choice(['gt', 'ge', 'lt', 'both', 'eq0', 'eqn'])
        here = self.elems(n_arrays, i)
        # `if i == 0 then ... else <x[i - 1]>` is left out: pdc narrows the
        # index range by <, <=, >, >= (and `and`), not by == or != in the
        # else branch, and rejects x[i - 1] there (an error, not a wrong
        # result; see the run's report)
        if form in ('gt', 'ge'):
            cond = ('cmp', '>', Name(i), Num('0')) if form == 'gt' else ('cmp', '>=', Name(i), Num('1'))
            inside = self.elems(n_arrays, i + ' - 1')
        elif form == 'lt':
            cond = ('cmp', '<', Name(i), Bin('-', Name('n'), Num('1')))
            inside = self.elems(n_arrays, i + ' + 1')
        elif form == 'both':
            cond = ('and', ('cmp', '>', Name(i), Num('0')), ('cmp', '<', Name(i), Bin('-', Name('n'), Num('1'))))
            inside = self.elems(n_arrays, i + ' - 1') + self.elems(n_arrays, i + ' + 1')
        else:
            cond = ('cmp', '==', Name(i), Num('0') if form == 'eq0' else Bin('-', Name('n'), Num('1')))
            inside = []
        a, ba = self.expr_in(ctx.plus(inside).plus(inside), self.r.choice([1, 2]))
        if inside and not gen.names_in(a) & {x[2] for x in inside}:
            x = self.r.choice(inside)
            a, ba = Bin('*', a, Name(x[2])), ba * x[1]
        b, bb = self.expr_in(ctx if self.chance(0.7) else Ctx(here), self.r.choice([0, 1, 2]))
        if r.random() < 0.3 and form in ('eq0', 'eqn'):
            a, ba, b, bb = b, bb, a, ba
        node = ('if', cond, a, b)
        return self.L('(' + to_pd(node) + ')', self.py(node), max(ba, bb), 15)

    # -- functions --
    def function(self, name):
        r = self.r
        self.pymap = {'n': 'Integer(n)', 'm': 'Integer(m)'}
        # the parameters
        scalars = r.sample(['a', 'u', 'w', 's'], self.pick([(3, 0), (5, 1), (3, 2)]))
        n_arrays = ['x'] + (['y'] if self.chance(0.5) else []) + (['t'] if self.chance(0.25) else [])
        m_world = self.chance(0.35)
        W = r.choice(['2', 'n']) if m_world and self.chance(0.8) else None
        m_arrays = ['v'] if m_world and (W is None or self.chance(0.6)) else []
        A = self.chance(0.1)
        p = self.chance(0.15)
        params = [(a, 'n') for a in n_arrays] + [(a, 'm') for a in m_arrays] + [(s, None) for s in scalars]
        if W:
            params.append(('W', 'm, ' + W))
        if A:
            params.append(('A', 'n, n'))
        if p:
            params.append(('p', '3'))
        r.shuffle(params)
        # never a function of nothing but scalars with m alone (then n would be
        # the size of nothing): x[n] always declares n
        pnames = [q for q, _ in params]
        if self.chance(0.25):
            wrt = None
            wrt_names = pnames
        elif scalars and self.chance(0.25):  # the arrays are all data, as in expfit
            wrt = r.sample(scalars, r.randint(1, len(scalars)))
            wrt_names = wrt
        else:
            wrt = [q for q in pnames if self.chance(0.6)] or [r.choice(pnames)]
            r.shuffle(wrt)
            wrt_names = wrt
        hessian = all(dict(params)[w] is None for w in wrt_names) and bool(wrt_names) and self.chance(0.6)
        self.params = scalars  # d(e, v) by a scalar parameter only (gen.deriv)
        self.no_branch_sums = 'branch-sum' in self.known_bugs

        # scalar leaves, everywhere
        top = [self.L(s, s, ELEM_BOUND, 10) for s in scalars]
        if p:
            top += [self.L('p[%d]' % k, 'p[%d]' % k, ELEM_BOUND, 4) for k in range(3)]
        top.append(self.number_leaf('n'))
        if m_world:
            top.append(self.number_leaf('m'))
        top = Ctx(top)
        lets = []  # (pd statement, py statement)

        # element-wise lets
        h, h_names = None, set()
        if self.chance(0.25):
            j = r.choice(['j', 'k'])
            e, b = self.expr_in(top.plus(self.elems(n_arrays, j) * 2), self.r.choice([1, 2]))
            lets.append(('let h[%s] = %s' % (j, to_pd(e)), 'h = Elem(lambda %s: %s)' % (j, self.py(e))))
            h, h_names = b, gen.names_in(e)
        g = None
        if m_world and self.chance(0.4):
            j = 'j'
            inner = self.elems(m_arrays, j)
            if W == '2':
                inner += [self.L('W[j, 0]'), self.L('W[j, 1]')]
            elif W == 'n':  # a hidden layer: a squashed sum over the row
                body, _ = self.expr_in(top.plus([self.L('W[j, i]'), self.L('W[j, i]')] + self.elems(n_arrays, 'i')),
                                       self.r.choice([1, 2]))
                if self.chance(0.3):
                    body = Bin('*', Name('W[j, i]'), Name('x[i]'))
                red = self.reduction('sum', [('i', '0', 'n - 1')], body, MAXN)
                self.as_leaf(red, 1.0)  # its Python text
                node = Call(self.r.choice(['tanh', 'sin', 'atan']), Name('(' + red[0] + ')'))
                inner.append(self.L(to_pd(node), self.py(node), 1.6, 20))
            e, b = self.expr_in(top.plus(inner), self.r.choice([1, 2]))
            lets.append(('let g[%s] = %s' % (j, to_pd(e)), 'g = Elem(lambda %s: %s)' % (j, self.py(e))))
            g = b
        r_let = None
        if self.chance(0.15):
            e, b = self.expr_in(top.plus(self.elems(n_arrays, 'k') + self.elems(n_arrays, 'l')),
                                self.r.choice([1, 2]))
            lets.append(('let r[k, l] = %s' % to_pd(e), 'r = Elem(lambda k, l: %s)' % self.py(e)))
            r_let = b
        if self.chance(0.2):
            e, b = self.expr_in(top.plus(self.elems(n_arrays, 'i') * 2), self.r.choice([1, 2]))
            node = Bin('/', e, Name('n'))
            red = self.reduction('sum', [('i', '0', 'n - 1')], node, MAXN)
            lets.append(('let mu = %s' % red[0], 'mu = %s' % red[1]))
            top = top.plus([self.L('mu', 'mu', b, 8)])

        n_leaf_arrays = n_arrays + (['h'] if h is not None else [])
        # see KNOWN_BUGS
        two_level = not ('pair-rect-O0' in self.known_bugs and W == 'n')

        def n_elems(index):
            return self.elems(n_arrays, index) + (self.elems(['h'], index, h) if h is not None else [])

        # the reductions
        kinds = [(4, 'plain'), (3, 'chain'), (3, 'periodic'), (3, 'pairs'), (3, 'guarded'), (2, 'prod')]
        if m_world:
            kinds.append((6, 'rows'))
        if not two_level:  # see KNOWN_BUGS
            kinds = [k for k in kinds if k[1] != 'pairs']
        if p:
            kinds.append((2, 'fixed'))
        reds = []
        for nth in range(self.pick([(5, 1), (4, 2), (1, 3)])):
            kind = self.pick(kinds)
            if nth == 0 and r_let is not None and two_level:
                kind = 'pairs'  # where r is used
            elif nth == 0 and g is not None and self.chance(0.7):
                kind = 'rows'  # where g is used
            i = r.choice(['i', 'i', 'k'])
            if kind in ('plain', 'guarded', 'prod'):
                ctx = top.plus(n_elems(i) * 2 + [self.number_leaf(i)])
                if kind == 'plain' and self.chance(0.3):
                    ctx = ctx.plus(self.elems(n_arrays, 'n - 1 - %s' % i))
                if kind == 'plain' and two_level and self.chance(0.25):  # a prefix sum, depending on i
                    inner = top.plus(self.elems(n_arrays, 'j') + self.elems(n_arrays, i) + [self.number_leaf('j')])
                    red, b = self.sum_over(inner, [('j', '0', i)], MAXN, must=self.dependent(inner, top))
                    ctx = ctx.plus([self.as_leaf(red, b, 8)])
                must = self.dependent(ctx, top)
                if kind == 'guarded':
                    if self.no_branch_sums:  # see KNOWN_BUGS, branch-sum
                        ctx = Ctx([x for x in ctx.leaves if not self.holds_reduction(Name(x[2]))])
                    must = [self.guarded(ctx, i, n_leaf_arrays)]
                    ctx = ctx.plus(must)
                op = 'sum'
                if kind == 'prod':
                    op = 'prod'
                    if 'prod-scalar' in self.known_bugs:  # see KNOWN_BUGS: no scalar in the factor
                        ss = set(scalars)
                        bad = ss | {'mu'} | ({'h[%s]' % i} if h is not None and h_names & ss else set())
                        ctx = Ctx([x for x in ctx.leaves if x[2] not in bad])
                        self.params = []
                red, b = self.sum_over(ctx, [(i, '0', 'n - 1')], MAXN, op, must)
                self.params = scalars
            elif kind == 'chain':
                ctx = top.plus(n_elems(i) + n_elems(i + ' + 1') + [self.number_leaf(i)])
                red, b = self.sum_over(ctx, [(i, '0', 'n - 2')], MAXN - 1, must=self.dependent(ctx, top))
            elif kind == 'periodic':
                shifts = r.sample(['(%s + 1) mod n' % i, '(%s - 1) mod n' % i, '(%s + 2) mod n' % i,
                                   '(2*%s + 1) mod n' % i], 2)
                ctx = top.plus(n_elems(i) + n_elems(shifts[0]) + self.elems(n_arrays, shifts[1]))
                red, b = self.sum_over(ctx, [(i, '0', 'n - 1')], MAXN, must=self.dependent(ctx, top))
            elif kind == 'pairs':
                i, j = 'i', 'j'
                lo, hi, count = r.choice([('%s + 1' % i, 'n - 1', 10), ('0', i, 15), ('0', '%s - 1' % i, 10)])
                leaves = n_elems(i) + n_elems(j) + [self.number_leaf(i, weight=1), self.number_leaf(j, weight=1)]
                if A:
                    leaves += [self.L('A[i, j]'), self.L('A[j, i]')]
                if r_let is not None:
                    leaves += [self.L('r[i, j]', 'r[i, j]', r_let, 15)]
                red, b = self.sum_over(top.plus(leaves), [(i, '0', 'n - 1'), (j, lo, hi)], count, must=leaves)
            elif kind == 'rows':
                j = 'j'
                leaves = self.elems(m_arrays, j) + [self.number_leaf(j)]
                if g is not None:
                    leaves.append(self.L('g[j]', 'g[j]', g, 15))
                ranges = [(j, '0', 'm - 1')]
                count = MAXN
                if W == '2':
                    if self.chance(0.4):
                        ranges.append(('c', '0', '1'))
                        leaves += [self.L('W[j, c]'), self.L('W[j, c]'), self.number_leaf('c', 1)]
                        count = 2 * MAXN
                    else:
                        leaves += [self.L('W[j, 0]'), self.L('W[j, 1]')]
                elif W == 'n':
                    ranges.append(('i', '0', 'n - 1'))
                    leaves += [self.L('W[j, i]'), self.L('W[j, i]')] + self.elems(n_arrays, 'i')
                    count = MAXN * MAXN
                red, b = self.sum_over(top.plus(leaves), ranges, count, must=leaves)
            else:  # fixed
                leaves = [self.L('p[c]'), self.L('p[c]'), self.number_leaf('c')]
                red, b = self.sum_over(top.plus(leaves), [('c', '0', '2')], 3, must=leaves[:2])
            reds.append((red, b))

        # the body
        if len(reds) == 1 and self.chance(0.5):
            body_pd, body_py = reds[0][0][0], reds[0][0][1]
        else:
            leaves = [self.as_leaf(red, min(b, 1e300), 40) for red, b in reds]
            e, _ = self.expr_in(top.plus(leaves), self.r.choice([1, 2]))
            used = gen.names_in(e)
            for x in leaves:
                if x[2] not in used:
                    op = r.choice('+-*')
                    e = Bin(op, e, Name(x[2])) if self.chance(0.5) else Bin(op, Name(x[2]), e)
            body_pd, body_py = to_pd(e), self.py(e)

        sizes = []
        for _, ext in params:
            for s in (ext or '').split(', '):
                if s in ('n', 'm') and s not in sizes:
                    sizes.append(s)
        head = 'fn %s(%s)' % (name, ', '.join(q if ext is None else '%s[%s]' % (q, ext) for q, ext in params))
        if wrt is not None:
            head += ' wrt ' + ', '.join(wrt)
        if hessian:
            head += ' hessian'
        if lets:
            pd = head + ' {\n' + ''.join('  %s\n' % s for s, _ in lets) + '  return ' + body_pd + '\n}\n'
        else:
            pd = head + ' = ' + body_pd + '\n'
        opts = ["'%s'" % ' '.join(q if ext is None else '%s[%s]' % (q, ext.replace(' ', '')) for q, ext in params)]
        if wrt is not None:
            opts.append("wrt='%s'" % ' '.join(wrt))
        if hessian:
            opts.append('hessian=True')
        py = '@pda(%s)\ndef %s(%s):\n' % (', '.join(opts), name, ', '.join(sizes + pnames))
        py += ''.join('    %s\n' % s for _, s in lets)
        py += '    return %s\n' % body_py
        calls = set()
        for t in [pd]:
            for f in self.funcs:
                if f.name + '(' in t:
                    calls.add(f.name)
        return {'name': name, 'source': pd, 'py': py, 'deps': sorted(calls), 'sizes': sizes}


def generate(seed, count, per_file=10, with_known_bugs=False):
    """[(stem, pd_text, py_text, meta)]: count array functions, per_file to a
    file.  meta lists the helpers (meta['helper'] True) and the array
    functions, each with its name, .pd source, the file's constants, its
    callees and (array functions) its size names."""
    rng = random.Random('arrays/%d' % seed)
    files = []
    index = 0
    nfiles = (count + per_file - 1) // per_file
    for fi in range(nfiles):
        stem = 'arrays_%02d' % fi
        sg = SafeGen(rng)
        sg.known_bugs = set() if with_known_bugs else set(KNOWN_BUGS)
        consts, const_nodes = sg.constants(rng.randint(1, 3))
        helpers = []
        for k in range(rng.randint(1, 3)):
            helpers.append(sg.function('fs%02d_%d' % (fi, k), helpers, consts))
        ag = ArrayGen(rng, consts, [f for f in helpers if f.size <= gen.MAX_CALLEE_COST and f.params])
        ag.known_bugs = sg.known_bugs
        funcs = []
        for _ in range(min(per_file, count - index)):
            funcs.append(ag.function('g%04d' % index))
            index += 1
        hdr = 'Generated by tests/oracle/gen_arrays.py (seed %d, file %d). Do not edit.' % (seed, fi)
        const_src = ['const %s = %s\n' % (n, to_pd(e)) for n, e in const_nodes]
        pd = '# %s\n\n' % hdr + ''.join(const_src) + '\n'
        pd += ''.join(f.pd_source() for f in helpers) + '\n'
        pd += '\n'.join(f['source'] for f in funcs)
        py = '# %s\n# The SymPy meaning of %s.pd (see pdarr.py).\nfrom pdsym import *\nfrom pdarr import *\n\n' % (
            hdr, stem)
        py += ''.join('%s = %s\n' % (n, gen.to_py(e)) for n, e in const_nodes) + '\n\n'
        py += '\n\n'.join(f.py_source() for f in helpers) + '\n\n'
        py += '\n\n'.join(f['py'] for f in funcs)
        py += '\n\nFUNCTIONS = [%s]\n' % ', '.join(f['name'] for f in funcs)
        names = {f.name for f in helpers}
        meta = [{'name': f.name, 'source': f.pd_source(), 'consts': const_src, 'deps': sorted(gen.calls_in(f, names)),
                 'helper': True} for f in helpers]
        for f in funcs:
            meta.append({'name': f['name'], 'source': f['source'], 'consts': const_src, 'deps': f['deps'],
                         'helper': False, 'sizes': f['sizes']})
        files.append((stem, pd, py, meta))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=20)
    ap.add_argument('--per-file', type=int, default=10)
    ap.add_argument('--with-known-bugs', action='store_true', help='generate the constructs of KNOWN_BUGS too')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for stem, pd, py, _ in generate(a.seed, a.count, a.per_file, a.with_known_bugs):
        with open(os.path.join(a.out, stem + '.pd'), 'w') as f:
            f.write(pd)
        with open(os.path.join(a.out, stem + '.py'), 'w') as f:
            f.write(py)


if __name__ == '__main__':
    main()
