#!/usr/bin/python3
"""docs.examples: run every fenced example of the documentation and compare
what it prints with what the documentation shows.

    doctest.py --pdc PDC --root SRC [--pdrt-include DIR --pdrt-lib DIR]
               [--pkgconfig-prefix PREFIX --libdir LIB] [--no-pdrt] FILE.md...

Each Markdown file gets a scratch directory holding a copy of docs/examples/;
its blocks run there in order, so a file that one block introduces is there
for the blocks after it. `pdc` on the PATH is the build's pdc. A block is:

  skipped     after <!-- doc-test: skip (reason) -->; counted, reason printed.
  a session   when its first line starts with "$ ": each "$ command" runs with
              bash in the scratch directory (no state such as cd or export
              carries over), and the lines up to the next "$ " are its expected
              standard output and error, where a line "..." matches any run of
              lines. A command may fail only when the next command shows $? or
              its shown output has "error:". "$ cat F", F not there yet, shows
              the file: the shown lines are written to F.
  a .pd file  a ```pd block (or any block named as below). It is written into
              the scratch directory and must compile cleanly: `pdc F
              --emit=deriv` exits 0 and writes nothing to stderr. An untagged
              block right after it (nothing but blank lines between) is the
              listing it must print.
  a file      named by its first line (`# seed.pd`, `/* main.c: ... */`), by the
              paragraph before it ending in "`name`:", or by
              <!-- doc-test: file NAME -->: written into the scratch directory.
  part of F   after <!-- doc-test: part of F -->: its lines must appear, in
              order and together, in F (the scratch file F, or else F in the
              repository); "..." elides as in a session.
  a program   a ```c fragment after <!-- doc-test: main with X.pd --> (or
              "main with libpdrt"): run `pdc X.pd --emit=obj,header -o X.o`,
              wrap the fragment into `int main(void)` after <stdio.h> and
              "X.h" (or <pd_runtime.h>), build, run. An untagged block right
              after it is the output it must print.

<!-- doc-test: new directory --> before a block starts a fresh scratch
directory (docs/examples/ and the files the document introduced so far).
Any other block is an error: every example runs, or says why it cannot.
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)\s*$")
DIRECTIVE = re.compile(r"<!--\s*doc-test:\s*(.*?)\s*-->")
FIRST_LINE_NAME = re.compile(r"^(?:#|/\*|//)\s*([\w.-]+\.\w+)\b")
PROSE_NAME = re.compile(r"`(?:[\w.-]+/)*([\w.-]+\.\w+|Makefile)`:$")


class Block:
    def __init__(self, doc, line, info, lines, directives, prose, adjacent):
        self.doc, self.line, self.info, self.lines = doc, line, info, lines
        self.directives = directives  # doc-test comments since the previous block
        self.prose = prose  # the paragraph just before the block
        self.adjacent = adjacent  # only blank lines since the previous block

    def where(self):
        return f"{self.doc}:{self.line}"

    def directive(self, word):
        for d in self.directives:
            if d == word or d.startswith(word + " "):
                return d[len(word):].strip()
        return None


def read_blocks(path, rel):
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, directives, para, adjacent, new_para, i = [], [], [], False, False, 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            text = lines[i].strip()
            directives += DIRECTIVE.findall(text)
            if DIRECTIVE.sub("", text).strip():
                para = [] if new_para else para
                para.append(text)
                adjacent, new_para = False, False
            elif not text:
                new_para = True
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not lines[end].startswith(m.group(1)):
            end += 1
        if end == len(lines):
            sys.exit(f"{rel}:{i + 1}: unterminated code block")
        prose = " ".join(para)
        blocks.append(Block(rel, i + 1, m.group(2), lines[i + 1:end], directives, prose, adjacent))
        directives, para, adjacent, new_para, i = [], [], True, False, end + 1
    return blocks


def compare(expected, actual):
    """Lines of expected ("..." elides any run) against actual text."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if l.strip() == "..." else re.escape(l.rstrip()) + r"\n"
                      for l in expected)
    got = "\n".join(l.rstrip() for l in actual.rstrip("\n").split("\n")) + "\n" if actual.strip() else ""
    return re.fullmatch(pattern, got) is not None, got


class Runner:
    def __init__(self, args):
        self.args = args
        self.ran, self.skipped, self.failures = 0, [], []
        env = {k: v for k, v in os.environ.items()
               if k not in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "CC", "PDC", "PDCFLAGS",
                            "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
        env["PATH"] = os.path.dirname(os.path.abspath(args.pdc)) + os.pathsep + env.get("PATH", "")
        env["LC_ALL"] = "C"
        if args.pkgconfig_prefix:
            lib = os.path.join(args.pkgconfig_prefix, args.libdir)
            env["PKG_CONFIG_PATH"] = os.path.join(lib, "pkgconfig")
            env["LD_LIBRARY_PATH"] = lib  # as if installed where the loader looks
        self.env = env

    def fail(self, block, msg):
        self.failures.append(f"{block.where()}: {msg}")

    def sh(self, cmd, cwd):
        try:
            p = subprocess.run(["bash", "-c", cmd], cwd=cwd, env=self.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=300)
            return p.returncode, p.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            return 124, "(timed out after 300 s)\n"

    def check_output(self, block, what, expected, actual):
        ok, got = compare(expected, actual)
        if not ok:
            diff = "".join(difflib.unified_diff([l.rstrip() + "\n" for l in expected], got.splitlines(True),
                                                "shown in the doc", "printed"))
            self.fail(block, f"{what}: the output differs\n{diff}")
        return ok

    # -- the kinds of block ---------------------------------------------------------
    def session(self, block, scratch):
        cmds = []  # (command, expected lines)
        for l in block.lines:
            if l.startswith("$ "):
                cmds.append((l[2:], []))
            else:
                cmds[-1][1].append(l)
        status = 0
        for n, (cmd, expected) in enumerate(cmds):
            m = re.fullmatch(r"cat ([\w.-]+)", cmd)
            if m and not os.path.exists(os.path.join(scratch, m.group(1))):
                with open(os.path.join(scratch, m.group(1)), "w") as f:
                    f.write("\n".join(expected) + "\n")
                self.introduced[m.group(1)] = "\n".join(expected) + "\n"
                status = 0
                continue
            status, out = self.sh(f"(exit {status}); {cmd}", scratch)
            if not self.check_output(block, f"$ {cmd}", expected, out):
                return
            shows_failure = (n + 1 < len(cmds) and "$?" in cmds[n + 1][0]) or any("error:" in l for l in expected)
            if status != 0 and not shows_failure:
                self.fail(block, f"$ {cmd}: exit status {status}, and the doc does not show a failure\n{out}")
                return

    def write(self, scratch, name, lines):
        text = "\n".join(lines) + "\n"
        with open(os.path.join(scratch, name), "w") as f:
            f.write(text)
        self.introduced[name] = text

    def pd_file(self, block, scratch, name, output):
        self.write(scratch, name, block.lines)
        status, out = self.sh(f"pdc {name} --emit=deriv 2>&1 >/dev/null", scratch)
        if status != 0 or out:
            self.fail(block, f"pdc {name} does not compile cleanly (exit {status}):\n{out}")
        elif output is not None:
            _, listing = self.sh(f"pdc {name} --emit=deriv", scratch)
            self.check_output(block, f"pdc {name} --emit=deriv", output.lines, listing)

    def program(self, block, scratch, what, output):
        includes, link = "#include <stdio.h>\n#include <stdlib.h>\n", ""
        if what == "libpdrt":
            includes += "#include <pd_runtime.h>\n"
            a = self.args
            link = f"-I{a.pdrt_include} -L{a.pdrt_lib} -Wl,-rpath,{a.pdrt_lib} -lpdrt"
        else:
            stem = what[:-3]
            status, out = self.sh(f"pdc {what} --emit=obj,header -o {stem}.o", scratch)
            if status != 0:
                return self.fail(block, f"pdc {what}: exit {status}\n{out}")
            includes += f'#include "{stem}.h"\n'
            link = f"{stem}.o"
        src = f"doc_main_{block.line}.c"
        with open(os.path.join(scratch, src), "w") as f:
            f.write(includes + "int main(void) {\n" + "\n".join(block.lines) + "\nreturn 0;\n}\n")
        status, out = self.sh(f"cc -o doc_main {src} {link} -lm && ./doc_main", scratch)
        if status != 0:
            return self.fail(block, f"the fragment as main() fails (exit {status}):\n{out}")
        if output is not None:
            self.check_output(block, "the fragment as main()", output.lines, out)

    def part_of(self, block, scratch, name):
        path = os.path.join(scratch, name)
        if not os.path.exists(path):
            path = os.path.join(self.args.root, name)
        if not os.path.exists(path):
            return self.fail(block, f"part of {name}: no such file")
        text = open(path, encoding="utf-8").read()
        ok, _ = compare(["..."] + block.lines + ["..."], text)
        if not ok:
            self.fail(block, f"not part of {name}:\n" + "\n".join(block.lines))

    # -- one document ---------------------------------------------------------------
    def fresh(self):
        scratch = tempfile.mkdtemp(prefix="pdc-doctest-")
        self.scratches.append(scratch)
        examples = os.path.join(self.args.root, "docs", "examples")
        for f in sorted(os.listdir(examples)):
            shutil.copy(os.path.join(examples, f), scratch)
        for name, text in self.introduced.items():
            with open(os.path.join(scratch, name), "w") as f:
                f.write(text)
        return scratch

    def document(self, rel):
        blocks = read_blocks(os.path.join(self.args.root, rel), rel)
        self.introduced, self.scratches = {}, []
        scratch = self.fresh()
        used = set()  # output blocks consumed by the block before them
        for k, b in enumerate(blocks):
            if k in used:
                continue
            nxt = blocks[k + 1] if k + 1 < len(blocks) else None
            output = nxt if (nxt and nxt.adjacent and not nxt.info and not nxt.directives
                             and not (nxt.lines and nxt.lines[0].startswith("$ "))) else None
            reason = b.directive("skip")
            if reason is not None:
                self.skipped.append(f"{b.where()}: {reason.strip('()') or 'no reason given'}")
                continue
            if b.directive("new directory") is not None:
                scratch = self.fresh()
            name = b.directive("file")
            if not name:
                m = FIRST_LINE_NAME.match(b.lines[0]) if b.lines else None
                name = m.group(1) if m else None
            if not name:
                m = PROSE_NAME.search(b.prose)
                name = m.group(1) if m else None
            main = b.directive("main with")
            part = b.directive("part of")
            self.ran += 1
            if b.lines and b.lines[0].startswith("$ "):
                if self.args.no_pdrt and any(l.startswith("$ ") and "pdrt" in l for l in b.lines):
                    self.ran -= 1  # a session that links libpdrt (pkg-config ... pdrt)
                    self.skipped.append(f"{b.where()}: libpdrt is instrumented in this build")
                    continue
                self.session(b, scratch)
            elif part:
                self.part_of(b, scratch, part)
            elif main and b.info == "c":
                if output:
                    used.add(k + 1)  # the output it would print goes with it, skipped or not
                if self.args.no_pdrt and main == "libpdrt":
                    self.ran -= 1
                    self.skipped.append(f"{b.where()}: libpdrt is instrumented in this build")
                    continue
                if output:
                    used.add(k + 1)
                self.program(b, scratch, main, output)
            elif b.info == "pd" or (name and name.endswith(".pd")):
                if output:
                    used.add(k + 1)
                self.pd_file(b, scratch, name or f"doc_example_{b.line}.pd", output)
            elif name:
                self.write(scratch, name, b.lines)
            else:
                self.ran -= 1
                self.fail(b, "a block the doc test does not understand: make it runnable "
                             "or mark it <!-- doc-test: skip (reason) --> (see tests/docs/doctest.py)")
        for s in self.scratches:
            shutil.rmtree(s, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pdc", required=True)
    ap.add_argument("--root", required=True, help="the repository")
    ap.add_argument("--pdrt-include")
    ap.add_argument("--pdrt-lib")
    ap.add_argument("--pkgconfig-prefix", help="an installed pdc, for pkg-config")
    ap.add_argument("--libdir", default="lib")
    ap.add_argument("--no-pdrt", action="store_true", help="libpdrt is instrumented: skip what links it")
    ap.add_argument("docs", nargs="+")
    args = ap.parse_args()
    for k in ("pdc", "root", "pdrt_include", "pdrt_lib", "pkgconfig_prefix"):
        if getattr(args, k):
            setattr(args, k, os.path.abspath(getattr(args, k)))
    r = Runner(args)
    for rel in args.docs:
        r.document(rel)
    for s in r.skipped:
        print(f"skipped {s}")
    for f in r.failures:
        print(f"FAIL {f}")
    print(f"docs.examples: {r.ran} blocks run, {len(r.skipped)} marked skipped, {len(r.failures)} failed")
    sys.exit(1 if r.failures else 0)


if __name__ == "__main__":
    main()
