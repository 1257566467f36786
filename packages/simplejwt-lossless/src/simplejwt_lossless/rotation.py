"""Rotation of a refresh token within its family, atomic on every database Django supports.

The one decision that must have a single winner, "this token is rotated now", is a
compare-and-set UPDATE of the family's `current` column whose row count decides: on
PostgreSQL (and MySQL) the UPDATE takes the family row's lock and, under READ COMMITTED,
re-reads the row once the lock is free, so a second UPDATE of the same token matches no row;
on SQLite the whole database has one writer, and every transaction here starts with a write,
so it waits for the lock (Django's `timeout`) instead of upgrading a read lock, which SQLite
refuses at once ("database is locked") to avoid a deadlock. `select_for_update` is not used:
SQLite ignores it.

Reads that only choose a path happen outside any transaction; whatever they saw is checked
again by the compare-and-set.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from .models import FamilyMember, TokenFamily

logger = logging.getLogger("simplejwt_lossless")

# SimpleJWT's own message, so that a refused reuse reads exactly as any blacklisted token:
# 401 {"detail": "Token is blacklisted", "code": "token_not_valid"}.
BLACKLISTED = "Token is blacklisted"


@dataclass(frozen=True)
class _Refuse:
    """Answer 401; `reuse` says whether it was a reuse to log and maybe revoke."""

    reuse: bool = False


@dataclass(frozen=True)
class _Answer:
    """Answer 200 with this body."""

    body: dict[str, str]


def rotate(
    refresh: RefreshToken, reuse_interval: timedelta, revoke_family_on_reuse: bool
) -> dict[str, str]:
    """The answer to a refresh with `refresh` (already verified: signature, expiry, type;
    not the blacklist, which is this function's to read): `{"access", "refresh"}`, or
    TokenError("Token is blacklisted")."""
    presented = _outstanding_row(refresh)
    # The blacklist before the family: a rotation writes both in one transaction, so a token
    # seen blacklisted here because it was rotated has its family by the next read.
    spent = _is_blacklisted(presented)
    member = FamilyMember.objects.select_related("family").filter(token=presented).first()
    if member is None:
        if spent:
            # Logged out (or spent before the package was installed): stock's answer.
            raise TokenError(BLACKLISTED)
        family = _start_family(presented)
    else:
        family = member.family

    outcome: _Answer | _Refuse | None = None
    if not spent and family.revoked_at is None and family.current_id == presented.pk:
        outcome = _try_rotation(refresh, presented, family)
    if outcome is None:
        # Not the current token, or it stopped being current while we were on our way.
        outcome = _answer_stale(presented, family.pk, reuse_interval, refresh)
    if isinstance(outcome, _Answer):
        return outcome.body
    if outcome.reuse:
        _report_reuse(family.pk, refresh, revoke_family_on_reuse)
    raise TokenError(BLACKLISTED)


def _outstanding_row(token: RefreshToken) -> OutstandingToken:
    """The token's OutstandingToken row, made if missing, as SimpleJWT's blacklist() does."""
    jti = token.payload[api_settings.JTI_CLAIM]
    row = OutstandingToken.objects.filter(jti=jti).first()
    if row is None:
        token.outstand()
        row = OutstandingToken.objects.get(jti=jti)
    return row


def _is_blacklisted(row: OutstandingToken) -> bool:
    return BlacklistedToken.objects.filter(token=row).exists()


def _start_family(root: OutstandingToken) -> TokenFamily:
    """A login's token reaches us for the first time (SimpleJWT's and djoser's login views
    issue it without us): its family starts here, with it as current. Concurrent first
    refreshes collide on the unique `current` or the member's primary key; the losers read
    the winner's family."""
    try:
        with transaction.atomic():
            family = TokenFamily.objects.create(current=root)
            FamilyMember.objects.create(token=root, family=family)
            return family
    except IntegrityError:
        return FamilyMember.objects.select_related("family").get(token=root).family


def _try_rotation(
    refresh: RefreshToken, presented: OutstandingToken, family: TokenFamily
) -> _Answer | _Refuse | None:
    """Rotates `presented`, the family's current token, if this request is the first to do
    so; None if another got there first."""
    # Stock SimpleJWT's order: the access token from the presented token's claims, then the
    # same token object turned into the new refresh token.
    access = str(refresh.access_token)
    refresh.set_jti()
    refresh.set_exp()
    refresh.set_iat()
    new_text = str(refresh)
    with transaction.atomic():
        # The first statement writes (see the module docstring on SQLite).
        issued = OutstandingToken.objects.create(
            user_id=presented.user_id,
            jti=refresh.payload[api_settings.JTI_CLAIM],
            token=new_text,
            created_at=refresh.current_time,
            expires_at=datetime_from_epoch(refresh.payload["exp"]),
        )
        won = TokenFamily.objects.filter(
            pk=family.pk, current=presented, revoked_at__isnull=True
        ).update(current=issued, parent=presented, rotated_at=timezone.now())
        if not won:
            transaction.set_rollback(True)  # the new token was never given out
            return None
        FamilyMember.objects.create(token=issued, family_id=family.pk)
        _, blacklisted_now = BlacklistedToken.objects.get_or_create(token=presented)
        if not blacklisted_now:
            # A logout (SimpleJWT's blacklist view) of this very token came first.
            transaction.set_rollback(True)
            return _Refuse()
    return _Answer({"access": access, "refresh": new_text})


def _answer_stale(
    presented: OutstandingToken,
    family_pk: int,
    interval: timedelta,
    refresh: RefreshToken,
) -> _Answer | _Refuse:
    """A token that is not (or no longer) its family's current one: the parent within the
    interval gets the current token; anything else is a reuse."""
    family = TokenFamily.objects.select_related("current").get(pk=family_pk)
    if family.revoked_at is not None:
        return _Refuse()
    if family.current_id == presented.pk:
        return _Refuse()  # the current token itself, blacklisted: logged out
    now = timezone.now()
    if family.parent_id != presented.pk:
        return _Refuse(reuse=True)
    if family.rotated_at is None or now - family.rotated_at > interval:
        return _Refuse(reuse=True)
    current = family.current
    if current.expires_at <= now or _is_blacklisted(current):
        return _Refuse()  # the current token was logged out, or has expired
    current_token = type(refresh)(current.token, verify=False)
    return _Answer({"access": str(current_token.access_token), "refresh": current.token})


def _report_reuse(family_pk: int, refresh: RefreshToken, revoke: bool) -> None:
    user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
    if revoke:
        revoked = revoke_family(family_pk)
        logger.warning(
            "refresh token reuse: token family %s of user %s revoked (%s tokens blacklisted)",
            family_pk,
            user_id,
            revoked,
        )
    else:
        logger.warning(
            "refresh token reuse: refused, token family %s of user %s left alone "
            "(REVOKE_FAMILY_ON_REUSE is off)",
            family_pk,
            user_id,
        )


def revoke_family(family_pk: int) -> int:
    """Blacklists every token of the family and marks it revoked; how many tokens it
    blacklisted (0 if the family was revoked already)."""
    with transaction.atomic():
        if not TokenFamily.objects.filter(pk=family_pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        ):
            return 0
        unspent = FamilyMember.objects.filter(
            family_id=family_pk, token__blacklistedtoken__isnull=True
        ).values_list("token_id", flat=True)
        entries = [BlacklistedToken(token_id=token_id) for token_id in unspent]
        # A logout racing the revocation may blacklist one of them first.
        BlacklistedToken.objects.bulk_create(entries, ignore_conflicts=True)
        return len(entries)


def family_of(jti: str) -> TokenFamily | None:
    """The family of the refresh token with this jti, if it has one (for tests and admin
    tooling)."""
    member = FamilyMember.objects.select_related("family").filter(token__jti=jti).first()
    return member.family if member else None
