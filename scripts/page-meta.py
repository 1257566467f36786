#!/usr/bin/env python3
"""Trunk post-build hook: sets the page's meta tags that $INTERCEPTOR_PAGE_META names, so that
`scripts/dev --cookies` serves the page of another deployment (dj-rest-auth's wire, the tokens
in httpOnly cookies) from the one index.html.

$INTERCEPTOR_PAGE_META holds `name=content` pairs separated by spaces, e.g.
`auth-wire=dj-rest-auth auth-token-mode=cookies`: a tag of that name gets the content, or is
added after the api-base tag. Unset or empty, the page stays as index.html has it (scripts/test
builds it so). A deployment edits dist/index.html's tags by hand to the same effect (README).
Trunk.toml runs it before scripts/csp-hashes.py (hooks of one stage run at the same time).
"""
import html
import os
import re
import sys

API_BASE = re.compile(r'<meta name="api-base" content="[^"]*" />')


def with_meta(page: str, settings: str) -> str:
    added = ""
    for pair in settings.split():
        name, sep, content = pair.partition("=")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            sys.exit(f"page-meta: INTERCEPTOR_PAGE_META: expected name=content pairs, got {pair!r}")
        tag = f'<meta name="{name}" content="{html.escape(content)}" />'
        existing = re.compile(rf'<meta name="{name}" content="[^"]*" />')
        if existing.search(page):
            page = existing.sub(lambda _: tag, page, count=1)
        else:
            added += f"\n    {tag}"
    base = API_BASE.search(page)
    if base is None:
        sys.exit("page-meta: index.html has no api-base meta tag to add the settings after")
    return page[: base.end()] + added + page[base.end() :]


def main() -> None:
    settings = os.environ.get("INTERCEPTOR_PAGE_META", "").strip()
    if not settings:
        return
    index = os.path.join(os.environ["TRUNK_STAGING_DIR"], "index.html")
    with open(index, encoding="utf-8") as file:
        page = file.read()
    with open(index, "w", encoding="utf-8") as file:
        file.write(with_meta(page, settings))


if __name__ == "__main__":
    main()
