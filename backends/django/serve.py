"""Runs the bundled Django backend in the foreground on a throwaway SQLite database, with
waitress (a multi-threaded WSGI server), until SIGINT or SIGTERM.

Its flags are the reference server's (`interceptor-server --help`), so a test passes the same
ones to both; each sets the environment variable that project/settings.py reads, and a flag
left out leaves that variable as it is. Prints `listening on http://HOST:PORT/` once it
answers (`--bind 127.0.0.1:0` picks a free port).

The database is migrated once per schema into a template next to the virtualenv, with the
demo user in it, and copied for each start: a start then costs no migration and no password
hash.
"""

import argparse
import hashlib
import ipaddress
import os
import re
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_EMAIL = "demo@example.com"
DEMO_DISPLAY_NAME = "Demo User"
DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)?$")
MILLIS_PER_UNIT = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def duration_ms(text: str) -> int:
    """The reference server's durations: 500ms, 2s, 5m, 1h, 1d; a bare number is seconds."""
    match = DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"invalid duration {text!r}: expected a number with a unit: 500ms, 2s, 5m, 1h, 1d"
        )
    return int(match[1]) * MILLIS_PER_UNIT[match[2] or "s"]


def host_and_port(bind: str) -> tuple[str, int]:
    """`127.0.0.1:8000`, `localhost:0` or `[::1]:8000`."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"invalid address {bind!r}: expected HOST:PORT")
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/django", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--bind",
        type=host_and_port,
        default="127.0.0.1:8000",
        help="address to listen on (default 127.0.0.1:8000)",
    )
    parser.add_argument("--access-ttl", type=duration_ms, help="ACCESS_TOKEN_LIFETIME (5m)")
    parser.add_argument("--refresh-ttl", type=duration_ms, help="REFRESH_TOKEN_LIFETIME (1d)")
    parser.add_argument(
        "--rotate-refresh-tokens", action="store_true", help="ROTATE_REFRESH_TOKENS"
    )
    parser.add_argument(
        "--blacklist-after-rotation", action="store_true", help="BLACKLIST_AFTER_ROTATION"
    )
    parser.add_argument(
        "--refresh-reuse-interval",
        type=duration_ms,
        metavar="DURATION",
        help="lossless rotation (packages/simplejwt-lossless): the rotated-last refresh token "
        "presented again within this interval gets its successor (off)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        help="an allowed origin (CORS_ALLOWED_ORIGINS); repeatable; * for any",
    )
    parser.add_argument(
        "--auth-header-type", metavar="TYPES", help="AUTH_HEADER_TYPES, comma-separated (Bearer)"
    )
    parser.add_argument("--user-id-claim", metavar="NAME", help="USER_ID_CLAIM (user_id)")
    parser.add_argument(
        "--login-field",
        choices=("username", "email"),
        help="djoser's LOGIN_FIELD; email uses the custom user model accounts.User",
    )
    parser.add_argument(
        "--cors-credentials",
        action="store_true",
        help="CORS_ALLOW_CREDENTIALS: browsers on an allowed origin may send cookies; "
        "refused with --cors-origin '*'",
    )
    parser.add_argument(
        "--url-layout",
        choices=("djoser", "simplejwt", "dj-rest-auth"),
        help="which URLs serve the API: djoser (default), simplejwt (api/token/..., api/me/) "
        "or dj-rest-auth (api/auth/..., tokens in httpOnly cookies)",
    )
    cookies = parser.add_argument_group("the cookie wire (--url-layout dj-rest-auth)")
    cookies.add_argument("--access-cookie", metavar="NAME", help="JWT_AUTH_COOKIE (jwt-access)")
    cookies.add_argument(
        "--refresh-cookie", metavar="NAME", help="JWT_AUTH_REFRESH_COOKIE (jwt-refresh)"
    )
    cookies.add_argument(
        "--refresh-cookie-path", metavar="PATH", help="JWT_AUTH_REFRESH_COOKIE_PATH (/)"
    )
    cookies.add_argument(
        "--cookie-samesite", choices=("Lax", "Strict", "None"), help="JWT_AUTH_SAMESITE (Lax)"
    )
    cookies.add_argument("--cookie-secure", action="store_true", help="JWT_AUTH_SECURE")
    cookies.add_argument(
        "--cookie-csrf",
        action="store_true",
        help="JWT_AUTH_COOKIE_USE_CSRF: a request authenticated by the cookie must carry "
        "the csrftoken cookie's value in X-CSRFToken",
    )
    cookies.add_argument(
        "--csrf-trusted-origin",
        action="append",
        default=[],
        metavar="URL",
        help="CSRF_TRUSTED_ORIGINS: another origin whose requests pass the CSRF check; "
        "repeatable",
    )
    parser.add_argument(
        "--test-hooks",
        action="store_true",
        help="mount /__test__/ (request log, live config, fault injection); loopback only",
    )
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (8)")
    args = parser.parse_args()  # argparse converts the string default of --bind too
    if args.test_hooks and not is_loopback(args.bind[0]):
        parser.error("--test-hooks is refused unless --bind is a loopback address")
    if args.cors_credentials and "*" in args.cors_origin:
        parser.error(
            "--cors-credentials is refused with --cors-origin '*': a browser refuses "
            "credentials with a wildcard origin; list the exact origins instead"
        )
    cookie_flags = {
        "--access-cookie": args.access_cookie is not None,
        "--refresh-cookie": args.refresh_cookie is not None,
        "--refresh-cookie-path": args.refresh_cookie_path is not None,
        "--cookie-samesite": args.cookie_samesite is not None,
        "--cookie-secure": args.cookie_secure,
        "--cookie-csrf": args.cookie_csrf,
        "--csrf-trusted-origin": bool(args.csrf_trusted_origin),
    }
    given = [flag for flag, used in cookie_flags.items() if used]
    if given and args.url_layout != "dj-rest-auth":
        parser.error(f"{given[0]} needs --url-layout dj-rest-auth (the cookie wire)")
    if args.url_layout == "dj-rest-auth" and args.login_field == "email":
        parser.error(
            "--url-layout dj-rest-auth is served with Django's own User only, "
            "not --login-field email"
        )
    return args


def settings_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment variables of project/settings.py that the given flags set."""
    env = {}
    if args.access_ttl is not None:
        env["SIMPLE_JWT_ACCESS_TOKEN_LIFETIME_MS"] = str(args.access_ttl)
    if args.refresh_ttl is not None:
        env["SIMPLE_JWT_REFRESH_TOKEN_LIFETIME_MS"] = str(args.refresh_ttl)
    if args.rotate_refresh_tokens:
        env["SIMPLE_JWT_ROTATE_REFRESH_TOKENS"] = "1"
    if args.blacklist_after_rotation:
        env["SIMPLE_JWT_BLACKLIST_AFTER_ROTATION"] = "1"
    if args.refresh_reuse_interval is not None:
        env["SIMPLE_JWT_REFRESH_REUSE_INTERVAL_MS"] = str(args.refresh_reuse_interval)
    if args.cors_origin:
        env["CORS_ALLOWED_ORIGINS"] = ",".join(args.cors_origin)
    if args.auth_header_type is not None:
        env["SIMPLE_JWT_AUTH_HEADER_TYPES"] = args.auth_header_type
    if args.user_id_claim is not None:
        env["SIMPLE_JWT_USER_ID_CLAIM"] = args.user_id_claim
    if args.login_field is not None:
        env["DJOSER_LOGIN_FIELD"] = args.login_field
    if args.cors_credentials:
        env["CORS_ALLOW_CREDENTIALS"] = "1"
    if args.csrf_trusted_origin:
        env["CSRF_TRUSTED_ORIGINS"] = ",".join(args.csrf_trusted_origin)
    if args.url_layout is not None:
        env["DJANGO_URL_LAYOUT"] = args.url_layout
    cookie_settings = {
        "REST_AUTH_JWT_AUTH_COOKIE": args.access_cookie,
        "REST_AUTH_JWT_AUTH_REFRESH_COOKIE": args.refresh_cookie,
        "REST_AUTH_JWT_AUTH_REFRESH_COOKIE_PATH": args.refresh_cookie_path,
        "REST_AUTH_JWT_AUTH_SAMESITE": args.cookie_samesite,
        "REST_AUTH_JWT_AUTH_SECURE": "1" if args.cookie_secure else None,
        "REST_AUTH_JWT_AUTH_COOKIE_USE_CSRF": "1" if args.cookie_csrf else None,
    }
    env.update({name: value for name, value in cookie_settings.items() if value is not None})
    if args.test_hooks:
        env["DJANGO_TEST_HOOKS"] = "1"
    return env


def template_path() -> Path:
    """Where the migrated database with the demo user is kept: one file per schema (the
    installed apps, the user model, our migrations and simplejwt-lossless's), in the
    virtualenv."""
    from django.apps import apps
    from django.conf import settings

    digest = hashlib.sha256(repr((settings.INSTALLED_APPS, settings.AUTH_USER_MODEL)).encode())
    migrations = [HERE / "accounts"]
    if apps.is_installed("simplejwt_lossless"):
        migrations.append(Path(apps.get_app_config("simplejwt_lossless").path) / "migrations")
    for source in sorted(path for folder in migrations for path in folder.rglob("*.py")):
        digest.update(source.read_bytes())
    return Path(sys.prefix) / "db-templates" / f"{digest.hexdigest()[:16]}.sqlite3"


def create_demo_user() -> None:
    from django.contrib.auth import get_user_model
    from django.conf import settings

    users = get_user_model().objects
    if settings.LOGIN_FIELD == "email":
        users.create_user(email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name=DEMO_DISPLAY_NAME)
    else:
        users.create_user(username=DEMO_USERNAME, password=DEMO_PASSWORD, email=DEMO_EMAIL)


def prepare_database(db_path: Path) -> None:
    """Copies the template to `db_path`, first making it if there is none."""
    from django.core.management import call_command
    from django.db import connections

    template = template_path()
    if template.exists():
        shutil.copyfile(template, db_path)
        return
    call_command("migrate", verbosity=0, interactive=False)
    create_demo_user()
    connections.close_all()
    template.parent.mkdir(parents=True, exist_ok=True)
    # Concurrent first starts each write their own file; the rename makes either one whole.
    partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
    shutil.copyfile(db_path, partial)
    os.replace(partial, template)


def stop(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM ends the process like Ctrl-C, so the throwaway database is removed."""
    raise SystemExit(128 + signum)


def main() -> None:
    args = parse_args()
    os.environ.update(settings_environment(args))
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings"
    signal.signal(signal.SIGTERM, stop)
    with tempfile.TemporaryDirectory(prefix="interceptor-django-") as scratch:
        db_path = Path(scratch) / "db.sqlite3"
        os.environ["DJANGO_DB_PATH"] = str(db_path)
        import django

        django.setup()
        prepare_database(db_path)

        from django.conf import settings
        from waitress.server import create_server

        from project.wsgi import application

        host, port = args.bind
        server = create_server(application, host=host, port=port, threads=args.threads)
        address = f"http://{host if ':' not in host else f'[{host}]'}:{server.effective_port}"
        login = DEMO_EMAIL if settings.LOGIN_FIELD == "email" else DEMO_USERNAME
        print(f"listening on {address}/ (API at {address}/api/)", flush=True)
        print(
            f"demo login: {settings.LOGIN_FIELD} {login!r}, password {DEMO_PASSWORD!r}", flush=True
        )
        if settings.TEST_HOOKS:
            print(f"test hooks enabled at {address}/__test__/", flush=True)
        try:
            server.run()  # returns on SIGINT or SIGTERM (SystemExit), which waitress catches
        finally:
            server.close()


if __name__ == "__main__":
    main()
