#!/usr/bin/env python3
"""Attributes a wasm file's code bytes to crates, from its name section.

Usage: scripts/wasm-sizes.py FILE.wasm [TOP]
Run it on cargo's output (target/wasm32-unknown-unknown/release/interceptor-app.wasm), which still
has its name section; wasm-bindgen and wasm-opt shrink the code further, so read the shares, not
the absolute bytes.
"""
import re
import sys
from collections import Counter


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    pos = 8
    while pos < len(data):
        kind = data[pos]
        size, pos = leb(data, pos + 1)
        yield kind, data[pos : pos + size]
        pos += size


def imported_functions(payload):
    count, pos = leb(payload, 0)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module and field names
            length, pos = leb(payload, pos)
            pos += length
        kind = payload[pos]
        pos += 1
        if kind == 0:
            _, pos = leb(payload, pos)
            functions += 1
        elif kind == 1:
            pos += 1
            flags, pos = leb(payload, pos)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 2:
            flags, pos = leb(payload, pos)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 3:
            pos += 2
        else:
            _, pos = leb(payload, pos)
            pos += 1
    return functions


def crate_of(name):
    """The crate a function comes from: its innermost crate root in a v0 or legacy mangled name.

    Generic functions are attributed to the crate that defines them, not the one that
    instantiated them (so `core::fmt` generic over an app type counts as core)."""
    v0 = re.search(r"C[sa-zA-Z0-9]*?_(\d+)([A-Za-z_][A-Za-z0-9_]*)", name)
    if name.startswith("_R") and v0:
        length = int(v0.group(1))
        return v0.group(2)[:length]
    legacy = re.match(r"_ZN(\d+)", name)
    if legacy:
        length = int(legacy.group(1))
        return name[legacy.end() : legacy.end() + length]
    if name.startswith("__wbindgen") or name.startswith("__wbg"):
        return "wasm-bindgen glue"
    return name


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    data = open(path, "rb").read()
    imports = 0
    bodies = []
    names = {}
    data_bytes = 0
    for kind, payload in sections(data):
        if kind == 2:
            imports = imported_functions(payload)
        elif kind == 10:
            count, pos = leb(payload, 0)
            for _ in range(count):
                size, start = leb(payload, pos)
                bodies.append(size)
                pos = start + size
        elif kind == 11:
            data_bytes = len(payload)
        elif kind == 0:
            length, pos = leb(payload, 0)
            if payload[pos : pos + length] != b"name":
                continue
            pos += length
            while pos < len(payload):
                sub = payload[pos]
                size, pos = leb(payload, pos + 1)
                if sub == 1:
                    count, p = leb(payload, pos)
                    for _ in range(count):
                        index, p = leb(payload, p)
                        length, p = leb(payload, p)
                        names[index] = payload[p : p + length].decode("utf-8", "replace")
                        p += length
                pos += size
    per_crate = Counter()
    for i, size in enumerate(bodies):
        per_crate[crate_of(names.get(imports + i, "?"))] += size
    code = sum(bodies)
    print(f"{path}: {len(data)} bytes, code {code}, data {data_bytes}, {len(bodies)} functions")
    for crate, size in per_crate.most_common(top):
        print(f"  {size:>9}  {100 * size / code:5.1f}%  {crate}")


if __name__ == "__main__":
    main()
