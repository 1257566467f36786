"""The differential test's one list of requests: every row of docs/wire.md, plus expiry,
rotation, blacklist, malformed bodies and headers, CORS and the test hooks, grouped by the
server settings they need. Each profile starts a fresh pair of servers with its flags; its
cases then run in order on both, so state (users, blacklisted tokens) builds up alike.

A case sends requests through an `Api`; every response it records is compared. Requests a
case only needs for set-up (a login for a token) pass `record=False`.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .client import Api, Response, normalise_body

CREATE = "v1/auth/jwt/create/"
REFRESH = "v1/auth/jwt/refresh/"
VERIFY = "v1/auth/jwt/verify/"
BLACKLIST = "v1/auth/jwt/blacklist/"
USERS = "v1/auth/users/"
ME = "v1/auth/users/me/"
SET_PASSWORD = "v1/auth/users/set_password/"

DEMO = {"username": "demo", "password": "demo-password"}
DEMO_BY_EMAIL = {"email": "demo@example.com", "password": "demo-password"}
ORIGIN = "http://localhost:8080"
OTHER_ORIGIN = "http://evil.example"
JSON = {"Content-Type": "application/json"}
GARBAGE = "not.a.token"
BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Api], Any]


@dataclass(frozen=True)
class Profile:
    """Server flags (the same for both servers) and the cases run under them."""

    name: str
    flags: tuple[str, ...]
    cases: tuple[Case, ...]
    # A reference-server flag the profile needs; without it the profile is skipped.
    needs_flag: str | None = None


def login(api: Api, credentials: dict[str, str] = DEMO, path: str = CREATE) -> dict[str, str]:
    """A fresh token pair for set-up, not compared."""
    response = api.post(path, credentials, record=False)
    if response.status != 200:
        raise AssertionError(f"login for set-up failed: {response.status} {response.raw[:200]!r}")
    return response.json()


def tampered(token: str) -> str:
    """The same token with another signature."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def raw_post(
    api: Api, path: str, body: bytes, content_type: str | None = "application/json", **options: Any
) -> Response:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return api.request("POST", path, body=body, headers=headers, **options)


def with_authorization(value: str) -> Callable[[Api], Any]:
    """`GET users/me/` with this Authorization header; `{access}` stands for a valid token."""

    def run(api: Api) -> None:
        access = login(api)["access"]
        api.get(ME, headers={"Authorization": value.format(access=access)})

    return run


def preflight(
    path: str,
    origin: str,
    method: str = "POST",
    request_headers: str = "authorization, content-type",
) -> Callable[[Api], Any]:
    def run(api: Api) -> None:
        api.request(
            "OPTIONS",
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": request_headers,
            },
        )

    return run


# jwt/create/ -----------------------------------------------------------------------------


def multipart_login(api: Api) -> None:
    boundary = "wire-diff-boundary"
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            for key, value in DEMO.items()
        )
        + f"--{boundary}--\r\n"
    )
    raw_post(api, CREATE, body.encode(), f"multipart/form-data; boundary={boundary}")


def huge_login(api: Api) -> None:
    # 200 kB: past the reference server's 64 KiB limit, and small enough for the socket
    # buffers to take it whole, so an early answer cannot cut the upload short.
    api.post(CREATE, {**DEMO, "padding": "x" * 200_000})


CREATE_CASES = (
    Case("create/ok", lambda api: api.post(CREATE, DEMO)),
    Case(
        "create/form-urlencoded",
        lambda api: raw_post(
            api,
            CREATE,
            b"username=demo&password=demo-password",
            "application/x-www-form-urlencoded",
        ),
    ),
    Case(
        "create/json-charset",
        lambda api: raw_post(
            api,
            CREATE,
            b'{"username":"demo","password":"demo-password"}',
            "application/json; charset=utf-8",
        ),
    ),
    Case("create/query-string", lambda api: api.post(CREATE + "?next=/home", DEMO)),
    Case("create/extra-fields", lambda api: api.post(CREATE, {**DEMO, "remember": True})),
    Case(
        "create/wrong-password",
        lambda api: api.post(CREATE, {"username": "demo", "password": "nope"}),
    ),
    Case(
        "create/unknown-user", lambda api: api.post(CREATE, {"username": "nobody", "password": "x"})
    ),
    Case("create/fields-missing", lambda api: api.post(CREATE, {})),
    Case("create/password-missing", lambda api: api.post(CREATE, {"username": "demo"})),
    Case("create/username-missing", lambda api: api.post(CREATE, {"password": "demo-password"})),
    Case("create/empty-body", lambda api: raw_post(api, CREATE, b"")),
    Case("create/blank-fields", lambda api: api.post(CREATE, {"username": "", "password": " "})),
    Case("create/null-field", lambda api: api.post(CREATE, {"username": None, "password": "x"})),
    Case(
        "create/number-username", lambda api: api.post(CREATE, {"username": 123, "password": "x"})
    ),
    Case("create/wrong-types", lambda api: api.post(CREATE, {"username": True, "password": ["x"]})),
    Case(
        "create/object-field", lambda api: api.post(CREATE, {"username": {"a": 1}, "password": "x"})
    ),
    Case("create/not-json", lambda api: raw_post(api, CREATE, b"not json")),
    Case("create/json-trailing-comma", lambda api: raw_post(api, CREATE, b'{"username": "demo",}')),
    Case("create/json-single-quotes", lambda api: raw_post(api, CREATE, b"{'username': 'demo'}")),
    Case("create/json-truncated", lambda api: raw_post(api, CREATE, b'{"username": "demo", "pass')),
    Case("create/json-extra-data", lambda api: raw_post(api, CREATE, b"{} {}")),
    Case(
        "create/json-multiline-error",
        lambda api: raw_post(api, CREATE, b'{\n  "username": "demo"\n  "password": "x"\n}'),
    ),
    Case("create/invalid-utf8", lambda api: raw_post(api, CREATE, b'{"username": "\xff"}')),
    Case("create/json-array", lambda api: raw_post(api, CREATE, b"[]")),
    Case(
        "create/json-array-of-object", lambda api: raw_post(api, CREATE, b'[{"username": "demo"}]')
    ),
    Case("create/json-null", lambda api: raw_post(api, CREATE, b"null")),
    Case("create/json-string", lambda api: raw_post(api, CREATE, b'"demo"')),
    Case("create/json-number", lambda api: raw_post(api, CREATE, b"12")),
    Case("create/json-float", lambda api: raw_post(api, CREATE, b"1.5")),
    Case("create/json-bool", lambda api: raw_post(api, CREATE, b"true")),
    Case("create/text-plain", lambda api: raw_post(api, CREATE, b"username=demo", "text/plain")),
    Case(
        "create/no-content-type", lambda api: raw_post(api, CREATE, b'{"username": "demo"}', None)
    ),
    Case("create/multipart", multipart_login),
    Case("create/huge-body", huge_login),
    Case("create/get", lambda api: api.get(CREATE)),
    Case("create/put", lambda api: api.request("PUT", CREATE, json_body=DEMO)),
    Case("create/delete", lambda api: api.request("DELETE", CREATE)),
    Case("create/head", lambda api: api.request("HEAD", CREATE)),
    Case("create/options", lambda api: api.request("OPTIONS", CREATE)),
    Case("create/unslashed", lambda api: api.post(CREATE.rstrip("/"), DEMO)),
    Case("create/suffixed-path", lambda api: api.post(CREATE + "extra/", DEMO)),
)


# jwt/refresh/, jwt/verify/, jwt/blacklist/ ---------------------------------------------------


def refresh_ok(api: Api) -> None:
    api.post(REFRESH, {"refresh": login(api)["refresh"]})


def refresh_ignores_bearer(api: Api) -> None:
    # The jwt/* views authenticate nobody, so even an invalid Bearer token is no 401 there.
    api.post(REFRESH, {"refresh": login(api)["refresh"]}, bearer=GARBAGE)


def logout_then_reuse(api: Api) -> None:
    """Logout (blacklist), then each use of that refresh token: docs/wire.md's blacklist rows."""
    tokens = login(api)
    api.post(BLACKLIST, {"refresh": tokens["refresh"]})
    api.post(BLACKLIST, {"refresh": tokens["refresh"]})
    api.post(REFRESH, {"refresh": tokens["refresh"]})
    # Without BLACKLIST_AFTER_ROTATION, verify does not look at the blacklist.
    api.post(VERIFY, {"token": tokens["refresh"]})
    # The access token lives on until it expires.
    api.get(ME, bearer=tokens["access"])


TOKEN_CASES = (
    Case("refresh/ok", refresh_ok),
    Case("refresh/garbage", lambda api: api.post(REFRESH, {"refresh": GARBAGE})),
    Case("refresh/not-base64", lambda api: api.post(REFRESH, {"refresh": "a.b!.c"})),
    Case(
        "refresh/tampered",
        lambda api: api.post(REFRESH, {"refresh": tampered(login(api)["refresh"])}),
    ),
    Case(
        "refresh/access-as-refresh",
        lambda api: api.post(REFRESH, {"refresh": login(api)["access"]}),
    ),
    Case("refresh/field-missing", lambda api: api.post(REFRESH, {})),
    Case("refresh/blank", lambda api: api.post(REFRESH, {"refresh": ""})),
    Case("refresh/null", lambda api: api.post(REFRESH, {"refresh": None})),
    Case("refresh/number", lambda api: api.post(REFRESH, {"refresh": 12})),
    Case("refresh/json-array", lambda api: raw_post(api, REFRESH, b'["x"]')),
    Case("refresh/not-json", lambda api: raw_post(api, REFRESH, b"refresh")),
    Case("refresh/ignores-bearer", refresh_ignores_bearer),
    Case("refresh/get", lambda api: api.get(REFRESH)),
    Case("refresh/unslashed", lambda api: api.post(REFRESH.rstrip("/"), {"refresh": GARBAGE})),
    Case("verify/access", lambda api: api.post(VERIFY, {"token": login(api)["access"]})),
    Case("verify/refresh", lambda api: api.post(VERIFY, {"token": login(api)["refresh"]})),
    Case("verify/garbage", lambda api: api.post(VERIFY, {"token": GARBAGE})),
    Case(
        "verify/tampered", lambda api: api.post(VERIFY, {"token": tampered(login(api)["access"])})
    ),
    Case("verify/field-missing", lambda api: api.post(VERIFY, {})),
    Case("verify/wrong-field", lambda api: api.post(VERIFY, {"refresh": GARBAGE})),
    Case("verify/unslashed", lambda api: api.post(VERIFY.rstrip("/"), {"token": GARBAGE})),
    Case("blacklist/logout-then-reuse", logout_then_reuse),
    Case(
        "blacklist/access-token", lambda api: api.post(BLACKLIST, {"refresh": login(api)["access"]})
    ),
    Case("blacklist/garbage", lambda api: api.post(BLACKLIST, {"refresh": GARBAGE})),
    Case("blacklist/field-missing", lambda api: api.post(BLACKLIST, {})),
    Case("blacklist/get", lambda api: api.get(BLACKLIST)),
    Case("blacklist/unslashed", lambda api: api.post(BLACKLIST.rstrip("/"), {"refresh": GARBAGE})),
)


# users/me/ and its Authorization header -----------------------------------------------------


def me_ok(api: Api) -> None:
    api.get(ME, bearer=login(api)["access"])


def me_refresh_token(api: Api) -> None:
    api.get(ME, bearer=login(api)["refresh"])


def me_with_auth(method: str, body: Any = None) -> Callable[[Api], Any]:
    def run(api: Api) -> None:
        api.request(method, ME, json_body=body, bearer=login(api)["access"])

    return run


def me_not_json(api: Api) -> None:
    access = login(api)["access"]
    api.request("PATCH", ME, body=b"{", headers={**JSON, "Authorization": f"Bearer {access}"})
    # Without credentials the 401 comes first: the body is parsed only by the view.
    api.request("PATCH", ME, body=b"{", headers=JSON)


def delete_account(api: Api) -> None:
    """djoser's account deletion: the current password, then 204; the tokens outlive the user."""
    zoe = {"username": "zoe", "password": "zoe-password"}
    api.post(USERS, zoe, record=False)
    tokens = api.memo["deleted"] = login(api, zoe)
    api.request("DELETE", ME, json_body={"current_password": "wrong"}, bearer=tokens["access"])
    api.request(
        "DELETE", ME, json_body={"current_password": "zoe-password"}, bearer=tokens["access"]
    )
    api.get(ME, bearer=tokens["access"])
    api.post(VERIFY, {"token": tokens["refresh"]})
    api.post(CREATE, zoe)


ME_CASES = (
    Case("me/ok", me_ok),
    Case("me/no-authorization", lambda api: api.get(ME)),
    Case(
        "me/other-scheme", lambda api: api.get(ME, headers={"Authorization": "Basic ZGVtbzpkZW1v"})
    ),
    Case("me/garbage-token", lambda api: api.get(ME, bearer=GARBAGE)),
    Case("me/tampered-token", lambda api: api.get(ME, bearer=tampered(login(api)["access"]))),
    Case("me/refresh-token", me_refresh_token),
    Case("me/bearer-without-token", with_authorization("Bearer")),
    Case("me/bearer-two-spaces", with_authorization("Bearer  {access}")),
    Case("me/bearer-tab", with_authorization("Bearer\t{access}")),
    Case("me/lowercase-bearer", with_authorization("bearer {access}")),
    Case("me/three-parts", with_authorization("Bearer {access} extra")),
    Case("me/empty-authorization", with_authorization("")),
    Case("me/unslashed", lambda api: api.get(ME.rstrip("/"))),
    Case("me/unslashed-post", lambda api: api.post(ME.rstrip("/"), {})),
    Case("me/unslashed-query", lambda api: api.get(ME.rstrip("/") + "?a=1&b=2")),
    Case("me/post", me_with_auth("POST", {})),
    Case("me/options", me_with_auth("OPTIONS")),
    Case("me/options-anonymous", lambda api: api.request("OPTIONS", ME)),
    Case("me/delete-anonymous", lambda api: api.request("DELETE", ME)),
    Case("me/delete-without-password", me_with_auth("DELETE")),
    Case("me/delete-account", delete_account),
    Case(
        "me/refresh-after-delete",
        lambda api: api.post(REFRESH, {"refresh": api.memo["deleted"]["refresh"]}),
    ),
    Case("me/patch-email", me_with_auth("PATCH", {"email": "demo@example.org"})),
    Case("me/put-email", me_with_auth("PUT", {"email": "demo@example.com", "username": "ignored"})),
    Case("me/patch-invalid-email", me_with_auth("PATCH", {"email": "not an email"})),
    Case("me/patch-not-json", me_not_json),
    Case(
        "me/text-plain",
        lambda api: api.request(
            "PATCH",
            ME,
            body=b"x",
            headers={
                "Content-Type": "text/plain",
                "Authorization": f"Bearer {login(api)['access']}",
            },
        ),
    ),
    Case("me/subpath", lambda api: api.get(ME + "x/", bearer=login(api)["access"])),
)


# users/ (register, list) and users/set_password/ ----------------------------------------------


def register_then_login(api: Api) -> None:
    api.post(
        USERS, {"username": "carol", "password": "carol-password", "email": "Carol@Example.COM"}
    )
    api.post(CREATE, {"username": "carol", "password": "carol-password"})


def change_password(api: Api) -> None:
    """A user changes their password: the old one stops working, the new one logs in."""
    dave = {"username": "dave", "password": "dave-password"}
    api.post(USERS, dave, record=False)
    access = login(api, dave)["access"]
    api.post(SET_PASSWORD, {"current_password": "wrong", "new_password": "x"}, bearer=access)
    api.post(
        SET_PASSWORD, {"current_password": "dave-password", "new_password": "123"}, bearer=access
    )
    api.post(SET_PASSWORD, {}, bearer=access)
    api.post(
        SET_PASSWORD,
        {"current_password": "dave-password", "new_password": "dave-new-password"},
        bearer=access,
    )
    api.post(CREATE, dave)
    api.post(CREATE, {"username": "dave", "password": "dave-new-password"})


USER_CASES = (
    Case("users/list-anonymous", lambda api: api.get(USERS)),
    Case("users/list", lambda api: api.get(USERS, bearer=login(api)["access"])),
    Case(
        "users/register",
        lambda api: api.post(USERS, {"username": "alice", "password": "alice-password"}),
    ),
    Case(
        "users/register-with-email",
        lambda api: api.post(
            USERS, {"username": "bob", "password": "bob-password", "email": "bob@example.com"}
        ),
    ),
    Case("users/register-then-login", register_then_login),
    Case(
        "users/register-taken",
        lambda api: api.post(USERS, {"username": "demo", "password": "x-password"}),
    ),
    Case("users/register-fields-missing", lambda api: api.post(USERS, {})),
    Case("users/register-password-missing", lambda api: api.post(USERS, {"username": "erin"})),
    Case(
        "users/register-short-password",
        lambda api: api.post(USERS, {"username": "erin", "password": "short"}),
    ),
    Case(
        "users/register-numeric-password",
        lambda api: api.post(USERS, {"username": "erin", "password": "12345678"}),
    ),
    Case(
        "users/register-short-numeric-password",
        lambda api: api.post(USERS, {"username": "erin", "password": "1234"}),
    ),
    Case(
        "users/register-invalid-username",
        lambda api: api.post(USERS, {"username": "e rin", "password": "erin-password"}),
    ),
    Case(
        "users/register-invalid-email",
        lambda api: api.post(
            USERS, {"username": "erin", "password": "erin-password", "email": "erin"}
        ),
    ),
    Case(
        "users/register-everything-wrong",
        lambda api: api.post(USERS, {"username": "demo", "password": "", "email": "x"}),
    ),
    Case(
        "users/register-bad-bearer",
        lambda api: api.post(
            USERS, {"username": "frank", "password": "frank-password"}, bearer=GARBAGE
        ),
    ),
    Case(
        "users/register-form-urlencoded",
        lambda api: raw_post(
            api,
            USERS,
            b"username=grace&password=grace-password",
            "application/x-www-form-urlencoded",
        ),
    ),
    Case("users/register-not-json", lambda api: raw_post(api, USERS, b"{nope}")),
    Case("users/delete", lambda api: api.request("DELETE", USERS, bearer=login(api)["access"])),
    Case("users/unslashed", lambda api: api.post(USERS.rstrip("/"), {})),
    Case("set-password/anonymous", lambda api: api.post(SET_PASSWORD, {})),
    Case("set-password/change", change_password),
    Case("set-password/get", lambda api: api.get(SET_PASSWORD, bearer=login(api)["access"])),
)


# CORS (allowed origin: ORIGIN) and paths outside the API --------------------------------------


def actual_request(origin: str) -> Callable[[Api], Any]:
    def run(api: Api) -> None:
        api.post(CREATE, DEMO, headers={"Origin": origin})
        api.get(ME, headers={"Origin": origin})

    return run


CORS_CASES = (
    Case("cors/preflight-login", preflight(CREATE, ORIGIN, request_headers="content-type")),
    Case("cors/preflight-me", preflight(ME, ORIGIN, "GET", "authorization")),
    Case("cors/preflight-unslashed", preflight(ME.rstrip("/"), ORIGIN, "GET", "authorization")),
    Case("cors/preflight-unknown-path", preflight("v1/nope/", ORIGIN)),
    Case("cors/preflight-other-origin", preflight(CREATE, OTHER_ORIGIN)),
    Case(
        "cors/preflight-no-origin",
        lambda api: api.request(
            "OPTIONS", CREATE, headers={"Access-Control-Request-Method": "POST"}
        ),
    ),
    Case("cors/actual-requests", actual_request(ORIGIN)),
    Case("cors/actual-other-origin", actual_request(OTHER_ORIGIN)),
    Case(
        "cors/options-without-request-method",
        lambda api: api.request("OPTIONS", CREATE, headers={"Origin": ORIGIN}),
    ),
    Case("cors/redirect", lambda api: api.get(ME.rstrip("/"), headers={"Origin": ORIGIN})),
)

OTHER_CASES = (
    Case("paths/unknown-api-path", lambda api: api.get("v1/nope/")),
    Case("paths/api-root", lambda api: api.get("/api/")),
    Case("paths/auth-root", lambda api: api.get("v1/auth/")),
)


# The test hooks, and settings changed through them ---------------------------------------------


def hook(api: Api, method: str, path: str, body: Any = None) -> Response:
    """A test-hook request, noted by status and body only: the hooks' headers are each
    server's own, not part of the wire contract."""
    response = api.request(method, path, json_body=body, record=False)
    api.note(
        f"{method} {path}: {response.status} {normalise_body('application/json', response.raw)}"
    )
    return response


def hooks_log(api: Api) -> None:
    """The request log of a few requests, its times reduced to whether they are numbers."""
    hook(api, "DELETE", "/__test__/log")
    preflight(ME, ORIGIN, "GET", "authorization")(api)
    access = login(api)["access"]
    api.get(ME, bearer=access)
    api.get(ME, headers={"Authorization": "Basic x"})
    api.get(ME.rstrip("/"))
    entries = api.get("/__test__/log", record=False).json()["requests"]
    for entry in entries:
        entry["at_ms"] = type(entry["at_ms"]).__name__
        entry["done_ms"] = type(entry["done_ms"]).__name__
    api.note(repr(entries))


def live_lifetimes(api: Api) -> None:
    """New lifetimes apply to the next token issued, from any view."""
    hook(api, "PUT", "/__test__/config", {"access_ttl_ms": 7000, "refresh_ttl_ms": 9000})
    refresh = api.post(CREATE, DEMO).json()["refresh"]
    api.post(REFRESH, {"refresh": refresh})
    hook(api, "PUT", "/__test__/config", {"access_ttl_ms": 300_000, "refresh_ttl_ms": 86_400_000})


def live_rotation(api: Api) -> None:
    """Rotation and blacklisting switched on while running, then off again."""
    hook(
        api,
        "PUT",
        "/__test__/config",
        {"rotate_refresh_tokens": True, "blacklist_after_rotation": True},
    )
    refresh = login(api)["refresh"]
    api.post(REFRESH, {"refresh": refresh})
    api.post(REFRESH, {"refresh": refresh})
    api.post(VERIFY, {"token": refresh})
    hook(
        api,
        "PUT",
        "/__test__/config",
        {"rotate_refresh_tokens": False, "blacklist_after_rotation": False},
    )
    api.post(REFRESH, {"refresh": login(api)["refresh"]})


def hooks_bad_config(api: Api) -> None:
    # The messages are each server's own; the status is the interface.
    for body in (b'{"access_ttl_ms": "soon"}', b'{"nope": 1}', b"[1]", b"{"):
        status = api.request(
            "PUT", "/__test__/config", body=body, headers=JSON, record=False
        ).status
        api.note(f"PUT /__test__/config {body!r}: {status}")


HOOK_CASES = (
    Case("hooks/config", lambda api: hook(api, "GET", "/__test__/config")),
    Case("hooks/config-partial", lambda api: hook(api, "PUT", "/__test__/config", {})),
    Case("hooks/config-bad", hooks_bad_config),
    Case("hooks/log", hooks_log),
    Case("hooks/live-lifetimes", live_lifetimes),
    Case("hooks/live-rotation", live_rotation),
)


# Expiry: access tokens live 2 s, refresh tokens 3 s ----------------------------------------------


def expiry_login_and_wait(api: Api) -> None:
    """One login whose tokens the next cases use once they have expired. Tokens carry whole
    seconds, so a token lives between lifetime - 1 and lifetime seconds: 3.2 s is enough."""
    api.memo["expired"] = api.post(CREATE, DEMO).json()
    time.sleep(3.2)


def expired(use: Callable[[Api, dict[str, str]], Any]) -> Callable[[Api], Any]:
    return lambda api: use(api, api.memo["expired"])


EXPIRY_CASES = (
    Case("expiry/login-and-wait", expiry_login_and_wait),
    Case("expiry/me", expired(lambda api, t: api.get(ME, bearer=t["access"]))),
    Case("expiry/refresh", expired(lambda api, t: api.post(REFRESH, {"refresh": t["refresh"]}))),
    Case("expiry/verify-access", expired(lambda api, t: api.post(VERIFY, {"token": t["access"]}))),
    Case(
        "expiry/verify-refresh", expired(lambda api, t: api.post(VERIFY, {"token": t["refresh"]}))
    ),
    Case(
        "expiry/blacklist", expired(lambda api, t: api.post(BLACKLIST, {"refresh": t["refresh"]}))
    ),
    Case(
        "expiry/register-with-expired-bearer",
        expired(
            lambda api, t: api.post(
                USERS, {"username": "henry", "password": "henry-password"}, bearer=t["access"]
            )
        ),
    ),
    # The first second of a token's life is always inside its lifetime.
    Case("expiry/fresh-token-works", me_ok),
)


# Rotation with blacklist-after-rotation -------------------------------------------------------


def rotate_then_reuse(api: Api) -> None:
    """docs/wire.md's rotation rows: a new pair, the old refresh token refused everywhere."""
    old = login(api)["refresh"]
    new = api.post(REFRESH, {"refresh": old}).json()["refresh"]
    api.post(REFRESH, {"refresh": old})
    api.post(VERIFY, {"token": old})
    api.post(BLACKLIST, {"refresh": old})
    newer = api.post(REFRESH, {"refresh": new}).json()["refresh"]
    api.post(BLACKLIST, {"refresh": newer})
    api.post(REFRESH, {"refresh": newer})


def concurrent_refreshes(api: Api) -> None:
    """Three refreshes with one token at once. Each answer must be a new pair or the
    blacklisted 401, and at least one a new pair. How many win is not compared: stock
    SimpleJWT checks the blacklist before it writes to it, so on Django two or three may
    win; the reference server lets exactly one win (its own tests hold it to that)."""
    refresh = login(api)["refresh"]
    with ThreadPoolExecutor(3) as pool:
        answers = list(
            pool.map(lambda _: api.post(REFRESH, {"refresh": refresh}, record=False), range(3))
        )
    wins = sum(answer.status == 200 for answer in answers)
    others_blacklisted = all(
        answer.status == 401 and answer.json() == BLACKLISTED
        for answer in answers
        if answer.status != 200
    )
    api.note(f"at least one wins: {wins >= 1}; the others are refused: {others_blacklisted}")
    api.remarks.append(f"{wins} of 3 won")


ROTATION_CASES = (
    Case("rotation/refresh", refresh_ok),
    Case("rotation/rotate-then-reuse", rotate_then_reuse),
    Case("rotation/concurrent-refreshes", concurrent_refreshes),
    Case("rotation/verify-access", lambda api: api.post(VERIFY, {"token": login(api)["access"]})),
)


def rotation_keeps_old_token(api: Api) -> None:
    old = login(api)["refresh"]
    api.post(REFRESH, {"refresh": old})
    api.post(REFRESH, {"refresh": old})
    api.post(VERIFY, {"token": old})


ROTATION_ONLY_CASES = (Case("rotation-only/old-token-still-works", rotation_keeps_old_token),)


# Lossless rotation: rotation + blacklist + a 2 s reuse interval (the reference server's
# --refresh-reuse-interval; on Django, packages/simplejwt-lossless) ---------------------------

REUSE_INTERVAL_S = 2


def login_and_rotate(api: Api) -> tuple[str, str]:
    """A login's refresh token and the one its (recorded) rotation answered."""
    old = login(api)["refresh"]
    return old, api.post(REFRESH, {"refresh": old}).json()["refresh"]


def same_token(api: Api, label: str, ours: str | None, theirs: str | None) -> None:
    """Notes whether two tokens are one and the same (the normaliser shows only claims)."""
    api.note(f"{label}: {ours is not None and ours == theirs}")


def reload_mid_refresh(api: Api) -> None:
    """A page reloads while its refresh is in flight: it never stores T' and sends T again,
    within the interval; it gets T' and a new access token, and T' then rotates."""
    old = login(api)["refresh"]
    first = api.post(REFRESH, {"refresh": old}).json()
    again = api.post(REFRESH, {"refresh": old}).json()
    same_token(api, "the parent gets the current token", first.get("refresh"), again.get("refresh"))
    api.note(f"and a new access token: {first.get('access') != again.get('access')}")
    api.post(REFRESH, {"refresh": first["refresh"]})
    api.post(VERIFY, {"token": first["refresh"]})


def lossless_concurrent_refreshes(api: Api) -> None:
    """Five refreshes with one token at once: one rotation, every answer its token."""
    refresh = login(api)["refresh"]
    with ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(lambda _: api.post(REFRESH, {"refresh": refresh}, record=False), range(5))
        )
    statuses = sorted(answer.status for answer in answers)
    tokens = {answer.json().get("refresh") for answer in answers if answer.status == 200}
    api.note(f"statuses {statuses}; distinct refresh tokens: {len(tokens)}")


def ancestor_reuse(api: Api) -> None:
    """A token two rotations old: refused, and its family revoked, the newest token too."""
    t0, t1 = login_and_rotate(api)
    t2 = api.post(REFRESH, {"refresh": t1}).json()["refresh"]
    api.post(REFRESH, {"refresh": t0})
    api.post(REFRESH, {"refresh": t2})
    api.post(REFRESH, {"refresh": t1})
    api.post(VERIFY, {"token": t2})


def reuse_after_interval(api: Api) -> None:
    """The parent once the interval is over: a reuse, the family revoked."""
    old, new = login_and_rotate(api)
    time.sleep(REUSE_INTERVAL_S + 0.3)
    api.post(REFRESH, {"refresh": old})
    api.post(REFRESH, {"refresh": new})


def other_family_untouched(api: Api) -> None:
    """Revoking one login's family leaves another login of the same user alone."""
    mine, other = login(api)["refresh"], login(api)["refresh"]
    mine1 = api.post(REFRESH, {"refresh": mine}, record=False).json()["refresh"]
    api.post(REFRESH, {"refresh": mine1}, record=False)
    api.post(REFRESH, {"refresh": mine})
    other1 = api.post(REFRESH, {"refresh": other}).json()["refresh"]
    api.post(REFRESH, {"refresh": other1})


def logout_of_current(api: Api) -> None:
    """Logout with the current token: its parent is no longer answered."""
    old, new = login_and_rotate(api)
    api.post(BLACKLIST, {"refresh": new})
    api.post(REFRESH, {"refresh": old})
    api.post(REFRESH, {"refresh": new})


def logout_with_parent(api: Api) -> None:
    """Logout with the parent (a tab that never stored the current token) is refused as any
    blacklisted token is; the current token lives on (the package README's known limit)."""
    old, new = login_and_rotate(api)
    api.post(BLACKLIST, {"refresh": old})
    api.post(REFRESH, {"refresh": new})


def logout_before_refresh(api: Api) -> None:
    tokens = login(api)
    api.post(BLACKLIST, {"refresh": tokens["refresh"]})
    api.post(REFRESH, {"refresh": tokens["refresh"]})


LOSSLESS_CASES = (
    Case("lossless/refresh", refresh_ok),
    Case("lossless/reload-mid-refresh", reload_mid_refresh),
    Case("lossless/concurrent-refreshes", lossless_concurrent_refreshes),
    Case("lossless/ancestor-reuse", ancestor_reuse),
    Case("lossless/reuse-after-interval", reuse_after_interval),
    Case("lossless/other-family-untouched", other_family_untouched),
    Case("lossless/logout-of-current", logout_of_current),
    Case("lossless/logout-with-parent", logout_with_parent),
    Case("lossless/logout-before-refresh", logout_before_refresh),
)


# CORS_ALLOWED_ORIGINS = * ------------------------------------------------------------------------

ANY_ORIGIN_CASES = (
    Case(
        "cors-any/preflight", preflight(ME, "http://anything.example:3000", "GET", "authorization")
    ),
    Case("cors-any/actual-requests", actual_request("http://anything.example:3000")),
)


# docs/wire.md's variant: email login (custom user model), AUTH_HEADER_TYPES JWT, USER_ID_CLAIM sub


def variant_login(api: Api) -> dict[str, str]:
    return login(api, DEMO_BY_EMAIL)


def variant_me(
    header_type: str, token: Callable[[Api], str] = lambda api: variant_login(api)["access"]
) -> Callable[[Api], Any]:
    def run(api: Api) -> None:
        api.get(ME, headers={"Authorization": f"{header_type} {token(api)}"})

    return run


def variant_register_then_login(api: Api) -> None:
    api.post(USERS, {"email": "ivy@example.com", "password": "ivy-password", "display_name": "Ivy"})
    tokens = api.post(CREATE, {"email": "ivy@example.com", "password": "ivy-password"}).json()
    api.get(ME, headers={"Authorization": f"JWT {tokens['access']}"})


def variant_refresh(api: Api) -> None:
    api.post(REFRESH, {"refresh": variant_login(api)["refresh"]})


VARIANT_CASES = (
    Case("variant/create", lambda api: api.post(CREATE, DEMO_BY_EMAIL)),
    Case("variant/create-with-username", lambda api: api.post(CREATE, DEMO)),
    Case(
        "variant/create-wrong-password",
        lambda api: api.post(CREATE, {"email": "demo@example.com", "password": "nope"}),
    ),
    Case("variant/create-fields-missing", lambda api: api.post(CREATE, {})),
    Case("variant/me-jwt", variant_me("JWT")),
    Case("variant/me-bearer", variant_me("Bearer")),
    Case("variant/me-jwt-garbage", variant_me("JWT", lambda api: GARBAGE)),
    Case("variant/me-jwt-without-token", lambda api: api.get(ME, headers={"Authorization": "JWT"})),
    Case("variant/me-anonymous", lambda api: api.get(ME)),
    Case("variant/refresh", variant_refresh),
    Case("variant/register-then-login", variant_register_then_login),
    Case(
        "variant/register-taken",
        lambda api: api.post(
            USERS, {"email": "demo@example.com", "password": "x-password", "display_name": "X"}
        ),
    ),
    Case("variant/register-fields-missing", lambda api: api.post(USERS, {})),
    Case(
        "variant/register-with-username",
        lambda api: api.post(USERS, {"username": "jack", "password": "jack-password"}),
    ),
    Case(
        "variant/register-bad-bearer",
        lambda api: api.post(
            USERS,
            {"email": "kim@example.com", "password": "kim-password", "display_name": "Kim"},
            headers={"Authorization": f"JWT {GARBAGE}"},
        ),
    ),
    Case("variant/preflight", preflight(ME, ORIGIN, "GET", "authorization")),
)


# docs/wire.md's common variant: the settings of djoser's JWT docs with a custom user model.
VARIANT_SETTINGS = ("--login-field", "email", "--auth-header-type", "JWT", "--user-id-claim", "sub")

PROFILES = (
    Profile(
        "default",
        ("--cors-origin", ORIGIN),
        CREATE_CASES + TOKEN_CASES + ME_CASES + USER_CASES + CORS_CASES + OTHER_CASES + HOOK_CASES,
    ),
    Profile("expiry", ("--access-ttl", "2s", "--refresh-ttl", "3s"), EXPIRY_CASES),
    Profile("rotation", ("--rotate-refresh-tokens", "--blacklist-after-rotation"), ROTATION_CASES),
    Profile("rotation-only", ("--rotate-refresh-tokens",), ROTATION_ONLY_CASES),
    Profile(
        "lossless",
        (
            "--rotate-refresh-tokens",
            "--blacklist-after-rotation",
            "--refresh-reuse-interval",
            f"{REUSE_INTERVAL_S}s",
        ),
        LOSSLESS_CASES,
        needs_flag="--refresh-reuse-interval",
    ),
    Profile("cors-any", ("--cors-origin", "*"), ANY_ORIGIN_CASES),
    Profile(
        "variant",
        (*VARIANT_SETTINGS, "--cors-origin", ORIGIN),
        VARIANT_CASES,
        needs_flag="--login-field",
    ),
)
