"""System checks (`manage.py check`) for settings that would undo the package's work."""

from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.db import connections


@register()
def atomic_requests_check(**_: Any) -> list[CheckMessage]:
    """ATOMIC_REQUESTS rolls back what a refused refresh wrote, which is the revocation of
    a family on reuse."""
    return [
        Warning(
            f"DATABASES[{alias!r}] has ATOMIC_REQUESTS: a token family revoked while a "
            "refresh is refused would be rolled back with the request.",
            hint="Wrap the refresh view in django.db.transaction.non_atomic_requests "
            "(see the simplejwt-lossless README).",
            id="simplejwt_lossless.W001",
        )
        for alias in connections
        if connections[alias].settings_dict.get("ATOMIC_REQUESTS")
    ]
