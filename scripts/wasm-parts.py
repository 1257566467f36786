#!/usr/bin/env python3
"""What each part of a wasm file costs after gzip: the file's gzip -9 size with that part's
function bodies replaced by `unreachable`, subtracted from the whole file's.

Usage: scripts/wasm-parts.py FILE.named.wasm PARTS.txt [--new-against OTHER.named.wasm]

FILE is a build with its names kept (scripts/named-wasm). PARTS.txt has one part a line,
`label<TAB>regex`; a function belongs to the first part whose regex its name matches (`re.search`).
Generic code counts where its type parameters say: `drop_in_place<leptos_jwt_session::…>` is the
library's. The name section and other custom sections are dropped before compressing, as trunk
ships it. Parts compress together, so their figures add up to about, not exactly, the total.
With `--new-against`, only functions whose name (without its hash) OTHER lacks count: what FILE
adds to OTHER, e.g. the framework's generic code made for the library's types.
"""
import gzip
import re
import sys
import importlib.util

spec = importlib.util.spec_from_file_location("ws", __file__.replace("wasm-parts.py", "wasm-sizes.py"))
ws = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ws)


def encode_leb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def parse(data):
    """Sections as (kind, payload); the code bodies; the function names."""
    sections = list(ws.sections(data))
    imports = 0
    bodies = []
    names = {}
    for kind, payload in sections:
        if kind == 2:
            imports = ws.imported_functions(payload)
        elif kind == 10:
            bodies = ws.code_bodies(payload)
        elif kind == 0:
            names.update(ws.function_names(payload))
    names = {index - imports: name for index, name in names.items() if index >= imports}
    return sections, bodies, names


UNREACHABLE = b"\x00\x00\x0b"  # no locals, unreachable, end


def shipped(sections, bodies, dropped):
    out = bytearray(b"\x00asm\x01\x00\x00\x00")
    for kind, payload in sections:
        if kind == 0:
            continue
        if kind == 10:
            payload = encode_leb(len(bodies)) + b"".join(
                encode_leb(len(body)) + body
                for body in (UNREACHABLE if i in dropped else b for i, b in enumerate(bodies))
            )
        out.append(kind)
        out += encode_leb(len(payload)) + payload
    return bytes(out)


def gz(data):
    return len(gzip.compress(data, 9))


def plain(name):
    return re.sub(r"(::h[0-9a-f]{16})?(\.\d+)?$", "", name)


def main():
    path, parts_file = sys.argv[1], sys.argv[2]
    sections, bodies, names = parse(open(path, "rb").read())
    if "--new-against" in sys.argv:
        other = sys.argv[sys.argv.index("--new-against") + 1]
        known = {plain(name) for name in parse(open(other, "rb").read())[2].values()}
        names = {i: name for i, name in names.items() if plain(name) not in known}
    parts = []
    for line in open(parts_file):
        if line.strip() and not line.startswith("#"):
            label, pattern = line.rstrip("\n").split("\t")
            parts.append((label, re.compile(pattern)))
    members = {label: set() for label, _ in parts}
    for index, name in names.items():
        for label, pattern in parts:
            if pattern.search(name):
                members[label].add(index)
                break
    whole = gz(shipped(sections, bodies, set()))
    print(f"{'gzip':>8} {'raw code':>9} {'fns':>5}  part (gzip: the file without it, subtracted)")
    total = 0
    for label, _ in parts:
        dropped = members[label]
        cost = whole - gz(shipped(sections, bodies, dropped))
        raw = sum(len(bodies[i]) for i in dropped)
        total += cost
        print(f"{cost:>8} {raw:>9} {len(dropped):>5}  {label}")
    everything = set().union(*members.values())
    together = whole - gz(shipped(sections, bodies, everything))
    print(f"{total:>8} {'':>9} {'':>5}  sum of the parts")
    print(f"{together:>8} {sum(len(bodies[i]) for i in everything):>9} {len(everything):>5}  all parts at once")
    print(f"{whole:>8} {sum(len(b) for b in bodies):>9} {len(bodies):>5}  the whole file (gzip -9, no names)")


if __name__ == "__main__":
    main()
