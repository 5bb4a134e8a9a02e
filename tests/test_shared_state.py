"""State that several processes share: the cache and sessions in Redis, the
client address behind trusted proxies, throttles that still count while Redis
is down, and the database connection settings.

How the settings read the environment is checked in fresh processes; the
behaviour in this one, against the real Redis and a closed port. The drills in
test_drills.py prove the same on two gunicorn instances.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import backends, throttle
from campaigns.client_address import client_ip
from campaigns.models import ThrottleWindow
from campaigns.views import accounts
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
SESSION_REDIS_DB = 14  # the shared Redis, a database of its own


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache(url):
    """The cache advocacy/settings.py configures when REDIS_URL is set."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "advocacy",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }


@pytest.fixture
def redis_down(settings):
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{closed_port()}/0")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def redis_up(settings, redis):
    settings.CACHES = redis_cache(f"redis://127.0.0.1:6379/{SESSION_REDIS_DB}")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    yield
    cache.clear()


# ---- settings from the environment ------------------------------------------

READ_SETTINGS = """
import json
from django.conf import settings as s
db = s.DATABASES["default"]
pool = db.get("OPTIONS", {}).get("pool")
print(json.dumps({
    "cache": s.CACHES["default"]["BACKEND"],
    "location": s.CACHES["default"].get("LOCATION", ""),
    "options": s.CACHES["default"].get("OPTIONS", {}),
    "sessions": s.SESSION_ENGINE,
    "proxy_ssl_header": s.SECURE_PROXY_SSL_HEADER,
    "hops": s.TRUSTED_PROXY_HOPS,
    "conn_max_age": db["CONN_MAX_AGE"],
    "pool": {k: v for k, v in pool.items() if k != "check"} if pool else None,
    "pool_checks": bool(pool and pool.get("check")),
    "server_side_cursors_off": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
    "user_cache": s.USER_CACHE,
}))
"""

CLEARED = (
    "REDIS_URL",
    "REDIS_CACHE_URL",
    "TRUSTED_PROXY_HOPS",
    "DATABASE_POOL_MAX_SIZE",
    "DATABASE_PGBOUNCER",
)


def settings_with(**env):
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "advocacy.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_the_embedded_default_stays():
    s = settings_with()
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    # Per-process copies of sessions would outlive a logout in another worker.
    assert s["sessions"] == "django.contrib.sessions.backends.db"
    assert s["user_cache"] is False


def test_with_redis_the_cache_and_sessions_are_shared():
    s = settings_with(REDIS_URL="redis://cache.internal:6379/0")
    assert s["cache"] == "django_redis.cache.RedisCache"
    # Not the broker's database: clear() flushes the cache's whole database.
    assert s["location"] == "redis://cache.internal:6379/1"
    assert s["options"]["IGNORE_EXCEPTIONS"] is True
    assert 0 < s["options"]["SOCKET_TIMEOUT"] <= 1
    assert s["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert s["user_cache"] is True


def test_the_cache_database_follows_the_brokers_or_is_named():
    assert (
        settings_with(REDIS_URL="redis://:pw@r:6380/3")["location"]
        == "redis://:pw@r:6380/4"
    )
    assert (
        settings_with(REDIS_URL="redis://r", REDIS_CACHE_URL="redis://c/9")["location"]
        == "redis://c/9"
    )


def test_proxy_headers_are_trusted_only_with_proxy_hops():
    assert settings_with()["proxy_ssl_header"] is None
    behind = settings_with(TRUSTED_PROXY_HOPS="1")
    assert behind["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind["hops"] == 1


def test_database_connections_persistent_pooled_or_through_pgbouncer():
    persistent = settings_with()
    assert persistent["pool"] is None and persistent["conn_max_age"] > 0
    pooled = settings_with(DATABASE_POOL_MAX_SIZE="4")
    assert pooled["pool"]["max_size"] == 4 and pooled["pool_checks"]
    assert pooled["conn_max_age"] == 0  # Django refuses both at once
    bounced = settings_with(DATABASE_PGBOUNCER="true", DATABASE_POOL_MAX_SIZE="4")
    assert bounced["server_side_cursors_off"] and bounced["pool"] is None


# ---- the client's address -------------------------------------------------------


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "", "10.0.0.1"),
        (0, "203.0.113.5", "10.0.0.1"),  # no proxy trusted: the header is noise
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client's own entry ignored
        (2, "6.6.6.6, 203.0.113.5, 198.51.100.2", "203.0.113.5"),
        (2, "198.51.100.2", "10.0.0.1"),  # fewer entries than proxies
        (1, "not-an-address", "10.0.0.1"),
        (1, " 2001:db8::7 ", "2001:db8::7"),
    ],
)
def test_client_address(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **headers)
    assert client_ip(request) == expected


def test_a_client_cannot_pass_plain_http_off_as_https(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None  # TRUSTED_PROXY_HOPS = 0
    response = Client().get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    assert response.url.startswith("https://")
    # Behind a trusted proxy the same header is believed.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200


def _fail_login(client, user, forwarded):
    return client.post(
        reverse("login"),
        {"username": user.email, "password": "wrong"},
        REMOTE_ADDR="10.0.0.1",  # the balancer
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def _log_in(client, user, forwarded):
    return client.post(
        reverse("login"),
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_balancer_the_lockout_counts_the_real_client(settings, db):
    settings.TRUSTED_PROXY_HOPS = 1
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(Client(), user, "203.0.113.5")
    assert _log_in(Client(), user, "203.0.113.5").status_code == 429
    # Someone else behind the same balancer is not locked out with them.
    assert _log_in(Client(), user, "198.51.100.7").status_code == 302


def test_without_trusted_proxies_a_client_cannot_choose_its_address(settings, db):
    settings.TRUSTED_PROXY_HOPS = 0
    user = UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(Client(), user, f"203.0.113.{n}")
    assert _log_in(Client(), user, "198.51.100.7").status_code == 429


def _reset(email, forwarded):
    return Client().post(
        reverse("password_reset"),
        {"email": email},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_reset_limit_per_client_counts_the_real_client(settings, db, monkeypatch):
    monkeypatch.setattr(accounts, "RESETS_PER_ADDRESS", 2)
    people = [UserFactory(email=f"p{n}@example.org") for n in range(4)]
    settings.TRUSTED_PROXY_HOPS = 1
    for person in people[:3]:
        _reset(person.email, "203.0.113.5")
    assert len(mail.outbox) == 2
    _reset(people[3].email, "198.51.100.7")  # another client, same balancer
    assert [m.to for m in mail.outbox[2:]] == [[people[3].email]]


def test_reset_limit_per_client_ignores_forged_addresses(settings, db, monkeypatch):
    monkeypatch.setattr(accounts, "RESETS_PER_ADDRESS", 2)
    settings.TRUSTED_PROXY_HOPS = 0
    for n in range(4):
        _reset(UserFactory(email=f"q{n}@example.org").email, f"203.0.113.{n}")
    assert len(mail.outbox) == 2


# ---- throttles while Redis is down ---------------------------------------------


def test_throttle_counts_in_redis_when_it_answers(redis_up, db):
    results = [throttle.hit("drill", "someone@example.org", 3) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert cache.get(throttle._key("drill", "someone@example.org")) == 5
    assert not ThrottleWindow.objects.exists()


def test_throttle_counts_in_the_database_while_redis_is_down(redis_down, db):
    results = [throttle.hit("drill", "someone@example.org", 3) for _ in range(5)]
    assert results == [True, True, True, False, False]
    (window,) = ThrottleWindow.objects.all()
    assert window.count == 5
    # Another address has its own count.
    assert throttle.hit("drill", "other@example.org", 3)
    throttle.reset("drill", "someone@example.org")
    assert throttle.hit("drill", "someone@example.org", 3)


def test_an_expired_database_window_starts_again(redis_down, db):
    for _ in range(4):
        throttle.hit("drill", "x@example.org", 3, window=60)
    assert not throttle.hit("drill", "x@example.org", 3, window=60)
    ThrottleWindow.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert throttle.hit("drill", "x@example.org", 3, window=60)
    assert ThrottleWindow.objects.get().count == 1


def test_password_reset_limit_holds_while_redis_is_down(redis_down, db):
    UserFactory(email="target@example.org")
    answers = [_reset("target@example.org", f"203.0.113.{n}") for n in range(6)]
    assert {r.status_code for r in answers} == {302}
    assert len(mail.outbox) == accounts.RESETS_PER_EMAIL


# ---- sessions ------------------------------------------------------------------------


def _session_queries(queries):
    return [q["sql"] for q in queries if "django_session" in q["sql"]]


def test_a_logged_in_request_reads_its_session_from_redis(redis_up, owner, campaign):
    client = Client()
    assert _log_in(client, owner, "203.0.113.5").status_code == 302
    client.get(reverse("campaign_list"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("campaign_list"))
    assert response.status_code == 200
    assert response.wsgi_request.user == owner
    assert _session_queries(queries) == []


def test_a_redis_outage_logs_nobody_out(settings, redis_up, owner, campaign):
    client = Client()
    assert _log_in(client, owner, "203.0.113.5").status_code == 302
    client.get(reverse("campaign_list"))  # the first visit picks the team
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{closed_port()}/0")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("campaign_list"))
    assert response.status_code == 200
    assert response.wsgi_request.user == owner
    assert len(_session_queries(queries)) == 1  # read from the database instead
    # A logout during the outage ends the session in the database.
    client.post(reverse("logout"))
    assert not Session.objects.exists()


# ---- the logged-in user ----------------------------------------------------------


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_with_sessions_and_user_in_redis_a_page_reads_neither(
    settings, redis_up, owner, campaign
):
    client = Client()
    assert _log_in(client, owner, "203.0.113.5").status_code == 302
    url = reverse("campaign_list")
    settings.USER_CACHE = False
    client.get(url)
    from_the_database = _queries_for(client, url)
    settings.USER_CACHE = True
    client.get(url)  # the first read fills the cache
    assert _queries_for(client, url) == from_the_database - 1


def test_a_password_change_ends_the_other_sessions_at_once(
    settings, redis_up, owner, campaign
):
    settings.USER_CACHE = True
    here, there = Client(), Client()
    for client in (here, there):
        assert _log_in(client, owner, "203.0.113.5").status_code == 302
        assert client.get(reverse("campaign_list")).status_code == 200
    response = there.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-passphrase-2026",
            "new_password2": "a-new-passphrase-2026",
        },
    )
    assert response.status_code == 302
    # The cached copy of the user went with the change: the old password's
    # session is refused, the one that changed it stays.
    assert here.get(reverse("campaign_list")).status_code == 302
    assert there.get(reverse("campaign_list")).status_code == 200


def test_a_deactivated_user_is_logged_out_at_once(settings, redis_up, owner, campaign):
    settings.USER_CACHE = True
    client = Client()
    assert _log_in(client, owner, "203.0.113.5").status_code == 302
    assert client.get(reverse("campaign_list")).status_code == 200
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert client.get(reverse("campaign_list")).status_code == 302


def test_a_per_process_cache_never_holds_the_user(settings, owner, campaign):
    settings.USER_CACHE = False  # what the settings choose without REDIS_URL
    client = Client()
    client.force_login(owner)
    client.get(reverse("campaign_list"))
    assert cache.get(backends.user_key(owner.pk)) is None


def test_a_copy_read_before_a_change_is_not_used_after_it(settings, redis_up, owner):
    """Another server read the user just before a password change and stores
    its copy just after: the next request still gets the new password."""
    settings.USER_CACHE = True
    read_before = type(owner).objects.get(pk=owner.pk)
    generation_then = cache.get(backends._generation_key(owner.pk), "")
    owner.set_password("a-new-passphrase-2026")
    owner.save()
    cache.set(backends.user_key(owner.pk), (generation_then, read_before), 300)
    user = backends.CachedUserBackend().get_user(owner.pk)
    assert user.password == owner.password != read_before.password
