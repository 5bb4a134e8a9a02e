"""The insight pages: what they show, who may change what, and that their
query counts stay flat as people and history grow."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Activity, Stakeholder, Stance, StanceChange, TacticStatus
from campaigns.playbook import get_entry
from tests import factories as f
from tests import markup
from tests.queries import count_queries
from tests.test_access import World, all_patterns

INSIGHT_URLS = {
    "stakeholder_grid",
    "influence_map",
    "stance_pipeline",
    "stance_move",
    "what_worked",
    "stance_history",
    "stakeholder_contact",
}
READ_PAGES = [
    "stakeholder_grid",
    "influence_map",
    "stance_pipeline",
    "what_worked",
    "stance_history",
]


def populate(campaign, size, lead):
    """`size` stakeholders with history, influencers, tactics and moves."""
    tactic = f.TacticFactory(campaign=campaign, playbook_key="peer-examples")
    failed = f.TacticFactory(
        campaign=campaign, status=TacticStatus.DIDNT_WORK, outcome="Too early."
    )
    people = []
    for i in range(size):
        s = f.StakeholderFactory(
            campaign=campaign,
            power=1 + i % 5,
            interest=1 + (i * 2) % 5,
            stance=Stance.CURIOUS,
            is_decider=i % 3 == 0,
            relationship_owner=lead,
        )
        people.append(s)
        for days, (a, b) in ((40, (1, 2)), (20, (2, 4))):
            f.StanceChangeFactory(
                stakeholder=s,
                from_stance=a,
                to_stance=b,
                tactic=tactic if i % 2 else failed,
                recorded_at=timezone.now() - datetime.timedelta(days=days),
            )
        influencer = f.InfluencerFactory(campaign=campaign, name=f"Adviser {i}")
        f.InfluenceFactory(influencer=influencer, stakeholder=s, strength=1 + i % 5)
        if i:
            # Each stakeholder is also an influencer of the one before.
            twin = f.InfluencerFactory(campaign=campaign, name=s.name)
            f.InfluenceFactory(influencer=twin, stakeholder=people[i - 1])
    return people


@pytest.mark.parametrize("name", READ_PAGES)
def test_query_count_stays_flat(name, client_for, owner, team):
    client = client_for(owner)
    small = f.CampaignFactory(team=team, lead=owner)
    large = f.CampaignFactory(team=team, lead=owner)
    small_people = populate(small, 2, owner)
    large_people = populate(large, 25, owner)
    query = ""
    if name == "influence_map":
        query = "?target={}"
    small_url = reverse(name, args=[small.pk]) + query.format(small_people[0].pk)
    large_url = reverse(name, args=[large.pk]) + query.format(large_people[0].pk)
    count_queries(client, small_url)  # warm up: the first request loads the team
    assert count_queries(client, small_url) == count_queries(client, large_url)


def test_grid_plots_everyone_as_links_without_inline_styles(owner_client, campaign):
    a = f.StakeholderFactory(campaign=campaign, name="Margaret Okafor", power=5)
    b = f.StakeholderFactory(campaign=campaign, name="Alan Whitcombe", power=5)
    response = owner_client.get(reverse("stakeholder_grid", args=[campaign.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for s in (a, b):
        assert reverse("stakeholder_detail", args=[campaign.pk, s.pk]) in html
    assert html.count('class="grid-point"') == 2
    assert "Manage closely" in html and "Keep satisfied" in html
    assert "style=" not in html
    assert "<script>" not in html


def test_influence_map_ranks_who_reaches_the_target(owner_client, campaign):
    boss = f.StakeholderFactory(campaign=campaign, name="The Boss")
    deputy = f.StakeholderFactory(
        campaign=campaign, name="Dana Deputy", stance=Stance.SUPPORTIVE
    )
    f.InfluenceFactory(
        influencer=f.InfluencerFactory(campaign=campaign, name="Dana Deputy"),
        stakeholder=boss,
        strength=5,
    )
    f.InfluenceFactory(
        influencer=f.InfluencerFactory(campaign=campaign, name="Old Friend"),
        stakeholder=deputy,
        strength=4,
    )
    url = reverse("influence_map", args=[campaign.pk])
    html = owner_client.get(url, {"target": boss.pk}).content.decode()
    routes = html[html.index('id="routes"') :]
    assert routes.index("Dana Deputy") < routes.index("Old Friend")
    assert "Two steps" in routes
    assert "style=" not in html


def test_influence_map_rejects_bad_targets(owner_client, campaign, outsider):
    url = reverse("influence_map", args=[campaign.pk])
    assert owner_client.get(url, {"target": "abc"}).status_code == 400
    foreign = f.StakeholderFactory()
    assert owner_client.get(url, {"target": foreign.pk}).status_code == 404
    assert owner_client.get(url, {"target": ""}).status_code == 200


def test_moving_on_the_pipeline_records_everything(client_for, member, campaign):
    client = client_for(member)
    s = f.StakeholderFactory(campaign=campaign, stance=Stance.SKEPTICAL)
    tactic = f.TacticFactory(campaign=campaign)
    response = client.post(
        reverse("stance_move", args=[campaign.pk, s.pk]),
        {
            "to_stance": Stance.CURIOUS,
            "reason": "Liked the pilot.",
            "tactic": tactic.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("stance_pipeline", args=[campaign.pk]) + f"#card-{s.pk}"
    )
    s.refresh_from_db()
    assert s.stance == Stance.CURIOUS
    change = StanceChange.objects.get(stakeholder=s)
    assert (change.from_stance, change.to_stance) == (Stance.SKEPTICAL, Stance.CURIOUS)
    assert change.reason == "Liked the pilot." and change.tactic == tactic
    assert change.recorded_by == member
    activity = Activity.objects.get(verb=Activity.Verb.STANCE_CHANGED)
    assert activity.stakeholder == s and activity.tactic == tactic


def test_a_move_without_reason_keeps_what_was_typed(owner_client, campaign):
    s = f.StakeholderFactory(campaign=campaign, stance=Stance.SKEPTICAL)
    response = owner_client.post(
        reverse("stance_move", args=[campaign.pk, s.pk]),
        {"to_stance": Stance.CHAMPION, "reason": "   "},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why the stance changed." in html or "This field is required" in html
    assert f'id="card-{s.pk}"' in html
    assert "open" in html[html.index(f'id="card-{s.pk}"') :][:2000]
    assert not StanceChange.objects.exists()
    s.refresh_from_db()
    assert s.stance == Stance.SKEPTICAL


def test_move_rejects_a_tactic_of_another_campaign(owner_client, campaign):
    s = f.StakeholderFactory(campaign=campaign)
    foreign_tactic = f.TacticFactory()
    response = owner_client.post(
        reverse("stance_move", args=[campaign.pk, s.pk]),
        {"to_stance": Stance.CHAMPION, "reason": "x", "tactic": foreign_tactic.pk},
    )
    assert response.status_code == 400
    assert not StanceChange.objects.exists()


def test_viewers_see_the_pipeline_read_only(client_for, viewer, campaign):
    s = f.StakeholderFactory(campaign=campaign, stance=Stance.SKEPTICAL)
    client = client_for(viewer)
    html = client.get(reverse("stance_pipeline", args=[campaign.pk])).content.decode()
    assert s.name in html
    assert 'draggable="true"' not in html and "Record the move" not in html
    response = client.post(
        reverse("stance_move", args=[campaign.pk, s.pk]),
        {"to_stance": Stance.CHAMPION, "reason": "x"},
    )
    assert response.status_code == 403
    response = client.post(reverse("stakeholder_contact", args=[campaign.pk, s.pk]))
    assert response.status_code == 403
    s.refresh_from_db()
    assert s.stance == Stance.SKEPTICAL and s.last_contacted_on is None


def test_logging_a_contact(client_for, member, campaign):
    s = f.StakeholderFactory(campaign=campaign)
    client = client_for(member)
    url = reverse("stakeholder_contact", args=[campaign.pk, s.pk])
    response = client.post(url, {"note": "Coffee after the board meeting"})
    assert response.status_code == 302
    assert response["Location"] == s.get_absolute_url()
    s.refresh_from_db()
    assert s.last_contacted_on == timezone.localdate()
    activity = Activity.objects.get(verb=Activity.Verb.STAKEHOLDER_CONTACTED)
    assert "Coffee after the board meeting" in activity.summary
    assert activity.actor == member
    # Back to where the button was; never to another site.
    back = reverse("campaign_detail", args=[campaign.pk])
    assert client.post(url, {"next": back})["Location"] == back
    evil = client.post(url, {"next": "https://evil.example/"})
    assert evil["Location"] == s.get_absolute_url()


def test_a_too_long_contact_note_is_kept_with_its_message(owner_client, campaign):
    s = f.StakeholderFactory(campaign=campaign)
    note = "x" * 300
    response = owner_client.post(
        reverse("stakeholder_contact", args=[campaign.pk, s.pk]), {"note": note}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert note in html and "errorlist" in html
    s.refresh_from_db()
    assert s.last_contacted_on is None


def test_what_worked_ranks_tactics_and_lists_lessons(owner_client, campaign):
    good = f.TacticFactory(
        campaign=campaign, title="Peer tour", playbook_key="peer-examples"
    )
    bad = f.TacticFactory(
        campaign=campaign,
        title="Cold email",
        status=TacticStatus.DIDNT_WORK,
        outcome="Nobody reads long emails.",
    )
    s = f.StakeholderFactory(campaign=campaign)
    f.StanceChangeFactory(stakeholder=s, from_stance=1, to_stance=4, tactic=good)
    f.StanceChangeFactory(stakeholder=s, from_stance=4, to_stance=3, tactic=good)
    f.StanceChangeFactory(stakeholder=s, from_stance=3, to_stance=2, tactic=bad)
    response = owner_client.get(reverse("what_worked", args=[campaign.pk]))
    tactics = response.context["tactics"]
    assert [(t.title, t.moved, t.steps_up, t.steps_down) for t in tactics] == [
        ("Peer tour", 2, 3, 1),
        ("Cold email", -1, None, 1),
    ]
    kinds = {
        k["playbook_key"]: (k["title"], k["moved"]) for k in response.context["kinds"]
    }
    assert kinds["peer-examples"] == (get_entry("peer-examples").title, 2)
    assert kinds[""] == ("Own ideas (not from the playbook)", -1)
    html = response.content.decode()
    assert "Nobody reads long emails." in html


def test_stance_history_page(owner_client, campaign):
    s = f.StakeholderFactory(campaign=campaign, stance=Stance.SUPPORTIVE)
    Stakeholder.objects.filter(pk=s.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=35)
    )
    f.StanceChangeFactory(
        stakeholder=s,
        from_stance=Stance.NEUTRAL,
        to_stance=Stance.SUPPORTIVE,
        recorded_at=timezone.now() - datetime.timedelta(days=9),
    )
    response = owner_client.get(reverse("stance_history", args=[campaign.pk]))
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert weeks[0]["counts"][Stance.NEUTRAL] == 1
    assert weeks[-1]["counts"][Stance.SUPPORTIVE] == 1
    assert "style=" not in response.content.decode()


# ---- access to the new URLs ---------------------------------------------


@pytest.fixture
def world(db):
    return World()


def insight_patterns():
    patterns = [p for p in all_patterns() if p.name in INSIGHT_URLS]
    assert {p.name for p in patterns} == INSIGHT_URLS
    return patterns


def test_other_teams_get_404_on_insight_urls(client_for, world):
    outsider = client_for(world.outsider)
    for pattern in insight_patterns():
        url = world.url(pattern)
        for method in ("get", "post"):
            assert getattr(outsider, method)(url).status_code == 404, (method, url)
    owner = client_for(world.owner)
    for pattern in insight_patterns():
        if "stakeholder_pk" not in pattern.pattern.converters:
            continue
        url = world.url(pattern, world.objects, world.foreign)
        for method in ("get", "post"):
            assert getattr(owner, method)(url).status_code == 404, (method, url)


def test_viewers_get_403_on_insight_posts(client_for, world):
    viewer = client_for(world.viewer)
    before = Stakeholder.objects.values_list("stance", "last_contacted_on")
    before = list(before)
    for pattern in insight_patterns():
        url = world.url(pattern)
        assert viewer.get(url).status_code in (200, 302), url
        assert viewer.post(url, {"to_stance": 6, "reason": "x"}).status_code in (
            403,
            405,
        ), url
    assert (
        list(Stakeholder.objects.values_list("stance", "last_contacted_on")) == before
    )
    assert not StanceChange.objects.exists()


def test_simultaneous_moves_keep_the_history_a_chain(
    postgres, transactional_db, campaign, owner, member
):
    """Two people drag the same card from stale pages at once: the row lock
    makes the second move start where the first ended."""
    s = f.StakeholderFactory(campaign=campaign, stance=Stance.SKEPTICAL)
    url = reverse("stance_move", args=[campaign.pk, s.pk])
    barrier = threading.Barrier(2)
    statuses = []

    def move(user, to_stance):
        try:
            client = Client()
            client.force_login(user)
            barrier.wait(timeout=10)
            response = client.post(url, {"to_stance": to_stance, "reason": "Met."})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=move, args=(owner, Stance.CURIOUS)),
        threading.Thread(target=move, args=(member, Stance.CHAMPION)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [302, 302]
    changes = list(StanceChange.objects.filter(stakeholder=s).order_by("pk"))
    assert len(changes) == 2
    assert changes[0].from_stance == Stance.SKEPTICAL
    assert changes[1].from_stance == changes[0].to_stance
    s.refresh_from_db()
    assert s.stance == changes[1].to_stance
    assert Activity.objects.filter(verb=Activity.Verb.STANCE_CHANGED).count() == 2


def test_what_worked_keeps_private_tactics_from_viewers(
    client_for, viewer, member, campaign
):
    s = f.StakeholderFactory(campaign=campaign)
    quiet = f.TacticFactory(campaign=campaign, title="Quiet pilot", is_private=True)
    f.StanceChangeFactory(stakeholder=s, from_stance=2, to_stance=4, tactic=quiet)
    f.TacticFactory(
        campaign=campaign,
        title="Quiet flop",
        is_private=True,
        status=TacticStatus.DIDNT_WORK,
    )
    url = reverse("what_worked", args=[campaign.pk])
    seen_by_viewer = client_for(viewer).get(url).content.decode()
    assert "Quiet pilot" not in seen_by_viewer and "Quiet flop" not in seen_by_viewer
    seen_by_member = client_for(member).get(url).content.decode()
    assert "Quiet pilot" in seen_by_member and "Quiet flop" in seen_by_member


# ---- attribution on the tactic page -----------------------------------------


def test_the_tactic_page_lists_the_stance_moves_it_caused(
    client_for, owner, viewer, campaign
):
    tactic = f.TacticFactory(campaign=campaign, title="Peer lunch")
    dana = f.StakeholderFactory(campaign=campaign, name="Dana Okafor")
    f.StanceChangeFactory(
        stakeholder=dana,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.SUPPORTIVE,
        reason="Heard the chair of a peer charity at lunch.",
        tactic=tactic,
        recorded_by=owner,
    )
    # A move credited to another tactic stays on that one's page.
    f.StanceChangeFactory(
        stakeholder=f.StakeholderFactory(campaign=campaign, name="Other Otto"),
        tactic=f.TacticFactory(campaign=campaign),
    )
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    for user in (owner, viewer):
        for headers in ({}, {"HX-Request": "true"}):  # the page and the side panel
            response = client_for(user).get(url, headers=headers)
            html = response.content.decode()
            # The side panel is the card alone, without the page around it.
            assert ("<html" in html) is not bool(headers)
            section = html.split('class="tactic-comments attribution"')[1]
            section = section.split("</section>")[0]
            assert "Stance moves it caused" in section
            assert "Heard the chair of a peer charity at lunch." in section
            assert dana.get_absolute_url() in section
            assert "+3" in section and "Other Otto" not in section


def test_a_tactic_without_credited_moves_says_so(owner_client, campaign):
    tactic = f.TacticFactory(campaign=campaign)
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    html = owner_client.get(url).content.decode()
    assert "No stance change has been credited to this tactic yet." in html


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_tactic_page_queries_stay_flat_as_moves_grow(role, client_for, owner, team):
    viewer = f.MembershipFactory(team=team, role="viewer").user
    client = client_for(owner if role == "owner" else viewer)
    urls = []
    for size in (2, 25):
        campaign = f.CampaignFactory(team=team, lead=owner)
        populate(campaign, size, owner)
        tactic = campaign.tactics.get(playbook_key="peer-examples")
        assert tactic.stance_changes.count() == 2 * (size // 2)
        urls.append(reverse("tactic_detail", args=[campaign.pk, tactic.pk]))
    for headers in ({}, {"HX-Request": "true"}):
        count_queries(client, urls[0])  # warm up
        with CaptureQueriesContext(connection) as small:
            client.get(urls[0], headers=headers)
        with CaptureQueriesContext(connection) as large:
            client.get(urls[1], headers=headers)
        assert len(small) == len(large), headers


def _svg_links(html):
    """(accessible name, visible text) of every link inside an <svg>.

    The name as browsers compute it for an SVG <a> (accname and SVG-AAM, in
    order): aria-labelledby, aria-label, a <title> child, its content. The
    visible text is what its <text> elements draw."""
    tree, _ = markup.parse(html)
    by_id = {e.get("id"): e for e in tree.iter() if e.get("id")}

    def local(element):
        return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""

    def words(text):
        return " ".join(text.split())

    links = []
    for svg in (e for e in tree.iter() if local(e) == "svg"):
        for a in (e for e in svg.iter() if local(e) == "a"):
            visible = words(
                " ".join("".join(t.itertext()) for t in a.iter() if local(t) == "text")
            )
            title = next((c for c in a if local(c) == "title"), None)
            if a.get("aria-labelledby"):
                name = " ".join(
                    "".join(by_id[i].itertext())
                    for i in a.get("aria-labelledby").split()
                )
            elif (a.get("aria-label") or "").strip():
                name = a.get("aria-label")
            elif title is not None:
                name = "".join(title.itertext())
            else:
                name = visible
            links.append((words(name), visible))
    return links


def test_svg_links_are_named_by_their_visible_text(owner_client, campaign):
    """WCAG 2.5.3 label in name: a link on the grid or the map says what it
    shows first, so "click Priya R." works by voice."""
    people = [
        # Alone in a cell (initials and a caption), three in one cell
        # (initials only), an honorific, one word, a name the map shortens.
        f.StakeholderFactory(campaign=campaign, name="Priya Raman", power=1),
        f.StakeholderFactory(campaign=campaign, name="Margaret O'Neil", power=5),
        f.StakeholderFactory(campaign=campaign, name="Helen Brooks", power=5),
        f.StakeholderFactory(campaign=campaign, name="Dr Alan Whitcombe", power=5),
        f.StakeholderFactory(campaign=campaign, name="Dana", power=2, title=""),
        f.StakeholderFactory(
            campaign=campaign,
            name="Councillor Ruth Adeyemi-Whitfield of Northfield",
            power=3,
            interest=5,
            title="Chairs the culture and leisure committee",
        ),
    ]
    adviser = f.InfluencerFactory(campaign=campaign, name="Eleanor Hughes")
    for s in people:
        f.InfluenceFactory(influencer=adviser, stakeholder=s)
    pages = [
        reverse("stakeholder_grid", args=[campaign.pk]),
        reverse("influence_map", args=[campaign.pk]),
        reverse("influence_map", args=[campaign.pk]) + f"?target={people[1].pk}",
    ]
    for url in pages:
        links = _svg_links(owner_client.get(url).content.decode())
        assert len(links) == len(people), url
        for name, visible in links:
            assert visible, f"{url}: an SVG link without visible text"
            assert name.casefold().startswith(visible.casefold()), (
                f"{url}: the name {name!r} does not start with what the link "
                f"shows, {visible!r}"
            )
            # Still says who it is in full, for a screen reader.
        names = " | ".join(name for name, _ in links)
        for s in people:
            assert s.name in names, url
