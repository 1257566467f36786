from django.db import transaction
from django.urls import include, path, re_path
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenBlacklistView, TokenRefreshView

from dj_rest_auth.jwt_auth import get_refresh_view

from simplejwt_lossless.dj_rest_auth import LosslessCookieTokenRefreshView

urlpatterns = [
    # djoser's jwt/create/, jwt/refresh/ (SIMPLE_JWT's TOKEN_REFRESH_SERIALIZER), jwt/verify/.
    path("auth/", include("djoser.urls.jwt")),
    path("auth/jwt/blacklist/", TokenBlacklistView.as_view()),
    # The same view outside ATOMIC_REQUESTS' transaction (test_atomic_requests.py).
    path(
        "non-atomic/jwt/refresh/",
        transaction.non_atomic_requests(TokenRefreshView.as_view()),
    ),
    # Stock SimpleJWT beside it, for the tests that compare.
    path("stock/jwt/refresh/", TokenRefreshView.as_view(serializer_class=TokenRefreshSerializer)),
    # dj-rest-auth: the lossless refresh view first, at dj-rest-auth's own path.
    re_path(r"^rest-auth/token/refresh/?$", LosslessCookieTokenRefreshView.as_view()),
    path("rest-auth/", include("dj_rest_auth.urls")),
    path("rest-auth-stock/token/refresh/", get_refresh_view().as_view()),
]
