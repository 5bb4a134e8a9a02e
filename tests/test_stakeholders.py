"""Stakeholders: the list and add form, detail, editing, and stance changes."""

import re
import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from campaigns.models import Activity, Stakeholder, Stance, StanceChange
from tests.factories import (
    CampaignFactory,
    InfluenceFactory,
    StakeholderFactory,
    StanceChangeFactory,
    TacticFactory,
    UserFactory,
)
from tests.queries import count_queries
from tests.versions import loaded_version, version_of

pytestmark = pytest.mark.django_db


def field_error(html, name):
    match = re.search(
        rf'<ul class="errorlist" id="id_{name}_error"><li>(.*?)</li>', html, re.S
    )
    return match and match.group(1)


@pytest.fixture
def dana(campaign):
    return StakeholderFactory(
        campaign=campaign, name="Dana Okafor", title="CEO", stance=Stance.SKEPTICAL
    )


def stakeholder_data(**overrides):
    data = {
        "name": "Priya Raman",
        "title": "Head of Finance",
        "power": "5",
        "interest": "2",
        "cares_about": "Cost per new supporter.",
        "stance": str(Stance.SKEPTICAL),
    }
    data.update(overrides)
    return data


# ---- list and add ------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "member", "viewer"])
def test_list_and_detail_render_for_every_role(request, client_for, dana, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    campaign = dana.campaign
    response = client.get(reverse("stakeholder_list", args=[campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dana Okafor" in html
    assert 'class="stance stance--skeptical"' in html
    add_form = reverse("stakeholder_create", args=[campaign.pk]) in html
    assert add_form is (role != "viewer")

    response = client.get(dana.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stance history" in html
    stance_form = reverse("stance_change", args=[campaign.pk, dana.pk]) in html
    assert stance_form is (role != "viewer")
    edit_link = reverse("stakeholder_edit", args=[campaign.pk, dana.pk]) in html
    assert edit_link is (role != "viewer")


def test_list_shows_influencer_count(client_for, owner, dana):
    InfluenceFactory(stakeholder=dana, influencer__campaign=dana.campaign)
    InfluenceFactory(stakeholder=dana, influencer__campaign=dana.campaign)
    response = client_for(owner).get(
        reverse("stakeholder_list", args=[dana.campaign.pk])
    )
    row = next(s for s in response.context["stakeholders"] if s.pk == dana.pk)
    assert row.influencer_count == 2


def test_add_stakeholder(client_for, member, campaign):
    url = reverse("stakeholder_create", args=[campaign.pk])
    data = stakeholder_data(is_decider="on", relationship_owner=member.pk)
    response = client_for(member).post(url, data)
    assert response.status_code == 302
    priya = Stakeholder.objects.get(campaign=campaign, name="Priya Raman")
    assert (priya.power, priya.interest, priya.stance) == (5, 2, Stance.SKEPTICAL)
    assert priya.is_decider
    assert priya.relationship_owner == member
    html = client_for(member).get(priya.get_absolute_url()).content.decode()
    assert "Decides" in html
    assert member.name in html
    activity = Activity.objects.get(campaign=campaign)
    assert activity.verb == Activity.Verb.STAKEHOLDER_ADDED
    assert activity.stakeholder == priya
    assert activity.actor == member


@pytest.mark.parametrize(
    ("field", "value"),
    [("power", "6"), ("power", "0"), ("interest", "9"), ("name", "")],
)
def test_add_rejects_bad_input_and_keeps_it(client_for, owner, campaign, field, value):
    url = reverse("stakeholder_create", args=[campaign.pk])
    response = client_for(owner).post(url, stakeholder_data(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, field)
    assert "Cost per new supporter." in html
    assert not Stakeholder.objects.exists()


def test_duplicate_name_is_a_field_error(client_for, owner, dana):
    url = reverse("stakeholder_create", args=[dana.campaign.pk])
    response = client_for(owner).post(url, stakeholder_data(name="dana okafor"))
    assert response.status_code == 400
    assert "already has a stakeholder" in field_error(response.content.decode(), "name")
    assert Stakeholder.objects.count() == 1


def test_relationship_owner_must_be_a_teammate_who_writes(
    client_for, owner, viewer, outsider, campaign
):
    url = reverse("stakeholder_create", args=[campaign.pk])
    client = client_for(owner)
    for person in (viewer, outsider):
        response = client.post(url, stakeholder_data(relationship_owner=person.pk))
        assert response.status_code == 400
        assert "Select a valid choice" in field_error(
            response.content.decode(), "relationship_owner"
        )
    assert not Stakeholder.objects.exists()


def test_same_name_in_another_campaign_is_fine(client_for, owner, dana):
    StakeholderFactory(name="Priya Raman")  # another team's campaign
    url = reverse("stakeholder_create", args=[dana.campaign.pk])
    response = client_for(owner).post(url, stakeholder_data())
    assert response.status_code == 302


def test_viewer_cannot_add(client_for, viewer, campaign):
    url = reverse("stakeholder_create", args=[campaign.pk])
    response = client_for(viewer).post(url, stakeholder_data())
    assert response.status_code == 403
    assert not Stakeholder.objects.exists()
    assert not Activity.objects.exists()


def test_list_query_count_does_not_grow(client_for, owner, campaign):
    client = client_for(owner)
    url = reverse("stakeholder_list", args=[campaign.pk])
    for _ in range(2):
        InfluenceFactory(influencer__campaign=campaign)
    small = count_queries(client, url)
    for _ in range(28):
        InfluenceFactory(influencer__campaign=campaign)
    large = count_queries(client, url)
    assert small == large


# ---- detail ------------------------------------------------------------


def test_detail_shows_history_influencers_and_tactics(client_for, owner, dana):
    recorder = UserFactory(name="Sam Writer")
    StanceChangeFactory(
        stakeholder=dana,
        from_stance=Stance.OPPOSED,
        to_stance=Stance.SKEPTICAL,
        reason="Read the peer survey.",
        recorded_by=recorder,
    )
    InfluenceFactory(
        stakeholder=dana, influencer__campaign=dana.campaign, influencer__name="Mo"
    )
    tactic = TacticFactory(campaign=dana.campaign, title="Peer lunch")
    tactic.targets.add(dana)
    html = client_for(owner).get(dana.get_absolute_url()).content.decode()
    assert "Read the peer survey." in html
    assert "Sam Writer" in html
    assert 'stance--opposed">Opposed' in html
    assert "Mo" in html
    assert "Peer lunch" in html


def test_detail_query_count_does_not_grow(client_for, owner, dana):
    client = client_for(owner)

    def add(n):
        for _ in range(n):
            StanceChangeFactory(stakeholder=dana, recorded_by=UserFactory())
            InfluenceFactory(stakeholder=dana, influencer__campaign=dana.campaign)
            TacticFactory(campaign=dana.campaign, assignee=UserFactory()).targets.add(
                dana
            )

    add(2)
    small = count_queries(client, dana.get_absolute_url())
    add(28)
    large = count_queries(client, dana.get_absolute_url())
    assert small == large


def test_other_team_gets_404(client_for, outsider, dana):
    client = client_for(outsider)
    campaign = dana.campaign
    assert client.get(reverse("stakeholder_list", args=[campaign.pk])).status_code == (
        404
    )
    assert client.get(dana.get_absolute_url()).status_code == 404
    url = reverse("stance_change", args=[campaign.pk, dana.pk])
    response = client.post(url, {"to_stance": "5", "reason": "x"})
    assert response.status_code == 404
    dana.refresh_from_db()
    assert dana.stance == Stance.SKEPTICAL


def test_stakeholder_of_another_campaign_is_404(client_for, owner, campaign):
    stranger = StakeholderFactory(campaign=CampaignFactory(team=campaign.team))
    url = reverse("stakeholder_detail", args=[campaign.pk, stranger.pk])
    assert client_for(owner).get(url).status_code == 404


# ---- edit --------------------------------------------------------------


def test_edit_stakeholder(client_for, member, dana):
    url = reverse("stakeholder_edit", args=[dana.campaign.pk, dana.pk])
    client = client_for(member)
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="stance"' not in response.content.decode()
    data = stakeholder_data(name="Dana Okafor-Lee", stance=str(Stance.CHAMPION))
    data["version"] = loaded_version(client, url)
    response = client.post(url, data)
    assert response.status_code == 302
    dana.refresh_from_db()
    assert dana.name == "Dana Okafor-Lee"
    assert dana.power == 5
    # The stance only moves through a stance change with its reason.
    assert dana.stance == Stance.SKEPTICAL
    assert Activity.objects.get().verb == Activity.Verb.STAKEHOLDER_UPDATED


def test_edit_to_a_taken_name_is_a_field_error(client_for, owner, dana):
    other = StakeholderFactory(campaign=dana.campaign, name="Lee Chen")
    url = reverse("stakeholder_edit", args=[dana.campaign.pk, other.pk])
    response = client_for(owner).post(url, stakeholder_data(name="Dana Okafor"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "already has a stakeholder" in field_error(html, "name")
    assert 'value="Dana Okafor"' in html
    other.refresh_from_db()
    assert other.name == "Lee Chen"


def test_edit_keeping_own_name_is_fine(client_for, owner, dana):
    url = reverse("stakeholder_edit", args=[dana.campaign.pk, dana.pk])
    data = stakeholder_data(name="Dana Okafor", version=version_of(dana))
    response = client_for(owner).post(url, data)
    assert response.status_code == 302


def test_viewer_cannot_edit(client_for, viewer, dana):
    url = reverse("stakeholder_edit", args=[dana.campaign.pk, dana.pk])
    client = client_for(viewer)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == dana.get_absolute_url()
    assert client.post(url, stakeholder_data(name="X")).status_code == 403
    dana.refresh_from_db()
    assert dana.name == "Dana Okafor"


# ---- stance changes ----------------------------------------------------


def test_record_stance_change(client_for, member, dana):
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    response = client_for(member).post(
        url, {"to_stance": str(Stance.CURIOUS), "reason": "Loved the pilot numbers."}
    )
    assert response.status_code == 302
    assert response["Location"] == dana.get_absolute_url()
    dana.refresh_from_db()
    assert dana.stance == Stance.CURIOUS
    change = StanceChange.objects.get(stakeholder=dana)
    assert (change.from_stance, change.to_stance) == (Stance.SKEPTICAL, Stance.CURIOUS)
    assert change.reason == "Loved the pilot numbers."
    assert change.recorded_by == member
    activity = Activity.objects.get(verb=Activity.Verb.STANCE_CHANGED)
    assert activity.stakeholder == dana
    assert activity.actor == member
    assert activity.data == {"from": Stance.SKEPTICAL, "to": Stance.CURIOUS}
    assert "Skeptical → Curious" in activity.summary


def test_history_lists_changes_newest_first(client_for, owner, dana):
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    client = client_for(owner)
    client.post(url, {"to_stance": str(Stance.NEUTRAL), "reason": "First coffee."})
    client.post(url, {"to_stance": str(Stance.SUPPORTIVE), "reason": "Saw results."})
    html = client.get(dana.get_absolute_url()).content.decode()
    assert html.index("Saw results.") < html.index("First coffee.")
    assert StanceChange.objects.filter(stakeholder=dana).count() == 2
    dana.refresh_from_db()
    assert dana.stance == Stance.SUPPORTIVE


def test_stance_change_needs_a_reason(client_for, owner, dana):
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    response = client_for(owner).post(
        url, {"to_stance": str(Stance.CHAMPION), "reason": "   "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, "reason")
    # The chosen stance is kept.
    assert f'<option value="{Stance.CHAMPION}" selected>' in html
    dana.refresh_from_db()
    assert dana.stance == Stance.SKEPTICAL
    assert not StanceChange.objects.exists()


def test_stance_change_must_move(client_for, owner, dana):
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    response = client_for(owner).post(
        url, {"to_stance": str(Stance.SKEPTICAL), "reason": "Still unsure."}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "already skeptical" in field_error(html, "to_stance")
    assert "Still unsure." in html
    assert not StanceChange.objects.exists()
    assert not Activity.objects.exists()


@pytest.mark.parametrize("value", ["7", "0", "champion", ""])
def test_stance_change_rejects_malformed_stance(client_for, owner, dana, value):
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    response = client_for(owner).post(url, {"to_stance": value, "reason": "x"})
    assert response.status_code == 400
    assert field_error(response.content.decode(), "to_stance")


def test_viewer_cannot_change_stance(client_for, viewer, dana):
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    response = client_for(viewer).post(
        url, {"to_stance": str(Stance.CHAMPION), "reason": "I say so."}
    )
    assert response.status_code == 403
    dana.refresh_from_db()
    assert dana.stance == Stance.SKEPTICAL
    assert not StanceChange.objects.exists()
    assert not Activity.objects.exists()


def test_stance_change_get_goes_to_the_form(client_for, owner, dana):
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    response = client_for(owner).get(url)
    assert response.status_code == 302
    assert response["Location"] == dana.get_absolute_url()
    assert not StanceChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_stance_changes_both_kept(postgres, client_for, owner, member):
    """Two people record a move at once: the row lock orders them, so the
    second sees the first's stance and neither move is lost."""
    dana = StakeholderFactory(
        campaign=CampaignFactory(team=owner.memberships.get().team),
        stance=Stance.SKEPTICAL,
    )
    url = reverse("stance_change", args=[dana.campaign.pk, dana.pk])
    results = {}
    barrier = threading.Barrier(2)

    def record(user, stance):
        try:
            client = client_for(user)
            barrier.wait()
            results[stance] = client.post(
                url, {"to_stance": str(stance), "reason": "Meeting"}
            ).status_code
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=record, args=(owner, Stance.NEUTRAL)),
        threading.Thread(target=record, args=(member, Stance.CURIOUS)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [302, 302]
    changes = list(StanceChange.objects.filter(stakeholder=dana).order_by("pk"))
    assert len(changes) == 2
    # The history is a chain: the second move starts where the first ended.
    assert changes[0].from_stance == Stance.SKEPTICAL
    assert changes[1].from_stance == changes[0].to_stance
    dana.refresh_from_db()
    assert dana.stance == changes[1].to_stance
