"""The refresh serializer to name in `SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]`."""

from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from .conf import BLACKLIST_APP, lossless_settings
from .rotation import rotate


@cache
def _without_blacklist_check(token_class: type[RefreshToken]) -> type[RefreshToken]:
    """`token_class` minus its blacklist check: a blacklisted parent is what this package
    may still answer, so the blacklist is read by the rotation instead."""

    class UncheckedBlacklist(token_class):  # type: ignore[valid-type,misc]
        def check_blacklist(self) -> None:
            pass

    return UncheckedBlacklist


def lossless_rotation_active() -> bool:
    """Rotation with blacklisting, the blacklist app, and a reuse interval: the one setting
    where a lost answer costs the session. Anything else is stock SimpleJWT's business."""
    return bool(
        api_settings.ROTATE_REFRESH_TOKENS
        and api_settings.BLACKLIST_AFTER_ROTATION
        and BLACKLIST_APP in settings.INSTALLED_APPS
        and lossless_settings().reuse_interval is not None
    )


class LosslessRefreshMixin:
    """The lossless `validate()`, for any subclass of SimpleJWT's TokenRefreshSerializer
    (put it first among the bases)."""

    token_class: type[RefreshToken]
    error_messages: dict[str, Any]

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        settings = lossless_settings()
        if not lossless_rotation_active() or settings.reuse_interval is None:
            return super().validate(attrs)  # type: ignore[misc]
        refresh = _without_blacklist_check(self.token_class)(attrs["refresh"])
        self._check_user(refresh)
        return rotate(refresh, settings.reuse_interval, settings.revoke_family_on_reuse)

    def _check_user(self, refresh: RefreshToken) -> None:
        """SimpleJWT's check of the token's user, except that a deleted user is the same
        401 as an inactive one (SimpleJWT 5.5.1 crashes there; later versions answer so)."""
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM, None)
        if not user_id:
            return
        user_model = get_user_model()
        user = user_model.objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )


class LosslessTokenRefreshSerializer(LosslessRefreshMixin, TokenRefreshSerializer):
    """SimpleJWT's TokenRefreshSerializer with lossless rotation."""
