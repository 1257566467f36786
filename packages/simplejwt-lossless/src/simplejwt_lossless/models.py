"""Token families: the refresh tokens that descend from one login.

SimpleJWT's `OutstandingToken` keeps every refresh token it issued (with its text), and
`BlacklistedToken` says which are spent; these two tables add which login each token
descends from and which of them is the family's current one.
"""

from django.db import models
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


class TokenFamily(models.Model):
    """One login's chain of rotated refresh tokens.

    `current` is the only token of the family that rotates; `parent` is the one it was
    rotated from, at `rotated_at`, and the only other one answered (with `current`) within
    the reuse interval. Rotation is a compare-and-set UPDATE on `current`, so of several
    concurrent refreshes one wins. Deleting the current token (SimpleJWT's
    `flushexpiredtokens`: it is the family's newest) deletes the family.
    """

    current = models.OneToOneField(
        OutstandingToken, on_delete=models.CASCADE, related_name="lossless_current_of"
    )
    parent = models.ForeignKey(
        OutstandingToken,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "token family"
        verbose_name_plural = "token families"

    def __str__(self) -> str:
        return f"token family {self.pk}"


class FamilyMember(models.Model):
    """Which family a refresh token belongs to, so that presenting any ancestor finds the
    family to revoke."""

    token = models.OneToOneField(
        OutstandingToken,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="lossless_member",
    )
    family = models.ForeignKey(TokenFamily, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = "token family member"

    def __str__(self) -> str:
        return f"token {self.token_id} of family {self.family_id}"
