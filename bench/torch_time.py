#!/usr/bin/python3
"""PyTorch autograd timings for the benchmark, one thread, float64.

  torch_time.py SPEC.json OUT.json

SPEC: {"quick": bool, "functions": [{"file": path, "name": name}, ...]}.
For each function, on the benchmark's points (benchlib.points):
  scalar:  what a user writes per point: a 0-d tensor per parameter with
           requires_grad=True, f evaluated, f.backward(), the .grad read
           (tensor creation included); microseconds per call.
  batched: one tensor of B points per parameter, f evaluated on all of them,
           f.sum().backward(); nanoseconds per point. B shrinks with the size of
           the formula to bound the memory autograd keeps.
Medians of several timed repetitions. OUT: {name: {...}}.
"""

import json
import math
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
DT = torch.float64


class TorchOps:
    def num(self, v, text):
        return v

    def pi(self):
        return math.pi

    def add(self, terms):
        acc = None
        for s, t in terms:
            if acc is None:
                acc = t if s > 0 else -t
            else:
                acc = acc + t if s > 0 else acc - t
        return acc

    def mul(self, factors):
        acc = None
        for op, f in factors:
            if acc is None:
                acc = f
            else:
                acc = acc * f if op == "*" else acc / f
        return acc

    def neg(self, a):
        return -a

    def pow(self, a, b):
        if isinstance(b, float) and b == int(b) and isinstance(a, torch.Tensor):
            return a ** int(b)
        return a ** b

    def call(self, name, args):
        if not any(isinstance(a, torch.Tensor) for a in args):
            fn = {"abs": abs, "min": min, "max": max, "pow": math.pow}.get(name) or getattr(math, name)
            return fn(*args)
        args = [a if isinstance(a, torch.Tensor) else torch.tensor(a, dtype=DT) for a in args]
        table = {"min": torch.minimum, "max": torch.maximum, "pow": torch.pow,
                 "log1p": torch.log1p, "expm1": torch.expm1, "atan2": torch.atan2,
                 "hypot": torch.hypot, "erf": torch.erf}
        fn = table.get(name) or getattr(torch, name, None)
        if fn is None:
            raise benchlib.Unsupported(name + " in PyTorch")
        return fn(*args)


def timed(body, min_seconds, reps):
    """Median seconds per body() call over `reps` repetitions of at least min_seconds."""
    body()  # warm up
    t0 = time.perf_counter()
    body()
    one = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(min_seconds / one))
    if one > 0.5:  # poly10000: seconds per call; three are enough
        reps = min(reps, 3)
    res = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(n):
            body()
        res.append((time.perf_counter() - t0) / n)
    return statistics.median(res)


def measure(f, quick):
    ops = TorchOps()
    pts = benchlib.points(f.name, f.params)
    min_s, reps = (0.01, 3) if quick else (0.1, 5)
    state = {"i": 0}

    def scalar():
        p = pts[state["i"] % len(pts)]
        state["i"] += 1
        xs = [torch.tensor(v, dtype=DT, requires_grad=True) for v in p]
        y = benchlib.evaluate_function(f, xs, ops)
        y.backward()
        return [x.grad for x in xs]

    out = {"scalar_us": timed(scalar, min_s, reps) * 1e6}
    nodes = benchlib.node_count(f)
    b = 65536
    while b > 64 and b * nodes > 16_000_000:  # about 256 MB kept for backward
        b //= 2
    cols = [torch.tensor([pts[k % len(pts)][j] for k in range(b)], dtype=DT, requires_grad=True)
            for j in range(len(f.params))]

    def batched():
        for c in cols:
            c.grad = None
        y = benchlib.evaluate_function(f, cols, ops)
        y.sum().backward()
        return [c.grad for c in cols]

    out["batch"] = b
    out["batched_ns"] = timed(batched, min_s, reps) * 1e9 / b
    # agreement with the scalar path at the first point
    g = [c.grad[0].item() for c in cols]
    xs = [torch.tensor(v, dtype=DT, requires_grad=True) for v in pts[0]]
    y = benchlib.evaluate_function(f, xs, ops)
    y.backward()
    out["f0"] = y.item()
    out["g0"] = [x.grad.item() for x in xs]
    out["batched_g0"] = g
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    results = {"torch": torch.__version__}
    parsed = {}
    for item in spec["functions"]:
        path, name = item["file"], item["name"]
        if path not in parsed:
            parsed[path] = benchlib.parse_file(open(path).read())
        funcs, bad = parsed[path]
        f = next((g for g in funcs if g.name == name), None)
        if f is None or name in bad:
            results[name] = {"error": "unsupported: %s" % bad.get(name, "missing")}
            continue
        try:
            results[name] = measure(f, spec.get("quick", False))
        except benchlib.Unsupported as e:
            results[name] = {"error": "unsupported: %s" % e}
        except Exception as e:  # report and go on with the next function
            results[name] = {"error": "%s: %s" % (type(e).__name__, e)}
        json.dump(results, open(sys.argv[2], "w"), indent=1)
        print(name, results[name].get("scalar_us"), results[name].get("batched_ns"), flush=True)
    json.dump(results, open(sys.argv[2], "w"), indent=1)


if __name__ == "__main__":
    main()
