"""A minimal project around the package: djoser's JWT URLs, SimpleJWT's blacklist view,
dj-rest-auth's URLs, and SimpleJWT's stock refresh view beside the lossless one.

The database comes from the environment, so one suite runs on SQLite and on PostgreSQL:

    LOSSLESS_TEST_DATABASE   sqlite (default) or postgresql
    PGHOST, PGPORT, PGUSER   the PostgreSQL server (a unix socket directory works as PGHOST)
    LOSSLESS_DB_NAME         use this database as it is (the worker pool's processes are
                             pointed at the test database pytest-django made)
    LOSSLESS_REFRESH         lossless (default) or stock: the serializer of jwt/refresh/ in
                             the worker pool
"""

import os
import tempfile

SECRET_KEY = "simplejwt-lossless-tests-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "djoser",
    "dj_rest_auth",
    "simplejwt_lossless",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins

ENGINE = os.environ.get("LOSSLESS_TEST_DATABASE", "sqlite")
if ENGINE == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("LOSSLESS_DB_NAME", "lossless"),
            "HOST": os.environ.get("PGHOST", ""),
            "PORT": os.environ.get("PGPORT", ""),
            "USER": os.environ.get("PGUSER", "postgres"),
            "TEST": {"NAME": "test_lossless"},
        }
    }
elif ENGINE == "sqlite":
    # A file, not SQLite's shared in-memory database: threads and worker processes must
    # each have a connection of their own, with SQLite's own locking between them.
    scratch = os.path.join(tempfile.gettempdir(), f"simplejwt-lossless-{os.getpid()}.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("LOSSLESS_DB_NAME", scratch),
            "TEST": {"NAME": scratch},
            "OPTIONS": {"timeout": 20},
        }
    }
else:
    raise ValueError(f"LOSSLESS_TEST_DATABASE={ENGINE!r}: expected sqlite or postgresql")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("rest_framework_simplejwt.authentication.JWTAuthentication",),
}
STOCK_REFRESH = "rest_framework_simplejwt.serializers.TokenRefreshSerializer"
LOSSLESS_REFRESH = "simplejwt_lossless.serializers.LosslessTokenRefreshSerializer"
SIMPLE_JWT = {
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "TOKEN_REFRESH_SERIALIZER": (
        STOCK_REFRESH if os.environ.get("LOSSLESS_REFRESH") == "stock" else LOSSLESS_REFRESH
    ),
}
SIMPLEJWT_LOSSLESS = {"REUSE_INTERVAL": 10, "REVOKE_FAMILY_ON_REUSE": True}
DJOSER = {"TOKEN_MODEL": None}
REST_AUTH = {
    "USE_JWT": True,
    "JWT_AUTH_COOKIE": "access",
    "JWT_AUTH_REFRESH_COOKIE": "refresh",
    "JWT_AUTH_HTTPONLY": True,
    "SESSION_LOGIN": False,
    "TOKEN_MODEL": None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
