import socket
import time

import pytest
from django.db import OperationalError, connection, connections
from django.db.utils import load_backend
from django.urls import reverse

from campaigns.views import health

# A port nothing listens on, so connections are refused at once.
CLOSED_PORT = 1


@pytest.fixture
def url():
    return reverse("healthz")


@pytest.mark.django_db
def test_healthy_without_redis(client, url, settings):
    settings.REDIS_URL = ""
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor
    assert body["redis"] == {"configured": False}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_needs_no_login_and_does_not_touch_the_session(client, url, settings):
    settings.REDIS_URL = ""
    response = client.get(url)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_head_works_and_post_is_refused(client, url, settings):
    settings.REDIS_URL = ""
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.django_db
def test_database_error_is_503_not_500(client, url, settings, monkeypatch):
    settings.REDIS_URL = ""

    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = client.get(url)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "error": "OperationalError"}


@pytest.fixture
def unreachable_database(db, tmp_path):
    """A database alias pointing at a server that is not there, with a
    password that must never appear in the public answer. The connection is
    made by hand rather than declared in settings, so the test runner treats
    it as an ordinary connection instead of one the test may not use."""
    alias = "unreachable"
    if connection.vendor == "postgresql":
        broken = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "advocacy",
            "USER": "advocacy",
            "PASSWORD": "s3cret-db-password",
            "HOST": "127.0.0.1",
            "PORT": CLOSED_PORT,
            "OPTIONS": {"connect_timeout": 2},
        }
    else:
        broken = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "missing" / "s3cret-db-password.sqlite3"),
        }
    configured = connections.configure_settings({"default": {}, alias: broken})[alias]
    wrapper = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    connections[alias] = wrapper
    yield alias
    wrapper.close()
    del connections[alias]


@pytest.mark.django_db
def test_unreachable_database_is_503_and_hides_credentials(
    client, url, settings, monkeypatch, unreachable_database
):
    settings.REDIS_URL = ""
    monkeypatch.setattr(health, "DATABASE_ALIAS", unreachable_database)
    response = client.get(url)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert "s3cret" not in response.content.decode()


@pytest.mark.django_db
def test_redis_down_is_degraded_but_200(client, url, settings):
    settings.REDIS_URL = f"redis://:hunter2-secret@127.0.0.1:{CLOSED_PORT}/0"
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["redis"]["configured"] is True
    assert body["redis"]["ok"] is False
    assert body["redis"]["error"]
    assert "hunter2" not in response.content.decode()


@pytest.mark.django_db
def test_redis_up_is_ok(client, url, settings, redis):
    settings.REDIS_URL = redis
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["redis"]["ok"] is True
    assert body["redis"]["latency_ms"] >= 0


@pytest.mark.django_db
def test_database_down_and_redis_down_is_still_error(
    client, url, settings, monkeypatch
):
    settings.REDIS_URL = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    monkeypatch.setattr(
        health,
        "check_database",
        lambda alias: {"ok": False, "error": "OperationalError"},
    )
    response = client.get(url)
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_silent_redis_is_given_up_on_quickly():
    """A server that accepts the connection but never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        started = time.perf_counter()
        result = health.check_redis(f"redis://127.0.0.1:{port}/0")
        elapsed = time.perf_counter() - started
    assert result == {"configured": True, "ok": False, "error": "TimeoutError"}
    # A hang check, not a speed test: the configured timeout plus a margin
    # that no busy machine needs, against a server that would never answer.
    assert elapsed < health.settings.REDIS_TIMEOUT + 5


def test_malformed_redis_url_is_reported_not_raised():
    result = health.check_redis("not-a-redis-url")
    assert result["ok"] is False
    assert result["configured"] is True


def test_a_session_save_during_a_database_outage_is_the_error_page(db, monkeypatch):
    """The first page after logging in saves the chosen team in the session;
    with the database gone at that moment the answer is the outage's error
    page, not Django's "session interrupted" 400."""
    from django.contrib.sessions.models import Session
    from django.test import Client

    from tests.factories import MembershipFactory

    client = Client(raise_request_exception=False)
    client.force_login(MembershipFactory().user)

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(Session, "save", unreachable)
    response = client.get(reverse("campaign_list"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
