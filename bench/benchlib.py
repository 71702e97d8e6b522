"""Shared pieces of pdc's benchmark: a small reader for the .pd subset the benchmark
files use, evaluation of a function's expression with pluggable arithmetic (SymPy,
PyTorch, plain floats), and the deterministic input points every implementation is
measured on.

The reader covers numbers, parameters, + - * / ^ **, unary minus, parentheses, the
built-in functions, pi, `let`/`return` blocks and top-level `const`. Anything else
(`if`, comparisons, `d()`, calls between functions, `hessian`, `wrt`) raises
Unsupported, and the tools that need the formula (SymPy, PyTorch, the polynomial
reference generator) skip that function with a note.

Sums and products are kept n-ary (('add', [(sign, node)...]), ('mul', [(op, node)...]))
so that a 10 000-term polynomial or a 256-factor product is neither a 10 000-deep tree
nor quadratic to build in SymPy.
"""

import random
import re
import sys

sys.setrecursionlimit(20000)


class Unsupported(Exception):
    pass


class PdFunction:
    def __init__(self, name, params, lets, ret, src):
        self.name = name
        self.params = params
        self.lets = lets  # [(name, node)]
        self.ret = ret
        self.src = src  # the text of the definition, "fn ... " to its end

    def __repr__(self):
        return "PdFunction(%s/%d)" % (self.name, len(self.params))


_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r]+|\\\n|\#[^\n]*)
  | (?P<nl>\n)
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|<=|>=|==|!=|[-+*/^(),={};<>])
""", re.X)


def tokenize(text):
    toks = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported("unexpected character %r" % text[pos])
        kind = m.lastgroup
        if kind != "ws":
            toks.append((kind, m.group(), m.start()))
        pos = m.end()
    toks.append(("eof", "", len(text)))
    return toks


BUILTINS1 = {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
             "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt", "abs", "erf"}
BUILTINS2 = {"atan2", "pow", "hypot", "min", "max"}
RESERVED = {"fn", "wrt", "let", "return", "const", "if", "then", "else", "and", "or",
            "not", "hessian"}


class _Parser:
    def __init__(self, text):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.paren = 0

    def peek(self):
        t = self.toks[self.i]
        if self.paren > 0:
            while t[0] == "nl":
                self.i += 1
                t = self.toks[self.i]
        return t

    def next(self):
        t = self.peek()
        self.i += 1
        return t

    def skip_nl(self):
        while self.toks[self.i][0] == "nl" or self.toks[self.i][1] == ";":
            self.i += 1

    def expect(self, s):
        t = self.next()
        if t[1] != s:
            raise Unsupported("expected %r, found %r" % (s, t[1]))
        return t

    # expr = sum ; comparisons and logic are not supported
    def expr(self):
        e = self.sum()
        if self.peek()[1] in ("<", ">", "<=", ">=", "==", "!=", "and", "or"):
            raise Unsupported("comparisons")
        return e

    def sum(self):
        first = self.prod()
        terms = [(1, first)]
        while self.peek()[1] in ("+", "-"):
            sign = 1 if self.next()[1] == "+" else -1
            self.skip_nl()
            terms.append((sign, self.prod()))
        return first if len(terms) == 1 else ("add", terms)

    def prod(self):
        first = self.unary()
        factors = [("*", first)]
        while self.peek()[1] in ("*", "/"):
            op = self.next()[1]
            self.skip_nl()
            factors.append((op, self.unary()))
        return first if len(factors) == 1 else ("mul", factors)

    def unary(self):
        t = self.peek()
        if t[1] in ("-", "+"):
            self.next()
            self.skip_nl()
            u = self.unary()
            return ("neg", u) if t[1] == "-" else u
        if t[1] == "not":
            raise Unsupported("not")
        return self.power()

    def power(self):
        base = self.primary()
        if self.peek()[1] in ("^", "**"):
            self.next()
            self.skip_nl()
            return ("pow", base, self.unary())
        return base

    def primary(self):
        t = self.next()
        if t[0] == "num":
            return ("num", float(t[1]), t[1])
        if t[1] == "(":
            self.paren += 1
            e = self.expr()
            self.expect(")")
            self.paren -= 1
            return e
        if t[0] == "name":
            if t[1] in RESERVED:
                raise Unsupported(t[1])
            if self.peek()[1] == "(":
                self.next()
                self.paren += 1
                args = [self.expr()]
                while self.peek()[1] == ",":
                    self.next()
                    args.append(self.expr())
                self.expect(")")
                self.paren -= 1
                return ("call", t[1], args)
            return ("var", t[1])
        raise Unsupported("unexpected %r" % t[1])


def parse_file(text):
    """Returns (functions in order, {name: PdFunction}, unsupported {name: reason})."""
    p = _Parser(text)
    funcs, consts, bad = [], {}, {}
    while True:
        p.skip_nl()
        t = p.peek()
        if t[0] == "eof":
            break
        if t[1] == "const":
            p.next()
            name = p.next()[1]
            p.expect("=")
            consts[name] = p.expr()
            continue
        if t[1] != "fn":
            raise Unsupported("unexpected %r at top level" % t[1])
        start = t[2]
        p.next()
        name = p.next()[1]
        p.expect("(")
        params = []
        while p.peek()[1] != ")":
            params.append(p.next()[1])
            if p.peek()[1] == ",":
                p.next()
        p.expect(")")
        lets, ret, reason = [], None, None
        try:
            if p.peek()[1] in ("wrt", "hessian"):
                raise Unsupported(p.peek()[1])
            if p.peek()[1] == "=":
                p.next()
                p.skip_nl()
                ret = p.expr()
            else:
                p.expect("{")
                while True:
                    p.skip_nl()
                    t = p.next()
                    if t[1] == "let":
                        lname = p.next()[1]
                        p.expect("=")
                        lets.append((lname, p.expr()))
                    elif t[1] == "return":
                        ret = p.expr()
                        p.skip_nl()
                        p.expect("}")
                        break
                    else:
                        raise Unsupported("statement %r" % t[1])
        except Unsupported as e:
            reason = str(e)
            # skip to the next top-level 'fn' or 'const'
            depth = 0
            while True:
                t = p.toks[p.i]
                if t[0] == "eof" or (depth == 0 and t[1] in ("fn", "const") and p.toks[p.i - 1][0] == "nl"):
                    break
                depth += {"{": 1, "}": -1}.get(t[1], 0)
                p.i += 1
        end = p.toks[p.i][2]
        f = PdFunction(name, params, [(n, e) for n, e in consts.items()] + lets, ret,
                       text[start:end].rstrip())
        funcs.append(f)
        if reason:
            bad[name] = reason
    return funcs, bad


def list_functions(text):
    """(name, [params]) of every `fn` in a file, without parsing the bodies."""
    out = []
    for m in re.finditer(r"^\s*fn\s+([A-Za-z_]\w*)\s*\(([^)]*)\)", text, re.M):
        out.append((m.group(1), [p.strip() for p in m.group(2).split(",") if p.strip()]))
    return out


def evaluate(node, env, ops):
    """Evaluates an AST with arithmetic from `ops`: add(list of (sign, v)), mul(list of
    (op, v)), neg, pow, num(value, text), call(name, args)."""
    kind = node[0]
    if kind == "num":
        return ops.num(node[1], node[2])
    if kind == "var":
        if node[1] in env:
            return env[node[1]]
        if node[1] == "pi":
            return ops.pi()
        raise Unsupported("unknown name %s" % node[1])
    if kind == "add":
        return ops.add([(s, evaluate(n, env, ops)) for s, n in node[1]])
    if kind == "mul":
        return ops.mul([(o, evaluate(n, env, ops)) for o, n in node[1]])
    if kind == "neg":
        return ops.neg(evaluate(node[1], env, ops))
    if kind == "pow":
        return ops.pow(evaluate(node[1], env, ops), evaluate(node[2], env, ops))
    if kind == "call":
        if node[1] not in BUILTINS1 and node[1] not in BUILTINS2:
            raise Unsupported("call of %s" % node[1])
        return ops.call(node[1], [evaluate(a, env, ops) for a in node[2]])
    raise Unsupported(kind)


def evaluate_function(f, args, ops):
    env = dict(zip(f.params, args))
    for name, e in f.lets:
        env[name] = evaluate(e, env, ops)
    return evaluate(f.ret, env, ops)


def node_count(f):
    def cnt(n):
        k = n[0]
        if k in ("num", "var"):
            return 1
        if k in ("add", "mul"):
            return 1 + sum(cnt(c) for _, c in n[1])
        if k == "neg":
            return 1 + cnt(n[1])
        if k == "pow":
            return 1 + cnt(n[1]) + cnt(n[2])
        return 1 + sum(cnt(a) for a in n[2])
    return sum(cnt(e) for _, e in f.lets) + cnt(f.ret)


# --- input points -------------------------------------------------------------------

NPTS = 64  # points per function; calls cycle through them (a power of two)


def points(name, params):
    """NPTS deterministic points for function `name`, the same for every implementation.
    Away from singularities (Ackley's origin, coincident Lennard-Jones atoms) and from
    overflow (expchain grows like y^40 when y > 1)."""
    rng = random.Random("pdc-bench:" + name)
    n = len(params)
    pts = []
    for _ in range(NPTS):
        if name == "lj4" and n == 12:
            base = [0, 0, 0, 1.1, 0, 0, 0.55, 0.95, 0, 0.55, 0.32, 0.9]
            p = [b + rng.uniform(-0.1, 0.1) for b in base]
        elif name == "ackley":
            p = [rng.choice((-1, 1)) * rng.uniform(0.1, 1.5) for _ in range(n)]
        elif name == "expchain" and n == 2:
            p = [rng.uniform(0.5, 1.5), rng.uniform(0.3, 0.9)]
        else:
            p = [rng.uniform(0.5, 1.5) for _ in range(n)]
        pts.append(p)
    return pts
