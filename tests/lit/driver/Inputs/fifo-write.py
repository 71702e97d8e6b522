"""Runs `pdc FILE --emit=deriv -o FIFO` while reading the FIFO, then checks
that the FIFO is still a FIFO and that the listing came through it."""
import os
import stat
import subprocess
import sys
import threading

pdc, source, fifo = sys.argv[1:4]
os.mkfifo(fifo)
received = []
reader = threading.Thread(target=lambda: received.append(open(fifo).read()))
reader.start()
rc = subprocess.call([pdc, source, "--emit=deriv", "-o", fifo])
reader.join(timeout=30)
if rc != 0 or not stat.S_ISFIFO(os.stat(fifo).st_mode) or "df/dx = 2*x" not in "".join(received):
    sys.exit("fifo output broken: rc=%d, received %r" % (rc, received))
