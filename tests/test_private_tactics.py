"""Quiet tactics: private to the team's writers until made visible. Viewers
do not see them on the board, their own list, exports, reports or digests."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import digests, reports
from campaigns.models import Membership, Role, TacticStatus
from tests import factories as f
from tests.versions import loaded_version


@pytest.fixture
def quiet(campaign, owner):
    return f.TacticFactory(
        campaign=campaign,
        title="Quiet blog pilot",
        status=TacticStatus.DONE,
        outcome="Doubled sign-ups.",
        completed_at=timezone.now(),
        is_private=True,
        assignee=owner,
    )


@pytest.fixture
def visible(campaign, owner):
    return f.TacticFactory(
        campaign=campaign,
        title="Open lunch session",
        status=TacticStatus.DONE,
        outcome="30 came.",
        completed_at=timezone.now(),
        assignee=owner,
    )


def test_the_board_hides_private_tactics_from_viewers(
    client_for, owner, viewer, campaign, quiet, visible
):
    url = reverse("board", args=[campaign.pk])
    response = client_for(viewer).get(url)
    html = response.content.decode()
    assert "Open lunch session" in html and "Quiet blog pilot" not in html
    # Neither its card nor the column's count gives it away.
    assert f'id="tactic-{visible.pk}"' in html
    assert f'id="tactic-{quiet.pk}"' not in html
    done = next(c for c in response.context["columns"] if c.status == "done")
    assert done.total == 1

    html = client_for(owner).get(url).content.decode()
    assert "Quiet blog pilot" in html
    assert "Private to the team" in html  # the lock badge


def test_a_viewer_gets_404_on_a_private_tactic(client_for, viewer, campaign, quiet):
    url = reverse("tactic_detail", args=[campaign.pk, quiet.pk])
    assert client_for(viewer).get(url).status_code == 404


def test_the_tactic_form_can_make_a_tactic_private(client_for, owner, campaign):
    tactic = f.TacticFactory(campaign=campaign, title="Pilot")
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    client = client_for(owner)
    assert "Private to the team" in client.get(url).content.decode()
    data = {
        "title": "Pilot",
        "is_private": "on",
        "version": loaded_version(client, url),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    tactic.refresh_from_db()
    assert tactic.is_private


def test_my_tactics_hides_private_tactics_of_teams_i_only_view(
    client_for, campaign, owner
):
    former = f.MembershipFactory(team=campaign.team, role=Role.MEMBER).user
    f.TacticFactory(
        campaign=campaign,
        title="Quiet one",
        assignee=former,
        is_private=True,
        due_on=timezone.localdate(),
    )
    f.TacticFactory(
        campaign=campaign,
        title="Open one",
        assignee=former,
        due_on=timezone.localdate(),
    )
    html = client_for(former).get(reverse("my_tactics")).content.decode()
    assert "Quiet one" in html
    Membership.objects.filter(user=former).update(role=Role.VIEWER)
    html = client_for(former).get(reverse("my_tactics")).content.decode()
    assert "Open one" in html and "Quiet one" not in html


def test_reports_leave_private_tactics_out(campaign, quiet, visible):
    today = timezone.localdate()
    text = "\n".join(reports.build_sections(campaign, today, today).values())
    assert "Open lunch session" in text and "Quiet blog pilot" not in text


def test_exports_leave_private_tactics_out_for_viewers(
    client_for, viewer, campaign, quiet, visible
):
    body = client_for(viewer).get(reverse("export_tactics", args=[campaign.pk]))
    assert b"Open lunch session" in body.content
    assert b"Quiet blog pilot" not in body.content


def test_digests_leave_private_tactics_out_for_viewers(
    campaign, owner, viewer, quiet, visible
):
    now = timezone.now() + datetime.timedelta(minutes=1)
    by_user = {d.user: d for d in digests.build_digests([owner.pk, viewer.pk], now)}

    def finished(user):
        return [line.title for c in by_user[user].campaigns for line in c.finished]

    assert set(finished(owner)) == {"Open lunch session", "Quiet blog pilot"}
    assert finished(viewer) == ["Open lunch session"]


def test_the_report_reminder_links_to_drafting_the_report(campaign, owner):
    campaign.last_reported_on = timezone.localdate() - datetime.timedelta(days=30)
    campaign.save()
    [digest] = digests.build_digests([owner.pk], timezone.now())
    [entry] = [c for c in digest.campaigns if c.campaign.pk == campaign.pk]
    assert entry.report_due_on
    assert entry.report_url.endswith(reverse("report_create", args=[campaign.pk]))


def test_overview_and_stakeholder_page_hide_them_from_viewers(
    client_for, owner, viewer, campaign, quiet, visible
):
    from campaigns.models import Activity

    stakeholder = f.StakeholderFactory(campaign=campaign)
    quiet.targets.add(stakeholder)
    Activity.record(
        campaign,
        owner,
        Activity.Verb.TACTIC_CREATED,
        "Added “Quiet blog pilot”",
        tactic=quiet,
    )
    overview = client_for(viewer).get(campaign.get_absolute_url())
    assert overview.context["tactics"]["total"] == 1
    assert "Quiet blog pilot" not in overview.content.decode()
    page = client_for(viewer).get(stakeholder.get_absolute_url()).content.decode()
    assert "Quiet blog pilot" not in page
    overview = client_for(owner).get(campaign.get_absolute_url())
    assert overview.context["tactics"]["total"] == 2
    assert "Quiet blog pilot" in overview.content.decode()


# ---- the insight pages ------------------------------------------------------


@pytest.fixture
def credited(campaign, quiet, visible):
    """A stakeholder moved by the quiet tactic, another by the visible one."""
    moved = f.StakeholderFactory(campaign=campaign, name="Moved Mo")
    f.StanceChangeFactory(stakeholder=moved, from_stance=2, to_stance=4, tactic=quiet)
    other = f.StakeholderFactory(campaign=campaign, name="Open Ollie")
    f.StanceChangeFactory(stakeholder=other, from_stance=3, to_stance=5, tactic=visible)
    return moved


def test_what_worked_hides_private_tactics_from_viewers(
    client_for, viewer, member, campaign, credited
):
    url = reverse("what_worked", args=[campaign.pk])
    html = client_for(viewer).get(url).content.decode()
    assert "Open lunch session" in html and "Quiet blog pilot" not in html
    html = client_for(member).get(url).content.decode()
    assert "Open lunch session" in html and "Quiet blog pilot" in html


def test_pipeline_offers_private_tactics_only_to_writers(
    client_for, viewer, member, campaign, credited
):
    url = reverse("stance_pipeline", args=[campaign.pk])
    html = client_for(viewer).get(url).content.decode()
    assert "Moved Mo" in html and "Quiet blog pilot" not in html
    response = client_for(member).get(url)
    assert "Quiet blog pilot" in response.content.decode()
    # "Thanks to tactic" on the member's move forms offers it.
    assert quiet_choice_offered(response, credited)


def quiet_choice_offered(response, stakeholder):
    [card] = [
        card
        for column in response.context["columns"]
        for card in column["cards"]
        if card["stakeholder"].pk == stakeholder.pk
    ]
    return "Quiet blog pilot" in dict(card["form"].fields["tactic"].choices).values()


def test_stakeholder_history_hides_the_private_tactic_that_moved_them(
    client_for, viewer, member, credited
):
    url = credited.get_absolute_url()
    html = client_for(viewer).get(url).content.decode()
    assert "Moved Mo" in html and "Quiet blog pilot" not in html
    html = client_for(member).get(url).content.decode()
    assert "after “Quiet blog pilot”" in html
