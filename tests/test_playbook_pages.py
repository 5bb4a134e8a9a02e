"""The playbook pages: reading it, the team's own templates, adding to a
board, and starting a campaign from the playbook."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from campaigns import playbook
from campaigns.models import (
    Activity,
    Campaign,
    Milestone,
    Stakeholder,
    Tactic,
    TacticStatus,
    TacticTemplate,
)
from tests import factories as f


def wizard_data(**extra):
    data = {
        "decider_name": "Dana Reyes",
        "decider_title": "Chief executive",
        "cares_about": "Reaching younger members; keeping costs flat.",
        "name": "A staff blog",
        "goal": "Reach younger members at no extra cost.",
        "first_step": "Three months of a staff blog",
        "first_step_size": "medium",
        "starts_on": "2026-11-02",
        "templates": ["quiet-pilot", "report-often"],
    }
    data.update(extra)
    return data


def test_playbook_page_reads_in_the_projects_words(client_for, owner, team):
    html = client_for(owner).get(reverse("playbook", args=[team.pk])).content.decode()
    for entry in playbook.PLAYBOOK:
        assert escape(entry.title) in html
        assert escape(entry.milestone.title) in html
    assert "Why it works" in html and "How to do it" in html
    # The quiet pilot's risk is a warning, not a footnote.
    assert 'class="playbook-warning"' in html
    assert html.count('class="playbook-warning"') == 1
    assert "burns trust" in html
    assert "Start a campaign from the playbook" in html
    assert "Add to a board" in html


def test_viewers_read_the_playbook_without_forms(client_for, viewer, team):
    html = client_for(viewer).get(reverse("playbook", args=[team.pk])).content.decode()
    assert playbook.get_entry("quiet-pilot").title in html
    assert "Add to a board" not in html
    assert reverse("playbook_start", args=[team.pk]) not in html


def test_playbook_page_queries_do_not_grow(
    client_for, owner, team, django_assert_max_num_queries
):
    client = client_for(owner)
    url = reverse("playbook", args=[team.pk])
    f.TacticTemplateFactory(team=team)
    f.CampaignFactory(team=team)
    with django_assert_max_num_queries(15) as small:
        client.get(url)
    for _ in range(10):
        f.TacticTemplateFactory(team=team)
        f.CampaignFactory(team=team)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_wizard_creates_the_campaign_with_tactics_and_milestones(
    client_for, owner, team
):
    response = client_for(owner).post(
        reverse("playbook_start", args=[team.pk]), wizard_data()
    )
    campaign = Campaign.objects.get(name="A staff blog")
    assert response.status_code == 302
    assert response["Location"] == reverse("board", args=[campaign.pk])
    assert campaign.team == team and campaign.lead == owner
    assert campaign.starts_on == datetime.date(2026, 11, 2)

    tactics = list(campaign.tactics.order_by("position"))
    assert [t.playbook_key for t in tactics] == ["quiet-pilot", "report-often"]
    assert all(t.status == TacticStatus.BACKLOG for t in tactics)
    assert tactics[0].risk.startswith("Warning")

    milestones = set(campaign.milestones.values_list("title", flat=True))
    assert milestones == {
        "First step approved: Three months of a staff blog",
        playbook.get_entry("quiet-pilot").milestone.title,
        playbook.get_entry("report-often").milestone.title,
    }
    first = campaign.milestones.get(title__startswith="First step")
    assert first.due_on == datetime.date(2026, 11, 2) + datetime.timedelta(days=90)

    decider = Stakeholder.objects.get(campaign=campaign)
    assert decider.name == "Dana Reyes" and decider.is_decider
    assert decider.cares_about.startswith("Reaching younger members")
    verbs = set(campaign.activities.values_list("verb", flat=True))
    assert {
        Activity.Verb.CAMPAIGN_CREATED,
        Activity.Verb.STAKEHOLDER_ADDED,
        Activity.Verb.TACTIC_CREATED,
        Activity.Verb.MILESTONE_ADDED,
    } <= verbs


def test_wizard_keeps_typed_input_on_errors(client_for, owner, team):
    response = client_for(owner).post(
        reverse("playbook_start", args=[team.pk]),
        wizard_data(decider_name="", templates=["quiet-pilot", "no-such-thing"]),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Name the person who decides." in html
    assert "no-such-thing is not one of the available choices" in html
    assert "Reach younger members at no extra cost." in html
    assert not Campaign.objects.exists()


def test_wizard_preselects_a_template_from_the_playbook(client_for, owner, team):
    response = client_for(owner).get(
        reverse("playbook_start", args=[team.pk]) + "?template=peer-examples"
    )
    assert response.context["form"].initial["templates"] == ["peer-examples"]


def test_team_templates_are_created_used_and_deleted(client_for, owner, team):
    client = client_for(owner)
    response = client.post(
        reverse("template_create", args=[team.pk]),
        {
            "title": "Invite the regulator",
            "summary": "Ask the regulator to speak at our away day.",
            "how_to": "Write to them\nBook the hall",
            "risks": "",
            "milestone_title": "Regulator talk held",
            "milestone_target": 1,
            "milestone_unit": "talk",
        },
    )
    assert response.status_code == 302
    saved = TacticTemplate.objects.get(team=team)
    html = client.get(reverse("playbook", args=[team.pk])).content.decode()
    assert "Invite the regulator" in html and "Book the hall" in html

    # Usable in the wizard, next to a built-in one.
    client.post(
        reverse("playbook_start", args=[team.pk]),
        wizard_data(templates=["start-small", saved.key]),
    )
    campaign = Campaign.objects.get(name="A staff blog")
    titles = list(campaign.tactics.order_by("position").values_list("title", flat=True))
    assert titles == [playbook.get_entry("start-small").title, "Invite the regulator"]
    assert campaign.milestones.filter(title="Regulator talk held", unit="talk").exists()
    own = campaign.tactics.get(title="Invite the regulator")
    assert "1. Write to them" in own.description

    response = client.post(
        reverse("template_edit", args=[team.pk, saved.pk]),
        {"title": "", "summary": "Changed", "milestone_target": 0},
    )
    assert response.status_code == 400
    assert "Give the template a title." in response.content.decode()
    response = client.post(reverse("template_delete", args=[team.pk, saved.pk]))
    assert response.status_code == 302
    assert not TacticTemplate.objects.exists()


def test_another_teams_template_is_not_offered(client_for, owner, team):
    foreign = f.TacticTemplateFactory(title="Their secret")
    html = client_for(owner).get(reverse("playbook", args=[team.pk])).content.decode()
    assert "Their secret" not in html
    response = client_for(owner).post(
        reverse("playbook_start", args=[team.pk]),
        wizard_data(templates=[foreign.key]),
    )
    assert response.status_code == 400


def test_add_to_board(client_for, owner, team, campaign):
    f.TacticFactory(campaign=campaign, status=TacticStatus.BACKLOG, position=0)
    saved = f.TacticTemplateFactory(team=team, title="Our own")
    response = client_for(owner).post(
        reverse("playbook_add", args=[team.pk]),
        {"campaign": campaign.pk, "templates": ["ground-rules", saved.key]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("board", args=[campaign.pk])
    # Below the card that was there, in the order chosen.
    backlog = list(
        campaign.tactics.filter(status=TacticStatus.BACKLOG)
        .order_by("position", "pk")
        .values_list("title", flat=True)
    )
    assert backlog[1:] == [playbook.get_entry("ground-rules").title, "Our own"]
    assert campaign.milestones.count() == 2


def test_add_to_another_teams_campaign_is_refused(client_for, owner, team):
    foreign = f.CampaignFactory()
    response = client_for(owner).post(
        reverse("playbook_add", args=[team.pk]),
        {"campaign": foreign.pk, "templates": ["ground-rules"]},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Tactic.objects.exists() and not Milestone.objects.exists()


def test_add_needs_a_template(client_for, owner, team, campaign):
    response = client_for(owner).post(
        reverse("playbook_add", args=[team.pk]), {"campaign": campaign.pk}
    )
    assert response.status_code == 400
    assert "Choose at least one tactic to add." in response.content.decode()


@pytest.mark.parametrize("name", ["playbook_add", "playbook_start", "template_create"])
def test_viewers_cannot_write(client_for, viewer, team, campaign, name):
    response = client_for(viewer).post(
        reverse(name, args=[team.pk]),
        {"campaign": campaign.pk, "templates": ["ground-rules"], **wizard_data()},
    )
    assert response.status_code == 403
    assert not Tactic.objects.exists()
    assert Campaign.objects.count() == 1
