"""usage: gen.py KIND OUT — writes one of the oversized or malformed inputs
the limit tests feed to pdc (docs/cli.md, "Limits")."""
import sys

kind, out = sys.argv[1], sys.argv[2]


def write(text):
    with open(out, "w") as f:
        f.write(text)


if kind == "parens":  # 100 000 nested parentheses
    write("fn f(x) = " + "(" * 100000 + "x" + ")" * 100000 + "\n")
elif kind == "terms":  # one expression of 1 000 000 terms
    write("fn f(x, y) =\n  " + " + ".join("%d*x*y" % (i % 97 + 1) for i in range(1000000)) + "\n")
elif kind == "big":  # 50 MB of small functions
    with open(out, "w") as f:
        i = 0
        while f.tell() < 50_000_000:
            f.write("fn f%d(x, y) = x^2*y + %d*sin(x) - y/%d\n" % (i, i, i + 1))
            i += 1
elif kind == "long-comment":  # a 10 MB comment line, then a function
    write("# " + "a" * 10_000_000 + "\nfn f(x) = x^2\n")
elif kind == "long-line":  # a 10 MB line of code with an error at its end
    write("fn f(x) = " + "x + " * 2_500_000 + "y\n")
elif kind == "functions":  # one function more than the limit
    write("".join("fn f%d(x) = x^2 + %d\n" % (i, i) for i in range(100001)))
elif kind == "many-functions":  # 20 000 small functions: accepted
    write("".join("fn f%d(x, y) = x^2*y + %d*sin(x) - y/%d\n" % (i, i, i + 1) for i in range(20000)))
elif kind == "nested-d":  # 16 nested d(): the DAG would double with each
    e = "sin(x*y)*exp(x)/(1 + y^2)"
    for i in range(16):
        e = "d(%s, %s)" % (e, "x" if i % 2 else "y")
    write("fn f(x, y) = " + e + "\n")
else:
    sys.exit("gen.py: unknown kind " + kind)
