"""The simplejwt URL layout (`--url-layout simplejwt`): SimpleJWT's own views at the URLs its
documentation gives and the app's own `me/`, without djoser. Token lifetimes and rotation
are switched through the test hooks, so one pair of servers serves every case."""

import time
from collections.abc import Callable
from typing import Any

from .cases import (
    DEMO,
    DEMO_BY_EMAIL,
    GARBAGE,
    ORIGIN,
    VARIANT_SETTINGS,
    Case,
    Profile,
    hook,
    login,
    preflight,
    tampered,
)
from .client import Api

TOKEN = "token/"
REFRESH = "token/refresh/"
VERIFY = "token/verify/"
BLACKLIST = "token/blacklist/"
ME = "me/"


def pair(api: Api, credentials: dict[str, str] = DEMO) -> dict[str, str]:
    return login(api, credentials, TOKEN)


def me_with(token: Callable[[Api], str]) -> Callable[[Api], Any]:
    return lambda api: api.get(ME, bearer=token(api))


def rotation(on: bool) -> dict[str, bool]:
    return {"rotate_refresh_tokens": on, "blacklist_after_rotation": on}


def rotate_and_blacklist(api: Api) -> None:
    """Rotation with blacklisting switched on: a new pair, the old refresh token refused."""
    hook(api, "PUT", "/__test__/config", rotation(True))
    try:
        old = pair(api)["refresh"]
        new = api.post(REFRESH, {"refresh": old}).json()["refresh"]
        api.post(REFRESH, {"refresh": old})
        api.post(VERIFY, {"token": old})
        api.post(BLACKLIST, {"refresh": old})
        api.post(REFRESH, {"refresh": new})
    finally:
        hook(api, "PUT", "/__test__/config", rotation(False))


def logout_then_reuse(api: Api) -> None:
    """Logout is the blacklist view: the refresh token stops working, the access token
    lives on until it expires."""
    tokens = pair(api)
    api.post(BLACKLIST, {"refresh": tokens["refresh"]})
    api.post(BLACKLIST, {"refresh": tokens["refresh"]})
    api.post(REFRESH, {"refresh": tokens["refresh"]})
    api.get(ME, bearer=tokens["access"])


def expired_tokens(api: Api) -> None:
    """Tokens of a 1 s access and 2 s refresh lifetime, used once both have expired."""
    hook(api, "PUT", "/__test__/config", {"access_ttl_ms": 1000, "refresh_ttl_ms": 2000})
    try:
        tokens = api.post(TOKEN, DEMO).json()
    finally:
        hook(api, "PUT", "/__test__/config", {"access_ttl_ms": 300_000, "refresh_ttl_ms": 86_400_000})
    time.sleep(2.2)
    api.get(ME, bearer=tokens["access"])
    api.post(REFRESH, {"refresh": tokens["refresh"]})
    api.post(BLACKLIST, {"refresh": tokens["refresh"]})


def djoser_paths(api: Api) -> None:
    for path in ("v1/auth/jwt/create/", "v1/auth/jwt/refresh/", "v1/auth/users/me/"):
        api.post(path, DEMO) if path.endswith("create/") else api.get(path)
    api.post("v1/auth/users/", {"username": "nora", "password": "nora-password"})


CASES = (
    Case("simplejwt/login", lambda api: api.post(TOKEN, DEMO)),
    Case(
        "simplejwt/login-wrong-password",
        lambda api: api.post(TOKEN, {"username": "demo", "password": "nope"}),
    ),
    Case("simplejwt/login-fields-missing", lambda api: api.post(TOKEN, {})),
    Case("simplejwt/login-get", lambda api: api.get(TOKEN)),
    Case("simplejwt/login-unslashed", lambda api: api.post(TOKEN.rstrip("/"), DEMO)),
    Case("simplejwt/refresh", lambda api: api.post(REFRESH, {"refresh": pair(api)["refresh"]})),
    Case(
        "simplejwt/refresh-access-token",
        lambda api: api.post(REFRESH, {"refresh": pair(api)["access"]}),
    ),
    Case("simplejwt/refresh-garbage", lambda api: api.post(REFRESH, {"refresh": GARBAGE})),
    Case("simplejwt/refresh-field-missing", lambda api: api.post(REFRESH, {})),
    Case("simplejwt/verify", lambda api: api.post(VERIFY, {"token": pair(api)["access"]})),
    Case("simplejwt/verify-garbage", lambda api: api.post(VERIFY, {"token": GARBAGE})),
    Case("simplejwt/rotate-and-blacklist", rotate_and_blacklist),
    Case("simplejwt/logout-then-reuse", logout_then_reuse),
    Case("simplejwt/blacklist-garbage", lambda api: api.post(BLACKLIST, {"refresh": GARBAGE})),
    Case("simplejwt/blacklist-field-missing", lambda api: api.post(BLACKLIST, {})),
    Case("simplejwt/me", me_with(lambda api: pair(api)["access"])),
    Case("simplejwt/me-garbage-token", me_with(lambda api: GARBAGE)),
    Case("simplejwt/me-tampered-token", me_with(lambda api: tampered(pair(api)["access"]))),
    Case("simplejwt/me-refresh-token", me_with(lambda api: pair(api)["refresh"])),
    Case("simplejwt/me-missing-token", lambda api: api.get(ME)),
    Case("simplejwt/me-other-scheme", lambda api: api.get(ME, headers={"Authorization": "JWT x"})),
    Case("simplejwt/me-post", lambda api: api.post(ME, {}, bearer=pair(api)["access"])),
    Case("simplejwt/me-post-anonymous", lambda api: api.post(ME, {})),
    Case("simplejwt/me-unslashed", lambda api: api.get(ME.rstrip("/"))),
    Case("simplejwt/expired-tokens", expired_tokens),
    Case("simplejwt/djoser-paths", djoser_paths),
    Case("simplejwt/api-root", lambda api: api.get("/api/")),
    Case("simplejwt/preflight", preflight(ME, ORIGIN, "GET", "authorization")),
)


def variant_me(api: Api) -> None:
    tokens = api.post(TOKEN, DEMO_BY_EMAIL).json()
    api.get(ME, headers={"Authorization": f"JWT {tokens['access']}"})


VARIANT_CASES = (
    Case("simplejwt-variant/login-and-me", variant_me),
    Case("simplejwt-variant/login-with-username", lambda api: api.post(TOKEN, DEMO)),
    Case(
        "simplejwt-variant/refresh",
        lambda api: api.post(REFRESH, {"refresh": pair(api, DEMO_BY_EMAIL)["refresh"]}),
    ),
)

PROFILES = (
    Profile(
        "simplejwt",
        ("--url-layout", "simplejwt", "--cors-origin", ORIGIN),
        CASES,
        needs_flag="--url-layout",
    ),
    Profile(
        "simplejwt-variant",
        ("--url-layout", "simplejwt", *VARIANT_SETTINGS),
        VARIANT_CASES,
        needs_flag="--url-layout",
    ),
)
