"""The differential test's HTTP client: sends exactly the bytes a case asks for (no redirects
followed, no headers added beyond Host, Accept-Encoding and Content-Length) and records each
response as an `Observed`, the part of a response both servers must agree on."""

import base64
import binascii
import http.client
import json
import re
from dataclasses import dataclass, field
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
TIMEOUT_S = 30


@dataclass(frozen=True)
class Observed:
    """One response, normalised: status, the compared headers, and the body with every JWT
    replaced by a description of its claims."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: str

    def matches(self, django: "Observed") -> bool:
        """Whether Django's response (`django`) agrees with this one, the reference's: equal,
        except that an access token may live a second less on Django. SimpleJWT dates a new
        access token's `exp` from the refresh token's clock reading and its `iat` from a
        moment later, which now and then falls in the next second."""
        if (self.status, self.headers) != (django.status, django.headers):
            return False
        blank = r"\1?\3"
        if ACCESS_LIFETIME.sub(blank, self.body) != ACCESS_LIFETIME.sub(blank, django.body):
            return False
        ours, theirs = ACCESS_LIFETIME.findall(self.body), ACCESS_LIFETIME.findall(django.body)
        return all(int(our[1]) - int(their[1]) in (0, 1) for our, their in zip(ours, theirs))

    def brief(self) -> str:
        headers = "; ".join(f"{name}: {value}" for name, value in self.headers)
        body = self.body[:300].replace("\n", "\\n")
        return f"{self.status} {body} [{headers}]"


@dataclass
class Response:
    """A raw response, for cases that read tokens out of it."""

    status: int
    headers: dict[str, str]
    raw: bytes

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


def normalise_json(value: Any) -> Any:
    if isinstance(value, str):
        return describe_jwt(value) or value
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
    ) -> Response:
        """`path` is relative to the API root (`v1/auth/...`) unless it starts with `/`."""
        url = urlsplit(self.base_url)
        target = path if path.startswith("/") else f"{url.path.rstrip('/')}/api/{path}"
        sent = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT_S)
        try:
            connection.request(method, target, body=body, headers=sent)
            reply = connection.getresponse()
            received: dict[str, str] = {}
            for name, value in reply.getheaders():  # a repeated header reads as one list
                name = name.lower()
                received[name] = f"{received[name]}, {value}" if name in received else value
            response = Response(reply.status, received, reply.read())
        finally:
            connection.close()
        if record:
            self.observed.append(observe(response))
        return response

    def get(self, path: str, **options: Any) -> Response:
        return self.request("GET", path, **options)

    def post(self, path: str, json_body: Any = None, **options: Any) -> Response:
        return self.request("POST", path, json_body=json_body, **options)

    def note(self, text: str) -> None:
        """Records a finding of the case's own (a count, a check) as if it were a response."""
        self.observed.append(Observed(0, (), text))
