"""The reference server's test hooks (server/src/test_hooks.rs) for Django, with the same
interface, so one test client drives either backend. Installed as the outermost middleware,
and only with `serve.py --test-hooks`:

- `GET /__test__/log` answers `{"requests": [{"method", "path", "status", "bearer", "at_ms", "done_ms"}]}`:
  every `/api/` request (preflights and redirects included) in the order they finished;
  `bearer` says whether an Authorization header of one of AUTH_HEADER_TYPES came with a
  token, `at_ms` when the request arrived and `done_ms` when its answer was ready (Unix
  milliseconds). `DELETE` empties it: 204.
- `GET /__test__/config` answers the token settings in force; `PUT` with a partial
  `{"access_ttl_ms", "refresh_ttl_ms", "rotate_refresh_tokens", "blacklist_after_rotation"}`
  changes them at once and answers 200 with the settings now in force.
- `PUT /__test__/fault` with `{"path", "status", "delay_ms", "answer_delay_ms", "retry_after",
  "times", "body"}` (all but `path` optional) makes the next `times` requests (all, without
  it) to that `/api/`-relative path wait `delay_ms`, then answer `status` with `body`
  (default `{"detail":"Injected fault"}`) instead of the view, or go to the view without a
  status; `answer_delay_ms` holds the answer back once it is ready: the view has acted (a
  refresh has rotated and blacklisted), the client learns it only then, or never if it went
  away (a page reloaded mid-refresh). Answers `{"faults": [...]}`; a fault used up is gone.
  `GET` lists them, `DELETE` clears them (204). `FaultInjectionMiddleware` applies them
  inside django-cors-headers, so injected answers carry CORS headers and preflights are never
  faulted. Unlike the reference server (where a client that goes away cancels the request),
  a WSGI request always runs to its end: after `delay_ms` the view acts even for a client
  that has left.
"""

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework_simplejwt import serializers as simplejwt_serializers
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

# As many entries as the reference server keeps; older ones are dropped first.
LOG_CAPACITY = 10_000

# The reference server's bound on injected delays (MAX_FAULT_DELAY_MS).
MAX_FAULT_DELAY_MS = 60_000

# The hooks' config fields and the SIMPLE_JWT setting each one sets.
LIFETIMES = {"access_ttl_ms": "ACCESS_TOKEN_LIFETIME", "refresh_ttl_ms": "REFRESH_TOKEN_LIFETIME"}
SWITCHES = {
    "rotate_refresh_tokens": "ROTATE_REFRESH_TOKENS",
    "blacklist_after_rotation": "BLACKLIST_AFTER_ROTATION",
}


def token_settings() -> dict[str, Any]:
    """The four token settings in force, as the hooks show them."""
    config: dict[str, Any] = {
        field: getattr(api_settings, name) // timedelta(milliseconds=1)
        for field, name in LIFETIMES.items()
    }
    config.update({field: getattr(api_settings, name) for field, name in SWITCHES.items()})
    return config


def parse_config_patch(body: bytes) -> dict[str, Any]:
    """Checks a PUT body: an object with some of the four fields, each of its type."""
    if not body.strip():
        return {}
    patch = json.loads(body)
    if not isinstance(patch, dict):
        raise ValueError("expected a JSON object")
    for field, value in patch.items():
        if field in LIFETIMES:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{field} must be a whole number of milliseconds")
        elif field in SWITCHES:
            if not isinstance(value, bool):
                raise ValueError(f"{field} must be true or false")
        else:
            raise ValueError(f"unknown field {field!r}")
    return patch


def apply_token_settings(patch: dict[str, Any]) -> None:
    """Puts new token settings in force in the running process.

    SimpleJWT caches every setting as an attribute of `api_settings` on first read, copies
    the two lifetimes into `AccessToken.lifetime` and `RefreshToken.lifetime` at import, and
    imports `BlacklistedToken` into its serializers only if BLACKLIST_AFTER_ROTATION was on
    at import: all of these are updated, or a change would only half happen.
    """
    for field, value in patch.items():
        name = LIFETIMES.get(field) or SWITCHES[field]
        setting = timedelta(milliseconds=value) if field in LIFETIMES else value
        settings.SIMPLE_JWT[name] = setting  # api_settings reads this very dict
        setattr(api_settings, name, setting)
    AccessToken.lifetime = api_settings.ACCESS_TOKEN_LIFETIME
    RefreshToken.lifetime = api_settings.REFRESH_TOKEN_LIFETIME
    simplejwt_serializers.BlacklistedToken = BlacklistedToken


def sends_token(authorization: str) -> bool:
    """Whether an Authorization header carries a token of an accepted type (the log's
    `bearer`), split the way JWTAuthentication splits it."""
    parts = authorization.split()
    return len(parts) >= 2 and parts[0] in api_settings.AUTH_HEADER_TYPES


def allow_cross_origin(
    request: HttpRequest, answer: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    """The hooks as the reference server serves them to a page on another origin (the browser
    tests): a preflight answered, and the answer readable, for origins the CORS settings allow.
    The hooks sit above django-cors-headers, so it never sees them."""
    origin = request.headers.get("origin")
    allowed = origin is not None and (
        settings.CORS_ALLOW_ALL_ORIGINS or origin in settings.CORS_ALLOWED_ORIGINS
    )
    if allowed and request.method == "OPTIONS":
        response = HttpResponse(status=200)
        response["Access-Control-Allow-Methods"] = "GET, PUT, DELETE, OPTIONS"
        response["Access-Control-Allow-Headers"] = "content-type"
    else:
        response = answer(request)
    if allowed:
        response["Access-Control-Allow-Origin"] = "*" if settings.CORS_ALLOW_ALL_ORIGINS else origin
    return response


class Faults:
    """The injected faults, shared by the hook that sets them and the middleware that applies
    them (one waitress process, many threads)."""

    def __init__(self) -> None:
        self.faults: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def listing(self) -> dict[str, Any]:
        with self.lock:
            return {"faults": [listed(fault) for fault in self.faults]}

    def put(self, fault: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.faults = [f for f in self.faults if f["path"] != fault["path"]]
            self.faults.append(fault)
        return self.listing()

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def take(self, path: str) -> dict[str, Any] | None:
        """One use of the fault for `path`, if any (the reference server's `take_fault`)."""
        with self.lock:
            fault = next((f for f in self.faults if f["path"] == path), None)
            if fault is None:
                return None
            times = fault["times"]
            if times is not None and times <= 1:
                self.faults.remove(fault)
            elif times is not None:
                fault["times"] = times - 1
            return None if times == 0 else dict(fault)


FAULTS = Faults()
FAULT_FIELDS = ("path", "status", "delay_ms", "answer_delay_ms", "retry_after", "times", "body")


def listed(fault: dict[str, Any]) -> dict[str, Any]:
    """A fault as the reference server lists it: `answer_delay_ms` only when set, `body`
    only when given."""
    shown = {name: fault[name] for name in ("path", "status", "delay_ms")}
    if fault["answer_delay_ms"]:
        shown["answer_delay_ms"] = fault["answer_delay_ms"]
    shown.update(retry_after=fault["retry_after"], times=fault["times"])
    if fault["body"] is not None:
        shown["body"] = fault["body"]
    return shown


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_fault(body: bytes) -> dict[str, Any]:
    """Checks a PUT body as the reference server does; raises ValueError with the reason."""
    fault = json.loads(body)
    if not isinstance(fault, dict):
        raise ValueError("expected a JSON object")
    unknown = set(fault) - set(FAULT_FIELDS)
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r}")
    if not isinstance(fault.get("path"), str):
        raise ValueError("missing field `path`")
    path = fault["path"].strip().lstrip("/")
    parsed = {
        "path": path.removeprefix("api/"),
        "status": fault.get("status"),
        "delay_ms": fault.get("delay_ms", 0),
        "answer_delay_ms": fault.get("answer_delay_ms", 0),
        "retry_after": fault.get("retry_after"),
        "times": fault.get("times"),
        "body": fault.get("body"),
    }
    for name in ("delay_ms", "answer_delay_ms"):
        if not is_whole(parsed[name]):
            raise ValueError(f"{name} must be a whole number of milliseconds")
        if parsed[name] > MAX_FAULT_DELAY_MS:
            raise ValueError(
                f"{name} {parsed[name]} is over the maximum of {MAX_FAULT_DELAY_MS}"
            )
    status = parsed["status"]
    if status is not None and not (is_whole(status) and 100 <= status <= 599):
        raise ValueError(f"status {status} is not an HTTP status")
    if parsed["times"] is not None and not is_whole(parsed["times"]):
        raise ValueError("times must be a whole number")
    retry_after = parsed["retry_after"]
    if retry_after is not None and not (is_whole(retry_after) or isinstance(retry_after, str)):
        raise ValueError("retry_after must be seconds or an HTTP date")
    return parsed


def injected_response(fault: dict[str, Any]) -> HttpResponse:
    """The answer of a fault with a status, instead of the view's."""
    body = fault["body"] if fault["body"] is not None else {"detail": "Injected fault"}
    response = JsonResponse(body, status=fault["status"], safe=False)
    if fault["retry_after"] is not None:
        response["Retry-After"] = str(fault["retry_after"])
    if fault["status"] == 401:
        # SimpleJWT's authenticate_header().
        response["WWW-Authenticate"] = f'{api_settings.AUTH_HEADER_TYPES[0]} realm="api"'
    return response


class FaultInjectionMiddleware:
    """Applies the injected faults to `/api/` requests. Sits inside CorsMiddleware, which
    answers preflights itself and adds its headers to whatever comes back from here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        relative = request.path.removeprefix("/api/")
        fault = FAULTS.take(relative) if relative != request.path else None
        if fault is None:
            return self.get_response(request)
        time.sleep(fault["delay_ms"] / 1000)
        if fault["status"] is None:
            response = self.get_response(request)
        else:
            response = injected_response(fault)
        time.sleep(fault["answer_delay_ms"] / 1000)
        return response


class TestHooksMiddleware:
    """Records `/api/` requests and answers `/__test__/` ones."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_CAPACITY)
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/__test__/"):
            return allow_cross_origin(request, self.answer_hook)
        at_ms = time.time_ns() // 1_000_000
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            entry = {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "bearer": sends_token(request.headers.get("authorization", "")),
                "at_ms": at_ms,
                "done_ms": time.time_ns() // 1_000_000,
            }
            with self.lock:
                self.log.append(entry)
        return response

    def answer_hook(self, request: HttpRequest) -> HttpResponse:
        match (request.path, request.method):
            case ("/__test__/log", "GET"):
                with self.lock:
                    return JsonResponse({"requests": list(self.log)})
            case ("/__test__/log", "DELETE"):
                with self.lock:
                    self.log.clear()
                return HttpResponse(status=204)
            case ("/__test__/config", "GET"):
                return JsonResponse(token_settings())
            case ("/__test__/config", "PUT"):
                try:
                    patch = parse_config_patch(request.body)
                except ValueError as error:  # json.JSONDecodeError is one too
                    return JsonResponse({"detail": f"Invalid config: {error}"}, status=400)
                apply_token_settings(patch)
                return JsonResponse(token_settings())
            case ("/__test__/fault", "GET"):
                return JsonResponse(FAULTS.listing())
            case ("/__test__/fault", "PUT"):
                try:
                    fault = parse_fault(request.body)
                except ValueError as error:  # json.JSONDecodeError is one too
                    return JsonResponse({"detail": f"Invalid fault: {error}"}, status=400)
                return JsonResponse(FAULTS.put(fault))
            case ("/__test__/fault", "DELETE"):
                FAULTS.clear()
                return HttpResponse(status=204)
            case ("/__test__/log" | "/__test__/config" | "/__test__/fault", _):
                return JsonResponse({"detail": "Method not allowed."}, status=405)
        return JsonResponse({"detail": "Not found."}, status=404)
