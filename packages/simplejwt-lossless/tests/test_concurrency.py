"""Concurrent refreshes of one token inside this process: threads, each with its own
database connection (a file on SQLite, a server on PostgreSQL)."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from simplejwt_lossless import rotation
from simplejwt_lossless.models import TokenFamily

from .conftest import BLACKLISTED, LOGOUT, at_once, login, refresh

pytestmark = pytest.mark.django_db(transaction=True)
REQUESTS = 8


def test_concurrent_refreshes_rotate_once_and_all_get_the_winners_token(user):
    token = login(APIClient())["refresh"]
    answers = at_once(REQUESTS, lambda: refresh(APIClient(), token))
    assert [answer.status_code for answer in answers] == [200] * REQUESTS
    assert len({answer.json()["refresh"] for answer in answers}) == 1
    assert OutstandingToken.objects.count() == 2  # the login's and one rotation's
    family = TokenFamily.objects.get()
    assert family.current.token == answers[0].json()["refresh"]
    # The winner's token rotates as usual afterwards.
    assert refresh(APIClient(), family.current.token).status_code == 200


def test_concurrent_first_refreshes_make_one_family(user):
    tokens = [login(APIClient())["refresh"] for _ in range(3)]
    for token in tokens:
        at_once(4, lambda token=token: refresh(APIClient(), token))
    assert TokenFamily.objects.count() == 3
    assert OutstandingToken.objects.count() == 6


def test_a_logout_between_the_check_and_the_rotation_wins(user, monkeypatch):
    """The blacklist row written inside the rotation's transaction decides: a logout that
    lands after the rotation's first look at the blacklist still refuses the refresh."""
    token = login(APIClient())["refresh"]
    logout = APIClient().post(LOGOUT, {"refresh": token}, format="json")
    assert logout.status_code == 200
    # The token as the rotation saw it a moment before the logout: in a family, not spent.
    rotation._start_family(OutstandingToken.objects.get(token=token))
    monkeypatch.setattr(rotation, "_is_blacklisted", lambda row: False)
    response = refresh(APIClient(), token)
    assert response.status_code == 401
    assert response.json() == BLACKLISTED
    assert OutstandingToken.objects.count() == 1  # nothing issued for the logged-out token
