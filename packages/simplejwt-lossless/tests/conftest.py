"""Fixtures: a user, an API client, SimpleJWT's switches, and figures for the summary."""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.settings import api_settings

LOGIN = "/auth/jwt/create/"
REFRESH = "/auth/jwt/refresh/"
STOCK_REFRESH = "/stock/jwt/refresh/"
LOGOUT = "/auth/jwt/blacklist/"
VERIFY = "/auth/jwt/verify/"
BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}
PASSWORD = "correct horse battery"

# Lines the worker-pool tests print at the end of the run (stock against lossless).
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("concurrent refreshes of one token")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def user(db: None) -> Any:
    return get_user_model().objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def simplejwt(request: pytest.FixtureRequest) -> Iterator[Any]:
    """SimpleJWT's switches, restored after the test. SimpleJWT's modules share one
    `api_settings` object and cache its attributes, so the attributes are set on it
    (override_settings(SIMPLE_JWT=...) would replace the object under nobody's feet)."""
    saved = {
        name: getattr(api_settings, name)
        for name in ("ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION")
    }
    yield api_settings
    for name, value in saved.items():
        setattr(api_settings, name, value)


def login(api: APIClient, username: str = "alice") -> dict[str, str]:
    response = api.post(LOGIN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(api: APIClient, token: str, url: str = REFRESH) -> Any:
    return api.post(url, {"refresh": token}, format="json")


def at_once(count: int, call: Callable[[], Any]) -> list[Any]:
    """`call()` in `count` threads released together; their results."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
