"""kill-midway.py PDC SOURCE DIR: compiles SOURCE to DIR/out.o once, then
again with a SIGTERM and a SIGINT sent while pdc works; each time the old
out.o must be intact and no temporary file may remain in DIR."""
import os
import signal
import subprocess
import sys
import time

pdc, source, out_dir = sys.argv[1:4]
target = os.path.join(out_dir, "out.o")
subprocess.check_call([pdc, source, "-o", target])
before = open(target, "rb").read()
for sig in (signal.SIGTERM, signal.SIGINT):
    p = subprocess.Popen([pdc, source, "-O3", "-o", target])
    time.sleep(0.3)
    p.send_signal(sig)
    p.wait()
    left = [f for f in os.listdir(out_dir) if ".pdc-" in f]
    if left or open(target, "rb").read() != before:
        sys.exit("after signal %d: leftovers %r, output changed: %s" % (sig, left, open(target, "rb").read() != before))
