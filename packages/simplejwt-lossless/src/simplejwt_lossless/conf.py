"""The package's settings: one dict, `SIMPLEJWT_LOSSLESS`, read at every refresh so that
`override_settings` and live changes apply at once."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING_NAME = "SIMPLEJWT_LOSSLESS"
BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"


@dataclass(frozen=True)
class LosslessSettings:
    # How long after a rotation its parent token is still answered with the current one;
    # None switches the package off (stock SimpleJWT behaviour).
    reuse_interval: timedelta | None
    # Whether any other reuse of a rotated token blacklists every token of its family.
    revoke_family_on_reuse: bool


DEFAULTS = {"REUSE_INTERVAL": None, "REVOKE_FAMILY_ON_REUSE": True}


def _interval(value: object) -> timedelta | None:
    """Seconds (int or float) or a timedelta; None or zero means off."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        interval = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        interval = timedelta(seconds=value)
    else:
        raise ImproperlyConfigured(
            f"{SETTING_NAME}['REUSE_INTERVAL'] must be seconds or a timedelta, not {value!r}"
        )
    if interval < timedelta(0):
        raise ImproperlyConfigured(f"{SETTING_NAME}['REUSE_INTERVAL'] must not be negative")
    return interval or None


def lossless_settings() -> LosslessSettings:
    user = getattr(settings, SETTING_NAME, None) or {}
    unknown = set(user) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(f"{SETTING_NAME} has unknown keys: {sorted(unknown)}")
    merged = {**DEFAULTS, **user}
    return LosslessSettings(
        reuse_interval=_interval(merged["REUSE_INTERVAL"]),
        revoke_family_on_reuse=bool(merged["REVOKE_FAMILY_ON_REUSE"]),
    )
