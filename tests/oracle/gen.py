#!/usr/bin/python3
"""gen.py -- seeded random .pd functions for the oracle test, with their
SymPy translation.

usage: gen.py [--seed S] [--count N] [--per-file K] --out DIR

writes DIR/oracle_NN.pd and, next to each, DIR/oracle_NN.py: the same
functions in SymPy (see pdsym.py), so the oracle never parses .pd.  Both are
printed from one syntax tree, so they cannot disagree about what was meant;
the .pd printer uses pd's precedence (`-x^2`, `2^-x`, `a - (b - c)`), the .py
printer parenthesizes everything.

What is generated
-----------------
Every function of a file may call the functions before it (so a file is a
call graph without recursion), and uses, over a few parameters among
x y z w s t (a few functions have none): the file's constants
(`const c1 = sqrt(c0) * 0.5`), pi, numbers in every spelling the lexer
takes (`.5`, `0.`, `5E-1`), all the operators (+ - * / ^ **, unary minus
and plus), integer powers from x^0 to x^65 and negative ones (pdc
multiplies up to 64), fractional and variable exponents, every built-in,
`let` blocks (every let is used), `if ... then ... else` with
< <= > >= == != and `and`, `or`, `not`, and d(expr, var), nested for
second and third derivatives.  Some functions have a `wrt` list (a subset
of the parameters, in any order), some `hessian`.  A let block is written
on one line with `;` now and then.

Domain safety: every function must be finite and smooth for every real
argument, because a function is also called by later ones with arbitrary
arguments.  Partial built-ins get arguments that are in their domain by
construction: log(1 + u^2), sqrt(2 + sin(u)), asin(0.9*tanh(u)),
pow(1.5 + cos(u), v), log1p(u^2), tan(1.25*sin(u)), x / (0.5 + u^2),
(1 + u^2)^-2, ... ("positive forms" below).  To keep values far from
overflow, each generated expression carries a crude bound on its magnitude
(parameters are taken to be at most PARAM_BOUND in magnitude, call
arguments are kept there); exp, sinh, cosh, large powers etc. only get
arguments with a small bound, and anything else is first squashed through
a bounded function (sin, tanh, atan, erf).

Kinks (if conditions, abs, min/max, cbrt at 0, atan2 on its cut, hypot at
the origin) are allowed anywhere: the oracle finds them in the SymPy
expressions and keeps test points away from them.
"""
import argparse
import math
import os
import random

PARAM_NAMES = ['x', 'y', 'z', 'w', 's', 't']
LET_NAMES = ['a', 'b', 'q', 'r', 'm']
PARAM_BOUND = 4.0  # |parameter| assumed by the bounds; call arguments are kept below it
NUMBERS = ['0.5', '1', '2', '3', '0.25', '1.5', '2.5', '0.3', '0.7', '1.25', '0.1', '0.75', '1e-1', '2.5e0',
           '0.125', '1.75', '4', '.5', '5E-1', '0.', '1.0']
MAX_BOUND = 1e6  # an expression may not be bigger than this; bigger gets squashed
MAX_CALLEE_COST = 60  # only functions this small (Gen.cost) are called by others

# ---- syntax tree ---------------------------------------------------------
# Nodes are tuples, first element the kind:
#   ('num', text) ('name', name) ('pi',) ('neg', a) ('pos', a) ('bin', op, a, b)
#   ('call', name, [args])  -- a built-in or a function of the file
#   ('d', e, var) ('if', cond, a, b)
#   ('cmp', op, a, b) ('and', a, b) ('or', a, b) ('not', a)

PREC = {'if': 0, 'or': 1, 'and': 2, 'not': 3, 'cmp': 4, '+': 5, '-': 5, '*': 6, '/': 6, 'neg': 7, '^': 8, '**': 8}


def Num(text): return ('num', text)
def Name(n): return ('name', n)
def Neg(a): return ('neg', a)
def Bin(op, a, b): return ('bin', op, a, b)
def Call(name, *args): return ('call', name, list(args))


def prec_of(node):
    k = node[0]
    if k == 'bin':
        return PREC[node[1]]
    if k in ('if', 'or', 'and', 'not', 'cmp', 'neg'):
        return PREC[k]
    if k == 'pos':
        return PREC['neg']
    return 9  # primary


def to_pd(node, ctx=0):
    """pd source for node, parenthesized only where pd's grammar needs it."""
    s = _pd(node)
    return '(' + s + ')' if prec_of(node) < ctx else s


def _pd(node):
    k = node[0]
    if k == 'num':
        return node[1]
    if k == 'name':
        return node[1]
    if k == 'pi':
        return 'pi'
    if k in ('neg', 'pos'):
        s = to_pd(node[1], 7)
        sign = '-' if k == 'neg' else '+'
        return sign + ' ' + s if s[0] in '+-' else sign + s
    if k == 'bin':
        op, a, b = node[1], node[2], node[3]
        if op in '+-':
            return to_pd(a, 5) + ' ' + op + ' ' + to_pd(b, 6)
        if op in '*/':
            return to_pd(a, 6) + ' ' + op + ' ' + to_pd(b, 7)
        return to_pd(a, 9) + op + to_pd(b, 7)  # ^ or **: right-assoc, exponent a unary
    if k == 'call':
        return node[1] + '(' + ', '.join(to_pd(a) for a in node[2]) + ')'
    if k == 'd':
        return 'd(' + to_pd(node[1]) + ', ' + node[2] + ')'
    if k == 'if':
        return 'if ' + to_pd(node[1]) + ' then ' + to_pd(node[2]) + ' else ' + to_pd(node[3])
    if k == 'cmp':
        return to_pd(node[2], 5) + ' ' + node[1] + ' ' + to_pd(node[3], 5)
    if k == 'and':
        return to_pd(node[1], 2) + ' and ' + to_pd(node[2], 3)
    if k == 'or':
        return to_pd(node[1], 1) + ' or ' + to_pd(node[2], 2)
    if k == 'not':
        return 'not ' + to_pd(node[1], 3)
    raise ValueError(node)


PY_BUILTIN = {'abs': 'pdabs', 'min': 'pdmin', 'max': 'pdmax', 'pow': 'pdpow'}
PY_CMP = {'<': 'Lt', '<=': 'Le', '>': 'Gt', '>=': 'Ge', '==': 'Eq', '!=': 'Ne'}


def to_py(node):
    """The SymPy (pdsym) expression for node, fully parenthesized."""
    k = node[0]
    if k == 'num':
        return "num('%s')" % node[1]
    if k == 'name':
        return node[1]
    if k == 'pi':
        return 'pi'
    if k == 'neg':
        return '-' + _py_operand(node[1])
    if k == 'pos':
        return '+' + _py_operand(node[1])
    if k == 'bin':
        if node[1] in ('^', '**') and not _integer_literal(node[3]):
            return 'pdpow(%s, %s)' % (to_py(node[2]), to_py(node[3]))  # see pdsym.pdpow
        op = '**' if node[1] in ('^', '**') else node[1]
        return _py_operand(node[2]) + ' ' + op + ' ' + _py_operand(node[3])
    if k == 'call':
        return PY_BUILTIN.get(node[1], node[1]) + '(' + ', '.join(to_py(a) for a in node[2]) + ')'
    if k == 'd':
        return 'd(' + to_py(node[1]) + ', ' + node[2] + ')'
    if k == 'if':
        return 'If(' + ', '.join(to_py(a) for a in node[1:]) + ')'
    if k == 'cmp':
        return PY_CMP[node[1]] + '(' + to_py(node[2]) + ', ' + to_py(node[3]) + ')'
    if k in ('and', 'or', 'not'):
        return k.capitalize() + '(' + ', '.join(to_py(a) for a in node[1:]) + ')'
    raise ValueError(node)


def _integer_literal(node):
    while node[0] in ('neg', 'pos'):
        node = node[1]
    return node[0] == 'num' and float(node[1]).is_integer()


def _py_operand(node):
    s = to_py(node)
    return s if node[0] in ('num', 'name', 'pi', 'call', 'd', 'if') else '(' + s + ')'


# ---- the generator -------------------------------------------------------

class Func:
    """A generated function: what later functions need to call it."""

    def __init__(self, name, params, wrt, hessian, lets, body, bound, size):
        self.name, self.params, self.wrt, self.hessian = name, params, wrt, hessian
        self.lets, self.body, self.bound, self.size = lets, body, bound, size

    def pd_source(self):
        head = 'fn %s(%s)' % (self.name, ', '.join(self.params))
        if self.wrt is not None:
            head += ' wrt ' + ', '.join(self.wrt)
        if self.hessian:
            head += ' hessian'
        if not self.lets:
            return head + ' = ' + to_pd(self.body) + '\n'
        lets = ['let %s = %s' % (n, to_pd(v)) for n, v in self.lets]
        if self.one_line:
            return head + ' { ' + '; '.join(lets) + '; return ' + to_pd(self.body) + ' }\n'
        return head + ' {\n' + ''.join('  %s\n' % s for s in lets) + '  return ' + to_pd(self.body) + '\n}\n'

    def py_source(self):
        opts = []
        if self.wrt is not None:
            opts.append("wrt='%s'" % ' '.join(self.wrt))
        if self.hessian:
            opts.append('hessian=True')
        out = '@pd(%s)\ndef %s(%s):\n' % (', '.join(opts), self.name, ', '.join(self.params))
        for n, v in self.lets:
            out += '    %s = %s\n' % (n, to_py(v))
        return out + '    return %s\n' % to_py(self.body)


class Gen:
    def __init__(self, rng):
        self.r = rng

    # -- helpers --
    def chance(self, p):
        return self.r.random() < p

    def pick(self, weighted):
        """weighted: list of (weight, value)."""
        total = sum(w for w, _ in weighted)
        x = self.r.random() * total
        for w, v in weighted:
            x -= w
            if x < 0:
                return v
        return weighted[-1][1]

    def number(self):
        t = self.r.choice(NUMBERS)
        return Num(t), float(t)

    # -- leaves --
    def leaf(self):
        names = [(PARAM_BOUND, p) for p in self.params] + list(self.lets)
        choice = self.pick([(80 if names else 0, 'name'), (12, 'num'), (5 if self.consts else 0, 'const'),
                            (3, 'pi')])
        if choice == 'name':
            # let names are preferred: that is what they are for
            b, n = self.r.choice(names if not self.lets or self.chance(0.4) else self.lets)
            return Name(n), b
        if choice == 'const':
            n, v = self.r.choice(self.consts)
            return Name(n), abs(v)
        if choice == 'pi':
            return ('pi',), math.pi
        return self.number()

    # -- bounded and positive forms --
    def squash(self, e, b):
        """A bounded function of e (|result| <= pi/2)."""
        f = self.r.choice(['sin', 'tanh', 'atan', 'erf', 'cos'])
        return Call(f, e), (1.0 if f != 'atan' else min(b, math.pi / 2))

    def expr_bounded(self, depth, limit):
        e, b = self.expr(depth)
        if b > limit:
            e, b = self.squash(e, b)
        return e, b

    def positive(self, depth):
        """(node, lo, hi): an expression with lo <= value <= hi, lo > 0."""
        u, b = self.expr(depth)
        c_node, c = self.r.choice([(Num('0.5'), 0.5), (Num('1'), 1.0), (Num('2'), 2.0), (Num('0.25'), 0.25)])
        form = self.r.randrange(12)
        if form == 11:  # a positive constant: 2^x, 0.5^sin(x), c0^x
            pos = [(n, v) for n, v in self.consts if v > 0.05]
            if pos and self.chance(0.3):
                n, v = self.r.choice(pos)
                return Name(n), v, v
            t = self.r.choice(['0.5', '1.5', '2', '2.5', '.75', '3'])
            return Num(t), float(t), float(t)
        if form == 0:
            sq = Bin(self.r.choice(['^', '^', '**']), u, Num('2')) if self.chance(0.8) else Bin('*', u, u)
            return (Bin('+', c_node, sq) if self.chance(0.5) else Bin('+', sq, c_node)), c, c + b * b
        if form == 1:
            return Bin('+', Num('2'), Call('sin', u)), 1.0, 3.0
        if form == 2:
            return Bin('+', Num('1.5'), Call('cos', u)), 0.5, 2.5
        if form == 3:
            return Bin('+', Num('1.5'), Call('tanh', u)), 0.5, 2.5
        if form == 4:
            if b > 6:
                u, b = self.squash(u, b)
            return Call('exp', u), math.exp(-b), math.exp(b)
        if form == 5:
            if b > 6:
                u, b = self.squash(u, b)
            return Call('cosh', u), 1.0, math.cosh(b)
        if form == 6:
            return Call('hypot', u, c_node), c, b + c
        if form == 7:
            return Bin('+', Num('1'), Call('abs', u)), 1.0, 1 + b
        if form == 8:
            return Call('sqrt', Bin('+', c_node, Bin('^', u, Num('2')))), math.sqrt(c), math.sqrt(c + b * b)
        if form == 9:
            v, bv = self.expr(max(depth - 1, 0))
            return (Bin('+', Bin('+', Bin('^', u, Num('2')), Bin('^', v, Num('2'))), c_node), c,
                    b * b + bv * bv + c)
        if b > 6:
            u, b = self.squash(u, b)
        return Bin('+', Num('1'), Call('exp', u)), 1.0, 1 + math.exp(b)

    # -- expressions --
    def expr(self, depth):
        e, b = self._expr(depth)
        if b > MAX_BOUND:
            e, b = self.squash(e, b)
        return e, b

    def _expr(self, depth):
        if depth <= 0:
            return self.leaf()
        r = self.r
        kind = self.pick([(14, 'arith'), (3, 'neg'), (5, 'div'), (5, 'intpow'), (3, 'realpow'), (30, 'builtin'),
                          (6 if self.callable() else 0, 'call'), (5, 'if'), (4 if self.params else 0, 'd'),
                          (5, 'leaf')])
        sub = depth - 1
        if kind == 'leaf':
            return self.leaf()
        if kind == 'arith':
            a, ba = self.expr(sub)
            b, bb = self.expr(sub if self.chance(0.6) else 0)
            if b == a:
                b, bb = self.expr(sub)
            op = r.choice('++-*')
            if r.random() < 0.5:
                a, ba, b, bb = b, bb, a, ba
            return Bin(op, a, b), (ba * bb if op == '*' else ba + bb)
        if kind == 'neg':
            a, ba = self.expr(sub)
            return (Neg(a) if self.chance(0.9) else ('pos', a)), ba
        if kind == 'div':
            a, ba = self.expr(sub)
            den, lo, _ = self.positive(max(sub - 1, 0))
            if self.chance(0.2):
                den = Neg(den)  # a negative denominator is as safe
            return Bin('/', a, den), ba / lo
        if kind == 'intpow':
            if self.chance(0.3):  # negative powers of a safe base
                base, lo, hi = self.positive(max(sub - 1, 0))
                k = r.choice([1, 2, 3])
                exp_node = Neg(Num(str(k)))
                op = r.choice(['^', '^', '**', 'pow'])
                node = Call('pow', base, exp_node) if op == 'pow' else Bin(op, base, exp_node)
                return node, lo ** -k
            k = r.choice([2, 2, 2, 3, 3, 4, 5, 0, 1, 6, 7, 12, 64, 65])
            if k > 5:  # a long chain of multiplications (pow() past 64) of a base below 1.25
                base = Bin('*', Num(r.choice(['0.9', '1.25', '0.5'])), Call(r.choice(['sin', 'tanh', 'cos']),
                                                                             self.expr(sub)[0]))
                bb = 1.25
            else:
                base, bb = self.expr_bounded(sub, 8.0 if k <= 3 else 3.0)
            ktext = r.choice([str(k), str(k), '%d.0' % k])
            op = r.choice(['^', '^', '**', 'pow'])
            node = Call('pow', base, Num(ktext)) if op == 'pow' else Bin(op, base, Num(ktext))
            return node, min(bb ** k, 1e300)
        if kind == 'realpow':
            base, lo, hi = self.positive(max(sub - 1, 0))
            big = max(hi, 1 / lo)
            if big > 50:
                base, lo, hi = Bin('+', Num('2'), Call('sin', base)), 1.0, 3.0
                big = 3.0
            if self.chance(0.5):
                t = r.choice(['0.5', '1.5', '-0.5', '2.5', '0.25', '-1.5', '0.3'])
                ex = Num(t) if not t.startswith('-') else Neg(Num(t[1:]))
                return (Call('pow', base, ex) if self.chance(0.3) else Bin('^', base, ex)), big ** abs(float(t))
            ex, be = self.expr_bounded(max(sub - 1, 0), 2.0)
            return (Call('pow', base, ex) if self.chance(0.5) else Bin('^', base, ex)), big ** be
        if kind == 'builtin':
            return self.builtin(sub)
        if kind == 'call':
            return self.call(sub)
        if kind == 'if':
            c = self.cond(min(sub, 2))
            a, ba = self.expr(sub)
            b, bb = self.expr(sub if self.chance(0.5) else 0)
            return ('if', c, a, b), max(ba, bb)
        if kind == 'd':
            return self.deriv(sub)
        raise AssertionError(kind)

    def builtin(self, sub):
        r = self.r
        name = r.choice(['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'exp', 'log',
                         'log2', 'log10', 'log1p', 'expm1', 'sqrt', 'cbrt', 'abs', 'pow', 'hypot', 'min', 'max',
                         'erf'])
        if name in ('sin', 'cos', 'tanh', 'erf', 'atan'):
            u, b = self.expr(sub)
            return Call(name, u), (min(b, math.pi / 2) if name == 'atan' else 1.0)
        if name == 'tan':
            u, _ = self.expr(sub)
            c = r.choice(['0.5', '1', '1.25'])
            return Call('tan', Bin('*', Num(c), Call(r.choice(['sin', 'tanh', 'erf', 'cos']), u))), math.tan(float(c))
        if name in ('asin', 'acos'):
            u, _ = self.expr(sub)
            c = r.choice(['0.5', '0.75', '0.9'])
            arg = Bin('*', Num(c), Call(r.choice(['sin', 'tanh', 'erf', 'cos']), u))
            return Call(name, arg), (math.pi / 2 if name == 'asin' else math.pi)
        if name == 'atan2':
            y, _ = self.expr(sub)
            if self.chance(0.75):
                x, _, _ = self.positive(max(sub - 1, 0))
                if self.chance(0.3):
                    x = Neg(x)  # the left half plane, away from the cut (y = 0 there)
            else:
                x, _ = self.expr(sub)  # anywhere: the oracle avoids the cut and the origin
            return (Call('atan2', y, x) if self.chance(0.8) else Call('atan2', x, y)), math.pi
        if name in ('sinh', 'cosh', 'exp', 'expm1'):
            u, b = self.expr_bounded(sub, 5.0)
            return Call(name, u), math.exp(b)
        if name in ('log', 'log2', 'log10', 'sqrt'):
            u, lo, hi = self.positive(sub)
            if name == 'sqrt':
                return Call(name, u), math.sqrt(hi)
            return Call(name, u), max(abs(math.log(lo)), abs(math.log(hi))) / (1 if name == 'log' else 0.69)
        if name == 'log1p':
            u, b = self.expr(sub)
            form = r.randrange(3)
            if form == 0:
                arg, hi = Bin('^', u, Num('2')), b * b
            elif form == 1:
                c = r.choice(['0.5', '0.9'])
                arg, hi = Bin('*', Num(c), Call('tanh', u)), 1.0
            else:
                if b > 5:
                    u, b = self.squash(u, b)
                arg, hi = Call('exp', u), math.exp(b)
            return Call('log1p', arg), math.log1p(hi) + 3
        if name == 'cbrt':
            u, b = self.expr(sub)
            return Call('cbrt', u), b ** (1 / 3)
        if name == 'abs':
            u, b = self.expr(sub)
            return Call('abs', u), b
        if name == 'pow':
            base, lo, hi = self.positive(max(sub - 1, 0))
            big = max(hi, 1 / lo)
            if big > 50:
                base, big = Bin('+', Num('1.5'), Call('cos', base)), 2.0
            ex, be = self.expr_bounded(max(sub - 1, 0), 2.0)
            return Call('pow', base, ex), big ** be
        if name == 'hypot':
            a, ba = self.expr(sub)
            if self.chance(0.6):
                b, bb = self.number()
            else:
                b, bb = self.expr(sub)  # the oracle avoids the origin
            return (Call('hypot', a, b) if self.chance(0.5) else Call('hypot', b, a)), ba + bb
        if name in ('min', 'max'):
            a, ba = self.expr(sub)
            b, bb = self.expr(sub if self.chance(0.5) else 0)
            return Call(name, a, b), max(ba, bb)
        raise AssertionError(name)

    def cost(self, node):
        """Roughly how big node gets in SymPy: calls inlined, d() taken."""
        if isinstance(node, list):
            return sum(self.cost(k) for k in node)
        if not isinstance(node, tuple):
            return 0
        if node[0] == 'call' and node[1] in self.by_name:
            return self.by_name[node[1]].size + 2 * self.cost(node[2])
        if node[0] == 'd':
            return 3 * self.cost(node[1])
        return 1 + sum(self.cost(k) for k in node[1:])

    def callable(self):
        return [f for f in self.funcs if f.size <= MAX_CALLEE_COST and f.params]

    def call(self, sub):
        f = self.r.choice(self.callable())
        args = [self.expr_bounded(min(sub, 2), PARAM_BOUND)[0] for _ in f.params]
        return Call(f.name, *args), f.bound

    def deriv(self, sub):
        """d(e, v), v mostly a parameter e depends on; sometimes d(d(e, v), u)."""
        e, b = self.expr(max(1, min(sub, 3)))
        node = ('d', e, self.wrt_var(e))
        for _ in range(2):  # d(d(e, v), u), now and then d(d(d(e, v), u), w)
            if not self.chance(0.25):
                break
            node = ('d', node, self.wrt_var(e))
            b *= 10
        # no real bound for a derivative; a generous guess keeps what
        # consumes it (exp, ...) squashing it first
        return node, 10 * (1 + b)

    def wrt_var(self, e):
        """A parameter that e mentions (directly or through a let), mostly."""
        used = names_in(e)
        for _, n in self.lets:
            if n in used:
                used |= self.let_names[n]
        cands = [p for p in self.params if p in used]
        return self.r.choice(cands if cands and self.chance(0.85) else self.params)

    def cond(self, depth):
        r = self.r
        kind = self.pick([(6, 'cmp'), (2 if depth > 0 else 0, 'and'), (2 if depth > 0 else 0, 'or'),
                          (1 if depth > 0 else 0, 'not')])
        if kind == 'cmp':
            op = r.choice(['<', '<=', '>', '>=', '<', '>', '==', '!='])
            a, _ = self.expr(depth)
            if op in ('==', '!='):
                b = self.number()[0]  # never exactly equal at the test points
            else:
                b = self.expr(depth if self.chance(0.5) else 0)[0]
            return ('cmp', op, a, b)
        if kind == 'not':
            return ('not', self.cond(depth - 1))
        return (kind, self.cond(depth - 1), self.cond(depth - 1))

    # -- functions and files --
    def function(self, name, funcs, consts):
        r = self.r
        self.funcs, self.consts = funcs, consts
        self.by_name = {f.name: f for f in funcs}
        n = self.pick([(1, 0), (20, 1), (40, 2), (30, 3), (10, 4)])
        self.params = r.sample(PARAM_NAMES, n)
        self.lets = []
        wrt = None
        if n and self.chance(0.35):
            wrt = r.sample(self.params, r.randint(1, n))
        hessian = n > 0 and self.chance(0.35)
        lets = []
        self.let_names = {}  # let -> the names it depends on
        if self.chance(0.4):
            for ln in LET_NAMES[:r.randint(1, 3)]:
                e, b = self.expr(r.randint(1, 3))
                lets.append((ln, e))
                used = names_in(e)
                for _, n in self.lets:
                    if n in used:
                        used |= self.let_names[n]
                self.let_names[ln] = used
                self.lets.append((b, ln))
        body, bound = self.expr(r.choice([2, 3, 3, 4]))
        # every let takes part: one nobody uses joins the result
        used = names_in(body)
        for n, e in lets:
            used |= names_in(e)
        for b, n in self.lets:
            if n not in used:
                op = r.choice('+-*')
                body = Bin(op, body, Name(n)) if self.chance(0.5) else Bin(op, Name(n), body)
                bound = bound * b if op == '*' else bound + b
        f = Func(name, self.params, wrt, hessian, lets, body, bound, 0)
        f.one_line = self.chance(0.3)
        f.size = sum(self.cost(e) for _, e in lets) + self.cost(body)
        return f

    def constants(self, count):
        consts = []
        out = []
        for i in range(count):
            name = 'c%d' % i
            form = self.r.randrange(5)
            n, v = self.number()
            if form == 0 or not consts:
                node, val = n, v
            elif form == 1:
                node, val = Call('sqrt', n), math.sqrt(v)
            elif form == 2:
                node, val = Bin('*', n, ('pi',)), v * math.pi
            elif form == 3:
                cn, cv = self.r.choice(consts)
                node, val = Bin('+', Name(cn), n), cv + v
            else:
                node, val = Neg(Call('atan', n)), -math.atan(v)
            consts.append((name, val))
            out.append((name, node))
        return consts, out




def names_in(node):
    """The names (parameters, lets, constants) node mentions."""
    if isinstance(node, list):
        return set().union(*[names_in(k) for k in node]) if node else set()
    if not isinstance(node, tuple):
        return set()
    if node[0] == 'name':
        return {node[1]}
    if node[0] == 'd':
        return names_in(node[1])
    return set().union(*[names_in(k) for k in node[1:]])


def calls_in(f, names):
    found = set()

    def walk(node):
        if isinstance(node, list):
            for k in node:
                walk(k)
        elif isinstance(node, tuple):
            if node[0] == 'call' and node[1] in names:
                found.add(node[1])
            for k in node[1:]:
                walk(k)

    walk([e for _, e in f.lets] + [f.body])
    return found


def generate(seed, count, per_file=25):
    """[(stem, pd_text, py_text, meta)] for count functions; meta has, per
    function, its name, .pd source, the file's constants and its callees."""
    rng = random.Random(seed)
    g = Gen(rng)
    files = []
    index = 0
    nfiles = (count + per_file - 1) // per_file
    for fi in range(nfiles):
        stem = 'oracle_%02d' % fi
        consts, const_nodes = g.constants(rng.randint(1, 4))
        funcs = []
        k = min(per_file, count - index)
        for _ in range(k):
            funcs.append(g.function('f%04d' % index, funcs, consts))
            index += 1
        hdr = 'Generated by tests/oracle/gen.py (seed %d, file %d). Do not edit.' % (seed, fi)
        pd = '# %s\n\n' % hdr
        pd += ''.join('const %s = %s\n' % (n, to_pd(e)) for n, e in const_nodes) + '\n'
        pd += ''.join(f.pd_source() for f in funcs)
        py = '# %s\n# The SymPy meaning of %s.pd (see pdsym.py).\nfrom pdsym import *\n\n' % (hdr, stem)
        py += ''.join('%s = %s\n' % (n, to_py(e)) for n, e in const_nodes) + '\n\n'
        py += '\n\n'.join(f.py_source() for f in funcs)
        py += '\n\nFUNCTIONS = [%s]\n' % ', '.join(f.name for f in funcs)
        const_src = ['const %s = %s\n' % (n, to_pd(e)) for n, e in const_nodes]
        names = {f.name for f in funcs}
        meta = [{'name': f.name, 'source': f.pd_source(), 'consts': const_src, 'cost': f.size,
                 'deps': sorted(calls_in(f, names))} for f in funcs]
        files.append((stem, pd, py, meta))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=50)
    ap.add_argument('--per-file', type=int, default=25)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for stem, pd, py, _ in generate(a.seed, a.count, a.per_file):
        with open(os.path.join(a.out, stem + '.pd'), 'w') as f:
            f.write(pd)
        with open(os.path.join(a.out, stem + '.py'), 'w') as f:
            f.write(py)


if __name__ == '__main__':
    main()
