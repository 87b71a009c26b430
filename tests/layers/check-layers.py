#!/usr/bin/env python3
"""check-layers.py - the tree's rooms and which may use which: includes one way, no module cycles.

Usage: check-layers.py [--root DIR] [--objs BUILD/obj]

Two checks, each failing with one line per offence (exit 1):
  * includes: every '#include "..."' in hw/, drivers/ and supervisor/ must point at the file's own
    room or a room listed for it in ROOMS below (never up, never sideways);
  * cycles: headers that include each other (include guards hide that from the compiler); and
    with --objs, modules are the compiled objects and an edge is a symbol one object
    uses and another defines; any strongly connected group of two or more objects is a cycle
    (a shared header cannot hide it, as it can in an include graph).
"""
import os
import re
import subprocess
import sys

# room -> the rooms it may include (its own room always).  Order of the map = bottom to top.
ROOMS = {
    "hw": [],
    "hw/linux": ["hw"],
    "hw/sim": ["hw"],
    "drivers": ["hw"],
    "supervisor/util": ["hw"],
    "supervisor/policy": ["supervisor/util", "drivers", "hw"],
    "supervisor/config": ["supervisor/policy", "supervisor/util", "drivers", "hw", "hw/sim"],
    "supervisor/report": ["supervisor/policy", "supervisor/util", "drivers", "hw"],
    "supervisor/runtime": ["supervisor/config", "supervisor/policy", "supervisor/util", "hw"],
    "supervisor/services": ["supervisor/runtime", "supervisor/report", "supervisor/config",
                            "supervisor/policy", "supervisor/util", "drivers", "hw", "hw/sim"],
    "supervisor/daemon": ["supervisor/services", "supervisor/runtime", "supervisor/report",
                          "supervisor/config", "supervisor/policy", "supervisor/util",
                          "drivers", "hw", "hw/linux", "hw/sim"],
    "supervisor/cli": ["supervisor/report", "supervisor/util", "drivers", "hw"],
}
SCANNED = ("hw", "drivers", "supervisor")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def room_of(path):
    best = None
    for room in ROOMS:
        if path.startswith(room + "/") and "/" not in path[len(room) + 1:]:
            best = room
    return best


def sources(root):
    for top in SCANNED:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def module(path):
    return os.path.splitext(path)[0]


def sccs(graph):
    """Tarjan's strongly connected components, iterative; returns those of size > 1."""
    index, low, onstack, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        onstack.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    onstack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in onstack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    onstack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def check_includes(root):
    errors, graph = [], {}
    for src in sources(root):
        room = room_of(src)
        if room is None:
            errors.append(f"{src}: in no room (add its folder to ROOMS in {sys.argv[0]})")
            continue
        allowed = set(ROOMS[room]) | {room}
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                if not os.path.exists(os.path.join(root, target)):
                    continue  # generated or system-like; the compiler finds those
                troom = room_of(target)
                if troom is None or troom not in allowed:
                    errors.append(f"{src}:{lineno}: includes {target}: {room} may not use "
                                  f"{troom or 'that folder'} (it may use: "
                                  f"{', '.join(sorted(allowed))})")
                if src.endswith(".h") and target.endswith(".h"):
                    graph.setdefault(src, set()).add(target)
    for comp in sccs(graph):
        errors.append("include cycle: " + " <-> ".join(comp))
    return errors


def check_objects(objdir):
    defined, used = {}, {}
    for d, _, files in os.walk(objdir):
        for f in files:
            if not f.endswith(".o"):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, objdir)
            if not rel.startswith(SCANNED):
                continue
            out = subprocess.run(["nm", "-P", path], capture_output=True, text=True, check=True)
            for line in out.stdout.splitlines():
                parts = line.split()
                if len(parts) < 2:
                    continue
                sym, kind = parts[0], parts[1]
                if kind == "U":
                    used.setdefault(rel, set()).add(sym)
                elif kind in "TDBR":
                    defined[sym] = rel
    graph = {}
    for obj, syms in used.items():
        for s in syms:
            owner = defined.get(s)
            if owner and owner != obj:
                graph.setdefault(module(obj), set()).add(module(owner))
    errors = []
    for comp in sccs(graph):
        errors.append("link cycle (objects using each other's symbols): " + " <-> ".join(comp))
    return errors


def main(argv):
    root, objs = ".", None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--root":
            root = args.pop(0)
        elif a == "--objs":
            objs = args.pop(0)
        else:
            print(f"usage: {os.path.basename(sys.argv[0])} [--root DIR] [--objs BUILD/obj]",
                  file=sys.stderr)
            return 2
    errors = check_includes(root)
    if objs:
        errors += check_objects(objs)
    for e in errors:
        print(e)
    if errors:
        print(f"check-layers: {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print("check-layers: rooms and cycles ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
