"""dj-rest-auth's cookie-reading refresh view with lossless rotation.

dj-rest-auth (7.x) routes `token/refresh/` to a view whose serializer is fixed in code
(`CookieTokenRefreshSerializer`, which reads the refresh token from the body or the
`JWT_AUTH_REFRESH_COOKIE` cookie); neither `SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]` nor a
`REST_AUTH` setting reaches it. Route this view at the same path, before
`include("dj_rest_auth.urls")`. Importing this module needs dj-rest-auth.
"""

from dj_rest_auth.jwt_auth import CookieTokenRefreshSerializer, get_refresh_view

from .serializers import LosslessTokenRefreshSerializer


class LosslessCookieTokenRefreshSerializer(
    CookieTokenRefreshSerializer, LosslessTokenRefreshSerializer
):
    """dj-rest-auth's `validate` reads the token (body, then cookie) and hands it on with
    `super()`, which this order makes the lossless `validate`."""


class LosslessCookieTokenRefreshView(get_refresh_view()):  # type: ignore[misc]
    """dj-rest-auth's refresh view (it sets the access and refresh cookies from the
    answer) with the lossless serializer."""

    serializer_class = LosslessCookieTokenRefreshSerializer
