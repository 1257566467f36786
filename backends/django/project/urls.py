"""The API's URLs, by DJANGO_URL_LAYOUT (project/settings.py):

- djoser: djoser's users and JWT views under /api/v1/auth/, plus SimpleJWT's blacklist view
  (logout), which djoser does not route;
- simplejwt: SimpleJWT's own views at the URLs its documentation gives (api/token/,
  api/token/refresh/, api/token/verify/, api/token/blacklist/) and the app's own
  api/me/; no registration;
- dj-rest-auth: dj-rest-auth's views under /api/auth/ (login/, logout/, user/,
  token/refresh/, token/verify/, password/change/ and its password reset views), the tokens
  in httpOnly cookies; and its logout view once more at token/refresh/logout/, below the
  refresh URL, so that a JWT_AUTH_REFRESH_COOKIE_PATH narrowed to that URL still reaches a
  logout (the README's "The refresh cookie's path").
"""

from django.conf import settings
from django.urls import include, path
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from project.me import MeView


def djoser_urls() -> list:
    return [
        path("api/v1/auth/", include("djoser.urls")),
        path("api/v1/auth/", include("djoser.urls.jwt")),
        path("api/v1/auth/jwt/blacklist/", TokenBlacklistView.as_view(), name="jwt-blacklist"),
    ]


def simplejwt_urls() -> list:
    return [
        path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
        path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
        path("api/token/verify/", TokenVerifyView.as_view(), name="token_verify"),
        path("api/token/blacklist/", TokenBlacklistView.as_view(), name="token_blacklist"),
        path("api/me/", MeView.as_view(), name="me"),
    ]


def rest_auth_urls() -> list:
    from dj_rest_auth.views import LogoutView

    # Lossless rotation: dj-rest-auth's refresh view sets its serializer in code, so the
    # package's version of the view takes its path, before dj-rest-auth's URLs
    # (packages/simplejwt-lossless/README.md, "dj-rest-auth").
    lossless = []
    if settings.LOSSLESS_ROTATION:
        from simplejwt_lossless.dj_rest_auth import LosslessCookieTokenRefreshView

        lossless = [
            path("api/auth/token/refresh/", LosslessCookieTokenRefreshView.as_view()),
        ]
    return [
        *lossless,
        path("api/auth/", include("dj_rest_auth.urls")),
        path(
            "api/auth/token/refresh/logout/",
            LogoutView.as_view(),
            name="rest_logout_below_refresh",
        ),
    ]


urlpatterns = {
    "djoser": djoser_urls,
    "simplejwt": simplejwt_urls,
    "dj-rest-auth": rest_auth_urls,
}[settings.URL_LAYOUT]()
