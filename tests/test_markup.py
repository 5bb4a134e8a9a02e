"""Valid HTML on every page: each page an owner can open, the public pages,
htmx fragments and the pages a failed form post answers with, run through
the markup check in tests/markup.py (an HTML5 parser's errors plus the
mistakes the Nu HTML checker found that a parser does not report)."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from campaigns.models import TacticStatus
from tests import factories as f
from tests.markup import problems, valid_datetime
from tests.world import PUBLIC, World, all_patterns

# Posting these empty would log out, or answer with a file.
NO_EMPTY_POST = {"logout"}


def check(response, url, failures):
    if "html" not in response.get("Content-Type", ""):
        return False
    body = response.content.decode()
    if not body.strip():
        return False
    fragment = "<!doctype html>" not in body[:200].lower()
    for error in problems(body, fragment=fragment):
        failures.append(f"{response.status_code} {url}: {error}")
    return True


@pytest.fixture
def world(db):
    """World's one of everything, plus what makes pages grow more markup:
    history, comments, activity, evidence, cards in every column and at
    every due state, a reached milestone, a sent report."""
    world = World()
    o = world.objects
    campaign, stakeholder, owner = o["campaign"], o["stakeholder"], world.owner
    today = timezone.localdate()
    f.StanceChangeFactory(stakeholder=stakeholder, recorded_by=owner)
    f.ActivityFactory(campaign=campaign, actor=owner)
    f.TacticCommentFactory(tactic=o["tactic"], author=owner)
    f.EvidenceFactory(objection=o["objection"])
    f.PeerMoveFactory(campaign=campaign)
    for n, status in enumerate(TacticStatus.values):
        tactic = f.TacticFactory(
            campaign=campaign,
            status=status,
            assignee=owner,
            influencer=o["influencer"],
            due_on=today + datetime.timedelta(days=(n - 1) * 3),
        )
        tactic.targets.add(stakeholder)
    f.MilestoneFactory(campaign=campaign, current_value=40, reached_at=timezone.now())
    f.ProgressReportFactory(campaign=campaign, sent_at=timezone.now())
    return world


def owner_client(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    return client


@pytest.mark.parametrize("role", ["owner", "member", "viewer"])
def test_every_page_a_teammate_opens_is_valid_html(world, role):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world, role))
    failures, checked = [], 0
    for pattern in all_patterns():
        if pattern.name in PUBLIC:
            continue
        url = world.url(pattern)
        checked += check(client.get(url), url, failures)
    # Error pages: a missing campaign and another team's campaign.
    for url in ["/campaigns/999999/", f"/campaigns/{world.foreign['campaign'].pk}/"]:
        checked += check(client.get(url), url, failures)
    assert checked > 30
    assert not failures, f"{len(failures)} markup errors:\n" + "\n".join(failures)


def test_every_public_page_is_valid_html(world):
    client = Client(raise_request_exception=False)
    failures, checked = [], 0
    for pattern in all_patterns():
        if pattern.name not in PUBLIC:
            continue
        url = world.url(pattern)
        checked += check(client.get(url, follow=True), url, failures)
        if pattern.name not in NO_EMPTY_POST:
            checked += check(client.post(url, {}), f"POST {url}", failures)
    assert checked > 8
    assert not failures, f"{len(failures)} markup errors:\n" + "\n".join(failures)


def test_every_page_after_an_empty_post_is_valid_html(world):
    """The page a form answers with when its post is refused (a 400 with the
    form's errors, or the form again) is as valid as the page itself."""
    client = owner_client(world)
    failures, checked = [], 0
    for pattern in all_patterns():
        if pattern.name in PUBLIC:
            continue
        url = world.url(pattern)
        # Each post is undone, so a delete does not take the rest of the
        # walk's objects with it.
        with transaction.atomic():
            response = client.post(url, {})
            transaction.set_rollback(True)
        client.force_login(world.owner)
        if response.status_code < 300 or response.status_code >= 400:
            checked += check(response, f"POST {url}", failures)
    assert checked > 15
    assert not failures, f"{len(failures)} markup errors:\n" + "\n".join(failures)


# The check itself: each class of error it must find, and what it must pass.

PAGE = (
    '<!doctype html><html lang="en"><head><title>t</title></head><body>{}</body></html>'
)


def found(body):
    return problems(PAGE.format(body))


@pytest.mark.parametrize(
    "body, expected",
    [
        ('<time datetime="2026-12-02T10:15:00.123456+00:00">x</time>', "datetime"),
        ('<time datetime="2 Dec">x</time>', "datetime"),
        ("<span><form method=post></form></span>", "inside <span>"),
        ("<label>x <form></form></label>", "inside <label>"),
        ('<a href="/"><form></form></a>', "inside <a"),
        ("<p><form></form></p>", "unexpected-end-tag"),
        ('<div class="a" class="b"></div>', "duplicate-attribute"),
        ('<input aria-describedby="nope">', "names no id"),
        ('<label for="nope">x</label>', "names no id"),
        ('<button aria-controls="nope">x</button>', "names no id"),
        ('<form action="" method="post"></form>', "empty action"),
        ('<p id="x"></p><p id="x"></p>', "duplicate id"),
        ('<a href="/"><button>x</button></a>', "interactive"),
        ("<button><a href='/'>x</a></button>", "interactive"),
        ("<a href='/'>x<a href='/'>y</a></a>", "parse error"),
        ("<span><div>x</div></span>", "block <div> inside <span"),
        ("<label>x<ul><li>y</li></ul></label>", "block <ul> inside <label"),
        ("<div><li>x</li></div>", "outside a list"),
        ("<ul><div>x</div></ul>", "only <li>"),
        ('<input type="number" maxlength="3">', "maxlength"),
        ('<input type="text" min="3">', "min on"),
        ('<img src="/x.png">', "no alt"),
    ],
)
def test_the_check_finds(body, expected):
    assert any(expected in error for error in found(body)), found(body)


def test_the_check_passes_valid_markup():
    assert (
        found(
            '<form method="post" hx-post="/x" hx-target="#out">'
            '<label for="n">Name</label><input id="n" aria-describedby="h">'
            '<p id="h">Help</p><button>Go</button></form><div id="out"></div>'
            '<time datetime="2026-12-02T10:15:00+00:00">now</time>'
            "<details><summary><h2>More</h2></summary><div>x</div></details>"
            '<a href="/"><div>A card</div></a><ul><li><div>x</div></li></ul>'
            '<span><svg><g><path d="M0 0"/></g></svg></span>'
        )
        == []
    )


@pytest.mark.parametrize(
    "value",
    [
        "2026",
        "2026-12",
        "2026-12-02",
        "12-02",
        "10:15",
        "10:15:00.5",
        "2026-12-02T10:15",
        "2026-12-02 10:15:00",
        "2026-12-02T10:15:00Z",
        "2026-12-02T10:15:00+00:00",
        "2026-12-02T10:15:00+0000",
        "2026-12-02T10:15:00.123-05:00",
        "2026-W49",
        "PT4H18M3S",
        "P3D",
    ],
)
def test_valid_datetimes(value):
    assert valid_datetime(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2026-12-02T10:15:00.123456+00:00",
        "2026-13-01",
        "2026-12-02T25:00",
        "Dec 2",
        "2026-12-02T10:15:00+00",
        "P",
    ],
)
def test_invalid_datetimes(value):
    assert not valid_datetime(value)


def test_the_datetime_filter_drops_microseconds():
    from campaigns.templatetags.html_time import datetime_attr

    at = datetime.datetime(2026, 12, 2, 10, 15, 0, 123456, tzinfo=datetime.UTC)
    assert datetime_attr(at) == "2026-12-02T10:15:00+00:00"
    assert datetime_attr(at.date()) == "2026-12-02"
    assert datetime_attr(None) == ""
    assert all(valid_datetime(datetime_attr(v)) for v in [at, at.date()])
