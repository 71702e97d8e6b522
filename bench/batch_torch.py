#!/usr/bin/python3
"""PyTorch's batched autograd for bench/batch (float64, CPU).

  batch_torch.py SPEC.json OUT.json

SPEC: {"points": N, "reps": R, "threads": [1, T], "budget": bytes,
       "functions": [{"name", "file", "params", "gen": [[c, a, w, p], ...]}, ...]}.
Parameter j at point i is c + a*sin(w*i + p), the inputs bench/batch's C driver makes.
For each function and each thread count: leaf tensors with requires_grad, f computed with
torch operations elementwise, f.sum().backward(), the results copied into outputs for all
N points; the seconds of that (median of R repetitions) over all N points, for the N points
as one batch (or in chunks of B when autograd's saved tensors would pass the memory budget;
OUT says B) and in chunks of 2^14, 2^16 and 2^18 points. The fastest is PyTorch's figure,
as a user would choose it (OUT: "tT", "chunkT"; the one-batch figure is "wholeT").
A slow function gets at most about CAP seconds ("cap") for each thread count, shared by the
chunk sizes: fewer repetitions (at least one), and runs that stop after the chunks done in
their share (the rate is points done over their time); OUT says how many runs and points.
Results are written to OUT after every function, so a timeout keeps what was done.
"""

import json
import math
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch  # noqa: E402
import benchlib  # noqa: E402

DT = torch.float64


# The suite's functions written as a PyTorch user would write them (bench/functions/suite.pd).
def seed(x, y):
    return x**2 - y**2


def seed2(x, y):
    return x**2 * y**2 + 7 * x * y - 3 * x + 6


def rosen(x, y):
    return (1 - x)**2 + 100 * (y - x**2)**2


def ackley(x, y):
    return (-20 * torch.exp(-0.2 * torch.sqrt(0.5 * (x**2 + y**2)))
            - torch.exp(0.5 * (torch.cos(2 * math.pi * x) + torch.cos(2 * math.pi * y))) + math.e + 20)


def prod16(*xs):
    p = xs[0]
    for v in xs[1:]:
        p = p * v
    return p


def lj4(x1, y1, z1, x2, y2, z2, x3, y3, z3, x4, y4, z4):
    s12 = 1 / ((x1 - x2)**2 + (y1 - y2)**2 + (z1 - z2)**2)
    s13 = 1 / ((x1 - x3)**2 + (y1 - y3)**2 + (z1 - z3)**2)
    s14 = 1 / ((x1 - x4)**2 + (y1 - y4)**2 + (z1 - z4)**2)
    s23 = 1 / ((x2 - x3)**2 + (y2 - y3)**2 + (z2 - z3)**2)
    s24 = 1 / ((x2 - x4)**2 + (y2 - y4)**2 + (z2 - z4)**2)
    s34 = 1 / ((x3 - x4)**2 + (y3 - y4)**2 + (z3 - z4)**2)
    return 4 * ((s12**6 - s12**3) + (s13**6 - s13**3) + (s14**6 - s14**3) + (s23**6 - s23**3)
                + (s24**6 - s24**3) + (s34**6 - s34**3))


def sinchain(x, y):
    u = x * y
    for _ in range(20):
        u = torch.sin(u)
    return u


SUITE = {"seed": seed, "seed2": seed2, "rosen": rosen, "ackley": ackley, "prod16": prod16, "lj4": lj4,
         "sinchain": sinchain}


def from_pd(path, name):
    """Other functions (poly*): the .pd formula evaluated with torch operations."""
    from torch_time import TorchOps  # noqa: E402 (it sets one thread; main sets its own)
    funcs, bad = benchlib.parse_file(open(path).read())
    f = next((g for g in funcs if g.name == name), None)
    if f is None or name in bad:
        raise benchlib.Unsupported(bad.get(name, "missing"))
    ops = TorchOps()
    return lambda *xs: benchlib.evaluate_function(f, list(xs), ops)


def inputs(gen, n):
    i = torch.arange(n, dtype=DT)
    return [c + a * torch.sin(i * w + p) for c, a, w, p in gen]


def graph_tensors(y):
    """Nodes of y's autograd graph: each keeps about one tensor of the batch's size."""
    seen, todo = set(), [y.grad_fn]
    while todo:
        g = todo.pop()
        if g is None or g in seen:
            continue
        seen.add(g)
        todo.extend(n for n, _ in g.next_functions)
    return len(seen)


# Chunk sizes tried besides the whole batch: PyTorch's speed depends on the batch size
# (measured here, rosen one thread: 20 ns a point in chunks of 2^14 to 2^16 points, 100 ns
# as one batch of 10^7, where every operation's 80 MB result is fresh memory to fault in),
# and a user would pick the best. Each chunk's results are copied into the whole outputs,
# as the C functions write theirs.
CHUNKS = (1 << 14, 1 << 16, 1 << 18)


def timed_pass(f, xs_all, out, grads, n, chunk, limit):
    """One pass over the n points in chunks, the results into out and grads; after `limit`
    seconds it stops at a chunk boundary. Returns (points done, seconds)."""
    total, done = 0.0, 0
    whole = chunk >= n  # y and the .grad tensors are then the outputs themselves
    for s in range(0, n, chunk):
        if done and total > limit:
            break
        xs = [x[s:s + chunk].detach().requires_grad_() for x in xs_all]
        t0 = time.perf_counter()
        y = f(*xs)
        y.sum().backward()
        if not whole:
            out[s:s + chunk].copy_(y.detach())
            for j, x in enumerate(xs):
                grads[j, s:s + chunk].copy_(x.grad)
        total += time.perf_counter() - t0
        if whole:
            out.copy_(y.detach())
            for j, x in enumerate(xs):
                grads[j].copy_(x.grad)
        done += xs[0].shape[0]
        del y, xs
    return done, total


def measure(f, gen, n, reps, threads, budget, cap):
    """For each thread count: seconds for all n points at PyTorch's best chunk size ("tT",
    "chunkT") and as one batch, or the largest chunk the memory budget allows ("wholeT")."""
    xs_all = inputs(gen, n)
    probe = [x[:1024].detach().requires_grad_() for x in xs_all]
    nodes = graph_tensors(f(*probe).sum())
    # saved tensors plus the gradients alive during backward: about 2 tensors a node
    per_point = 16 * nodes + 8 * (2 * len(gen) + 1)
    largest = max(1 << 16, min(n, int(budget // per_point)))
    chunks = sorted({c for c in CHUNKS if c < largest} | {largest})
    out = {"chunk": largest, "graph_nodes": nodes}
    y_all, g_all = torch.empty(n, dtype=DT), torch.empty(len(gen), n, dtype=DT)
    complete = False
    for t in threads:
        torch.set_num_threads(t)
        f(*probe).sum().backward()  # warm up this thread count
        rate_of = {}
        for chunk in chunks:
            rates, spent, budget_s = [], 0.0, cap / len(chunks)
            while len(rates) < reps and (not rates or spent < budget_s):
                done, secs = timed_pass(f, xs_all, y_all, g_all, n, chunk, budget_s / reps)
                rates.append(done / secs)
                spent += secs
                complete |= done == n
                out["reps%d" % t], out["points%d" % t] = len(rates), done
            rate_of[chunk] = statistics.median(rates)
        best = max(chunks, key=lambda c: rate_of[c])
        # seconds for all n points, from the median rate
        out["t%d" % t] = n / rate_of[best]
        out["chunk%d" % t] = best
        out["whole%d" % t] = n / rate_of[largest]
    if complete:
        out.update(sum_f=y_all.sum().item(), abs_f=y_all.abs().sum().item(), sum_g=g_all.sum().item(),
                   abs_g=g_all.abs().sum().item())
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    results = {"torch": torch.__version__}
    for item in spec["functions"]:
        name = item["name"]
        try:
            f = SUITE.get(name) or from_pd(item["file"], name)
            t0 = time.perf_counter()
            results[name] = measure(f, item["gen"], spec["points"], spec["reps"], spec["threads"],
                                    spec["budget"], spec.get("cap", 60))
            msg = "%.1f s" % (time.perf_counter() - t0)
        except benchlib.Unsupported as e:
            results[name] = {"error": "unsupported: %s" % e}
            msg = results[name]["error"]
        except Exception as e:  # report and go on with the next function
            results[name] = {"error": "%s: %s" % (type(e).__name__, e)}
            msg = results[name]["error"]
        json.dump(results, open(sys.argv[2], "w"), indent=1)
        print("torch %s: %s" % (name, msg), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
