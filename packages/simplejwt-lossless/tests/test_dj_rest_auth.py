"""dj-rest-auth 7.2 with JWTs in httpOnly cookies: its login view, and its refresh view
(the refresh token read from the cookie) swapped for the lossless one at the same path."""

import pytest
from rest_framework.test import APIClient

from simplejwt_lossless.models import TokenFamily

from .conftest import BLACKLISTED, PASSWORD

pytestmark = pytest.mark.django_db
LOSSLESS = "/rest-auth/token/refresh/"
STOCK = "/rest-auth-stock/token/refresh/"


def cookie_login(api: APIClient) -> str:
    """dj-rest-auth's login; the refresh token as the browser keeps it (cookie only)."""
    response = api.post("/rest-auth/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200, response.content
    cookie = response.cookies["refresh"]
    assert cookie["httponly"]
    return cookie.value


def cookie_refresh(api: APIClient, token: str, url: str = LOSSLESS):
    api.cookies["refresh"] = token  # what the browser sends: no body
    return api.post(url)


def test_a_reload_mid_refresh_gets_the_current_token_as_its_cookie(user):
    api = APIClient()
    t = cookie_login(api)
    first = cookie_refresh(api, t)
    assert first.status_code == 200
    t_prime = first.cookies["refresh"].value
    assert "refresh" not in first.json()  # JWT_AUTH_HTTPONLY: the cookie only
    # The page reloads before the browser stored the cookie: it sends T again.
    again = cookie_refresh(api, t)
    assert again.status_code == 200
    assert again.cookies["refresh"].value == t_prime
    assert again.cookies["access"].value
    assert cookie_refresh(api, t_prime).status_code == 200
    assert TokenFamily.objects.count() == 1


def test_an_older_cookie_revokes_the_family(user):
    api = APIClient()
    t = cookie_login(api)
    t1 = cookie_refresh(api, t).cookies["refresh"].value
    t2 = cookie_refresh(api, t1).cookies["refresh"].value
    refused = cookie_refresh(api, t)
    assert refused.status_code == 401
    assert refused.json() == BLACKLISTED
    assert cookie_refresh(api, t2).status_code == 401


def test_a_token_in_the_body_still_wins_over_the_cookie(user):
    api = APIClient()
    t = cookie_login(api)
    api.cookies["refresh"] = "not-a-token"
    response = api.post(LOSSLESS, {"refresh": t}, format="json")
    assert response.status_code == 200


def test_dj_rest_auths_own_view_loses_the_session_on_the_same_reload(user):
    api = APIClient()
    t = cookie_login(api)
    assert cookie_refresh(api, t, STOCK).status_code == 200
    refused = cookie_refresh(api, t, STOCK)
    assert refused.status_code == 401
    assert refused.json() == BLACKLISTED
