"""Fuzzing the forms and HTMX endpoints with hypothesis.

Whatever arrives (foreign ids, negative or huge numbers, missing fields, long
and odd unicode, NUL bytes) the answer is never a server error, and another
team's data never changes. The example counts stay modest so CI stays fast.
"""

import base64
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.csv_io import KINDS
from campaigns.models import (
    Influence,
    Influencer,
    Milestone,
    Stakeholder,
    Tactic,
    TacticComment,
    TacticStatus,
)
from tests.versions import version_of
from tests.world import World, all_patterns

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Printable and odd unicode (right-to-left marks, zero-width joiners, emoji,
# combining marks, NUL); no lone surrogates, which no client can encode.
odd_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
) | st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\u202eevil",
        "👩‍👩‍👧‍👦" * 40,
        "e\u0301" * 100,
        "x" * 5000,
        "<script>alert(1)</script>",
        "'; DROP TABLE campaigns_tactic; --",
        "{{ request }}",
        "%s %(x)s",
    ]
)
# The edges of every integer column (smallint, int, bigint) and beyond.
EDGES = [2**15 - 1, 2**15, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20, 10**400]
numbers = (
    st.integers(min_value=-(2**70), max_value=2**70).map(str)
    | st.sampled_from([str(n) for n in EDGES] + [f"-{n}" for n in EDGES])
    | st.sampled_from(["-1", "0", "1", "1e9", "1.5", "NaN", "٣", "1" * 5000])
)
# The ends of the calendar too: a day added to 9999-12-31 overflows.
dates = (
    st.dates().map(str)
    | st.sampled_from(["9999-12-31", "9999-12-30", "0001-01-01", "0001-01-02"])
    | st.sampled_from(["2026-02-30", "0000-01-01", "10000-01-01", "tomorrow"])
)
# Audit log page links: microseconds since 1970, a dash, a row id.
cursors = st.builds("{}-{}".format, st.integers(), st.integers())


def field(*choices):
    """A form value: missing (None), odd text, a number or a valid choice."""
    return st.one_of(st.none(), odd_text, numbers, *choices)


class Fuzz:
    """A world with two teams; requests come from the first team's owner."""

    def __init__(self):
        self.world = World()
        self.mine = self.world.objects
        self.theirs = self.world.foreign
        self.client = Client()
        self.client.force_login(self.world.owner)

    def foreign_ids(self):
        t = self.theirs
        return st.sampled_from(
            [
                str(t["tactic"].pk),
                str(t["stakeholder"].pk),
                str(t["influencer"].pk),
                str(t["milestone"].pk),
                str(self.world.outsider.pk),
            ]
        )

    def snapshot(self):
        """Everything of the other team that a request could touch."""
        campaign = self.theirs["campaign"]
        campaign.refresh_from_db()
        return (
            campaign.name,
            campaign.board_version,
            list(Tactic.objects.filter(campaign=campaign).values()),
            list(Stakeholder.objects.filter(campaign=campaign).values()),
            list(Milestone.objects.filter(campaign=campaign).values()),
            list(Influence.objects.filter(stakeholder__campaign=campaign).values()),
            TacticComment.objects.filter(tactic__campaign=campaign).count(),
            list(
                Tactic.targets.through.objects.filter(
                    tactic__campaign=campaign
                ).values()
            ),
        )

    def post(self, url, data, htmx):
        body = {k: v for k, v in data.items() if v is not None}
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = self.client.post(url, body, **headers)
        assert response.status_code < 500, (url, body, response.status_code)
        return response


@pytest.fixture
def fuzz(db):
    return Fuzz()


def version(record):
    """An edit form's version: missing, odd, or the one saved now."""
    return field(st.just(version_of(record)))


def child_id(fuzz, key):
    """This campaign's object, the other team's, or an id that exists nowhere."""
    return st.sampled_from(
        [fuzz.mine[key].pk, fuzz.theirs[key].pk, 0, 2**31, 2**63 + 5]
    )


@FUZZ
@given(data=st.data())
def test_card_moves(fuzz, data):
    before = fuzz.snapshot()
    tactic = data.draw(child_id(fuzz, "tactic"))
    url = reverse("tactic_move", args=[fuzz.mine["campaign"].pk, tactic])
    status = data.draw(field(st.sampled_from(TacticStatus.values)))
    position = data.draw(field(st.integers(-5, 50).map(str)))
    response = fuzz.post(
        url, {"status": status, "position": position}, data.draw(st.booleans())
    )
    if tactic != fuzz.mine["tactic"].pk:
        assert response.status_code == 404
    assert fuzz.snapshot() == before
    # One order per column: no two cards share a rank.
    for status in TacticStatus.values:
        ranks = list(
            Tactic.objects.filter(campaign=fuzz.mine["campaign"], status=status)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert ranks == sorted(set(ranks))


@FUZZ
@given(data=st.data())
def test_card_edits(fuzz, data):
    before = fuzz.snapshot()
    campaign = fuzz.mine["campaign"]
    url = reverse("tactic_detail", args=[campaign.pk, fuzz.mine["tactic"].pk])
    foreign = fuzz.foreign_ids()
    values = {
        "title": data.draw(field()),
        "description": data.draw(field()),
        "assignee": data.draw(field(foreign)),
        "due_on": data.draw(field(dates)),
        "targets": data.draw(field(foreign)),
        "influencer": data.draw(field(foreign)),
        "risk": data.draw(field()),
        "outcome": data.draw(field()),
        "repeat": data.draw(field(st.sampled_from(["FREQ=WEEKLY", "custom"]))),
        "custom_rule": data.draw(
            field(st.sampled_from(["FREQ=DAILY;COUNT=3", "FREQ=SECONDLY", "x"]))
        ),
        "milestone": data.draw(field(foreign)),
        "contribution": data.draw(field(st.integers(-2, 10**7).map(str))),
        "version": data.draw(version(fuzz.mine["tactic"])),
    }
    fuzz.post(url, values, data.draw(st.booleans()))
    assert fuzz.snapshot() == before
    tactic = Tactic.objects.get(pk=fuzz.mine["tactic"].pk)
    assert tactic.campaign_id == campaign.pk
    assert not tactic.targets.exclude(campaign=campaign).exists()
    assert tactic.influencer is None or tactic.influencer.campaign_id == campaign.pk


@FUZZ
@given(data=st.data())
def test_quick_add_comments_and_outcomes(fuzz, data):
    before = fuzz.snapshot()
    campaign = fuzz.mine["campaign"]
    tactic = data.draw(child_id(fuzz, "tactic"))
    htmx = data.draw(st.booleans())
    fuzz.post(
        reverse("tactic_create", args=[campaign.pk]),
        {
            "title": data.draw(field()),
            "status": data.draw(field(st.sampled_from(TacticStatus.values))),
        },
        htmx,
    )
    fuzz.post(
        reverse("tactic_comment", args=[campaign.pk, tactic]),
        {"body": data.draw(field())},
        htmx,
    )
    fuzz.post(
        reverse("tactic_outcome", args=[campaign.pk, tactic]),
        {"outcome": data.draw(field()), "contribution": data.draw(field())},
        htmx,
    )
    fuzz.post(reverse("tactic_stop_series", args=[campaign.pk, tactic]), {}, htmx)
    assert fuzz.snapshot() == before


@FUZZ
@given(data=st.data())
def test_stakeholder_forms(fuzz, data):
    before = fuzz.snapshot()
    campaign = fuzz.mine["campaign"]
    foreign = fuzz.foreign_ids()
    stakeholder = data.draw(child_id(fuzz, "stakeholder"))
    htmx = data.draw(st.booleans())
    values = {
        "name": data.draw(field()),
        "title": data.draw(field()),
        "power": data.draw(field(st.integers(0, 6).map(str))),
        "interest": data.draw(field(st.integers(0, 6).map(str))),
        "cares_about": data.draw(field()),
        "is_decider": data.draw(field(st.sampled_from(["on", "true"]))),
        "relationship_owner": data.draw(field(foreign)),
        "stance": data.draw(field(st.integers(0, 7).map(str))),
        "version": data.draw(version(fuzz.mine["stakeholder"])),
    }
    fuzz.post(reverse("stakeholder_create", args=[campaign.pk]), values, htmx)
    fuzz.post(
        reverse("stakeholder_edit", args=[campaign.pk, stakeholder]), values, htmx
    )
    fuzz.post(
        reverse("stance_change", args=[campaign.pk, stakeholder]),
        {
            "to_stance": data.draw(field(st.integers(0, 7).map(str))),
            "reason": data.draw(field()),
        },
        htmx,
    )
    assert fuzz.snapshot() == before


@FUZZ
@given(data=st.data())
def test_milestones_and_influence(fuzz, data):
    before = fuzz.snapshot()
    campaign = fuzz.mine["campaign"]
    htmx = data.draw(st.booleans())
    fuzz.post(
        reverse(
            "milestone_progress",
            args=[campaign.pk, data.draw(child_id(fuzz, "milestone"))],
        ),
        {"current_value": data.draw(field(st.integers(0, 100).map(str)))},
        htmx,
    )
    fuzz.post(
        reverse("milestone_create", args=[campaign.pk]),
        {
            "title": data.draw(field()),
            "target_value": data.draw(field()),
            "current_value": data.draw(field()),
            "unit": data.draw(field()),
            "due_on": data.draw(field(dates)),
        },
        htmx,
    )
    fuzz.post(
        reverse(
            "influence_add",
            args=[campaign.pk, data.draw(child_id(fuzz, "influencer"))],
        ),
        {
            "stakeholder": data.draw(field(fuzz.foreign_ids())),
            "strength": data.draw(field(st.integers(0, 6).map(str))),
        },
        htmx,
    )
    assert fuzz.snapshot() == before


@FUZZ
@given(data=st.data())
def test_campaign_forms(fuzz, data):
    before = fuzz.snapshot()
    values = {
        "name": data.draw(field()),
        "goal": data.draw(field()),
        "lead": data.draw(field(fuzz.foreign_ids())),
        "status": data.draw(field(st.sampled_from(["active", "won", "paused"]))),
        "starts_on": data.draw(field(dates)),
        "ends_on": data.draw(field(dates)),
        "report_every_days": data.draw(field()),
        "deciders_needed": data.draw(field()),
        "version": data.draw(version(fuzz.mine["campaign"])),
    }
    htmx = data.draw(st.booleans())
    fuzz.post(reverse("campaign_create"), values, htmx)
    fuzz.post(reverse("campaign_edit", args=[fuzz.mine["campaign"].pk]), values, htmx)
    assert fuzz.snapshot() == before


@FUZZ
@given(data=st.data())
def test_filters_and_owner_tools(fuzz, data):
    before = fuzz.snapshot()
    campaign = fuzz.mine["campaign"]
    team = fuzz.world.team
    foreign = fuzz.foreign_ids()
    board = fuzz.client.get(
        reverse("board", args=[campaign.pk]),
        {
            k: v
            for k, v in {
                "q": data.draw(field()),
                "assignee": data.draw(field(foreign)),
                "stakeholder": data.draw(field(foreign)),
                "overdue": data.draw(field()),
            }.items()
            if v is not None
        },
    )
    assert board.status_code < 500
    audit = fuzz.client.get(
        reverse("team_audit", args=[team.pk]),
        {
            k: v
            for k, v in {
                "campaign": data.draw(field(foreign)),
                "verb": data.draw(field()),
                "person": data.draw(field(foreign)),
                "since": data.draw(field(dates)),
                "until": data.draw(field(dates)),
                "before": data.draw(field(cursors)),
                "after": data.draw(field(cursors)),
            }.items()
            if v is not None
        },
    )
    assert audit.status_code < 500
    name = data.draw(field())
    if name != team.name:
        fuzz.post(reverse("team_delete", args=[team.pk]), {"name": name}, False)
    assert fuzz.snapshot() == before


@FUZZ
@given(q=odd_text | numbers)
def test_search(fuzz, q):
    """Any search: never a server error, at most a 400 for what is refused,
    and never a hit in the other team's campaign."""
    before = fuzz.snapshot()
    response = fuzz.client.get(reverse("search"), {"q": q})
    assert response.status_code in (200, 400), (q, response.status_code)
    theirs = f"/campaigns/{fuzz.theirs['campaign'].pk}/"
    assert theirs not in response.content.decode()
    assert fuzz.snapshot() == before


# ---- every URL, every id ----------------------------------------------------

ID_IN_ROUTE = re.compile(r"<id:(\w+)>")
# Ids no row has: zero, negative, past every integer column, absurdly long.
odd_ids = st.sampled_from(
    ["0", "-1", "00", str(2**63 - 1), str(2**63), str(10**20), "9" * 5000]
) | st.integers(min_value=-(2**70), max_value=2**70).map(str)


def id_patterns():
    """Every URL pattern with an id in it, and those ids' names."""
    found = []
    for pattern in all_patterns():
        names = ID_IN_ROUTE.findall(str(pattern.pattern))
        if names:
            found.append((pattern, names))
    return found


def path_with(fuzz, pattern, name, value):
    """The pattern's URL for the owner's own objects, with one id replaced."""
    kwargs = fuzz.world.kwargs(pattern, fuzz.mine)
    kwargs[name] = value
    return "/" + ID_IN_ROUTE.sub(
        lambda m: str(kwargs[m.group(1)]), str(pattern.pattern)
    )


@FUZZ
@given(data=st.data())
def test_limits_and_templates_with_odd_numbers(fuzz, data):
    before = fuzz.snapshot()
    team, campaign = fuzz.world.team, fuzz.mine["campaign"]
    htmx = data.draw(st.booleans())
    fuzz.post(
        reverse("board_limits", args=[campaign.pk]),
        {
            **{status: data.draw(field()) for status in TacticStatus.values},
            "version": data.draw(version(campaign)),
        },
        htmx,
    )
    fuzz.post(
        reverse("template_create", args=[team.pk]),
        {
            "title": data.draw(field()),
            "summary": data.draw(field()),
            "milestone_title": data.draw(field()),
            "milestone_target": data.draw(field()),
        },
        htmx,
    )
    # The wizard: its start date is where days are added (the first step's
    # due date), so the ends of the calendar matter most there.
    fuzz.post(
        reverse("playbook_start", args=[team.pk]),
        {
            "name": data.draw(field(st.just("Fuzzed campaign"))),
            "decider_name": data.draw(field(st.just("Dana"))),
            "decider_stance": data.draw(field(st.just("2"))),
            "cares_about": data.draw(field(st.just("Cost"))),
            "goal": data.draw(field(st.just("Save money"))),
            "first_step": data.draw(field(st.just("A pilot"))),
            "first_step_size": data.draw(field(st.just("small"))),
            "starts_on": data.draw(st.one_of(st.none(), dates)),
        },
        htmx,
    )
    assert fuzz.snapshot() == before


def test_every_id_in_a_url_is_a_route_converter_we_fuzz():
    # A new <int:...> route would escape both the range check and this fuzz.
    assert len(id_patterns()) >= 30
    for pattern in all_patterns():
        assert "<int:" not in str(pattern.pattern), pattern.name


@FUZZ
@given(data=st.data())
def test_odd_ids_in_every_url(fuzz, data):
    """Any id in any URL, as the owner: never a server error, nothing of the
    other team changes."""
    before = fuzz.snapshot()
    pattern, names = data.draw(st.sampled_from(id_patterns()))
    url = path_with(
        fuzz, pattern, data.draw(st.sampled_from(names)), data.draw(odd_ids)
    )
    htmx = data.draw(st.booleans())
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = fuzz.client.get(url, **headers)
    assert response.status_code < 500, (url, response.status_code)
    fuzz.post(url, {}, htmx)
    assert fuzz.snapshot() == before


@FUZZ
@given(data=st.data())
def test_report_pdf_paper_and_retry(fuzz, data):
    """Any paper, any method, a report of this team or another: never a server
    error, and PDFs are only ever queued for A4 or Letter of the own report."""
    from campaigns.models import ReportPdf

    campaign = fuzz.mine["campaign"]
    report = data.draw(child_id(fuzz, "report"))
    htmx = data.draw(st.booleans())
    paper = data.draw(field(st.sampled_from(["a4", "letter", "A4", "legal"])))
    query = {} if paper is None else {"paper": paper}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for name in ("report_pdf", "report_pdf_status"):
        url = reverse(name, args=[campaign.pk, report])
        response = fuzz.client.get(url, query, **headers)
        assert response.status_code < 500, (url, query, response.status_code)
        if report != fuzz.mine["report"].pk:
            assert response.status_code == 404
    fuzz.post(reverse("report_pdf_status", args=[campaign.pk, report]), query, htmx)
    assert set(ReportPdf.objects.values_list("paper", flat=True)) <= {"a4", "letter"}
    assert not ReportPdf.objects.exclude(report=fuzz.mine["report"]).exists()


@FUZZ
@given(data=st.data())
def test_report_email_and_links(fuzz, data):
    """Odd recipients, other teams' people, anyone's links: never a server
    error, never a mail to another team's stakeholder, never another team's
    link withdrawn."""
    from django.core import mail as outbox

    from campaigns.models import ReportLink

    campaign = fuzz.mine["campaign"]
    report = data.draw(child_id(fuzz, "report"))
    htmx = data.draw(st.booleans())
    addresses = st.sampled_from(["a@example.org", "a@example.org, b@", "@", "x" * 300])
    fuzz.post(
        reverse("report_email", args=[campaign.pk, report]),
        {
            "stakeholders": data.draw(field(fuzz.foreign_ids())),
            "teammates": data.draw(field(fuzz.foreign_ids())),
            "others": data.draw(field(addresses)),
        },
        htmx,
    )
    link = data.draw(child_id(fuzz, "link"))
    fuzz.post(reverse("report_link_revoke", args=[campaign.pk, report, link]), {}, htmx)
    theirs = fuzz.theirs["stakeholder"]
    assert not any(theirs.email and theirs.email in m.to for m in outbox.outbox)
    assert not ReportLink.objects.filter(
        report__campaign=fuzz.theirs["campaign"], revoked_at__isnull=False
    ).exists()
    token = data.draw(odd_text | st.text(min_size=1))
    response = fuzz.client.get(f"/shared/reports/{token}/")
    assert response.status_code in (404, 301, 302), response.status_code


# ---- calendar addresses ------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_calendar_addresses(fuzz, data):
    """Any token at the feed's address by any method, and the buttons that
    give calendars new addresses posted with anything: never a server error,
    an address that is not a feed's is a 404, and the other team's lead
    keeps their calendar."""
    from urllib.parse import quote

    from campaigns import calendar_feed

    theirs = calendar_feed.campaign_feed(
        fuzz.world.outsider, fuzz.theirs["campaign"]
    ) or calendar_feed.reset(fuzz.world.outsider, fuzz.theirs["campaign"])
    before = fuzz.snapshot()
    token = data.draw(
        odd_text
        | numbers
        | st.sampled_from([theirs.token[:-1], theirs.token.upper(), "a" * 65])
    )
    url = "/calendar/" + quote(token, safe="") + ".ics"
    anonymous = Client()
    for method in ("get", "head", "post", "put", "delete"):
        status = getattr(anonymous, method)(url).status_code
        assert status in (404, 405), (url, method, status)
    body = {"token": data.draw(field()), "campaign": data.draw(field())}
    htmx = data.draw(st.booleans())
    fuzz.post(reverse("calendar_reset"), body, htmx)
    campaign = data.draw(child_id(fuzz, "campaign"))
    response = fuzz.post(reverse("campaign_calendar", args=[campaign]), body, htmx)
    if campaign != fuzz.mine["campaign"].pk:
        assert response.status_code == 404
    theirs_now = calendar_feed.campaign_feed(
        fuzz.world.outsider, fuzz.theirs["campaign"]
    )
    assert theirs_now.token == theirs.token
    assert anonymous.get(f"/calendar/{theirs.token}.ics").status_code == 200
    assert fuzz.snapshot() == before


@FUZZ
@given(data=st.data())
def test_listening_forms(fuzz, data):
    """Odd feed addresses and labels, other teams' objections and mentions:
    never a server error, nothing fetched but http(s), nothing of theirs
    touched."""
    from campaigns.models import Feed, ListeningSubscription, Mention

    campaign = fuzz.mine["campaign"]
    htmx = data.draw(st.booleans())
    urls = st.sampled_from(
        ["file:///etc/passwd", "http://10.0.0.1/", "gopher://x", "https://" + "a" * 600]
    )
    fuzz.post(
        reverse("listening", args=[campaign.pk]),
        {
            "url": data.draw(field(urls)),
            "label": data.draw(field(st.sampled_from(["organisation", "peer", "x"]))),
        },
        htmx,
    )
    mention = data.draw(child_id(fuzz, "mention"))
    fuzz.post(
        reverse("mention_keep", args=[campaign.pk, mention]),
        {"objection": data.draw(field(st.just(str(fuzz.theirs["objection"].pk))))},
        htmx,
    )
    fuzz.post(
        reverse("mention_peer_move", args=[campaign.pk, mention]),
        {"organisation": data.draw(field())},
        htmx,
    )
    fuzz.post(
        reverse("listener_signup", args=[campaign.pk]),
        {
            "stakeholder": data.draw(field(fuzz.foreign_ids())),
            "consent": data.draw(field()),
            "agreed": data.draw(field(st.sampled_from(["on", "", "false"]))),
        },
        htmx,
    )
    listener = data.draw(child_id(fuzz, "listener"))
    fuzz.post(reverse("listener_stop", args=[campaign.pk, listener]), {}, htmx)
    assert not Feed.objects.exclude(url__startswith="http").exists()
    theirs = Mention.objects.get(pk=fuzz.theirs["mention"].pk)
    assert theirs.status == "new"
    assert not ListeningSubscription.objects.filter(
        stakeholder__campaign=fuzz.theirs["campaign"], ended_at__isnull=False
    ).exists()
    assert not ListeningSubscription.objects.filter(
        stakeholder=fuzz.theirs["stakeholder"]
    ).exists()
    token = data.draw(odd_text | st.text(min_size=1))
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/listening/unsubscribe/{token}/")
        assert response.status_code in (400, 404, 301, 302), response.status_code


@FUZZ
@given(data=st.data())
def test_webhook_and_chat_forms(fuzz, data):
    """Odd addresses, events and services, other teams' endpoints, chat hooks
    and deliveries: never a server error, nothing but http(s) kept, nothing
    of theirs touched."""
    from campaigns.models import ChatHook, HookDelivery, HookEvent, WebhookEndpoint

    team, campaign = fuzz.mine["team"], fuzz.mine["campaign"]
    theirs = fuzz.theirs
    htmx = data.draw(st.booleans())
    urls = st.sampled_from(
        [
            "file:///etc/passwd",
            "http://10.0.0.1/",
            "http://[::1]/",
            "http://169.254.169.254/latest",
            "ftp://hooks.example.org/",
            "https://user:pw@hooks.example.org/",
            "https://hooks.example.org:99999/",
            "https://" + "a" * 600,
            "https://hooks.example.org/in",
        ]
    )
    events = st.lists(
        st.sampled_from([*HookEvent.values, "tactic.deleted", "", "\x00"]),
        max_size=4,
    )
    fuzz.post(
        reverse("team_webhooks", args=[team.pk]),
        {"url": data.draw(field(urls)), "events": data.draw(events)},
        htmx,
    )
    fuzz.post(
        reverse("chat_hooks", args=[campaign.pk]),
        {
            "service": data.draw(field(st.sampled_from(["slack", "teams", "irc"]))),
            "url": data.draw(field(urls)),
            "events": data.draw(events),
        },
        htmx,
    )
    endpoint = data.draw(child_id(fuzz, "endpoint"))
    delivery = data.draw(child_id(fuzz, "delivery"))
    name = data.draw(
        st.sampled_from(["webhook_rotate", "webhook_enable", "webhook_remove"])
    )
    fuzz.post(reverse(name, args=[team.pk, endpoint]), {}, htmx)
    fuzz.post(reverse("webhook_resend", args=[team.pk, delivery]), {}, htmx)
    hook = data.draw(child_id(fuzz, "chat_hook"))
    chat_delivery = data.draw(child_id(fuzz, "chat_delivery"))
    name = data.draw(st.sampled_from(["chat_hook_enable", "chat_hook_remove"]))
    fuzz.post(reverse(name, args=[campaign.pk, hook]), {}, htmx)
    fuzz.post(reverse("chat_resend", args=[campaign.pk, chat_delivery]), {}, htmx)

    for model in (WebhookEndpoint, ChatHook):
        for url in model.objects.values_list("url", flat=True):
            assert url.startswith(("http://", "https://")), url
            assert "10.0.0.1" not in url and "@" not in url, url
    for target in WebhookEndpoint.objects.all():
        assert set(target.events) <= set(HookEvent.values) and target.events
    assert (
        WebhookEndpoint.objects.get(pk=theirs["endpoint"].pk).secret
        == theirs["endpoint"].secret
    )
    assert ChatHook.objects.filter(pk=theirs["chat_hook"].pk).exists()
    for key in ("delivery", "chat_delivery"):
        assert HookDelivery.objects.get(pk=theirs[key].pk).status == "sent"


# ---- CSV imports --------------------------------------------------------------


@st.composite
def csv_files(draw, fuzz, kind):
    """Bytes that are sometimes a fair CSV file of `kind`, naming this
    campaign's people and the other team's, and sometimes anything at all."""
    columns = KINDS[kind].columns
    header = draw(st.lists(st.sampled_from([*columns, "x", ""]), max_size=6))
    names = [
        fuzz.mine["stakeholder"].name,
        fuzz.theirs["stakeholder"].name,
        fuzz.theirs["influencer"].name,
        fuzz.world.outsider.email,
        fuzz.world.owner.email,
    ]
    cell = odd_text | numbers | dates | st.sampled_from(names)
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 1), max_size=4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    quote = draw(st.sampled_from(['"', ""]))
    lines = [delimiter.join(header)] + [
        delimiter.join(f"{quote}{c}{quote}" for c in row) for row in rows
    ]
    text = draw(st.sampled_from(["\r\n", "\n"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "cp1252"]))
    raw = text.encode(encoding, "replace")
    return draw(st.just(raw) | st.binary(max_size=200))


@FUZZ
@given(data=st.data())
def test_csv_imports(fuzz, data):
    """Any bytes as the file or as the previewed content, confirmed or not:
    never a server error, nothing of the other team changes, and whatever
    is imported links only this campaign's people."""
    before = fuzz.snapshot()
    campaign = fuzz.mine["campaign"]
    kind = data.draw(st.sampled_from(["stakeholders", "influencers", "tactics"]))
    url = reverse(f"import_{kind}", args=[campaign.pk])
    raw = data.draw(csv_files(fuzz, kind))
    if data.draw(st.booleans()):
        body = {"file": SimpleUploadedFile("fuzz.csv", raw)}
    else:
        content = base64.b64encode(raw).decode()
        body = {"content": data.draw(st.just(content) | odd_text)}
    body["confirm"] = data.draw(st.none() | st.just("1"))
    fuzz.post(url, body, data.draw(st.booleans()))
    assert fuzz.snapshot() == before
    assert not Influence.objects.filter(influencer__campaign=campaign).exclude(
        stakeholder__campaign=campaign
    )
    assert not Tactic.targets.through.objects.filter(tactic__campaign=campaign).exclude(
        stakeholder__campaign=campaign
    )
    assert (
        not Tactic.objects.filter(campaign=campaign)
        .exclude(influencer=None)
        .exclude(influencer__in=Influencer.objects.filter(campaign=campaign))
    )


@FUZZ
@given(data=st.data())
def test_notification_forms(fuzz, data):
    """Odd and foreign notification ids, marked read or opened, and comments
    full of @s: never a server error; nobody's notifications but the owner's
    change, and only the team's writers are ever notified."""
    from campaigns.models import Membership, Notification

    theirs = fuzz.theirs["notice"]
    ids = st.sampled_from(
        [str(fuzz.mine["notice"].pk), str(theirs.pk), "0", str(2**63 + 5)]
    )
    htmx = data.draw(st.booleans())
    fuzz.post(
        reverse("notice_read"),
        {"notice": data.draw(field(ids)), "page": data.draw(field())},
        htmx,
    )
    fuzz.post(reverse("notice_read_all"), {"page": data.draw(field())}, htmx)
    opened = fuzz.client.get(reverse("notice_open"), {"n": data.draw(odd_text | ids)})
    assert opened.status_code in (302, 404)
    listed = fuzz.client.get(reverse("notice_list"), {"page": data.draw(odd_text)})
    assert listed.status_code == 200
    campaign = fuzz.mine["campaign"]
    mentions = st.sampled_from(
        [
            "@",
            "@@",
            "@.",
            f"@{fuzz.world.outsider.email}",
            f"@{fuzz.world.viewer.email}",
        ]
    )
    body = data.draw(field(mentions, st.builds("{} @{}".format, odd_text, odd_text)))
    fuzz.post(
        reverse("tactic_comment", args=[campaign.pk, fuzz.mine["tactic"].pk]),
        {"body": body},
        htmx,
    )
    writers = Membership.objects.filter(
        team=fuzz.mine["team"], role__in=["owner", "member"]
    ).values("user_id")
    assert not Notification.objects.filter(campaign=campaign).exclude(user__in=writers)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    writers_url = reverse("campaign_writers", args=[fuzz.theirs["campaign"].pk])
    assert fuzz.client.get(writers_url).status_code == 404


# ---- the JSON API's writes ----------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(EDGES + [-n for n in EDGES]),
    st.floats(allow_nan=False),
    odd_text,
    numbers,
    dates,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def json_body(**fields):
    """A JSON object with each field missing, odd or as given, and sometimes
    not an object at all."""
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(json_values, *choices) for name, choices in fields.items()
        },
    ) | st.one_of(json_values, st.just("{not json"), st.just(b"\xff\xfe"))


def api_send(client, method, url, body):
    raw = body in ("{not json", b"\xff\xfe")
    payload = body if raw else json.dumps(body)
    response = client.generic(method, url, payload, content_type="application/json")
    assert response.status_code < 500, (method, url, body, response.status_code)
    return response


def their_counts(fuzz):
    from campaigns.models import Activity, Objection, ProgressReport, StanceChange

    campaign = fuzz.theirs["campaign"]
    return (
        ProgressReport.objects.filter(campaign=campaign).count(),
        Activity.objects.filter(campaign=campaign).count(),
        StanceChange.objects.filter(stakeholder__campaign=campaign).count(),
        Objection.objects.filter(campaign=campaign).count(),
        list(Objection.objects.filter(campaign=campaign).values("answered_at")),
    )


@pytest.fixture
def api_client(fuzz):
    from campaigns.api import tokens

    _, key = tokens.create(fuzz.world.owner, "Fuzz")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@FUZZ
@given(data=st.data())
def test_api_writes(fuzz, api_client, data):
    """Every write of the API with odd ids, the other team's ids and odd
    bodies: never a server error, nothing of the other team changes, and a
    board's ranks stay distinct."""
    before = fuzz.snapshot()
    theirs_before = their_counts(fuzz)
    campaign = data.draw(
        st.sampled_from([fuzz.mine["campaign"].pk, fuzz.theirs["campaign"].pk])
    )
    tactic = data.draw(child_id(fuzz, "tactic"))
    foreign = fuzz.foreign_ids()
    statuses = st.sampled_from(TacticStatus.values)
    if tactic < 2**63:
        move = reverse("api_tactic_move", args=[campaign, tactic])
        api_send(
            api_client,
            "POST",
            move,
            data.draw(
                json_body(
                    status=[statuses],
                    position=[st.integers(-5, 50)],
                    board_version=[st.integers(0, 100)],
                )
            ),
        )
        edit = reverse("api_tactic", args=[campaign, tactic])
        api_send(
            api_client,
            "PATCH",
            edit,
            data.draw(
                json_body(
                    version=[st.just(version_of(fuzz.mine["tactic"]))],
                    title=[],
                    assignee=[foreign],
                    targets=[st.lists(foreign, max_size=3)],
                    influencer=[foreign],
                    milestone=[foreign],
                    due_on=[dates],
                    repeat=[st.sampled_from(["", "weekly", "custom"])],
                    custom_rule=[],
                    contribution=[numbers],
                    is_private=[st.booleans()],
                )
            ),
        )
    api_send(
        api_client,
        "PATCH",
        reverse("api_campaign", args=[campaign]),
        data.draw(
            json_body(
                version=[st.just(version_of(fuzz.mine["campaign"]))],
                name=[],
                goal=[],
                lead=[foreign],
                status=[st.sampled_from(["active", "won", "x"])],
                starts_on=[dates],
                ends_on=[dates],
                report_every_days=[numbers],
                deciders_needed=[numbers],
            )
        ),
    )
    api_send(
        api_client,
        "POST",
        reverse("api_tactics", args=[campaign]),
        data.draw(json_body(title=[], status=[statuses])),
    )
    api_send(
        api_client,
        "POST",
        reverse("api_stakeholders", args=[campaign]),
        data.draw(
            json_body(
                name=[],
                power=[numbers],
                interest=[numbers],
                stance=[st.integers(0, 7)],
                relationship_owner=[foreign],
                email=[],
                is_decider=[st.booleans()],
            )
        ),
    )
    api_send(
        api_client,
        "POST",
        reverse("api_milestones", args=[campaign]),
        data.draw(
            json_body(
                title=[],
                target_value=[numbers],
                current_value=[numbers],
                unit=[],
                due_on=[dates],
            )
        ),
    )
    api_send(
        api_client,
        "POST",
        reverse("api_influencers", args=[campaign]),
        data.draw(json_body(name=[], relationship=[], notes=[])),
    )
    influencer = data.draw(child_id(fuzz, "influencer"))
    link = data.draw(child_id(fuzz, "influence"))
    if influencer < 2**63 and link < 2**63 and data.draw(st.booleans()):
        api_send(
            api_client,
            "DELETE",
            reverse("api_influence", args=[campaign, influencer, link]),
            data.draw(json_values),
        )
    if influencer < 2**63:
        api_send(
            api_client,
            "PATCH",
            reverse("api_influencer", args=[campaign, influencer]),
            data.draw(
                json_body(
                    version=[st.just(version_of(fuzz.mine["influencer"]))],
                    name=[st.just(fuzz.theirs["influencer"].name)],
                    notes=[],
                )
            ),
        )
        api_send(
            api_client,
            "POST",
            reverse("api_influence_add", args=[campaign, influencer]),
            data.draw(json_body(stakeholder=[foreign], strength=[numbers])),
        )
    objection = data.draw(child_id(fuzz, "objection"))
    if objection < 2**63:
        api_send(
            api_client,
            "POST",
            reverse("api_objection_answer", args=[campaign, objection]),
            data.draw(json_body(answered=[st.booleans()])),
        )
    milestone = data.draw(child_id(fuzz, "milestone"))
    if milestone < 2**63:
        api_send(
            api_client,
            "PATCH",
            reverse("api_milestone", args=[campaign, milestone]),
            data.draw(
                json_body(
                    version=[st.just(version_of(fuzz.mine["milestone"]))],
                    title=[],
                    target_value=[numbers],
                    current_value=[numbers],
                    due_on=[dates],
                )
            ),
        )
        api_send(
            api_client,
            "POST",
            reverse("api_milestone_progress", args=[campaign, milestone]),
            data.draw(
                json_body(
                    current_value=[numbers],
                    version=[st.just(version_of(fuzz.mine["milestone"]))],
                )
            ),
        )
    stakeholder = data.draw(child_id(fuzz, "stakeholder"))
    if stakeholder < 2**63:
        api_send(
            api_client,
            "PATCH",
            reverse("api_stakeholder", args=[campaign, stakeholder]),
            data.draw(
                json_body(
                    version=[st.just(version_of(fuzz.mine["stakeholder"]))],
                    name=[st.just(fuzz.mine["listener"].stakeholder.name)],
                    power=[numbers],
                    stance=[st.integers(0, 7)],
                    relationship_owner=[foreign],
                )
            ),
        )
        api_send(
            api_client,
            "POST",
            reverse("api_stance_change", args=[campaign, stakeholder]),
            data.draw(
                json_body(to_stance=[st.integers(0, 7)], reason=[], tactic=[foreign])
            ),
        )
        api_send(
            api_client,
            "POST",
            reverse("api_objection_create", args=[campaign, stakeholder]),
            data.draw(json_body(text=[], details=[])),
        )
    api_send(
        api_client,
        "POST",
        reverse("api_reports", args=[campaign]),
        data.draw(json_body(period_start=[dates], period_end=[dates])),
    )
    assert fuzz.snapshot() == before
    assert their_counts(fuzz) == theirs_before
    for status in TacticStatus.values:
        ranks = list(
            Tactic.objects.filter(campaign=fuzz.mine["campaign"], status=status)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert ranks == sorted(set(ranks))


@FUZZ
@given(data=st.data())
def test_api_token_forms(fuzz, data):
    """Making and revoking tokens with odd names, lifetimes and ids: never a
    server error, and another person's token is never revoked."""
    from campaigns.api import tokens
    from campaigns.models import ApiToken

    theirs, _ = tokens.create(fuzz.world.outsider, "Theirs")
    htmx = data.draw(st.booleans())
    fuzz.post(
        reverse("api_token_create"),
        {
            "name": data.draw(field()),
            "lifetime": data.draw(field(st.sampled_from(["30", "never", "0"]))),
            "read_only": data.draw(field(st.sampled_from(["on", "false"]))),
        },
        htmx,
    )
    fuzz.post(
        reverse("api_token_revoke"),
        {"token": data.draw(field(st.just(str(theirs.pk))))},
        htmx,
    )
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    for token in ApiToken.objects.filter(user=fuzz.world.owner):
        assert len(token.name) <= 100
