"""Lossless rotation through djoser's jwt/refresh/ view, one request at a time; the same
sequences against stock SimpleJWT's view show what the package changes."""

import logging
from datetime import timedelta

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from simplejwt_lossless.conf import lossless_settings
from simplejwt_lossless.models import FamilyMember, TokenFamily
from simplejwt_lossless.rotation import family_of

from .conftest import BLACKLISTED, LOGOUT, REFRESH, STOCK_REFRESH, VERIFY, login, refresh

pytestmark = pytest.mark.django_db


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def rotated(api, token: str, url: str = REFRESH) -> dict[str, str]:
    response = refresh(api, token, url)
    assert response.status_code == 200, response.content
    return response.json()


def assert_refused(response) -> None:
    assert response.status_code == 401, response.content
    assert response.json() == BLACKLISTED


def rewind_rotation(token: str, by: timedelta) -> None:
    """Makes the last rotation of `token`'s family look `by` older."""
    family = family_of(claims(token)["jti"])
    TokenFamily.objects.filter(pk=family.pk).update(rotated_at=family.rotated_at - by)


def test_a_rotation_answers_as_stock_does_and_starts_the_family(api, user):
    first = login(api)
    answer = refresh(api, first["refresh"])
    assert answer.status_code == 200
    assert list(answer.json()) == ["access", "refresh"]  # stock's keys, in stock's order
    second = answer.json()["refresh"]
    assert claims(second)["user_id"] == str(user.pk)
    family = family_of(claims(first["refresh"])["jti"])
    assert family == family_of(claims(second)["jti"])
    assert family.current.jti == claims(second)["jti"]
    assert family.parent.jti == claims(first["refresh"])["jti"]
    assert BlacklistedToken.objects.filter(token__jti=claims(first["refresh"])["jti"]).exists()


def test_a_reload_mid_refresh_gets_the_token_it_never_stored(api, user):
    """T is refreshed into T', whose answer the page never reads; T again gets T' and a new
    access token, and T' then rotates as usual."""
    t = login(api)["refresh"]
    t_prime = rotated(api, t)
    again = rotated(api, t)
    assert again["refresh"] == t_prime["refresh"]
    assert again["access"] != t_prime["access"]
    assert claims(again["access"])["token_type"] == "access"
    assert claims(again["access"])["user_id"] == str(user.pk)
    t_second = rotated(api, t_prime["refresh"])
    assert t_second["refresh"] != t_prime["refresh"]
    assert OutstandingToken.objects.count() == 3  # T, T', T'': the answer issued nothing


def test_stock_simplejwt_ends_the_session_on_the_same_reload(api, user):
    t = login(api)["refresh"]
    rotated(api, t, STOCK_REFRESH)
    assert_refused(refresh(api, t, STOCK_REFRESH))


def test_an_older_ancestor_revokes_the_family(api, user, caplog):
    t = login(api)["refresh"]
    t1 = rotated(api, t)["refresh"]
    t2 = rotated(api, t1)["refresh"]
    with caplog.at_level(logging.WARNING, logger="simplejwt_lossless"):
        assert_refused(refresh(api, t))
    assert_refused(refresh(api, t2))
    assert_refused(refresh(api, t1))
    family = family_of(claims(t2)["jti"])
    assert family.revoked_at is not None
    assert not FamilyMember.objects.filter(
        family=family, token__blacklistedtoken__isnull=True
    ).exists()
    [record] = caplog.records
    assert record.name == "simplejwt_lossless"
    message = record.getMessage()
    assert f"family {family.pk} of user {user.pk}" in message, message
    for token in (t, t1, t2):
        assert token not in message and claims(token)["jti"] not in message


def test_the_parent_after_the_interval_revokes_the_family(api, user):
    t = login(api)["refresh"]
    t1 = rotated(api, t)["refresh"]
    rewind_rotation(t1, timedelta(seconds=11))  # REUSE_INTERVAL is 10
    assert_refused(refresh(api, t))
    assert_refused(refresh(api, t1))


def test_the_parent_within_the_interval_by_a_short_sleep(api, user):
    with override_settings(SIMPLEJWT_LOSSLESS={"REUSE_INTERVAL": 0.3}):
        t = login(api)["refresh"]
        t1 = rotated(api, t)["refresh"]
        assert rotated(api, t)["refresh"] == t1
        rewind_rotation(t1, timedelta(seconds=0.31))
        assert_refused(refresh(api, t))
        assert_refused(refresh(api, t1))


def test_a_token_of_another_family_is_untouched(api, user):
    mine = login(api)["refresh"]
    other = login(api)["refresh"]  # another tab's or device's login
    mine1 = rotated(api, mine)["refresh"]
    rotated(api, mine1)
    assert_refused(refresh(api, mine))
    other1 = rotated(api, other)["refresh"]
    assert rotated(api, other1)["refresh"]


def test_a_logout_of_the_current_token_ends_the_parents_grace(api, user):
    t = login(api)["refresh"]
    t1 = rotated(api, t)["refresh"]
    assert api.post(LOGOUT, {"refresh": t1}, format="json").status_code == 200
    assert_refused(refresh(api, t))
    assert_refused(refresh(api, t1))


def test_a_logged_out_login_token_is_refused_as_stock_refuses_it(api, user):
    t = login(api)["refresh"]
    assert api.post(LOGOUT, {"refresh": t}, format="json").status_code == 200
    assert_refused(refresh(api, t))
    assert not TokenFamily.objects.exists()


def test_without_revocation_a_reuse_is_only_refused(api, user, caplog):
    settings = {"REUSE_INTERVAL": 10, "REVOKE_FAMILY_ON_REUSE": False}
    with override_settings(SIMPLEJWT_LOSSLESS=settings), caplog.at_level(logging.WARNING):
        t = login(api)["refresh"]
        t1 = rotated(api, t)["refresh"]
        t2 = rotated(api, t1)["refresh"]
        assert_refused(refresh(api, t))
        assert rotated(api, t2)["refresh"]
    assert "left alone" in caplog.text


def test_verify_still_says_a_rotated_parent_is_blacklisted(api, user):
    t = login(api)["refresh"]
    rotated(api, t)
    response = api.post(VERIFY, {"token": t}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Token is blacklisted"]}


def stock_and_lossless(api, sequence) -> None:
    """Runs `sequence(url)` on the lossless and the stock view: the same statuses and
    bodies' keys, and no family made."""
    seen = {}
    for url in (REFRESH, STOCK_REFRESH):
        seen[url] = [(r.status_code, sorted(r.json())) for r in sequence(url)]
    assert seen[REFRESH] == seen[STOCK_REFRESH]
    assert not TokenFamily.objects.exists()


def reuse_sequence(api):
    def run(url):
        t = login(api)["refresh"]
        first = refresh(api, t, url)
        return [first, refresh(api, t, url), refresh(api, first.json().get("refresh", t), url)]

    return run


def test_no_reuse_interval_is_stock_simplejwt(api, user):
    with override_settings(SIMPLEJWT_LOSSLESS={}):
        stock_and_lossless(api, reuse_sequence(api))


def test_without_rotation_it_is_stock_simplejwt(api, user, simplejwt):
    simplejwt.ROTATE_REFRESH_TOKENS = False
    stock_and_lossless(api, reuse_sequence(api))
    simplejwt.ROTATE_REFRESH_TOKENS = True
    simplejwt.BLACKLIST_AFTER_ROTATION = False
    stock_and_lossless(api, reuse_sequence(api))


def test_an_inactive_user_is_refused_before_anything_rotates(api, user):
    t = login(api)["refresh"]
    user.is_active = False
    user.save()
    for url in (REFRESH, STOCK_REFRESH):
        response = refresh(api, t, url)
        assert response.status_code == 401
        assert response.json() == {"detail": "No active account found for the given token."}
    assert not TokenFamily.objects.exists()


def test_flushexpiredtokens_takes_the_families_along(api, user):
    t = login(api)["refresh"]
    rotated(api, rotated(api, t)["refresh"])
    assert TokenFamily.objects.count() == 1 and FamilyMember.objects.count() == 3
    OutstandingToken.objects.update(expires_at=OutstandingToken.objects.get(
        jti=claims(t)["jti"]).created_at)
    call_command("flushexpiredtokens")
    assert not TokenFamily.objects.exists() and not FamilyMember.objects.exists()


def test_settings_are_checked():
    with override_settings(SIMPLEJWT_LOSSLESS={"REUSE_INTERVAL": "10s"}):
        with pytest.raises(ImproperlyConfigured):
            lossless_settings()
    with override_settings(SIMPLEJWT_LOSSLESS={"REUSE_INTERVALL": 10}):
        with pytest.raises(ImproperlyConfigured):
            lossless_settings()
    with override_settings(SIMPLEJWT_LOSSLESS={"REUSE_INTERVAL": timedelta(milliseconds=500)}):
        assert lossless_settings().reuse_interval == timedelta(milliseconds=500)
    with override_settings(SIMPLEJWT_LOSSLESS={"REUSE_INTERVAL": 0}):
        assert lossless_settings().reuse_interval is None


def test_a_deleted_users_token_is_refused_like_an_inactive_ones(api, user):
    t = login(api)["refresh"]
    user.delete()
    response = refresh(api, t)
    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found for the given token."}
