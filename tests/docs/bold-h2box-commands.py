#!/usr/bin/env python3
"""bold-h2box-commands.py - the "h2box WORD..." commands a manual page names in bold, one a line.

usage: tests/docs/bold-h2box-commands.py PAGE...
Renders each page with mandoc -Tascii (bold is "c<BS>c"), joins bold runs that only a blank
separates, and prints every run that starts with "h2box " (from both man(7) and mdoc(7) pages).
"""
import re
import subprocess
import sys

BOLD_RUN = re.compile(r"(?:(?:(.)\x08\1)+ ?)+")

for page in sys.argv[1:]:
    out = subprocess.run(["mandoc", "-Tascii", "-Owidth=400", page], check=True,
                         capture_output=True, text=True).stdout
    for m in BOLD_RUN.finditer(out):
        text = re.sub(r".\x08", "", m.group(0)).strip()
        if text.startswith("h2box ") and not text.startswith("h2box("):
            print(text)
