#!/usr/bin/env python3
"""Trunk post-build hook: puts the hash of every inline script and style of the built index.html
into its Content-Security-Policy, so that trunk's loader (an inline module script whose file
names change with every build), the app shell's script and the inlined stylesheet apply, and no
other inline script or style can.

Trunk runs it after writing $TRUNK_STAGING_DIR/index.html (Trunk.toml, [[hooks]]). The policy in
index.html lists `'wasm-unsafe-eval'` in script-src and the placeholder `'inline-hashes'` in
style-src; the hashes go after the first and in place of the second.
"""
import base64
import hashlib
import os
import re
import sys

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
# The policy's meta tag, whatever the order of its attributes.
POLICY = re.compile(r'(<meta\s[^>]*?content=")([^"]*)("[^>]*>)')


def hashes(pattern: re.Pattern, html: str) -> str:
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in pattern.findall(html)
    )


def with_hashes(html: str) -> str:
    policy = next(
        (meta for meta in POLICY.finditer(html) if "Content-Security-Policy" in meta[0]), None
    )
    if policy is None or "'wasm-unsafe-eval'" not in policy[2] or "'inline-hashes'" not in policy[2]:
        found = policy[0] if policy else html[:400]
        sys.exit(
            "csp-hashes: index.html's Content-Security-Policy needs 'wasm-unsafe-eval' in "
            f"script-src and 'inline-hashes' in style-src; found: {found}"
        )
    scripts = f"'wasm-unsafe-eval' {hashes(INLINE_SCRIPT, html)}".strip()
    content = policy[2].replace("'wasm-unsafe-eval'", scripts, 1)
    content = content.replace(" 'inline-hashes'", f" {hashes(INLINE_STYLE, html)}".rstrip(), 1)
    return html[: policy.start(2)] + content + html[policy.end(2) :]


def main() -> None:
    index = os.path.join(os.environ["TRUNK_STAGING_DIR"], "index.html")
    with open(index, encoding="utf-8") as file:
        html = file.read()
    with open(index, "w", encoding="utf-8") as file:
        file.write(with_hashes(html))


if __name__ == "__main__":
    main()
