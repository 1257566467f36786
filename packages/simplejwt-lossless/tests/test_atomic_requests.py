"""ATOMIC_REQUESTS wraps each view in one transaction that DRF marks for rollback when the
view answers an error: a revocation made while refusing a reuse would be rolled back with
it. The refresh view must then be excluded with `transaction.non_atomic_requests`; the
package's system check says so."""

from collections.abc import Iterator

import pytest
from django.core.checks import run_checks
from django.db import connection
from rest_framework.test import APIClient

from simplejwt_lossless.models import TokenFamily

from .conftest import REFRESH, login, refresh

pytestmark = pytest.mark.django_db(transaction=True)
NON_ATOMIC = "/non-atomic/jwt/refresh/"


@pytest.fixture
def atomic_requests() -> Iterator[None]:
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    yield
    connection.settings_dict["ATOMIC_REQUESTS"] = False


def reuse_an_ancestor(url: str) -> str:
    """Rotates twice, presents the first token again; the newest token."""
    api = APIClient()
    t = login(api)["refresh"]
    t1 = refresh(api, t, url).json()["refresh"]
    t2 = refresh(api, t1, url).json()["refresh"]
    assert refresh(api, t, url).status_code == 401
    return t2


def test_inside_atomic_requests_the_revocation_is_rolled_back(user, atomic_requests):
    newest = reuse_an_ancestor(REFRESH)
    assert TokenFamily.objects.get().revoked_at is None
    assert refresh(APIClient(), newest).status_code == 200  # the family lives on


def test_a_non_atomic_refresh_view_keeps_the_revocation(user, atomic_requests):
    newest = reuse_an_ancestor(NON_ATOMIC)
    assert TokenFamily.objects.get().revoked_at is not None
    assert refresh(APIClient(), newest, NON_ATOMIC).status_code == 401


def test_the_system_check_warns_about_atomic_requests(atomic_requests):
    [warning] = [m for m in run_checks() if m.id == "simplejwt_lossless.W001"]
    assert "non_atomic_requests" in warning.hint


def test_no_warning_without_atomic_requests():
    assert not [m for m in run_checks() if m.id.startswith("simplejwt_lossless.")]
