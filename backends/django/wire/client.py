"""The differential test's HTTP client: sends exactly the bytes a case asks for (no redirects
followed, no headers added beyond Host, Accept-Encoding and Content-Length) and records each
response as an `Observed`, the part of a response both servers must agree on."""

import base64
import binascii
import email.utils
import http.client
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

# The headers compared; every other one (Date, Server, Content-Length, ...) is ignored.
COMPARED_HEADERS = (
    "www-authenticate",
    "content-type",
    "allow",
    "location",
    "vary",
    "access-control-allow-origin",
    "access-control-allow-headers",
    "access-control-allow-methods",
    "access-control-max-age",
    "access-control-expose-headers",
    "access-control-allow-credentials",
)
JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
JTI_SHAPE = re.compile(r"^[0-9a-f]{32}$")
# Claims whose values are the same on both servers, so they are compared as they are.
STABLE_CLAIMS = ("token_type", "user_id", "sub")
ACCESS_LIFETIME = re.compile(r"(token_type='access'[^>]*lifetime=)(\d+)(s>)")
# A number of seconds measured against the clock (a cookie's Max-Age, an expiration time in a
# body): the two servers may answer a second apart.
APPROXIMATE = re.compile(r"~(-?\d+)")
ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
TIMEOUT_S = 30


@dataclass(frozen=True)
class Observed:
    """One response, normalised: status, the compared headers, the body with every JWT
    replaced by a description of its claims, and the cookies it sets (described by
    `describe_cookie`, sorted by name)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: str
    cookies: tuple[str, ...] = ()

    def matches(self, django: "Observed") -> bool:
        """Whether Django's response (`django`) agrees with this one, the reference's: equal,
        except that an access token may live a second less on Django (SimpleJWT dates a new
        access token's `exp` from the refresh token's clock reading and its `iat` from a
        moment later, which now and then falls in the next second), and that numbers read
        against the clock (`~N`: Max-Age, expiration times) may be a second apart."""
        if (self.status, self.headers) != (django.status, django.headers):
            return False
        ours, theirs = self.compared_text(), django.compared_text()
        blank = r"\1?\3"
        ours_blank = APPROXIMATE.sub("~?", ACCESS_LIFETIME.sub(blank, ours))
        theirs_blank = APPROXIMATE.sub("~?", ACCESS_LIFETIME.sub(blank, theirs))
        if ours_blank != theirs_blank:
            return False
        lifetimes = zip(ACCESS_LIFETIME.findall(ours), ACCESS_LIFETIME.findall(theirs))
        if not all(int(our[1]) - int(their[1]) in (0, 1) for our, their in lifetimes):
            return False
        clocked = zip(APPROXIMATE.findall(ours), APPROXIMATE.findall(theirs))
        return all(abs(int(our) - int(their)) <= 1 for our, their in clocked)

    def compared_text(self) -> str:
        return self.body + "\n" + "\n".join(self.cookies)

    def brief(self) -> str:
        headers = "; ".join(f"{name}: {value}" for name, value in self.headers)
        body = self.body[:300].replace("\n", "\\n")
        cookies = "".join(f" {{set-cookie: {cookie}}}" for cookie in self.cookies)
        return f"{self.status} {body} [{headers}]{cookies}"


@dataclass
class Response:
    """A raw response, for cases that read tokens out of it."""

    status: int
    headers: dict[str, str]
    raw: bytes
    set_cookies: list[str] = field(default_factory=list)

    def cookie(self, name: str) -> str | None:
        """The value this response sets for cookie `name`."""
        for line in self.set_cookies:
            key, _, rest = line.partition("=")
            if key == name:
                return rest.split(";")[0]
        return None

    def json(self) -> Any:
        return json.loads(self.raw)


def decode_segment(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def describe_jwt(token: str) -> str | None:
    """`<jwt {"alg":..} token_type='access' exp:int iat:int lifetime=300s jti:hex32 ...>`,
    or None if `token` is no JWT. Claim names, order and types are kept; values are kept
    only where both servers must agree on them."""
    if not JWT_SHAPE.match(token):
        return None
    header_segment, payload_segment, _ = token.split(".")
    try:
        header, payload = decode_segment(header_segment), decode_segment(payload_segment)
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    claims = []
    for name, value in payload.items():
        if name in STABLE_CLAIMS:
            claims.append(f"{name}={value!r}")
        elif name == "jti" and isinstance(value, str) and JTI_SHAPE.match(value):
            claims.append("jti:hex32")
        else:
            claims.append(f"{name}:{type(value).__name__}")
    if isinstance(payload.get("exp"), int) and isinstance(payload.get("iat"), int):
        claims.append(f"lifetime={payload['exp'] - payload['iat']}s")
    return f"<jwt {json.dumps(header, separators=(',', ':'))} {' '.join(claims)}>"


def describe_datetime(text: str) -> str | None:
    """An ISO 8601 UTC time as seconds from now: `<datetime now+~300>`."""
    if not ISO_DATETIME.match(text):
        return None
    seconds = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() - time.time()
    return f"<datetime now+~{round(seconds)}>"


def describe_value(value: str) -> str:
    """A cookie's value: a JWT by its claims, a random key by its length and alphabet."""
    if value in ("", '""'):
        return '""'
    if jwt := describe_jwt(value):
        return jwt
    if re.fullmatch(r"[a-z0-9]+", value):
        return f"<{len(value)} of a-z0-9>"
    if re.fullmatch(r"[A-Za-z0-9]+", value):
        return f"<{len(value)} of A-Za-z0-9>"
    return value


def describe_cookie(line: str) -> str:
    """A Set-Cookie line with its value described and its times checked: `expires` must be
    the epoch (a deletion) or now plus Max-Age, and Max-Age is compared within a second."""
    name, _, rest = line.strip().partition("=")
    value, *attributes = [part.strip() for part in rest.split(";")]
    described = [f"{name}={describe_value(value)}"]
    max_age = expires = None
    for attribute in attributes:
        key, _, attribute_value = attribute.partition("=")
        if key.lower() == "expires":
            expires = attribute_value
        elif key.lower() == "max-age":
            max_age = int(attribute_value)
            described.append(f"Max-Age=~{max_age}")
        else:
            described.append(attribute)
    if expires == EPOCH:
        described.insert(1, "expires=epoch")
    elif expires is not None:
        at = email.utils.parsedate_to_datetime(expires).timestamp()
        in_step = max_age is not None and abs(at - time.time() - max_age) <= 2
        described.insert(1, "expires=now+Max-Age" if in_step else f"expires={expires}")
    return "; ".join(described)


def normalise_json(value: Any) -> Any:
    if isinstance(value, str):
        return describe_jwt(value) or describe_datetime(value) or value
    if isinstance(value, list):
        return [normalise_json(item) for item in value]
    if isinstance(value, dict):
        return {key: normalise_json(item) for key, item in value.items()}
    return value


def normalise_body(content_type: str, raw: bytes) -> str:
    """JSON keeps its key order and spacing is dropped; anything else is compared as text."""
    if content_type.startswith("application/json") and raw:
        try:
            return json.dumps(normalise_json(json.loads(raw)), separators=(",", ":"))
        except ValueError:
            pass
    return raw.decode("utf-8", "replace")


def observe(response: Response) -> Observed:
    headers = tuple(
        (name, response.headers[name]) for name in COMPARED_HEADERS if name in response.headers
    )
    return Observed(
        response.status,
        headers,
        normalise_body(response.headers.get("content-type", ""), response.raw),
        tuple(sorted(describe_cookie(line) for line in response.set_cookies)),
    )


@dataclass
class Api:
    """One server under test. Each request's response is recorded in `observed` unless the
    case says `record=False`; `remarks` are shown but not compared; `memo` carries tokens
    from one case to the next."""

    base_url: str
    observed: list[Observed] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)
    # A browser's cookie jar: name to (value, path); sent where the path matches.
    cookies: dict[str, tuple[str, str]] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        bearer: str | None = None,
        record: bool = True,
        jar: bool = True,
    ) -> Response:
        """`path` is relative to the API root (`v1/auth/...`) unless it starts with `/`.
        The jar's cookies for the path go along and the answer's cookies go into it, as a
        browser does, unless `jar=False` (then a `Cookie` header is the case's own)."""
        url = urlsplit(self.base_url)
        target = path if path.startswith("/") else f"{url.path.rstrip('/')}/api/{path}"
        sent = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        if jar and (cookie := self.cookie_header(target.split("?")[0])):
            sent["Cookie"] = cookie
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT_S)
        try:
            connection.request(method, target, body=body, headers=sent)
            reply = connection.getresponse()
            received: dict[str, str] = {}
            set_cookies = []
            for name, value in reply.getheaders():  # a repeated header reads as one list
                name = name.lower()
                if name == "set-cookie":
                    set_cookies.append(value.strip())
                    continue
                received[name] = f"{received[name]}, {value}" if name in received else value
            response = Response(reply.status, received, reply.read(), set_cookies)
        finally:
            connection.close()
        if jar:
            self.store_cookies(set_cookies)
        if record:
            self.observed.append(observe(response))
        return response

    def cookie_header(self, path: str) -> str:
        """The jar's cookies whose Path covers `path` (RFC 6265's path-match)."""
        return "; ".join(
            f"{name}={value}"
            for name, (value, cookie_path) in self.cookies.items()
            if path == cookie_path
            or (path.startswith(cookie_path) and (cookie_path.endswith("/") or path[len(cookie_path)] == "/"))
        )

    def store_cookies(self, lines: list[str]) -> None:
        for line in lines:
            name, _, rest = line.partition("=")
            value, *attributes = [part.strip() for part in rest.split(";")]
            options = {
                key.lower(): attribute_value
                for key, _, attribute_value in (a.partition("=") for a in attributes)
            }
            if options.get("max-age") == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = (value, options.get("path", "/"))

    def get(self, path: str, **options: Any) -> Response:
        return self.request("GET", path, **options)

    def post(self, path: str, json_body: Any = None, **options: Any) -> Response:
        return self.request("POST", path, json_body=json_body, **options)

    def note(self, text: str) -> None:
        """Records a finding of the case's own (a count, a check) as if it were a response."""
        self.observed.append(Observed(0, (), text))
