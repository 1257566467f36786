#!/usr/bin/env python3
"""Attributes a wasm file's code bytes to crates, from its name section.

Usage: scripts/wasm-sizes.py FILE.wasm [--against FLOOR.wasm] [--top N]

Best run on the shipped code with its names kept: scripts/named-wasm builds that (wasm-bindgen,
then wasm-opt -Oz -g, as trunk does but without stripping names). `--against` sets each crate
beside the same figure for another build, e.g. the bare Leptos page in bench/bare-leptos, so
what the app adds to the framework's floor stands out.

Generic code is counted where it is defined: `core::ptr::drop_in_place<tachys::…>` is core's,
`<T as reactive_graph::traits::Read>::try_read` is reactive_graph's.
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


PRIMITIVES = {"bool", "char", "str", "f32", "f64", "u8", "u16", "u32", "u64", "u128", "usize",
              "i8", "i16", "i32", "i64", "i128", "isize"}


def crate_of(name):
    """The crate a function comes from, from a mangled (v0 or legacy) or demangled name."""
    v0 = re.search(r"C[sa-zA-Z0-9]*?_(\d+)([A-Za-z_][A-Za-z0-9_]*)", name)
    if name.startswith("_R") and v0:
        return v0.group(2)[: int(v0.group(1))]
    legacy = re.match(r"_ZN(\d+)", name)
    if legacy:
        return name[legacy.end() : legacy.end() + int(legacy.group(1))]
    if name.startswith(("__wbg", "__wbindgen", "__externref")) or "externref shim" in name:
        return "(wasm-bindgen glue)"
    name = re.sub(r"\[[0-9a-f]+\]", "", name)  # core[c5930c85a12de822]::fmt → core::fmt
    head = re.match(r"[<&\s]*(?:mut\s+|dyn\s+)*([A-Za-z_][A-Za-z0-9_]*)(::)?", name)
    if head and head.group(2):
        return head.group(1)
    # `<T as crate::Trait>`, `<() as tachys::…>`, `<f64 as core::fmt::Display>`: the trait's crate.
    trait = re.match(r"<[^<>]*? as ([A-Za-z_][A-Za-z0-9_]*)::", name)
    if trait:
        return trait.group(1)
    ident = head.group(1) if head else ""
    if ident in PRIMITIVES:
        return "core"  # `<char>::escape_debug_ext`
    if ident in {"memcmp", "memcpy", "memmove", "memset", "round", "main"}:
        return "(compiler builtins, main)"
    if "_" in ident and ident.islower():
        return "(wasm-bindgen exports)"  # e.g. intounderlyingsource_pull
    return "(no name)"


def code_bodies(payload):
    """The code section's function bodies, in order, as bytes."""
    bodies = []
    count, pos = leb(payload, 0)
    for _ in range(count):
        size, start = leb(payload, pos)
        bodies.append(payload[start : start + size])
        pos = start + size
    return bodies


def function_names(payload):
    """A custom section's function names by function index (imports first); {} if it is not the
    name section."""
    names = {}
    length, pos = leb(payload, 0)
    if payload[pos : pos + length] != b"name":
        return names
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
    return names


def code_by_crate(path):
    data = open(path, "rb").read()
    imports = 0
    bodies = []
    names = {}
    data_bytes = 0
    for kind, payload in sections(data):
        if kind == 2:
            imports = imported_functions(payload)
        elif kind == 10:
            bodies = [len(body) for body in code_bodies(payload)]
        elif kind == 11:
            data_bytes = len(payload)
        elif kind == 0:
            names.update(function_names(payload))
    if not names:
        sys.exit(f"{path} has no name section: build it with scripts/named-wasm")
    per_crate = Counter()
    for i, size in enumerate(bodies):
        per_crate[crate_of(names.get(imports + i, "?"))] += size
    return per_crate, len(bodies), data_bytes


def main():
    args = sys.argv[1:]
    top = 25
    floor_path = None
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i : i + 2]
    if "--against" in args:
        i = args.index("--against")
        floor_path = args[i + 1]
        del args[i : i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    per_crate, functions, data_bytes = code_by_crate(args[0])
    code = sum(per_crate.values())
    print(f"{args[0]}: code {code} bytes in {functions} functions, data {data_bytes} bytes")
    if floor_path is None:
        for crate, size in per_crate.most_common(top):
            print(f"  {size:>9}  {100 * size / code:5.1f}%  {crate}")
        return
    floor, floor_functions, floor_data = code_by_crate(floor_path)
    floor_code = sum(floor.values())
    print(f"{floor_path}: code {floor_code} bytes in {floor_functions} functions, data {floor_data} bytes")
    print(f"  {'app':>9}  {'floor':>9}  {'added':>9}  crate (code bytes)")
    crates = sorted(per_crate.keys() | floor.keys(), key=lambda c: floor[c] - per_crate[c])
    shown = crates[:top]
    for crate in shown:
        print(f"  {per_crate[crate]:>9}  {floor[crate]:>9}  {per_crate[crate] - floor[crate]:>+9}  {crate}")
    rest = crates[top:]
    print(f"  {sum(per_crate[c] for c in rest):>9}  {sum(floor[c] for c in rest):>9}  "
          f"{sum(per_crate[c] - floor[c] for c in rest):>+9}  ({len(rest)} more)")
    print(f"  {code:>9}  {floor_code:>9}  {code - floor_code:>+9}  all code")
    print(f"  {data_bytes:>9}  {floor_data:>9}  {data_bytes - floor_data:>+9}  data (strings, tables)")


if __name__ == "__main__":
    main()
