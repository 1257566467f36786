"""The cookie wire (`--url-layout dj-rest-auth`): dj-rest-auth's views under /api/auth/ with
the tokens in httpOnly cookies. Each case is a fresh browser: the `Api`'s cookie jar starts
empty, keeps what the answers set, and sends what a path's cookies cover, so a refresh
cookie with a narrowed Path never reaches `logout/`, as in a browser."""

from collections.abc import Callable
from typing import Any

from .cases import DEMO, GARBAGE, ORIGIN, OTHER_ORIGIN, Case, Profile, hook, preflight
from .client import Api, Response

LOGIN = "auth/login/"
LOGOUT = "auth/logout/"
USER = "auth/user/"
REFRESH = "auth/token/refresh/"
VERIFY = "auth/token/verify/"
PASSWORD_CHANGE = "auth/password/change/"
ACCESS_COOKIE = "jwt-access"
REFRESH_COOKIE = "jwt-refresh"
NARROWED_PATH = "/api/auth/token/refresh/"


def log_in(api: Api, record: bool = False) -> Response:
    """A login whose cookies go into the jar; for set-up unless recorded."""
    response = api.post(LOGIN, DEMO, record=record)
    if response.status != 200:
        raise AssertionError(f"login failed: {response.status} {response.raw[:200]!r}")
    return response


def refresh_token(response: Response, name: str = REFRESH_COOKIE) -> str:
    token = response.cookie(name)
    if not token:
        raise AssertionError(f"no {name} cookie in {response.set_cookies}")
    return token


def with_cookies(cookies: dict[str, str]) -> dict[str, str]:
    """A `Cookie` header of exactly these cookies (for requests sent with `jar=False`)."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def refresh_directly(api: Api, token: str) -> None:
    """Whether a refresh token still works, asked in the body, not through the jar."""
    api.post(REFRESH, {"refresh": token}, jar=False)


# Login -----------------------------------------------------------------------------------


def login_then_user(api: Api) -> None:
    log_in(api, record=True)
    api.get(USER)
    api.get(USER.rstrip("/"))


def user_with(cookies: Callable[[Api], dict[str, str]], **extra: str) -> Callable[[Api], Any]:
    def run(api: Api) -> None:
        api.get(USER, headers={**with_cookies(cookies(api)), **extra}, jar=False)

    return run


def access_of(api: Api) -> str:
    return log_in(api).cookie(ACCESS_COOKIE) or ""


def header_beats_cookie(api: Api) -> None:
    """An Authorization header is read instead of the cookie, even one that names no
    token type SimpleJWT accepts: then nobody is signed in."""
    access = access_of(api)
    cookie = with_cookies({ACCESS_COOKIE: access})
    api.get(USER, headers={**cookie, "Authorization": f"Bearer {GARBAGE}"}, jar=False)
    api.get(USER, headers={**cookie, "Authorization": "Basic ZGVtbzpkZW1v"}, jar=False)
    api.get(USER, headers={"Authorization": f"Bearer {access}"}, jar=False)


def user_update(api: Api) -> None:
    """PATCH and PUT of `user/`: names, the username's rules, read-only email; the demo
    user is put back as it was."""
    log_in(api)
    api.request("PATCH", USER, json_body={"first_name": "Dee", "email": "x@example.com"})
    api.request("PATCH", USER, json_body={"username": "d e", "last_name": "x" * 151})
    api.request("PATCH", USER, json_body={"username": ""})
    api.request("PUT", USER, json_body={"first_name": "Dee"})
    api.request("PUT", USER, json_body={"username": "dee", "last_name": "Mo"})
    api.post(LOGIN, {"username": "dee", "password": "demo-password"}, record=False)
    api.request("PATCH", USER, json_body={"username": "demo"})
    api.request("PUT", USER, json_body={"username": "demo", "first_name": "", "last_name": ""})
    api.request("PATCH", USER, body=b"{", headers={"Content-Type": "application/json"})


# Refresh ---------------------------------------------------------------------------------


def refresh_through_cookie(api: Api) -> None:
    log_in(api)
    api.post(REFRESH)
    api.post(REFRESH, {})
    api.get(USER)


def body_beats_cookie(api: Api) -> None:
    log_in(api)
    api.post(REFRESH, {"refresh": GARBAGE})
    api.post(REFRESH, {"refresh": ""})
    api.post(REFRESH, {"refresh": None})


def refresh_with_access_cookie(api: Api) -> None:
    access = access_of(api)
    api.post(REFRESH, headers=with_cookies({REFRESH_COOKIE: access}), jar=False)


def rotation_through_cookie(api: Api) -> None:
    """Rotation with blacklisting: the refresh answer sets a new refresh cookie; the old
    token, sent directly, is refused; the new one in the jar works."""
    hook(api, "PUT", "/__test__/config", {"rotate_refresh_tokens": True, "blacklist_after_rotation": True})
    try:
        old = refresh_token(log_in(api))
        api.post(REFRESH)
        refresh_directly(api, old)
        api.post(REFRESH)
        api.post(LOGOUT)
        refresh_directly(api, old)
    finally:
        hook(api, "PUT", "/__test__/config", {"rotate_refresh_tokens": False, "blacklist_after_rotation": False})


def live_lifetimes(api: Api) -> None:
    """Lifetimes changed at run time apply to the cookies' Max-Age and the expiration
    times too."""
    hook(api, "PUT", "/__test__/config", {"access_ttl_ms": 7000, "refresh_ttl_ms": 9000})
    try:
        log_in(api, record=True)
        api.post(REFRESH)
    finally:
        hook(api, "PUT", "/__test__/config", {"access_ttl_ms": 300_000, "refresh_ttl_ms": 86_400_000})


# Logout ----------------------------------------------------------------------------------


def logout_revokes(api: Api) -> None:
    """With the refresh cookie at `/`, logout blacklists it and deletes every cookie."""
    token = refresh_token(log_in(api))
    api.post(LOGOUT)
    refresh_directly(api, token)
    api.post(LOGOUT)


def logout_blacklisted_cookie(api: Api) -> None:
    token = refresh_token(log_in(api))
    api.post(REFRESH, {"refresh": token}, record=False)
    api.post(LOGOUT, headers=with_cookies({REFRESH_COOKIE: token}), jar=False)
    api.post(LOGOUT, headers=with_cookies({REFRESH_COOKIE: token}), jar=False)
    api.post(LOGOUT, headers=with_cookies({REFRESH_COOKIE: GARBAGE}), jar=False)


# Password change -------------------------------------------------------------------------


def password_change(api: Api) -> None:
    log_in(api)
    api.post(PASSWORD_CHANGE, {})
    api.post(PASSWORD_CHANGE, {"new_password1": "new-password-1", "new_password2": "other"})
    api.post(PASSWORD_CHANGE, {"new_password1": "123", "new_password2": "123"})
    # The same password again, so later cases still log in.
    api.post(PASSWORD_CHANGE, {"new_password1": "demo-password", "new_password2": "demo-password"})
    api.post(LOGIN, DEMO)


# CORS with credentials -------------------------------------------------------------------


def credentialed_requests(origin: str) -> Callable[[Api], Any]:
    def run(api: Api) -> None:
        api.post(LOGIN, DEMO, headers={"Origin": origin})
        api.get(USER, headers={"Origin": origin})
        api.post(REFRESH, headers={"Origin": origin})

    return run


CASES = (
    Case("rest-auth/login", login_then_user),
    Case(
        "rest-auth/login-wrong-password",
        lambda api: api.post(LOGIN, {"username": "demo", "password": "nope"}),
    ),
    Case("rest-auth/login-fields-missing", lambda api: api.post(LOGIN, {})),
    Case("rest-auth/login-password-missing", lambda api: api.post(LOGIN, {"username": "demo"})),
    Case(
        "rest-auth/login-by-email",
        lambda api: api.post(LOGIN, {"email": "demo@example.com", "password": "demo-password"}),
    ),
    Case(
        "rest-auth/login-invalid-email",
        lambda api: api.post(LOGIN, {"email": "demo", "password": "demo-password"}),
    ),
    Case("rest-auth/login-unslashed", lambda api: api.post(LOGIN.rstrip("/"), DEMO)),
    Case("rest-auth/login-get", lambda api: api.get(LOGIN)),
    Case("rest-auth/user-anonymous", lambda api: api.get(USER)),
    Case("rest-auth/user-garbage-cookie", user_with(lambda api: {ACCESS_COOKIE: GARBAGE})),
    Case("rest-auth/user-refresh-token-cookie", user_with(lambda api: {ACCESS_COOKIE: refresh_token(log_in(api))})),
    Case("rest-auth/user-header-beats-cookie", header_beats_cookie),
    Case("rest-auth/refresh-through-cookie", refresh_through_cookie),
    Case("rest-auth/refresh-without-cookie", lambda api: api.post(REFRESH)),
    Case("rest-auth/refresh-body-beats-cookie", body_beats_cookie),
    Case("rest-auth/refresh-access-token-cookie", refresh_with_access_cookie),
    Case("rest-auth/verify", lambda api: api.post(VERIFY, {"token": access_of(api)})),
    Case("rest-auth/rotation-through-cookie", rotation_through_cookie),
    Case("rest-auth/live-lifetimes", live_lifetimes),
    Case("rest-auth/logout-revokes", logout_revokes),
    Case("rest-auth/logout-without-cookies", lambda api: api.post(LOGOUT)),
    Case("rest-auth/logout-bad-refresh-cookie", logout_blacklisted_cookie),
    Case("rest-auth/logout-get", lambda api: api.get(LOGOUT)),
    Case("rest-auth/user-update", user_update),
    Case("rest-auth/password-change", password_change),
    Case("rest-auth/password-change-anonymous", lambda api: api.post(PASSWORD_CHANGE, {})),
    Case(
        "rest-auth/preflight",
        preflight(LOGIN, ORIGIN, request_headers="content-type, x-csrftoken"),
    ),
    Case("rest-auth/credentialed-requests", credentialed_requests(ORIGIN)),
    Case("rest-auth/other-origin", credentialed_requests(OTHER_ORIGIN)),
    Case("rest-auth/djoser-paths", lambda api: api.post("v1/auth/jwt/create/", DEMO)),
)


# CSRF on, the refresh cookie narrowed to token/refresh/ ------------------------------------


def csrf_headers(api: Api, **extra: str) -> dict[str, str]:
    token = api.cookies["csrftoken"][0]
    return {"X-CSRFToken": token, **extra}


def csrf_refusals(api: Api) -> None:
    """A request the access cookie authenticates, unsafe method: each CSRF refusal in
    Django's order, then one that passes. Logout is the request: POST, cookie-authenticated."""
    response = log_in(api)
    access, csrf = response.cookie(ACCESS_COOKIE), response.cookie("csrftoken")
    only_access = with_cookies({ACCESS_COOKIE: access or ""})
    both = with_cookies({ACCESS_COOKIE: access or "", "csrftoken": csrf or ""})
    api.post(LOGOUT, headers=only_access, jar=False)
    api.post(LOGOUT, headers=both, jar=False)
    api.post(LOGOUT, headers={**both, "X-CSRFToken": "abc"}, jar=False)
    api.post(LOGOUT, headers={**both, "X-CSRFToken": "x" * 32}, jar=False)
    api.post(LOGOUT, headers={**both, "X-CSRFToken": "!" * 32}, jar=False)
    api.post(
        LOGOUT,
        headers={**both, "X-CSRFToken": csrf or "", "Origin": OTHER_ORIGIN},
        jar=False,
    )
    api.get(USER, headers=only_access, jar=False)
    api.post(LOGIN, DEMO, headers=only_access, jar=False)
    # Views without authentication classes, and requests without the access cookie, are
    # not checked.
    api.post(VERIFY, {"token": access}, headers=only_access, jar=False)
    api.post(LOGOUT, jar=False)
    # Bearer authentication is never checked for CSRF.
    api.post(
        PASSWORD_CHANGE,
        {"new_password1": "a", "new_password2": "b"},
        headers={"Authorization": f"Bearer {access}"},
        jar=False,
    )


def narrowed_logout_trap(api: Api) -> None:
    """The refresh cookie's Path is token/refresh/, so logout/ never receives it: 401, both
    cookies deleted, and the refresh token still valid."""
    token = refresh_token(log_in(api))
    api.post(LOGOUT, headers=csrf_headers(api))
    refresh_directly(api, token)


def narrowed_refresh_gets_its_cookie(api: Api) -> None:
    log_in(api)
    # No authentication on the refresh view: no CSRF check, even with the access cookie.
    api.post(REFRESH)
    api.post(LOGOUT, headers=csrf_headers(api, Origin=ORIGIN))


NARROWED_CASES = (
    Case("rest-auth-csrf/login", lambda api: log_in(api, record=True)),
    Case("rest-auth-csrf/refusals", csrf_refusals),
    Case("rest-auth-csrf/narrowed-logout-trap", narrowed_logout_trap),
    Case("rest-auth-csrf/refresh-and-trusted-origin", narrowed_refresh_gets_its_cookie),
)


# Other cookie names, SameSite=None and Secure, the refresh cookie at /api/auth/ ----------


def covering_path_revokes(api: Api) -> None:
    login = log_in(api, record=True)
    token = refresh_token(login, "refresh")
    api.post(REFRESH)
    api.post(LOGOUT)
    refresh_directly(api, token)


NAMES_CASES = (Case("rest-auth-names/covering-path-revokes", covering_path_revokes),)


def secure_cookies(api: Api) -> None:
    """Secure with SameSite=Lax: Django's delete_cookie leaves Secure off the deletions."""
    log_in(api, record=True)
    api.post(LOGOUT)


SECURE_CASES = (Case("rest-auth-secure/login-and-logout", secure_cookies),)


REST_AUTH = ("--url-layout", "dj-rest-auth")
PROFILES = (
    Profile(
        "dj-rest-auth",
        (*REST_AUTH, "--cors-origin", ORIGIN, "--cors-credentials"),
        CASES,
        needs_flag="--url-layout",
    ),
    Profile(
        "dj-rest-auth-csrf",
        (
            *REST_AUTH,
            "--cookie-csrf",
            "--refresh-cookie-path",
            NARROWED_PATH,
            "--cors-origin",
            ORIGIN,
            "--cors-credentials",
            "--csrf-trusted-origin",
            ORIGIN,
        ),
        NARROWED_CASES,
        needs_flag="--url-layout",
    ),
    Profile(
        "dj-rest-auth-names",
        (
            *REST_AUTH,
            "--access-cookie",
            "access",
            "--refresh-cookie",
            "refresh",
            "--cookie-samesite",
            "None",
            "--cookie-secure",
            "--refresh-cookie-path",
            "/api/auth/",
        ),
        NAMES_CASES,
        needs_flag="--url-layout",
    ),
    Profile(
        "dj-rest-auth-secure",
        (*REST_AUTH, "--cookie-secure"),
        SECURE_CASES,
        needs_flag="--url-layout",
    ),
)
