"""The campaign list, creating and editing a campaign, and its overview."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import (
    Activity,
    Campaign,
    CampaignStatus,
    Role,
    Stance,
    TacticStatus,
)
from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    MembershipFactory,
    MilestoneFactory,
    StakeholderFactory,
    TacticFactory,
    UserFactory,
)
from tests.queries import count_queries
from tests.versions import loaded_version

pytestmark = pytest.mark.django_db


def field_error(html, name):
    """The message shown beside field `name`, or None."""
    match = re.search(
        rf'<ul class="errorlist" id="id_{name}_error"><li>(.*?)</li>', html, re.S
    )
    return match and match.group(1)


def campaign_data(lead, **overrides):
    data = {
        "name": "Pilot a company blog",
        "goal": "Win the trust of the families we serve, where they already read.",
        "lead": lead.pk,
        "status": CampaignStatus.ACTIVE,
        "starts_on": "2026-01-05",
        "ends_on": "2026-06-30",
        "report_every_days": "14",
    }
    data.update(overrides)
    return data


# ---- the list ----------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "member", "viewer"])
def test_list_renders_for_every_role(request, client_for, campaign, role):
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse("campaign_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert campaign.name in html
    new_button = reverse("campaign_create") in html
    assert new_button is (role != "viewer")


def test_list_without_a_team_prompts_to_create_one(client_for):
    loner = UserFactory()
    response = client_for(loner).get(reverse("campaign_list"))
    assert response.status_code == 200
    assert reverse("team_create") in response.content.decode()
    assert "Create a team" in response.content.decode()


def test_list_anonymous_redirects_to_login(client):
    response = client.get(reverse("campaign_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_list_shows_only_the_current_teams_campaigns(client_for, owner, campaign):
    other = CampaignFactory(name="Someone else's secret")
    html = client_for(owner).get(reverse("campaign_list")).content.decode()
    assert campaign.name in html
    assert other.name not in html


def test_list_card_counts(client_for, owner, campaign):
    StakeholderFactory(campaign=campaign, stance=Stance.OPPOSED)
    StakeholderFactory(campaign=campaign, stance=Stance.SUPPORTIVE)
    StakeholderFactory(campaign=campaign, stance=Stance.CHAMPION)
    TacticFactory(campaign=campaign, status=TacticStatus.DONE)
    TacticFactory(campaign=campaign, status=TacticStatus.DONE)
    TacticFactory(campaign=campaign, status=TacticStatus.PLANNED)
    MilestoneFactory(campaign=campaign, reached_at=timezone.now())
    MilestoneFactory(campaign=campaign)
    html = client_for(owner).get(reverse("campaign_list")).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    text = re.sub(r"\s+", " ", text)
    assert "3 stakeholders, 2 supportive or better" in text
    assert "2/3 tactics done" in text
    assert "1/2 milestones reached" in text
    assert f"Next report due {campaign.report_due_on:%-d %b %Y}" in text


def _fill_campaign(campaign, n):
    for i in range(n):
        StakeholderFactory(campaign=campaign, stance=Stance.SUPPORTIVE if i % 2 else 2)
        TacticFactory(campaign=campaign, status=TacticStatus.DONE)
        MilestoneFactory(campaign=campaign)


def test_list_query_count_does_not_grow(client_for, owner, team):
    client = client_for(owner)
    for _ in range(2):
        _fill_campaign(CampaignFactory(team=team, lead=owner), 2)
    small = count_queries(client, reverse("campaign_list"))
    for _ in range(28):
        _fill_campaign(CampaignFactory(team=team, lead=UserFactory()), 3)
    large = count_queries(client, reverse("campaign_list"))
    assert small == large


def test_list_pages_a_long_history(client_for, owner, team):
    from campaigns.views.campaigns import CAMPAIGNS_PAGE_SIZE

    names = [f"Campaign {n:03}" for n in range(CAMPAIGNS_PAGE_SIZE + 5)]
    for name in names:
        CampaignFactory(team=team, lead=owner, name=name)
    client = client_for(owner)
    url = reverse("campaign_list")

    def shown(html):
        return re.findall(r'<h2><a href="[^"]+">(Campaign \d+)</a></h2>', html)

    first = client.get(url).text
    assert shown(first) == names[:CAMPAIGNS_PAGE_SIZE]
    assert "Page 1 of 2" in first
    assert 'href="?page=2" rel="next"' in first
    second = client.get(url, {"page": 2}).text
    assert shown(second) == names[CAMPAIGNS_PAGE_SIZE:]
    # Out of range or not a number: the nearest real page, never an error.
    assert shown(client.get(url, {"page": 99}).text) == names[CAMPAIGNS_PAGE_SIZE:]
    assert shown(client.get(url, {"page": "x"}).text) == names[:CAMPAIGNS_PAGE_SIZE]


# ---- create and edit ---------------------------------------------------


def test_create_campaign(client_for, owner, team):
    response = client_for(owner).post(reverse("campaign_create"), campaign_data(owner))
    campaign = Campaign.objects.get(name="Pilot a company blog")
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert campaign.team == team
    assert campaign.lead == owner
    assert campaign.ends_on == datetime.date(2026, 6, 30)
    assert campaign.deciders_needed is None
    activity = Activity.objects.get(campaign=campaign)
    assert activity.verb == Activity.Verb.CAMPAIGN_CREATED
    assert activity.actor == owner


def test_create_form_renders_with_lead_choices(client_for, owner, member, viewer):
    response = client_for(member).get(reverse("campaign_create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{owner.pk}"' in html
    assert f'value="{member.pk}"' in html
    # Viewers cannot lead.
    assert f'value="{viewer.pk}"' not in html


def test_create_rejects_end_before_start_and_keeps_input(client_for, owner):
    data = campaign_data(owner, starts_on="2026-05-01", ends_on="2026-04-01")
    response = client_for(owner).post(reverse("campaign_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, "ends_on") == (
        "The end date cannot be before the start date."
    )
    assert 'value="Pilot a company blog"' in html
    assert "where they already read" in html
    assert not Campaign.objects.filter(name="Pilot a company blog").exists()


def test_create_requires_name_and_refuses_viewer_as_lead(client_for, owner, viewer):
    data = campaign_data(viewer, name="")
    response = client_for(owner).post(reverse("campaign_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, "name") == "This field is required."
    assert "Select a valid choice" in field_error(html, "lead")


def test_deciders_needed(client_for, owner):
    client = client_for(owner)
    data = campaign_data(owner, deciders_needed="0")
    response = client.post(reverse("campaign_create"), data)
    assert response.status_code == 400
    assert field_error(response.content.decode(), "deciders_needed")
    client.post(reverse("campaign_create"), campaign_data(owner, deciders_needed="2"))
    assert Campaign.objects.get().deciders_needed == 2


def test_create_cadence_range(client_for, owner):
    data = campaign_data(owner, report_every_days="0")
    response = client_for(owner).post(reverse("campaign_create"), data)
    assert response.status_code == 400
    assert field_error(response.content.decode(), "report_every_days")


def test_viewer_cannot_create(client_for, viewer):
    client = client_for(viewer)
    # Opening the form sends a viewer back to the list.
    response = client.get(reverse("campaign_create"))
    assert response.status_code == 302
    assert response["Location"] == reverse("campaign_list")
    response = client.post(reverse("campaign_create"), campaign_data(viewer))
    assert response.status_code == 403
    assert not Campaign.objects.exists()


def test_viewer_post_is_refused_before_validation(client_for, viewer):
    # Even junk gets a 403, not a form with errors.
    response = client_for(viewer).post(reverse("campaign_create"), {"name": ""})
    assert response.status_code == 403


def test_edit_campaign(client_for, member, campaign):
    url = reverse("campaign_edit", args=[campaign.pk])
    client = client_for(member)
    assert client.get(url).status_code == 200
    data = campaign_data(member, name="Blog pilot, phase two", status="paused")
    data["version"] = loaded_version(client, url)
    response = client.post(url, data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "Blog pilot, phase two"
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.lead == member
    activity = Activity.objects.get(campaign=campaign)
    assert activity.verb == Activity.Verb.CAMPAIGN_UPDATED
    assert "name" in activity.data["fields"]


def test_edit_invalid_keeps_input(client_for, owner, campaign):
    url = reverse("campaign_edit", args=[campaign.pk])
    data = campaign_data(owner, name="Renamed", starts_on="2026-09-01")
    response = client_for(owner).post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Renamed"' in html
    assert field_error(html, "ends_on")
    campaign.refresh_from_db()
    assert campaign.name != "Renamed"


def test_viewer_cannot_edit(client_for, viewer, campaign):
    url = reverse("campaign_edit", args=[campaign.pk])
    client = client_for(viewer)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert client.post(url, campaign_data(viewer, name="Hijack")).status_code == 403
    campaign.refresh_from_db()
    assert campaign.name != "Hijack"
    assert not Activity.objects.exists()


def test_read_only_pages_refuse_posts(client_for, owner, campaign):
    client = client_for(owner)
    assert client.post(reverse("campaign_list")).status_code == 405
    url = reverse("campaign_detail", args=[campaign.pk])
    assert client.post(url).status_code == 405


def test_other_team_gets_404(client_for, outsider, campaign):
    client = client_for(outsider)
    for name in ("campaign_detail", "campaign_edit"):
        assert client.get(reverse(name, args=[campaign.pk])).status_code == 404
    response = client.post(
        reverse("campaign_edit", args=[campaign.pk]), campaign_data(outsider)
    )
    assert response.status_code == 404


# ---- overview ----------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "member", "viewer"])
def test_overview_renders_for_every_role(request, client_for, campaign, role):
    user = request.getfixturevalue(role)
    StakeholderFactory(campaign=campaign, name="Dana Boss", stance=Stance.CURIOUS)
    MilestoneFactory(campaign=campaign, title="Lunch-and-learn", current_value=10)
    ActivityFactory(campaign=campaign, actor=user, summary="Did a thing")
    response = client_for(user).get(reverse("campaign_detail", args=[campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="stance stance--curious">Curious' in html
    assert '<progress max="40" value="10"' in html
    assert "Did a thing" in html
    assert f'href="{reverse("campaign_detail", args=[campaign.pk])}" aria-current' in (
        html
    )
    assert reverse("board", args=[campaign.pk]) in html
    edit_link = reverse("campaign_edit", args=[campaign.pk]) in html
    assert edit_link is (role != "viewer")


def test_overview_stats(client_for, owner, campaign):
    for stance in (Stance.OPPOSED, Stance.SUPPORTIVE, Stance.CHAMPION):
        StakeholderFactory(campaign=campaign, stance=stance)
    TacticFactory(campaign=campaign, status=TacticStatus.DONE)
    TacticFactory(campaign=campaign, status=TacticStatus.IN_PROGRESS)
    TacticFactory(campaign=campaign, status=TacticStatus.IN_PROGRESS)
    MilestoneFactory(campaign=campaign, reached_at=timezone.now())
    response = client_for(owner).get(reverse("campaign_detail", args=[campaign.pk]))
    ctx = response.context
    assert ctx["tactics"] == {"total": 3, "done": 1, "in_progress": 2}
    assert ctx["supportive_count"] == 2
    assert ctx["milestones_reached"] == 1
    counts = {s["slug"]: s["count"] for s in ctx["stance_counts"]}
    assert counts == {
        "opposed": 1,
        "skeptical": 0,
        "neutral": 0,
        "curious": 0,
        "supportive": 1,
        "champion": 1,
    }


def test_overview_shows_latest_15_activities(client_for, owner, campaign):
    now = timezone.now()
    for i in range(20):
        ActivityFactory(
            campaign=campaign,
            actor=owner,
            summary=f"Step {i:02d}",
            created_at=now - datetime.timedelta(minutes=20 - i),
        )
    html = (
        client_for(owner)
        .get(reverse("campaign_detail", args=[campaign.pk]))
        .content.decode()
    )
    assert "Step 19" in html
    assert "Step 05" in html
    assert "Step 04" not in html


def test_overview_query_count_does_not_grow(client_for, owner, campaign):
    client = client_for(owner)
    url = reverse("campaign_detail", args=[campaign.pk])

    def add(n):
        for _ in range(n):
            StakeholderFactory(campaign=campaign)
            MilestoneFactory(campaign=campaign)
            TacticFactory(campaign=campaign)
            ActivityFactory(campaign=campaign, actor=UserFactory())

    add(2)
    small = count_queries(client, url)
    add(28)
    large = count_queries(client, url)
    assert small == large


def test_overview_for_user_in_two_teams(client_for, owner, campaign):
    # The campaign's own team decides the role, not the current team.
    other = MembershipFactory(user=owner, role=Role.VIEWER).team
    theirs = CampaignFactory(team=other)
    client = client_for(owner)
    assert client.get(reverse("campaign_detail", args=[theirs.pk])).status_code == 200
    response = client.post(reverse("campaign_edit", args=[theirs.pk]))
    assert response.status_code == 403
