"""Shared fixtures.

Tests that need PostgreSQL, Redis or a browser call `require_service()`:
locally a missing service skips them, but with CI set it fails the run, so a
green CI always means they ran.
"""

import os
import re
import shutil
import socket
from pathlib import Path

import pytest
from django.db import connection

from campaigns.models import Role
from tests.factories import PASSWORD, CampaignFactory, MembershipFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# that tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The two screen sizes every page is looked at in.
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
IN_CI = bool(os.environ.get("CI"))
EXPECTED_CLIENT_ERROR = re.compile(
    r"^Failed to load resource: the server responded with a status of "
    r"4(00|03|04|05|10|29)"
)


def require_service(name, available, how=""):
    if available:
        return
    message = f"{name} is not available{': ' + how if how else ''}"
    if IN_CI:
        pytest.fail(f"CI needs {message}", pytrace=False)
    pytest.skip(message)


def redis_url():
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_is_up():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_sessionstart(session):
    # Fail at once, before any test, when CI lacks a service it must test.
    if not IN_CI:
        return
    problems = []
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not redis_is_up():
        problems.append("Redis does not answer on 127.0.0.1:6379")
    if not shutil.which(CHROMIUM):
        problems.append(f"Chromium is missing at {CHROMIUM}")
    if problems:
        pytest.exit("CI is missing services: " + "; ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rolled-back tests reuse primary
    keys and board versions, which a real database never does."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def postgres():
    """Marks a test that only means something on PostgreSQL."""
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")


@pytest.fixture
def redis():
    require_service("Redis", redis_is_up(), "start redis-server on 6379")
    return redis_url()


# ---- people and teams ---------------------------------------------------


@pytest.fixture
def owner_membership(db):
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def team(owner_membership):
    return owner_membership.team


@pytest.fixture
def owner(owner_membership):
    return owner_membership.user


@pytest.fixture
def member(team):
    return MembershipFactory(team=team, role=Role.MEMBER).user


@pytest.fixture
def viewer(team):
    return MembershipFactory(team=team, role=Role.VIEWER).user


@pytest.fixture
def outsider(db):
    """A user of another team."""
    return MembershipFactory(role=Role.OWNER).user


@pytest.fixture
def campaign(team, owner):
    return CampaignFactory(team=team, lead=owner)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def client_for(db):
    """A fresh test client logged in as the given user."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


# ---- the browser --------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    require_service("Chromium", shutil.which(CHROMIUM), "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def open_page(browser, live_server, viewport=DESKTOP, **options):
    """A page in a context of its own that collects console errors (CSP
    violations among them) in `page.console_errors`."""
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, **options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []

    def on_console(msg):
        # A 4xx answer to a bad form is logged by Chromium but is not a fault.
        if msg.type == "error" and not EXPECTED_CLIENT_ERROR.search(msg.text):
            page.console_errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


@pytest.fixture
def page(browser, live_server):
    """A browser page; console errors (CSP violations among them) fail the test."""
    page = open_page(browser, live_server)
    yield page
    page.context.close()
    assert not page.console_errors, page.console_errors


@pytest.fixture
def screenshot():
    """Saves a screenshot under screenshots/ for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name, full_page=True):
        path = SCREENSHOTS / f"{name}.png"
        # caret="initial" leaves the page untouched (no injected style attributes).
        page.screenshot(path=str(path), full_page=full_page, caret="initial")
        return path

    return take


def browser_login(page, user, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/campaigns/**")


@pytest.fixture
def log_in(live_server):
    """Logs a browser page in as a user by handing it a server-side session."""
    from django.test import Client

    def as_user(page, user):
        client = Client()
        client.force_login(user)
        page.context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )

    return as_user
