#!/usr/bin/env python3
"""Prints what the browser downloads from a build (trunk's, or Vite's with its assets/ folder),
raw, gzip -9 and brotli -q 11.

Usage: scripts/size.py DIST [--budget FILE]
With --budget, exits 1 when the gzip total of HTML + wasm + JS + CSS grows past the number in
FILE (lines starting with # are comments). The HTML counts: it carries the inlined stylesheet
and the app shell.
"""
import pathlib
import subprocess
import sys

SHIPPED = (".html", ".wasm", ".js", ".css")


def compressed(path, command):
    return len(subprocess.run(command + [str(path)], check=True, capture_output=True).stdout)


def main():
    dist = pathlib.Path(sys.argv[1])
    budget = None
    if "--budget" in sys.argv:
        lines = pathlib.Path(sys.argv[sys.argv.index("--budget") + 1]).read_text().splitlines()
        budget = int(next(l for l in lines if l.strip() and not l.startswith("#")).strip())
    files = sorted(p for p in dist.rglob("*") if p.is_file() and p.suffix in SHIPPED)
    if not files:
        sys.exit(f"no .html/.wasm/.js/.css files in {dist}: run trunk build --release first")
    totals = [0, 0, 0]
    print(f"{'file':<48} {'raw':>9} {'gzip -9':>9} {'brotli 11':>9}")
    for path in files:
        sizes = [
            path.stat().st_size,
            compressed(path, ["gzip", "-9", "-c"]),
            compressed(path, ["brotli", "-q", "11", "-c"]),
        ]
        totals = [t + s for t, s in zip(totals, sizes)]
        print(f"{str(path.relative_to(dist)):<48} {sizes[0]:>9} {sizes[1]:>9} {sizes[2]:>9}")
    print(f"{'total (html + wasm + js + css)':<48} {totals[0]:>9} {totals[1]:>9} {totals[2]:>9}")
    if budget is not None:
        verdict = "within" if totals[1] <= budget else "OVER"
        print(f"gzip total {totals[1]} bytes: {verdict} the budget of {budget} bytes")
        if totals[1] > budget:
            sys.exit(1)


if __name__ == "__main__":
    main()
