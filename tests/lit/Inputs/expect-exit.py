"""expect-exit.py N COMMAND [ARGS...]: run COMMAND, pass its standard
output and error through, and succeed only if it exits with status N.
lit's `not` accepts any non-zero status; this pins the exact one (pdc:
1 input errors, 2 bad command line, 3 internal error)."""
import subprocess
import sys

want = int(sys.argv[1])
r = subprocess.run(sys.argv[2:])
if r.returncode != want:
    sys.stderr.write("expect-exit.py: '%s' exited with %d, expected %d\n"
                     % (" ".join(sys.argv[2:]), r.returncode, want))
    sys.exit(1)
