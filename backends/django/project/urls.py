"""The seed API's URLs: djoser's users and JWT views under /api/v1/auth/, plus SimpleJWT's
blacklist view (logout), which djoser does not route."""

from django.urls import include, path
from rest_framework_simplejwt.views import TokenBlacklistView

urlpatterns = [
    path("api/v1/auth/", include("djoser.urls")),
    path("api/v1/auth/", include("djoser.urls.jwt")),
    path("api/v1/auth/jwt/blacklist/", TokenBlacklistView.as_view(), name="jwt-blacklist"),
]
