#!/usr/bin/env python3
"""mutants.py - reads tests/mutate/mutants.txt: checks it, lists it, applies one mutant to a tree.

usage: mutants.py check MUTANTS ROOT        every entry well formed, every snippet once in ROOT
       mutants.py list MUTANTS              one line per mutant: id, file, scenarios, why (tabs)
       mutants.py apply MUTANTS ID ROOT     replace the snippet in ROOT/file (it must match once)

The file is a list of blocks, one per mutant, separated by blank lines; '#' lines are comments:

    [budget-warn-boundary]
    file: supervisor/policy/budget.c
    from: if (avg >= budget_threshold_w(c, BUDGET_WARN))
    to: if (avg > budget_threshold_w(c, BUDGET_WARN))
    why: warn is entered only above its threshold, not at it
    scenarios: 31-budget

`from` and `to` are exact text (everything after "from: "); repeating the key adds a line, so a
snippet can span lines (tabs included).  `scenarios` names the tests/scenario scripts (without
.sh) that run when no unit test kills the mutant.  Errors print as "FILE:LINE: message".
"""
import os
import re
import sys

KEYS = ("file", "from", "to", "why", "scenarios")
MULTI = ("from", "to")


class Mutant:
    def __init__(self, ident, line):
        self.id = ident
        self.line = line
        self.fields = {}


def parse(path):
    """Returns (mutants, errors); errors are "path:line: message" strings."""
    mutants, errors, cur = [], [], None
    with open(path, encoding="utf-8") as fp:
        lines = fp.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, raw in enumerate(lines, 1):
        if raw.startswith("#"):
            continue
        if raw.strip() == "":
            cur = None
            continue
        m = re.fullmatch(r"\[([a-z0-9][a-z0-9-]*)\]", raw)
        if m:
            cur = Mutant(m.group(1), n)
            mutants.append(cur)
            continue
        if cur is None:
            errors.append(f"{path}:{n}: text outside a [mutant-id] block")
            continue
        key, sep, val = raw.partition(": ")
        if not sep or key not in KEYS:
            errors.append(f"{path}:{n}: expected one of {', '.join(KEYS)} as 'key: value'")
            continue
        if key in cur.fields and key not in MULTI:
            errors.append(f"{path}:{n}: {key} given twice in [{cur.id}]")
            continue
        cur.fields[key] = cur.fields[key] + "\n" + val if key in cur.fields else val
    seen = {}
    for mu in mutants:
        if mu.id in seen:
            errors.append(f"{path}:{mu.line}: [{mu.id}] already defined at line {seen[mu.id]}")
        seen.setdefault(mu.id, mu.line)
        for key in ("file", "from", "to", "why", "scenarios"):
            if not mu.fields.get(key, "").strip():
                errors.append(f"{path}:{mu.line}: [{mu.id}] has no {key}")
        if mu.fields.get("from") is not None and mu.fields.get("from") == mu.fields.get("to"):
            errors.append(f"{path}:{mu.line}: [{mu.id}] 'to' is the same as 'from'")
    return mutants, errors


def snippet_errors(path, mu, root):
    """Why this mutant cannot be applied to the tree at root, or None."""
    name = mu.fields.get("file", "")
    if not name or name.startswith("/") or ".." in name.split("/"):
        return f"{path}:{mu.line}: [{mu.id}] file must be a path inside the tree"
    full = os.path.join(root, name)
    try:
        with open(full, encoding="utf-8") as fp:
            text = fp.read()
    except OSError as e:
        return f"{path}:{mu.line}: [{mu.id}] {name}: {e.strerror}"
    n = text.count(mu.fields.get("from", ""))
    if n != 1:
        return (f"{path}:{mu.line}: [{mu.id}] the 'from' snippet matches {n} times in {name} "
                "(must be exactly once: update the mutant with the code)")
    for s in mu.fields.get("scenarios", "").split():
        if s != "none" and not os.path.isfile(os.path.join(root, "tests/scenario", s + ".sh")):
            return f"{path}:{mu.line}: [{mu.id}] no scenario tests/scenario/{s}.sh"
    return None


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "list", "apply"):
        sys.stderr.write(__doc__.split("\n\n")[0] + "\n")
        return 2
    path = argv[2]
    try:
        mutants, errors = parse(path)
    except OSError as e:
        print(f"{path}: {e.strerror}", file=sys.stderr)
        return 1
    if argv[1] == "check":
        if len(argv) != 4:
            print("usage: mutants.py check MUTANTS ROOT", file=sys.stderr)
            return 2
        if not mutants and not errors:
            errors.append(f"{path}: no mutants")
        for mu in mutants:
            e = snippet_errors(path, mu, argv[3])
            if e:
                errors.append(e)
        for e in errors:
            print(e, file=sys.stderr)
        if not errors:
            print(f"{path}: {len(mutants)} mutants, each snippet matches once")
        return 1 if errors else 0
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        return 1
    if argv[1] == "list":
        for mu in mutants:
            print("\t".join((mu.id, mu.fields["file"], mu.fields["scenarios"], mu.fields["why"])))
        return 0
    if len(argv) != 5:
        print("usage: mutants.py apply MUTANTS ID ROOT", file=sys.stderr)
        return 2
    found = [mu for mu in mutants if mu.id == argv[3]]
    if not found:
        print(f"{path}: no mutant [{argv[3]}]", file=sys.stderr)
        return 1
    mu = found[0]
    e = snippet_errors(path, mu, argv[4])
    if e:
        print(e, file=sys.stderr)
        return 1
    full = os.path.join(argv[4], mu.fields["file"])
    with open(full, encoding="utf-8") as fp:
        text = fp.read()
    with open(full, "w", encoding="utf-8") as fp:
        fp.write(text.replace(mu.fields["from"], mu.fields["to"], 1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
