#!/usr/bin/env python3
"""Trunk post-build hook: puts the hash of every inline script of the built index.html into its
Content-Security-Policy, so that trunk's loader (an inline module script whose file names change
with every build) runs and no other inline script can.

Trunk runs it after writing $TRUNK_STAGING_DIR/index.html (Trunk.toml, [[hooks]]). The policy in
index.html lists `'wasm-unsafe-eval'` in script-src; the hashes are added after it.
"""
import base64
import hashlib
import os
import re
import sys

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
POLICY = re.compile(r'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")')


def script_hashes(html: str) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    ]


def with_hashes(html: str) -> str:
    hashes = " ".join(script_hashes(html))
    policy = POLICY.search(html)
    if policy is None or "'wasm-unsafe-eval'" not in policy[2]:
        sys.exit("csp-hashes: index.html has no Content-Security-Policy with 'wasm-unsafe-eval'")
    content = policy[2].replace("'wasm-unsafe-eval'", f"'wasm-unsafe-eval' {hashes}".strip(), 1)
    return html[: policy.start(2)] + content + html[policy.end(2) :]


def main() -> None:
    index = os.path.join(os.environ["TRUNK_STAGING_DIR"], "index.html")
    with open(index, encoding="utf-8") as file:
        html = file.read()
    with open(index, "w", encoding="utf-8") as file:
        file.write(with_hashes(html))


if __name__ == "__main__":
    main()
