"""usage: bounded.py --seconds S --mb M -- COMMAND...

Runs COMMAND (its output passes through) and exits with its status, unless
it took more than S seconds of wall time or more than M MB of peak resident
memory (the largest of COMMAND and everything it waited for): then it says
so and exits 99. PDC_BOUND_SCALE (set by lit in sanitizer builds, which are
slower and bigger) multiplies both bounds.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=float, required=True)
ap.add_argument("--mb", type=float, required=True)
ap.add_argument("command", nargs=argparse.REMAINDER)
a = ap.parse_args()
cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
scale = float(os.environ.get("PDC_BOUND_SCALE", "1"))
t0 = time.monotonic()
rc = subprocess.call(cmd)
took = time.monotonic() - t0
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("bounded: %.2f s, %.0f MB peak (bounds %.0f s, %.0f MB)" % (took, peak_mb, a.seconds * scale, a.mb * scale),
      file=sys.stderr)
if took > a.seconds * scale or peak_mb > a.mb * scale:
    print("bounded: out of bounds", file=sys.stderr)
    sys.exit(99)
sys.exit(rc)
