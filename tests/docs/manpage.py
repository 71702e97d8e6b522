#!/usr/bin/python3
"""docs.manpage: the options `pdc --help` lists and the options the man page
documents are the same set, so a flag cannot be added without its entry.

    manpage.py PDC runtime/man/pdc.1.in

An option of --help is the first column of an indented line that starts with
'-' (`  -O0, -O1, -O2, -O3   ...`, `  --emit=<kind>[,<kind>]  ...`); an option of
the man page is on the tag line of a .TP entry (`.BI \\-\\-cpu= name`). Each is
compared by its name, up to '=' (--cpu=<name> is --cpu).
"""
import re
import subprocess
import sys

OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def help_options(pdc):
    text = subprocess.run([pdc, "--help"], check=True, stdout=subprocess.PIPE, text=True).stdout
    found = set()
    for line in text.splitlines():
        if re.match(r"^ {1,4}-", line):
            first_column = re.split(r"\s{2,}", line.strip())[0]
            for alias in first_column.split(", "):
                m = OPTION.match(alias)
                if m:
                    found.add(m.group(1))
    return found


def man_options(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    found = set()
    for prev, line in zip(lines, lines[1:]):
        if prev.startswith(".TP") and line.startswith("."):
            tag = re.sub(r"\\f[BIRP]", "", line.split(None, 1)[1] if " " in line else "")
            tag = tag.replace("\\-", "-").replace('"', " ")
            found.update(m.group(1) for m in OPTION.finditer(tag))
    return found


def main():
    pdc, man = sys.argv[1], sys.argv[2]
    in_help, in_man = help_options(pdc), man_options(man)
    ok = True
    for o in sorted(in_help - in_man):
        print(f"FAIL {o}: listed by pdc --help, not documented in {man}")
        ok = False
    for o in sorted(in_man - in_help):
        print(f"FAIL {o}: documented in {man}, not listed by pdc --help")
        ok = False
    print(f"docs.manpage: {len(in_help)} options in pdc --help, {len(in_man)} in the man page"
          + ("" if ok else ", not the same"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
