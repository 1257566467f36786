"""Settings of the bundled Django backend: djoser + SimpleJWT (with its blacklist app) +
django-cors-headers, the stack docs/wire.md was observed on; or, by DJANGO_URL_LAYOUT, plain
SimpleJWT without djoser, or dj-rest-auth with its tokens in httpOnly cookies.

Every switch comes from the environment, each variable named after the setting it sets
(`serve.py` turns its command-line flags into these):

    DJANGO_SECRET_KEY                       SECRET_KEY (default: random per process)
    DJANGO_DB_PATH                          the SQLite file
    SIMPLE_JWT_ACCESS_TOKEN_LIFETIME_MS     ACCESS_TOKEN_LIFETIME (default 300000: 5 minutes)
    SIMPLE_JWT_REFRESH_TOKEN_LIFETIME_MS    REFRESH_TOKEN_LIFETIME (default 86400000: 1 day)
    SIMPLE_JWT_ROTATE_REFRESH_TOKENS        ROTATE_REFRESH_TOKENS (1/0, default 0)
    SIMPLE_JWT_BLACKLIST_AFTER_ROTATION     BLACKLIST_AFTER_ROTATION (1/0, default 0)
    SIMPLE_JWT_AUTH_HEADER_TYPES            AUTH_HEADER_TYPES, comma-separated (default Bearer)
    SIMPLE_JWT_USER_ID_CLAIM                USER_ID_CLAIM (default user_id)
    SIMPLE_JWT_REFRESH_REUSE_INTERVAL_MS    lossless rotation (packages/simplejwt-lossless): a
                                            value above 0 installs its app and refresh
                                            serializer with SIMPLEJWT_LOSSLESS REUSE_INTERVAL
                                            (default unset: stock SimpleJWT)
    DJOSER_LOGIN_FIELD                      username (default) or email: the custom user model
                                            accounts.User (USERNAME_FIELD "email",
                                            REQUIRED_FIELDS ["display_name"])
    CORS_ALLOWED_ORIGINS                    comma-separated; `*` sets CORS_ALLOW_ALL_ORIGINS
    CORS_ALLOW_CREDENTIALS                  CORS_ALLOW_CREDENTIALS (1/0, default 0); refused
                                            with `*` in CORS_ALLOWED_ORIGINS
    CSRF_TRUSTED_ORIGINS                    comma-separated (default none)
    DJANGO_TEST_HOOKS                       1 mounts /__test__/ (project/test_hooks.py)
    DJANGO_URL_LAYOUT                       which URLs serve the API (project/urls.py):
                                            djoser (default): djoser's under /api/v1/auth/;
                                            simplejwt: SimpleJWT's own views under /api/token/
                                            and the app's /api/me/, no djoser;
                                            dj-rest-auth: dj-rest-auth's under /api/auth/,
                                            the tokens in httpOnly cookies (REST_AUTH below)

With DJANGO_URL_LAYOUT=dj-rest-auth, the REST_AUTH settings of its cookie wire:

    REST_AUTH_JWT_AUTH_COOKIE               JWT_AUTH_COOKIE (default jwt-access)
    REST_AUTH_JWT_AUTH_REFRESH_COOKIE       JWT_AUTH_REFRESH_COOKIE (default jwt-refresh)
    REST_AUTH_JWT_AUTH_REFRESH_COOKIE_PATH  JWT_AUTH_REFRESH_COOKIE_PATH (default /)
    REST_AUTH_JWT_AUTH_SAMESITE             JWT_AUTH_SAMESITE: Lax (default), Strict or None
    REST_AUTH_JWT_AUTH_SECURE               JWT_AUTH_SECURE (1/0, default 0)
    REST_AUTH_JWT_AUTH_COOKIE_USE_CSRF      JWT_AUTH_COOKIE_USE_CSRF (1/0, default 0)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str) -> bool:
    """A 1/0 (true/false, yes/no, on/off) switch; unset is off."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name}={value!r}: expected 1 or 0")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_millis(name: str, default_ms: int) -> timedelta:
    return timedelta(milliseconds=int(os.environ.get(name, default_ms)))


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

LOGIN_FIELD = os.environ.get("DJOSER_LOGIN_FIELD", "username")
if LOGIN_FIELD not in ("username", "email"):
    raise ValueError(f"DJOSER_LOGIN_FIELD={LOGIN_FIELD!r}: expected username or email")
EMAIL_LOGIN = LOGIN_FIELD == "email"

URL_LAYOUTS = ("djoser", "simplejwt", "dj-rest-auth")
URL_LAYOUT = os.environ.get("DJANGO_URL_LAYOUT", "djoser")
if URL_LAYOUT not in URL_LAYOUTS:
    raise ValueError(f"DJANGO_URL_LAYOUT={URL_LAYOUT!r}: expected one of {', '.join(URL_LAYOUTS)}")
REST_AUTH_LAYOUT = URL_LAYOUT == "dj-rest-auth"
if REST_AUTH_LAYOUT and EMAIL_LOGIN:
    raise ValueError(
        "DJANGO_URL_LAYOUT=dj-rest-auth is served with Django's own User only, "
        "not with DJOSER_LOGIN_FIELD=email"
    )

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    # Installed only where its URLs are: the other layouts run without djoser.
    *(["djoser"] if URL_LAYOUT == "djoser" else []),
    "corsheaders",
    # dj-rest-auth logs in through Django's login() too (its default SESSION_LOGIN), which
    # needs sessions; that login is also what hands out the csrftoken cookie.
    *(["django.contrib.sessions", "dj_rest_auth"] if REST_AUTH_LAYOUT else []),
    # The custom user model exists only in the email variant, so the default one keeps
    # Django's own auth.User and its tables.
    *(["accounts"] if EMAIL_LOGIN else []),
]
# Lossless rotation (packages/simplejwt-lossless, installed into the virtualenv by
# scripts/setup): the package's app (its token family tables) and its refresh serializer.
REFRESH_REUSE_INTERVAL = env_millis("SIMPLE_JWT_REFRESH_REUSE_INTERVAL_MS", 0)
LOSSLESS_ROTATION = REFRESH_REUSE_INTERVAL > timedelta(0)
if LOSSLESS_ROTATION:
    INSTALLED_APPS.append("simplejwt_lossless")
    SIMPLEJWT_LOSSLESS = {"REUSE_INTERVAL": REFRESH_REUSE_INTERVAL, "REVOKE_FAMILY_ON_REUSE": True}
if EMAIL_LOGIN:
    AUTH_USER_MODEL = "accounts.User"

TEST_HOOKS = env_flag("DJANGO_TEST_HOOKS")

# startproject's list without sessions, messages and the admin, which the API does not use.
# CORS sits above CommonMiddleware, as django-cors-headers asks, so preflights of unslashed
# paths are answered instead of redirected; the test hooks sit above everything, to log what
# the client sees, and their faults just inside CORS, so that injected answers carry its
# headers and preflights are never faulted.
MIDDLEWARE = [
    *(["project.test_hooks.TestHooksMiddleware"] if TEST_HOOKS else []),
    "django.middleware.security.SecurityMiddleware",
    *(["django.contrib.sessions.middleware.SessionMiddleware"] if REST_AUTH_LAYOUT else []),
    "corsheaders.middleware.CorsMiddleware",
    *(["project.test_hooks.FaultInjectionMiddleware"] if TEST_HOOKS else []),
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The reference server's validators (server/src/routes/users.rs): minimum length 8, then not
# entirely numeric. Django's startproject also enables UserAttributeSimilarityValidator and
# CommonPasswordValidator; the reference has neither, so neither is here.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        # The access token from the Authorization header, or else from its cookie.
        "dj_rest_auth.jwt_auth.JWTCookieAuthentication"
        if REST_AUTH_LAYOUT
        else "rest_framework_simplejwt.authentication.JWTAuthentication",
    ),
}

# dj-rest-auth's cookie wire: both tokens in httpOnly cookies, their expiry in the login body.
# test_hooks.py's lifetimes apply to the cookies' Max-Age too: dj-rest-auth reads SimpleJWT's
# settings at every response.
SAMESITE_VALUES = ("Lax", "Strict", "None")
REST_AUTH = {
    "USE_JWT": True,
    "JWT_AUTH_HTTPONLY": True,
    "JWT_AUTH_COOKIE": os.environ.get("REST_AUTH_JWT_AUTH_COOKIE", "jwt-access"),
    "JWT_AUTH_REFRESH_COOKIE": os.environ.get("REST_AUTH_JWT_AUTH_REFRESH_COOKIE", "jwt-refresh"),
    "JWT_AUTH_REFRESH_COOKIE_PATH": os.environ.get("REST_AUTH_JWT_AUTH_REFRESH_COOKIE_PATH", "/"),
    "JWT_AUTH_SAMESITE": os.environ.get("REST_AUTH_JWT_AUTH_SAMESITE", "Lax"),
    "JWT_AUTH_SECURE": env_flag("REST_AUTH_JWT_AUTH_SECURE"),
    "JWT_AUTH_RETURN_EXPIRATION": True,
    "JWT_AUTH_COOKIE_USE_CSRF": env_flag("REST_AUTH_JWT_AUTH_COOKIE_USE_CSRF"),
    # JWT only: no DRF authtoken table.
    "TOKEN_MODEL": None,
}
if REST_AUTH["JWT_AUTH_SAMESITE"] not in SAMESITE_VALUES:
    raise ValueError(
        f"REST_AUTH_JWT_AUTH_SAMESITE={REST_AUTH['JWT_AUTH_SAMESITE']!r}: "
        f"expected one of {', '.join(SAMESITE_VALUES)}"
    )

# test_hooks.py changes the four token settings while the server runs.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": env_millis("SIMPLE_JWT_ACCESS_TOKEN_LIFETIME_MS", 5 * 60 * 1000),
    "REFRESH_TOKEN_LIFETIME": env_millis("SIMPLE_JWT_REFRESH_TOKEN_LIFETIME_MS", 24 * 3600 * 1000),
    "ROTATE_REFRESH_TOKENS": env_flag("SIMPLE_JWT_ROTATE_REFRESH_TOKENS"),
    "BLACKLIST_AFTER_ROTATION": env_flag("SIMPLE_JWT_BLACKLIST_AFTER_ROTATION"),
    "AUTH_HEADER_TYPES": tuple(env_list("SIMPLE_JWT_AUTH_HEADER_TYPES", "Bearer")),
    "USER_ID_CLAIM": os.environ.get("SIMPLE_JWT_USER_ID_CLAIM", "user_id"),
}
if LOSSLESS_ROTATION:
    SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"] = (
        "simplejwt_lossless.serializers.LosslessTokenRefreshSerializer"
    )

# djoser's docs for JWT: with stateless tokens only there is no token model (its default,
# DRF's authtoken Token, is not installed, and deleting an account would fail with a 500).
DJOSER = {"LOGIN_FIELD": LOGIN_FIELD, "TOKEN_MODEL": None}

CORS_ALLOWED_ORIGINS = [origin for origin in env_list("CORS_ALLOWED_ORIGINS") if origin != "*"]
CORS_ALLOW_ALL_ORIGINS = "*" in env_list("CORS_ALLOWED_ORIGINS")
# Credentials (cookies) across origins: django-cors-headers would answer `*` and the browser
# would refuse every credentialed answer, so that pair is refused here instead.
CORS_ALLOW_CREDENTIALS = env_flag("CORS_ALLOW_CREDENTIALS")
if CORS_ALLOW_CREDENTIALS and CORS_ALLOW_ALL_ORIGINS:
    raise ValueError(
        "CORS_ALLOW_CREDENTIALS with CORS_ALLOWED_ORIGINS=*: a browser refuses credentials "
        "with a wildcard origin; list the exact origins instead"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The README's advice for a cross-origin deployment: the client honours Retry-After on 429/503.
CORS_EXPOSE_HEADERS = ["retry-after"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # Django logs every 4xx as a warning; the request log is the test hooks' job.
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
