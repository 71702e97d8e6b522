"""reproducible.py PDC OTHER_PDC WORK SOURCE...: each SOURCE compiled to every
output kind twice, from different directories, through different paths to
a copy of the same name, once with address-space randomization off
(setarch -R) and once on, and with OTHER_PDC (another build of pdc, or the
same one) the second time: all outputs must be byte-identical."""
import os
import shutil
import subprocess
import sys

pdc, other, work = sys.argv[1:4]
kinds = ["obj", "asm", "llvm", "bc", "header", "deriv"]
ext = {"obj": ".o", "asm": ".s", "llvm": ".ll", "bc": ".bc", "header": ".h"}
setarch = shutil.which("setarch")
bad = 0
for src in sys.argv[4:]:
    name = os.path.basename(src)
    runs = []
    for i, (exe, sub) in enumerate(((pdc, "a"), (other, os.path.join("b", "deeper", "still")))):
        d = os.path.join(work, str(i), sub)
        os.makedirs(d, exist_ok=True)
        shutil.copy(src, os.path.join(d, name))
        cmd = [exe, "--emit=" + ",".join(kinds), "--cpu=x86-64-v3", name, "-o", "out.o"]
        if i == 0 and setarch:
            cmd = [setarch, "x86_64", "-R"] + cmd
        listing = subprocess.check_output(cmd, cwd=d)  # with other kinds, deriv goes to stdout
        run = {k: open(os.path.join(d, "out" + ext[k]), "rb").read() for k in kinds if k != "deriv"}
        run["deriv"] = listing
        runs.append(run)
    for k in kinds:
        if runs[0][k] != runs[1][k]:
            print("%s: --emit=%s differs between the two runs" % (name, k))
            bad += 1
        elif not runs[0][k]:
            print("%s: --emit=%s is empty" % (name, k))
            bad += 1
print("%d sources, %d outputs each: %s" % (len(sys.argv) - 4, len(kinds), "identical" if not bad else "DIFFERENT"))
sys.exit(1 if bad else 0)
