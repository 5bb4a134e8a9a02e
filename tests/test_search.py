"""Search across all of a user's campaigns (campaigns/search.py): each kind
is found, hits are grouped by campaign, quiet tactics stay with the team's
writers, another team's data is never found, the input is bounded and
escaped, and the queries stay flat as campaigns grow."""

import re

import pytest
from django.urls import reverse

from campaigns.models import Role, TacticStatus
from campaigns.search import PER_CAMPAIGN, Q_MAX, highlight
from tests import factories as f
from tests.markup import problems
from tests.queries import count_queries

URL = reverse("search")


def get(client, q, status=200):
    response = client.get(URL, {"q": q})
    assert response.status_code == status, response.status_code
    assert not problems(response.text), problems(response.text)
    return response


def hits(response):
    """The hits' link targets on a results page."""
    return re.findall(r'class="search-hit__title" href="([^"]+)"', response.text)


@pytest.fixture
def data(team, owner):
    """Two campaigns of the team, each with one of every kind mentioning
    "lantern", and a quiet tactic whose title and lesson mention "hush"."""
    first = f.CampaignFactory(team=team, lead=owner, name="Alpha blog pilot")
    second = f.CampaignFactory(team=team, lead=owner, name="Beta newsletter")
    made = {"first": first, "second": second}
    for key, campaign in (("a", first), ("b", second)):
        stakeholder = f.StakeholderFactory(
            campaign=campaign,
            name=f"Dana {key}",
            cares_about=f"Keeping the lantern lit {key}",
        )
        made[f"stakeholder_{key}"] = stakeholder
        made[f"tactic_{key}"] = f.TacticFactory(
            campaign=campaign, title=f"Lantern talk {key}"
        )
        made[f"lesson_{key}"] = f.TacticFactory(
            campaign=campaign,
            title=f"Lunch {key}",
            status=TacticStatus.DONE,
            outcome=f"They liked the lantern slides {key}",
        )
        made[f"objection_{key}"] = f.ObjectionFactory(
            campaign=campaign,
            stakeholder=stakeholder,
            text=f"No budget {key}",
            details=f"The lantern fund is spent {key}",
        )
    made["quiet"] = f.TacticFactory(
        campaign=first,
        title="Hush pilot",
        is_private=True,
        status=TacticStatus.DONE,
        outcome="The quiet hush worked",
    )
    return made


def test_empty_search_shows_the_empty_form(owner_client):
    for response in (
        owner_client.get(URL),
        get(owner_client, ""),
        get(owner_client, "  "),
    ):
        assert response.status_code == 200
        assert 'role="search"' in response.text
        assert '<label for="search-q">Search your campaigns</label>' in response.text
        assert "search-results-heading" not in response.text


def test_finds_each_kind_and_links_to_it(owner_client, data):
    response = get(owner_client, "LANTERN")
    found = hits(response)
    first = data["first"]
    assert reverse("tactic_detail", args=[first.pk, data["tactic_a"].pk]) in found
    assert (
        reverse("stakeholder_detail", args=[first.pk, data["stakeholder_a"].pk])
        in found
    )
    assert reverse("objection_detail", args=[first.pk, data["objection_a"].pk]) in found
    # The lesson: a tactic found by its outcome.
    assert reverse("tactic_detail", args=[first.pk, data["lesson_a"].pk]) in found
    for label in ("Tactics", "Stakeholders", "Objections", "Outcomes and lessons"):
        assert f'<h4 class="search-kind">{label} ' in response.text
    # The match is marked, in the title or in a snippet.
    assert "<mark>Lantern</mark> talk a" in response.text
    assert "They liked the <mark>lantern</mark> slides a" in response.text
    assert "8 matches for “LANTERN” in 2 campaigns" in response.text


def test_hits_are_grouped_by_campaign(owner_client, data):
    text = get(owner_client, "lantern").text
    alpha = text.index("Alpha blog pilot</a></h3>")
    beta = text.index("Beta newsletter</a></h3>")
    assert alpha < beta
    assert alpha < text.index("Lantern</mark> talk a") < beta
    assert beta < text.index("Lantern</mark> talk b")
    assert text.count('class="panel search-group"') == 2


def test_a_viewer_does_not_find_a_quiet_tactic_nor_its_lesson(client_for, team, data):
    viewer = f.MembershipFactory(team=team, role=Role.VIEWER).user
    member = f.MembershipFactory(team=team, role=Role.MEMBER).user
    quiet = reverse("tactic_detail", args=[data["first"].pk, data["quiet"].pk])
    response = get(client_for(viewer), "hush")
    assert quiet not in hits(response)
    assert "No matches for “hush”" in response.text
    assert "quiet" not in response.text.lower().split("search-results")[1]
    response = get(client_for(member), "hush")
    # Both the tactic (its title) and its lesson (its outcome).
    assert hits(response).count(quiet) == 2
    assert "The quiet <mark>hush</mark> worked" in response.text


def test_a_viewer_of_one_team_still_finds_quiet_tactics_of_a_team_they_write_in(
    client_for, data
):
    viewer = f.MembershipFactory(team=data["first"].team, role=Role.VIEWER).user
    own = f.MembershipFactory(user=viewer, role=Role.MEMBER).team
    mine = f.TacticFactory(
        campaign=f.CampaignFactory(team=own), title="Hush mine", is_private=True
    )
    found = hits(get(client_for(viewer), "hush"))
    assert found == [reverse("tactic_detail", args=[mine.campaign_id, mine.pk])]


def test_another_teams_data_is_never_found(client_for, outsider, data):
    other = f.MembershipFactory(user=outsider, role=Role.OWNER).team
    f.TacticFactory(campaign=f.CampaignFactory(team=other), title="Their lantern")
    response = get(client_for(outsider), "lantern")
    assert len(hits(response)) == 1
    for key in ("first", "second"):
        assert data[key].name not in response.text
    assert "Dana a" not in response.text and "Lantern talk" not in response.text


def test_a_search_too_long_is_a_400_that_keeps_what_was_typed(owner_client, data):
    typed = "lantern " * 20
    response = get(owner_client, typed, status=400)
    assert f"Searches are at most {Q_MAX} characters" in response.text
    assert f'value="{typed}"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="search-q-hint search-q-error"' in response.text
    assert 'id="search-q-error"' in response.text
    assert not hits(response)


def test_a_search_too_short_is_refused(owner_client, data):
    response = get(owner_client, "l", status=400)
    assert "Type at least 2 characters" in response.text
    assert not hits(response)


def test_a_nul_byte_is_refused_not_a_server_error(owner_client):
    get(owner_client, "lan\x00tern", status=400)


def test_results_per_kind_per_campaign_are_capped(owner_client, campaign):
    for n in range(PER_CAMPAIGN + 3):
        f.TacticFactory(campaign=campaign, title=f"Lantern {n}")
    response = get(owner_client, "lantern")
    assert len(hits(response)) == PER_CAMPAIGN
    assert "and 3 more" in response.text
    assert f"{PER_CAMPAIGN + 3} matches" in response.text
    board = reverse("board", args=[campaign.pk])
    assert f'href="{board}?q=lantern"' in response.text


def _campaigns_with_hits(team, owner, count):
    for _ in range(count):
        campaign = f.CampaignFactory(team=team, lead=owner)
        stakeholder = f.StakeholderFactory(campaign=campaign, cares_about="lantern")
        f.TacticFactory(campaign=campaign, title="Lantern", outcome="lantern")
        f.TacticFactory(campaign=campaign, title="Lantern", is_private=True)
        f.ObjectionFactory(
            campaign=campaign, stakeholder=stakeholder, details="lantern"
        )


@pytest.mark.parametrize("role", [Role.OWNER, Role.VIEWER])
def test_the_queries_stay_flat_as_campaigns_grow(client_for, team, owner, role):
    user = (
        owner
        if role == Role.OWNER
        else f.MembershipFactory(team=team, role=Role.VIEWER).user
    )
    client = client_for(user)
    url = f"{URL}?q=lantern"
    _campaigns_with_hits(team, owner, 2)
    small = count_queries(client, url)
    _campaigns_with_hits(team, owner, 12)
    assert count_queries(client, url) == small
    # One query per kind, and no more than the header's own around them.
    assert small <= count_queries(client, URL) + 4
    assert len(hits(client.get(url))) == 14 * (5 if role == Role.OWNER else 4)


def test_script_in_data_and_in_the_search_is_escaped(owner_client, campaign):
    xss = "<script>alert(1)</script>"
    f.TacticFactory(campaign=campaign, title=f"Lantern {xss}", description=xss)
    f.StakeholderFactory(campaign=campaign, name=f"Eve {xss}", cares_about=xss)
    campaign.name = f"Campaign {xss}"
    campaign.save()
    for q in ("<script>", xss, "lantern"):
        response = owner_client.get(URL, {"q": q})
        assert response.status_code == 200
        assert "<script>alert" not in response.text
        assert "&lt;script&gt;" in response.text
    response = owner_client.get(URL, {"q": "<script>"})
    assert "<mark>&lt;script&gt;</mark>alert(1)" in response.text
    assert "for “&lt;script&gt;”" in response.text
    assert 'value="&lt;script&gt;"' in response.text


def test_the_snippet_is_cut_around_the_match_and_escaped():
    text = "word " * 40 + "the <b>lantern</b> here " + "word " * 40
    html = highlight(text, "LANTERN")
    assert html.startswith("… ") and html.endswith(" …")
    assert "&lt;b&gt;<mark>lantern</mark>&lt;/b&gt;" in html
    assert len(html) < 220
    assert highlight("Lantern", "lantern", whole=True) == "<mark>Lantern</mark>"
    assert highlight("a & b", "zz", whole=True) == "a &amp; b"


def test_only_get(owner_client):
    assert owner_client.post(URL, {"q": "lantern"}).status_code == 405


def test_the_header_links_to_search(owner_client, campaign):
    response = owner_client.get(reverse("campaign_list"))
    assert f'href="{URL}"' in response.text
    response = owner_client.get(URL)
    assert f'<a href="{URL}" aria-current="page">Search</a>' in response.text


def test_control_characters_are_dropped_from_the_search(owner_client, campaign):
    f.TacticFactory(campaign=campaign, title="Lantern")
    response = get(owner_client, "lan\x01\x1f")
    assert "“lan”" in response.text
    assert len(hits(response)) == 1
    get(owner_client, "l\x01", status=400)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_in_the_browser(page, log_in, live_server, screenshot):
    """Typed into the header's Search page and submitted without any script
    of ours: grouped results at the desktop and the phone size."""
    from playwright.sync_api import expect

    from tests.conftest import DESKTOP, PHONE

    membership = f.MembershipFactory(role=Role.OWNER, user__name="Alex Morgan")
    team, owner = membership.team, membership.user
    library = f.CampaignFactory(team=team, lead=owner, name="Replace the newsletter")
    blog = f.CampaignFactory(team=team, lead=owner, name="A company blog pilot")
    director = f.StakeholderFactory(
        campaign=library,
        name="Margaret Okafor",
        title="Director",
        cares_about="Reaching younger families without raising the print budget.",
    )
    f.ObjectionFactory(
        campaign=library,
        stakeholder=director,
        text="Families will not read it online",
        details="The last survey said most families still pick up the printed copy.",
    )
    f.TacticFactory(
        campaign=library,
        title="Show the families survey",
        description="Bring the numbers from the branch survey to the board.",
    )
    f.TacticFactory(
        campaign=blog,
        title="Lunch-and-learn",
        status=TacticStatus.DONE,
        outcome="Twelve came; the families angle landed best with the trustees.",
    )
    for n in range(PER_CAMPAIGN + 2):
        f.TacticFactory(campaign=blog, title=f"Families post {n + 1}")
    log_in(page, owner)
    page.goto("/campaigns/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Search"
    ).click()
    page.get_by_label("Search your campaigns").fill("families")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=families")
    expect(
        page.get_by_role("heading", name="11 matches for “families” in 2 campaigns")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Replace the newsletter")).to_be_visible()
    expect(page.get_by_text("and 2 more")).to_be_visible()
    assert page.locator("main mark").count() >= 8
    screenshot(page, "search-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "search-phone")
    # Too long: the message beside the field and what was typed kept.
    page.set_viewport_size(DESKTOP)
    page.goto("/search/?q=" + "families+" * 15)
    expect(page.get_by_text("Searches are at most 100 characters")).to_be_visible()
    expect(page.get_by_label("Search your campaigns")).to_have_value("families " * 15)
    page.set_viewport_size(PHONE)
    screenshot(page, "search-too-long-phone")
    assert not page.console_errors, page.console_errors
