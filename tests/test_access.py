"""Access control, proven for every URL pattern the resolver knows.

The walk builds each URL from real objects. A pattern with a keyword this
module does not know fails the suite, and so does a new public URL that is not
listed in PUBLIC: adding a URL means deciding who may reach it.
"""

import pytest
from django.urls import reverse

from tests.world import (
    LEAD_ONLY,
    OWNER_ONLY,
    OWNER_READ,
    PERSONAL,
    PUBLIC,
    WRITERS_ONLY,
    World,
    all_patterns,
    private_patterns,
    row_counts,
)


@pytest.fixture
def world(db):
    return World()


def test_every_pattern_is_classified():
    names = {p.name for p in all_patterns()}
    assert names >= PUBLIC, PUBLIC - names
    assert names >= WRITERS_ONLY, WRITERS_ONLY - names
    assert names >= LEAD_ONLY, LEAD_ONLY - names
    assert len(private_patterns()) >= 30


def test_anonymous_visitors_are_sent_to_login(client, world):
    login = reverse("login")
    for pattern in private_patterns():
        url = world.url(pattern)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"].startswith(login), (method, url)


def test_other_teams_objects_are_not_found(client_for, world):
    outsider = client_for(world.outsider)
    before = row_counts()
    for pattern in private_patterns():
        if not pattern.pattern.converters:
            continue  # Pages about the user's own data; nothing to trespass on.
        url = world.url(pattern, world.objects)
        for method in ("get", "post"):
            response = getattr(outsider, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)
    assert row_counts() == before


def test_objects_of_another_campaign_are_not_found_through_mine(client_for, world):
    """A child id from another team, under my own campaign or team, is a 404."""
    owner = client_for(world.owner)
    before = row_counts()
    for pattern in private_patterns():
        children = [
            n for n in pattern.pattern.converters if n not in ("campaign_pk", "team_pk")
        ]
        if not children or not (
            {"campaign_pk", "team_pk"} & set(pattern.pattern.converters)
        ):
            continue
        url = world.url(pattern, world.objects, world.foreign)
        for method in ("get", "post"):
            response = getattr(owner, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)
    assert row_counts() == before


def test_viewers_read_but_cannot_write(client_for, world):
    viewer = client_for(world.viewer)
    before = row_counts()
    for pattern in private_patterns():
        url = world.url(pattern)
        response = viewer.get(url)
        refused = pattern.name in OWNER_READ or pattern.name in WRITERS_ONLY
        allowed = (403,) if refused else (200, 302, 405)
        assert response.status_code in allowed, (url, response.status_code)
        if pattern.name in PERSONAL:
            continue
        response = viewer.post(url)
        assert response.status_code in (403, 405), (url, response.status_code)
    assert row_counts() == before


def test_members_cannot_administer_the_team(client_for, world):
    member = client_for(world.member)
    before = row_counts()
    for pattern in private_patterns():
        if pattern.name in OWNER_ONLY:
            response = member.post(world.url(pattern))
            assert response.status_code == 403, (pattern.name, response.status_code)
    assert row_counts() == before


def test_owner_can_open_every_page(client_for, world):
    owner = client_for(world.owner)
    for pattern in private_patterns():
        url = world.url(pattern)
        response = owner.get(url)
        assert response.status_code in (200, 204, 302, 304, 405), (
            url,
            response.status_code,
        )


def test_admin_needs_staff(client, world):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    client.force_login(world.owner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


# ---- the whole matrix: every pattern, every method, all five roles --------

# POST last: a member's successful POST may delete the object.
METHODS = ("get", "put", "patch", "delete", "post")
READ_OK = {200, 204, 302, 304, 405}


def expected(role, pattern, method):
    """The statuses allowed for `role` calling `method` on `pattern`."""
    name = pattern.name
    scoped = bool({"campaign_pk", "team_pk"} & set(pattern.pattern.converters))
    if role == "anonymous":
        return {302}
    if role == "outsider" and scoped:
        return {404}
    if method in ("put", "patch", "delete"):
        # Nothing in the app takes these. Most views refuse them (405, or 403
        # for a viewer); plain function views answer them as a read. Either
        # way nothing changes, which the caller checks.
        return {200, 302, 400, 403, 405}
    if role == "outsider":
        return READ_OK | {400}
    if method == "get":
        if name in OWNER_READ and role != "owner":
            return {403}
        if name in WRITERS_ONLY and role == "viewer":
            return {403}
        return READ_OK
    # An empty POST.
    if role == "viewer" and name not in PERSONAL:
        return {403, 405}
    if role == "member" and name in OWNER_ONLY | LEAD_ONLY:
        return {403}
    return {200, 204, 302, 400, 405}


def changes_nothing(role, pattern, method):
    if method != "post" or role in ("anonymous", "outsider"):
        return True
    if role == "viewer":
        return pattern.name not in PERSONAL
    if role == "member":
        return pattern.name in OWNER_ONLY | LEAD_ONLY
    return False


@pytest.mark.parametrize("role", ["anonymous", "outsider", "viewer", "member"])
def test_access_matrix(client, client_for, world, role):
    """Every private URL and method for each role: the expected status, and no
    change to any data when the request is refused."""
    web = client if role == "anonymous" else client_for(getattr(world, role))
    wrong = []
    for pattern in private_patterns():
        url = world.url(pattern)
        for method in METHODS:
            if method == "post" and pattern.name in PERSONAL:
                continue  # their own account (leaving!); the feature tests cover it
            before = row_counts()
            status = getattr(web, method)(url).status_code
            if status not in expected(role, pattern, method):
                wrong.append((pattern.name, method, status))
            elif changes_nothing(role, pattern, method) and row_counts() != before:
                wrong.append((pattern.name, method, "changed data"))
    assert not wrong, wrong


def test_access_matrix_owner(client_for, world):
    """Owners may do everything; reads work, odd methods change nothing, and
    an empty POST is never a server error (each form reports what is missing)."""
    owner = client_for(world.owner)
    wrong = []
    for pattern in private_patterns():
        url = world.url(pattern)
        for method in ("get", "put", "patch", "delete"):
            before = row_counts()
            status = getattr(owner, method)(url).status_code
            if status not in expected("owner", pattern, method):
                wrong.append((pattern.name, method, status))
            elif method != "get" and row_counts() != before:
                wrong.append((pattern.name, method, "changed data"))
    for pattern in private_patterns():
        if pattern.name in ("team_delete", "team_leave"):
            continue
        status = owner.post(world.url(pattern)).status_code
        if status >= 500:
            wrong.append((pattern.name, "post", status))
    assert not wrong, wrong


def test_refused_report_pdf_requests_queue_no_pdf(client, client_for, world):
    """A report's PDF rows are left out of row_counts (a reader's GET queues
    one, see world.DERIVED); refused requests, and a viewer asking for a
    draft's PDF, queue none."""
    from campaigns.models import ReportPdf

    webs = [client, client_for(world.outsider), client_for(world.viewer)]
    pdf_patterns = [p for p in private_patterns() if p.name.startswith("report_pdf")]
    assert {p.name for p in pdf_patterns} == {"report_pdf", "report_pdf_status"}
    for pattern in pdf_patterns:
        for children in (world.objects, world.foreign):
            url = world.url(pattern, world.objects, children)
            for web in webs:
                for method in METHODS:
                    assert getattr(web, method)(url).status_code < 500
    owner = client_for(world.owner)
    for pattern in pdf_patterns:
        url = world.url(pattern, world.objects, world.foreign)
        for method in METHODS:
            assert getattr(owner, method)(url).status_code == 404
    assert not ReportPdf.objects.exists()


@pytest.mark.parametrize("role", ["owner", "member", "viewer", "outsider"])
def test_search_finds_nothing_of_another_team(client_for, world, role):
    """The search is across the user's teams only: the other team's names,
    searched for by each role, are never found, and a refused method
    changes nothing."""
    web = client_for(getattr(world, role))
    theirs = world.objects if role == "outsider" else world.foreign
    before = row_counts()
    for text in (
        theirs["campaign"].name,
        theirs["stakeholder"].name,
        theirs["tactic"].title,
        theirs["objection"].text,
    ):
        response = web.get(reverse("search"), {"q": text})
        assert response.status_code == 200, text
        assert reverse("campaign_detail", args=[theirs["campaign"].pk]) not in (
            response.text
        ), (role, text)
    assert web.post(reverse("search"), {"q": "x"}).status_code == 405
    assert row_counts() == before


def test_only_the_lead_makes_the_campaign_calendar(client_for, world):
    """Calendar addresses are left out of row_counts (world.DERIVED): a
    refused request to make or renew the campaign's makes none and changes
    none, and another team's campaign is not found."""
    from campaigns import calendar_feed
    from campaigns.models import CalendarFeed

    campaign = world.objects["campaign"]
    url = reverse("campaign_calendar", args=[campaign.pk])
    for user in (world.member, world.viewer):
        assert client_for(user).post(url).status_code == 403
    foreign = reverse("campaign_calendar", args=[world.foreign["campaign"].pk])
    assert client_for(world.owner).post(foreign).status_code == 404
    assert not CalendarFeed.objects.filter(campaign__isnull=False).exists()
    lead = client_for(world.owner)
    assert lead.post(url).status_code == 302
    token = CalendarFeed.objects.get(campaign=campaign).token
    for user in (world.member, world.viewer, world.outsider):
        client_for(user).post(url)
    assert CalendarFeed.objects.get(campaign=campaign).token == token
    assert calendar_feed.campaign_feed(world.member, campaign) is None
