"""Lessons that carry over: how a playbook tactic went in the team's earlier
campaigns, on the playbook page, on the tactic's card and when it is added."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from campaigns import lessons
from campaigns.models import Tactic, TacticStatus
from tests import factories as f

DONE, FAILED = TacticStatus.DONE, TacticStatus.DIDNT_WORK


def closed(campaign, key, status, outcome, days_ago, **extra):
    return f.TacticFactory(
        campaign=campaign,
        playbook_key=key,
        status=status,
        outcome=outcome,
        completed_at=timezone.now() - datetime.timedelta(days=days_ago),
        **extra,
    )


@pytest.fixture
def history(team, campaign):
    """Lunch-and-learns in two earlier campaigns of the team, and one in
    another team's campaign that must never count."""
    spring = f.CampaignFactory(team=team, name="Spring campaign")
    autumn = f.CampaignFactory(team=team, name="Autumn campaign")
    closed(spring, "teach-sessions", DONE, "Twelve came; bring food.", 200)
    closed(spring, "teach-sessions", FAILED, "Friday afternoons: nobody.", 150)
    closed(autumn, "teach-sessions", DONE, "The COO came to the third.", 30)
    closed(autumn, "teach-sessions", DONE, "", 20)  # worked, no lesson written
    closed(
        autumn, "teach-sessions", DONE, "A quiet one that worked.", 10, is_private=True
    )
    f.TacticFactory(campaign=autumn, playbook_key="teach-sessions")  # still open
    closed(autumn, "peer-examples", FAILED, "Wrong peers.", 5)
    other = f.CampaignFactory(name="Not this team")
    closed(other, "teach-sessions", DONE, "Another team's lesson.", 1)
    return {"spring": spring, "autumn": autumn}


def test_records_count_the_team_and_keep_the_newest_lessons(team, history):
    found = lessons.records(team.pk, with_private=True)
    sessions = found["teach-sessions"]
    assert (sessions.tried, sessions.worked, sessions.failed, sessions.open) == (
        6,
        4,
        1,
        1,
    )
    # Newest first, at most LESSONS_SHOWN, only those with a lesson written.
    assert [lesson.text for lesson in sessions.lessons] == [
        "A quiet one that worked.",
        "The COO came to the third.",
        "Friday afternoons: nobody.",
    ]
    assert [lesson.campaign_name for lesson in sessions.lessons] == [
        "Autumn campaign",
        "Autumn campaign",
        "Spring campaign",
    ]
    assert [lesson.worked for lesson in sessions.lessons] == [True, True, False]
    assert found["peer-examples"].failed == 1
    assert "Another team's lesson." not in str(found)


def test_a_viewer_never_sees_private_tactics_or_their_lessons(team, history):
    sessions = lessons.records(team.pk, with_private=False)["teach-sessions"]
    assert sessions.tried == 5 and sessions.worked == 3
    assert "A quiet one that worked." not in [x.text for x in sessions.lessons]


def test_records_take_two_queries_however_many_tactics(
    team, history, django_assert_num_queries
):
    with django_assert_num_queries(2):
        lessons.records(team.pk, with_private=True)
    for i in range(30):
        closed(history["spring"], f"key-{i % 7}", DONE, f"Lesson {i}", i)
    with django_assert_num_queries(2):
        found = lessons.records(team.pk, with_private=True)
    assert all(len(r.lessons) <= lessons.LESSONS_SHOWN for r in found.values())


def test_the_card_shows_how_its_template_went_before(
    client_for, member, viewer, campaign, history
):
    tactic = f.TacticFactory(campaign=campaign, playbook_key="teach-sessions")
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    html = client_for(member).get(url).content.decode()
    assert "How it went before" in html
    assert "Tried 6 times: 4 worked, 1 didn't work, 1 still going." in html
    assert "The COO came to the third." in html
    assert "A quiet one that worked." in html
    # A viewer reads the record without the quiet tactic.
    html = client_for(viewer).get(url).content.decode()
    assert "Tried 5 times" in html
    assert "A quiet one that worked." not in html
    # A card not from the playbook has no record; a first try says so.
    plain = f.TacticFactory(campaign=campaign)
    html = (
        client_for(member)
        .get(reverse("tactic_detail", args=[campaign.pk, plain.pk]))
        .content.decode()
    )
    assert "How it went before" not in html
    first = f.TacticFactory(campaign=campaign, playbook_key="start-small")
    html = (
        client_for(member)
        .get(reverse("tactic_detail", args=[campaign.pk, first.pk]))
        .content.decode()
    )
    assert "The first time the team tries this one" in html


def test_the_card_does_not_count_itself(client_for, member, campaign):
    lone = closed(campaign, "report-often", DONE, "Sent every fortnight.", 3)
    url = reverse("tactic_detail", args=[campaign.pk, lone.pk])
    html = client_for(member).get(url).content.decode()
    assert "The first time the team tries this one" in html


def test_the_playbook_page_shows_each_templates_record(
    client_for, owner, viewer, team, history
):
    url = reverse("playbook", args=[team.pk])
    html = client_for(owner).get(url).content.decode()
    assert f"How it went for {team.name}" in html
    assert "Tried 6 times: 4 worked" in html
    assert "Tried once: 0 worked, 1 didn't work." in html
    assert "Wrong peers." in html
    html = client_for(viewer).get(url).content.decode()
    assert "Tried 5 times: 3 worked" in html
    assert "A quiet one that worked." not in html


def test_a_team_templates_tactics_carry_its_record(client_for, owner, team, campaign):
    template = f.TacticTemplateFactory(team=team, title="Coffee with the COO")
    client = client_for(owner)
    add = reverse("playbook_add", args=[team.pk])
    client.post(add, {"campaign": campaign.pk, "templates": [template.key]})
    first = Tactic.objects.get(campaign=campaign, title="Coffee with the COO")
    assert first.playbook_key == template.key
    first.status, first.outcome = DONE, "She asked for a second one."
    first.completed_at = timezone.now()
    first.save()
    later = f.CampaignFactory(team=team)
    response = client.post(
        add, {"campaign": later.pk, "templates": [template.key, "start-small"]}
    )
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    # Adding it again says how it went, read before the new card existed.
    assert (
        "“Coffee with the COO” was tried once before: 1 worked, 0 didn't. "
        "Its card shows the lessons."
    ) in notes
    assert not any("Start small" in note for note in notes)
    again = Tactic.objects.get(campaign=later, title="Coffee with the COO")
    html = client.get(
        reverse("tactic_detail", args=[later.pk, again.pk])
    ).content.decode()
    assert "She asked for a second one." in html


def test_the_wizard_says_how_its_templates_went(client_for, owner, team, history):
    from tests.test_playbook_pages import wizard_data

    response = client_for(owner).post(
        reverse("playbook_start", args=[team.pk]),
        wizard_data(templates=["teach-sessions", "quiet-pilot"]),
    )
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(n.startswith("“Teach rather than fight") for n in notes), notes
    assert any("was tried 6 times before: 4 worked, 1 didn't." in n for n in notes)
    assert not any("Run a small pilot" in n for n in notes)
