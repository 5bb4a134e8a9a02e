"""Influencers with their links to stakeholders, and milestones."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Activity, Influence, Influencer, Milestone
from tests.factories import (
    CampaignFactory,
    InfluenceFactory,
    InfluencerFactory,
    MilestoneFactory,
    StakeholderFactory,
)
from tests.versions import loaded_version, version_of

pytestmark = pytest.mark.django_db


def field_error(html, name):
    match = re.search(
        rf'<ul class="errorlist" id="id_{name}_error"><li>(.*?)</li>', html, re.S
    )
    return match and match.group(1)


@pytest.fixture
def mo(campaign):
    return InfluencerFactory(campaign=campaign, name="Mo Haddad")


@pytest.fixture
def dana(campaign):
    return StakeholderFactory(campaign=campaign, name="Dana Okafor")


def link_url(influencer):
    return reverse("influence_add", args=[influencer.campaign_id, influencer.pk])


def link_data(influencer, stakeholder_pk, strength="4"):
    prefix = f"link-{influencer.pk}"
    return {f"{prefix}-stakeholder": stakeholder_pk, f"{prefix}-strength": strength}


# ---- influencers -------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "member", "viewer"])
def test_influencer_list_renders_for_every_role(request, client_for, mo, dana, role):
    InfluenceFactory(influencer=mo, stakeholder=dana, strength=5)
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse("influencer_list", args=[mo.campaign_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mo Haddad" in html
    assert "Dana Okafor" in html
    assert "Strength 5/5" in html
    writes = [
        reverse("influencer_create", args=[mo.campaign_id]),
        link_url(mo),
        reverse("influencer_edit", args=[mo.campaign_id, mo.pk]),
    ]
    for url in writes:
        assert (url in html) is (role != "viewer")


def test_add_influencer(client_for, member, campaign):
    url = reverse("influencer_create", args=[campaign.pk])
    response = client_for(member).post(
        url, {"name": "Ada Board", "relationship": "Board member", "notes": ""}
    )
    assert response.status_code == 302
    ada = Influencer.objects.get(campaign=campaign)
    assert ada.name == "Ada Board"
    assert Activity.objects.get().verb == Activity.Verb.INFLUENCER_ADDED


def test_add_influencer_duplicate_name_keeps_input(client_for, owner, mo):
    url = reverse("influencer_create", args=[mo.campaign_id])
    response = client_for(owner).post(
        url, {"name": "Mo Haddad", "relationship": "Old friend", "notes": "Golf"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "already has an influencer" in field_error(html, "name")
    assert 'value="Old friend"' in html
    assert Influencer.objects.count() == 1


def test_edit_influencer(client_for, owner, mo):
    url = reverse("influencer_edit", args=[mo.campaign_id, mo.pk])
    client = client_for(owner)
    data = {"name": "Mo H.", "relationship": "Peer", "notes": "Chairs the board"}
    response = client.post(url, {**data, "version": loaded_version(client, url)})
    assert response.status_code == 302
    mo.refresh_from_db()
    assert (mo.name, mo.relationship) == ("Mo H.", "Peer")


def test_edit_influencer_invalid(client_for, owner, mo):
    url = reverse("influencer_edit", args=[mo.campaign_id, mo.pk])
    response = client_for(owner).post(url, {"name": "", "relationship": "Peer"})
    assert response.status_code == 400
    assert field_error(response.content.decode(), "name")


def test_viewer_cannot_write_influencers(client_for, viewer, mo, dana):
    client = client_for(viewer)
    campaign_pk = mo.campaign_id
    link = InfluenceFactory(influencer=mo, stakeholder=dana)
    attempts = [
        (reverse("influencer_create", args=[campaign_pk]), {"name": "New"}),
        (reverse("influencer_edit", args=[campaign_pk, mo.pk]), {"name": "X"}),
        (link_url(mo), link_data(mo, dana.pk)),
        (reverse("influence_delete", args=[campaign_pk, mo.pk, link.pk]), {}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 403, url
    assert list(Influencer.objects.values_list("name", flat=True)) == ["Mo Haddad"]
    assert Influence.objects.count() == 1
    assert not Activity.objects.exists()


def test_link_influencer_to_stakeholder(client_for, member, mo, dana):
    response = client_for(member).post(link_url(mo), link_data(mo, dana.pk, "5"))
    assert response.status_code == 302
    link = Influence.objects.get()
    assert (link.influencer, link.stakeholder, link.strength) == (mo, dana, 5)
    activity = Activity.objects.get()
    assert activity.verb == Activity.Verb.INFLUENCE_LINKED
    assert activity.stakeholder == dana


def test_link_to_another_campaigns_stakeholder_is_refused(client_for, owner, mo, dana):
    # Same team, different campaign: still not a valid choice.
    elsewhere = StakeholderFactory(campaign=CampaignFactory(team=mo.campaign.team))
    foreign = StakeholderFactory()
    client = client_for(owner)
    for stranger in (elsewhere, foreign):
        response = client.post(link_url(mo), link_data(mo, stranger.pk))
        assert response.status_code == 400
        html = response.content.decode()
        assert "Select a valid choice" in field_error(html, f"link-{mo.pk}-stakeholder")
    assert not Influence.objects.exists()
    assert not Activity.objects.exists()


@pytest.mark.parametrize("strength", ["0", "6", "strong"])
def test_link_strength_range(client_for, owner, mo, dana, strength):
    response = client_for(owner).post(link_url(mo), link_data(mo, dana.pk, strength))
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, f"link-{mo.pk}-strength")
    assert not Influence.objects.exists()


def test_link_twice_is_a_field_error(client_for, owner, mo, dana):
    InfluenceFactory(influencer=mo, stakeholder=dana)
    response = client_for(owner).post(link_url(mo), link_data(mo, dana.pk))
    assert response.status_code == 400
    assert "already linked" in field_error(
        response.content.decode(), f"link-{mo.pk}-stakeholder"
    )
    assert Influence.objects.count() == 1


def test_link_for_influencer_of_another_team_is_404(client_for, outsider, mo, dana):
    response = client_for(outsider).post(link_url(mo), link_data(mo, dana.pk))
    assert response.status_code == 404
    assert not Influence.objects.exists()


def test_delete_link(client_for, owner, mo, dana):
    link = InfluenceFactory(influencer=mo, stakeholder=dana)
    url = reverse("influence_delete", args=[mo.campaign_id, mo.pk, link.pk])
    client = client_for(owner)
    assert client.get(url).status_code == 302  # only a POST deletes
    assert Influence.objects.exists()
    assert client.post(url).status_code == 302
    assert not Influence.objects.exists()


def test_delete_link_of_another_influencer_is_404(client_for, owner, mo, dana):
    other = InfluencerFactory(campaign=mo.campaign)
    link = InfluenceFactory(influencer=other, stakeholder=dana)
    url = reverse("influence_delete", args=[mo.campaign_id, mo.pk, link.pk])
    assert client_for(owner).post(url).status_code == 404
    assert Influence.objects.count() == 1


def test_influencer_list_query_count_does_not_grow(client_for, owner, campaign):
    client = client_for(owner)
    url = reverse("influencer_list", args=[campaign.pk])

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        InfluenceFactory(influencer__campaign=campaign)
    small = measure()
    for _ in range(28):
        InfluenceFactory(influencer__campaign=campaign)
    assert measure() == small


# ---- milestones --------------------------------------------------------


def milestone_data(**overrides):
    data = {
        "title": "Staff at a lunch-and-learn",
        "target_value": "40",
        "current_value": "12",
        "unit": "people",
        "due_on": "2026-03-31",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["owner", "member", "viewer"])
def test_milestone_list_renders_for_every_role(request, client_for, campaign, role):
    m = MilestoneFactory(campaign=campaign, title="Pilot approved", current_value=10)
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse("milestone_list", args=[campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pilot approved" in html
    assert '<progress max="40" value="10"' in html
    progress_url = reverse("milestone_progress", args=[campaign.pk, m.pk])
    assert (progress_url in html) is (role != "viewer")
    assert (reverse("milestone_create", args=[campaign.pk]) in html) is (
        role != "viewer"
    )


def test_create_milestone(client_for, member, campaign):
    url = reverse("milestone_create", args=[campaign.pk])
    client = client_for(member)
    assert client.get(url).status_code == 200
    response = client.post(url, milestone_data())
    assert response.status_code == 302
    m = Milestone.objects.get(campaign=campaign)
    assert (m.target_value, m.current_value, m.unit) == (40, 12, "people")
    assert m.reached_at is None
    assert Activity.objects.get().verb == Activity.Verb.MILESTONE_ADDED


def test_create_milestone_already_reached_is_stamped(client_for, owner, campaign):
    url = reverse("milestone_create", args=[campaign.pk])
    client_for(owner).post(url, milestone_data(current_value="40"))
    assert Milestone.objects.get().reached_at is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [("target_value", "0"), ("current_value", "-1"), ("title", "")],
)
def test_create_milestone_invalid(client_for, owner, campaign, field, value):
    url = reverse("milestone_create", args=[campaign.pk])
    response = client_for(owner).post(url, milestone_data(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, field)
    assert 'value="people"' in html
    assert not Milestone.objects.exists()


def test_edit_milestone_sets_and_clears_reached(client_for, owner, campaign):
    m = MilestoneFactory(campaign=campaign)
    url = reverse("milestone_edit", args=[campaign.pk, m.pk])
    client = client_for(owner)
    data = milestone_data(current_value="40", version=loaded_version(client, url))
    client.post(url, data)
    m.refresh_from_db()
    assert m.reached_at is not None
    assert Activity.objects.get().verb == Activity.Verb.MILESTONE_REACHED
    # Raising the target un-reaches it.
    data = milestone_data(current_value="40", target_value="50")
    client.post(url, {**data, "version": loaded_version(client, url)})
    m.refresh_from_db()
    assert m.reached_at is None
    assert Activity.objects.first().verb == Activity.Verb.MILESTONE_PROGRESSED


def test_edit_milestone_of_another_campaign_is_404(client_for, owner, campaign):
    m = MilestoneFactory(campaign=CampaignFactory(team=campaign.team))
    url = reverse("milestone_edit", args=[campaign.pk, m.pk])
    assert client_for(owner).get(url).status_code == 404


def progress(client, milestone, value, htmx=False):
    url = reverse("milestone_progress", args=[milestone.campaign_id, milestone.pk])
    headers = {"HX-Request": "true"} if htmx else {}
    data = {
        f"m{milestone.pk}-current_value": value,
        # The version the list page was loaded with.
        f"m{milestone.pk}-version": version_of(milestone),
    }
    return client.post(url, data, headers=headers)


def test_progress_plain_post_redirects(client_for, member, campaign):
    m = MilestoneFactory(campaign=campaign, target_value=40, current_value=10)
    response = progress(client_for(member), m, "25")
    assert response.status_code == 302
    assert response["Location"] == reverse("milestone_list", args=[campaign.pk])
    m.refresh_from_db()
    assert m.current_value == 25
    assert m.reached_at is None
    activity = Activity.objects.get()
    assert activity.verb == Activity.Verb.MILESTONE_PROGRESSED
    assert activity.milestone == m
    assert activity.actor == member


def test_progress_reached_then_cleared(client_for, owner, campaign):
    m = MilestoneFactory(campaign=campaign, target_value=40, current_value=10)
    client = client_for(owner)
    progress(client, m, "40")
    m.refresh_from_db()
    assert m.reached_at is not None
    assert Activity.objects.get().verb == Activity.Verb.MILESTONE_REACHED
    reached_at = m.reached_at
    # Going higher keeps the original moment it was reached.
    progress(client, m, "45")
    m.refresh_from_db()
    assert m.reached_at == reached_at
    assert Activity.objects.first().verb == Activity.Verb.MILESTONE_PROGRESSED
    progress(client, m, "30")
    m.refresh_from_db()
    assert m.reached_at is None


def test_progress_unchanged_value_records_nothing(client_for, owner, campaign):
    m = MilestoneFactory(campaign=campaign, current_value=10)
    assert progress(client_for(owner), m, "10").status_code == 302
    assert not Activity.objects.exists()


def test_progress_htmx_returns_only_the_row(client_for, owner, campaign):
    m = MilestoneFactory(campaign=campaign, title="Lunch", target_value=40)
    response = progress(client_for(owner), m, "40", htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="milestone" id="milestone-{m.pk}"')
    assert "<html" not in html
    assert "Reached" in html
    assert f'name="m{m.pk}-current_value" value="40"' in html


def test_progress_full_page_without_htmx_on_error(client_for, owner, campaign):
    m = MilestoneFactory(campaign=campaign, current_value=10)
    response = progress(client_for(owner), m, "-3")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html
    assert field_error(html, f"m{m.pk}-current_value")
    assert f'name="m{m.pk}-current_value" value="-3"' in html
    m.refresh_from_db()
    assert m.current_value == 10


def test_progress_htmx_error_swaps_row_with_message(client_for, owner, campaign):
    m = MilestoneFactory(campaign=campaign, current_value=10)
    response = progress(client_for(owner), m, "lots", htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert field_error(html, f"m{m.pk}-current_value")
    assert 'value="lots"' in html
    m.refresh_from_db()
    assert m.current_value == 10
    assert not Activity.objects.exists()


def test_viewer_cannot_update_milestones(client_for, viewer, campaign):
    m = MilestoneFactory(campaign=campaign, current_value=10)
    client = client_for(viewer)
    assert progress(client, m, "40").status_code == 403
    assert progress(client, m, "40", htmx=True).status_code == 403
    response = client.get(reverse("milestone_create", args=[campaign.pk]))
    assert response.status_code == 302
    url = reverse("milestone_edit", args=[campaign.pk, m.pk])
    assert client.post(url, milestone_data()).status_code == 403
    m.refresh_from_db()
    assert (m.current_value, m.reached_at) == (10, None)
    assert not Activity.objects.exists()


def test_progress_other_team_is_404(client_for, outsider, campaign):
    m = MilestoneFactory(campaign=campaign, current_value=10)
    assert progress(client_for(outsider), m, "40").status_code == 404
    m.refresh_from_db()
    assert m.current_value == 10


def test_milestone_list_query_count_does_not_grow(client_for, owner, campaign):
    client = client_for(owner)
    url = reverse("milestone_list", args=[campaign.pk])

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    MilestoneFactory.create_batch(2, campaign=campaign)
    small = measure()
    MilestoneFactory.create_batch(28, campaign=campaign, reached_at=timezone.now())
    assert measure() == small
