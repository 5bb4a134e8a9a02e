"""Repeating tactics: a weekly lunch-and-learn closes and the next one is in
Planned, each occurrence with its own outcome; stopping the series is one
action; what each session adds to a milestone adds up."""

import datetime

import pytest
from django.urls import reverse

from campaigns import playbook, recurring
from campaigns.forms.board import CUSTOM, TacticForm
from campaigns.models import Activity, Milestone, Tactic, TacticStatus
from tests import factories as f
from tests.versions import version_of

D = datetime.date
TODAY = D(2026, 12, 3)


# ---- the rule ---------------------------------------------------------------


def test_next_due_follows_the_rule():
    weekly = recurring.next_due(recurring.WEEKLY, D(2026, 12, 1), D(2026, 12, 1), TODAY)
    assert weekly == D(2026, 12, 8)
    fortnight = recurring.next_due(
        recurring.FORTNIGHTLY, D(2026, 12, 1), D(2026, 12, 1), TODAY
    )
    assert fortnight == D(2026, 12, 15)
    custom = recurring.next_due(
        "FREQ=WEEKLY;BYDAY=TU,TH", D(2026, 12, 1), D(2026, 12, 3), TODAY
    )
    assert custom == D(2026, 12, 8)


def test_monthly_stays_anchored_on_the_first_date():
    # The 31st: months without one are skipped, not drifted to the 28th.
    first = D(2027, 1, 31)
    after_jan = recurring.next_due(recurring.MONTHLY, first, first, TODAY)
    assert after_jan == D(2027, 3, 31)
    last_day = "FREQ=MONTHLY;BYMONTHDAY=-1"
    assert recurring.next_due(last_day, first, first, TODAY) == D(2027, 2, 28)


def test_an_occurrence_closed_late_does_not_leave_overdue_ones_behind():
    late = recurring.next_due(recurring.WEEKLY, D(2026, 11, 3), D(2026, 11, 3), TODAY)
    assert late == D(2026, 12, 8)  # not 10 Nov, already past
    assert recurring.next_due(
        recurring.WEEKLY, D(2026, 11, 3), D(2026, 11, 3), D(2026, 12, 1)
    ) == D(2026, 12, 1)


def test_a_series_that_has_run_its_course_has_no_next():
    rule = "FREQ=WEEKLY;COUNT=2"
    assert recurring.next_due(rule, TODAY, TODAY, TODAY) == D(2026, 12, 10)
    assert recurring.next_due(rule, TODAY, D(2026, 12, 10), TODAY) is None
    until = "FREQ=WEEKLY;UNTIL=20261215"
    assert recurring.next_due(until, TODAY, D(2026, 12, 10), TODAY) is None


@pytest.mark.parametrize(
    "rule, message",
    [
        ("every tuesday", "Start the rule with FREQ"),
        ("FREQ=SECONDLY", "by the day at most"),
        ("FREQ=HOURLY;INTERVAL=2", "by the day at most"),
        ("FREQ=WEEKLY;BYDAY=XX", "Not a repeat rule"),
        ("FREQ=FORTNIGHTLY", "Not a repeat rule"),
    ],
)
def test_rules_that_make_no_sense_are_refused_in_words(rule, message):
    with pytest.raises(recurring.InvalidRule, match=message):
        recurring.parse(rule, TODAY)


# ---- on the board -----------------------------------------------------------


@pytest.fixture
def session(campaign, member):
    people = [f.StakeholderFactory(campaign=campaign) for _ in range(2)]
    milestone = f.MilestoneFactory(
        campaign=campaign, title="Staff at a session", current_value=0
    )
    tactic = f.TacticFactory(
        campaign=campaign,
        title="Lunch-and-learn",
        status=TacticStatus.IN_PROGRESS,
        assignee=member,
        due_on=D.today(),
        repeat=recurring.WEEKLY,
        milestone=milestone,
        is_private=True,
    )
    tactic.targets.set(people)
    return tactic


def move(client, tactic, status, **headers):
    url = reverse("tactic_move", args=[tactic.campaign_id, tactic.pk])
    return client.post(url, {"status": status, "position": 0}, **headers)


def test_closing_an_occurrence_plans_the_next(client_for, member, session):
    client = client_for(member)
    response = move(client, session, TacticStatus.DONE)
    assert response.status_code == 302
    following = Tactic.objects.get(follows=session)
    assert following.status == TacticStatus.PLANNED
    assert following.due_on == D.today() + datetime.timedelta(days=7)
    assert following.assignee == session.assignee
    assert set(following.targets.all()) == set(session.targets.all())
    assert following.milestone == session.milestone
    assert following.is_private and following.repeat == recurring.WEEKLY
    assert following.series == session
    assert following.outcome == "" and not following.comments.exists()
    # The board's Planned column shows it, at the bottom.
    planned = Tactic.objects.filter(campaign=session.campaign, status="planned")
    assert planned.order_by("-position").first() == following
    assert Activity.objects.filter(
        tactic=following, verb=Activity.Verb.TACTIC_CREATED
    ).exists()
    # The page the move leads to says so.
    page = client.get(response["Location"]).content.decode()
    assert "The next one is in Planned" in page


def test_each_occurrence_keeps_its_own_outcome_and_the_chain_goes_on(
    client_for, member, session
):
    client = client_for(member)
    move(client, session, TacticStatus.DONE)
    second = Tactic.objects.get(follows=session)
    outcome = reverse("tactic_outcome", args=[session.campaign_id, session.pk])
    client.post(outcome, {"outcome": "Six came.", "version": version_of(session)})
    move(client, second, TacticStatus.DIDNT_WORK)
    third = Tactic.objects.get(follows=second)
    assert third.series == session  # the series' first, not the one before
    session.refresh_from_db()
    second.refresh_from_db()
    assert (session.outcome, second.outcome, third.outcome) == ("Six came.", "", "")
    assert third.due_on == second.due_on + datetime.timedelta(days=7)


def test_closing_again_never_plans_a_second_next(client_for, member, session):
    client = client_for(member)
    move(client, session, TacticStatus.DONE)
    move(client, session, TacticStatus.IN_PROGRESS)
    move(client, session, TacticStatus.DONE)
    move(client, session, TacticStatus.DIDNT_WORK)
    assert Tactic.objects.filter(series=session).count() == 1
    # And straight from the logic, as a second machine would.
    assert recurring.plan_next(session.pk, member, 0) == Tactic.objects.get(
        follows=session
    )


def test_a_one_off_plans_nothing(client_for, member, campaign):
    one_off = f.TacticFactory(campaign=campaign, status=TacticStatus.PLANNED)
    move(client_for(member), one_off, TacticStatus.DONE)
    assert Tactic.objects.filter(campaign=campaign).count() == 1


def test_closing_on_the_board_shows_the_next_in_planned(client_for, member, session):
    response = move(
        client_for(member), session, TacticStatus.DONE, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    following = Tactic.objects.get(follows=session)
    assert f'id="tactic-{following.pk}"' in html  # the Planned column came too
    assert "The next one is in Planned" in html


def test_stopping_the_series_is_one_action(
    client_for, member, viewer, outsider, session
):
    client = client_for(member)
    move(client, session, TacticStatus.DONE)
    second = Tactic.objects.get(follows=session)
    url = reverse("tactic_stop_series", args=[session.campaign_id, second.pk])
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(viewer).post(url).status_code in (403, 404)  # private
    detail = reverse("tactic_detail", args=[session.campaign_id, second.pk])
    assert client.get(url)["Location"] == detail
    page = client.get(detail).content.decode()
    assert "Stop repeating" in page
    assert client.post(url)["Location"] == detail
    assert not Tactic.objects.filter(series=session).exclude(repeat="").exists()
    session.refresh_from_db()
    assert session.repeat == ""
    move(client, second, TacticStatus.DONE)
    assert not Tactic.objects.filter(follows=second).exists()
    assert "Stop repeating" not in client.get(detail).content.decode()


def test_a_viewer_may_not_stop_a_visible_series(client_for, viewer, campaign):
    tactic = f.TacticFactory(campaign=campaign, repeat=recurring.WEEKLY)
    url = reverse("tactic_stop_series", args=[campaign.pk, tactic.pk])
    assert client_for(viewer).post(url).status_code == 403
    tactic.refresh_from_db()
    assert tactic.repeat == recurring.WEEKLY


# ---- the card's form ----------------------------------------------------------


def edit_data(tactic, **changes):
    """What the card's form sends as loaded, with `changes` typed in."""
    form = TacticForm(instance=tactic, campaign=tactic.campaign)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_card_form_sets_a_preset_or_a_custom_rule(client_for, member, campaign):
    tactic = f.TacticFactory(campaign=campaign, due_on=D(2026, 12, 8))
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    client = client_for(member)
    client.post(url, edit_data(tactic, repeat=recurring.FORTNIGHTLY))
    tactic.refresh_from_db()
    assert tactic.repeat == recurring.FORTNIGHTLY
    client.post(
        url, edit_data(tactic, repeat=CUSTOM, custom_rule="rrule:freq=weekly;byday=tu")
    )
    tactic.refresh_from_db()
    assert tactic.repeat == "FREQ=WEEKLY;BYDAY=TU"
    # Shown again as a custom rule with its text.
    form = TacticForm(instance=tactic, campaign=campaign)
    assert form["repeat"].value() == CUSTOM
    assert form["custom_rule"].value() == "FREQ=WEEKLY;BYDAY=TU"
    html = client.get(url).content.decode()
    assert "<strong>Repeats: FREQ=WEEKLY;BYDAY=TU.</strong>" in html


def test_a_bad_rule_is_explained_next_to_its_field_and_kept(
    client_for, member, campaign
):
    tactic = f.TacticFactory(campaign=campaign)
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    response = client_for(member).post(
        url,
        edit_data(
            tactic, title="Typed title", repeat=CUSTOM, custom_rule="FREQ=HOURLY"
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Repeat by the day at most" in html
    assert 'value="FREQ=HOURLY"' in html and 'value="Typed title"' in html
    assert 'id="id_custom_rule_error"' in html
    empty = client_for(member).post(
        url, edit_data(tactic, repeat=CUSTOM, custom_rule="")
    )
    assert "Write the rule, or pick one above." in empty.content.decode()
    tactic.refresh_from_db()
    assert tactic.repeat == "" and tactic.title != "Typed title"


def test_a_custom_rule_is_compared_as_shown_in_a_conflict(
    client_for, member, owner, campaign
):
    from campaigns import board

    tactic = f.TacticFactory(campaign=campaign, repeat="FREQ=DAILY;INTERVAL=3")
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    stale = edit_data(tactic, title="Mine")
    # A teammate saves the risk note meanwhile.
    client_for(owner).post(url, edit_data(tactic, risk="Busy week"))
    fresh = Tactic.objects.get(pk=tactic.pk)
    form = TacticForm(stale, instance=fresh, campaign=campaign)
    assert form.is_valid(), form.errors
    assert board.save_card(form, member) is None
    # The rule, sent as "Custom rule" and its text, is no difference.
    assert [field.name for field in form.conflict.fields] == ["title", "risk"]
    assert client_for(member).post(url, stale).status_code == 409
    fresh.refresh_from_db()
    assert fresh.repeat == "FREQ=DAILY;INTERVAL=3" and fresh.title != "Mine"


# ---- milestones ---------------------------------------------------------------


def test_what_each_session_adds_adds_up(client_for, member, session):
    client = client_for(member)
    milestone = session.milestone
    move(client, session, TacticStatus.DONE)
    outcome = reverse("tactic_outcome", args=[session.campaign_id, session.pk])
    client.post(
        outcome,
        {
            "outcome": "Good turnout",
            "contribution": "12",
            "version": version_of(session),
        },
    )
    second = Tactic.objects.get(follows=session)
    move(client, second, TacticStatus.DONE)
    client.post(
        reverse("tactic_outcome", args=[session.campaign_id, second.pk]),
        {"outcome": "", "contribution": "9", "version": version_of(second)},
    )
    milestone.refresh_from_db()
    assert milestone.current_value == 21
    # Correcting a count moves the milestone by the difference, once.
    session.refresh_from_db()
    url = reverse("tactic_detail", args=[session.campaign_id, session.pk])
    client.post(url, edit_data(session, contribution="15"))
    milestone.refresh_from_db()
    assert milestone.current_value == 24
    # Moving the count to another milestone takes it off the first.
    other = f.MilestoneFactory(
        campaign=session.campaign, current_value=0, target_value=10
    )
    session.refresh_from_db()
    client.post(url, edit_data(session, milestone=str(other.pk)))
    milestone.refresh_from_db()
    other.refresh_from_db()
    assert (milestone.current_value, other.current_value) == (9, 15)
    assert other.reached_at is not None  # 15 of 10
    # A milestone edit form opened before a count moved it is refused as stale.
    assert other.version > 1


def test_the_outcome_form_asks_for_a_count_only_with_a_milestone(campaign, session):
    from campaigns.forms.board import OutcomeForm

    plain = f.TacticFactory(campaign=campaign)
    assert "contribution" not in OutcomeForm(instance=plain).fields
    asked = OutcomeForm(instance=session).fields["contribution"]
    assert (
        asked.help_text == "Adds to “Staff at a session” (0 of 40 towards it so far)."
    )


def test_counts_out_of_range_are_refused(client_for, member, session):
    url = reverse("tactic_outcome", args=[session.campaign_id, session.pk])
    for count in ("-1", "1000001", "many"):
        response = client_for(member).post(
            url, {"outcome": "", "contribution": count, "version": version_of(session)}
        )
        assert response.status_code == 400, count
    assert Milestone.objects.get(pk=session.milestone_id).current_value == 0


# ---- the playbook -------------------------------------------------------------


def test_the_teaching_sessions_template_suggests_a_weekly_series(campaign, owner):
    [tactic], [milestone] = playbook.add_to_campaign(
        campaign, ["teach-sessions"], owner
    )
    assert tactic.repeat == recurring.WEEKLY
    assert tactic.milestone == milestone
    [other], _ = playbook.add_to_campaign(campaign, ["peer-examples"], owner)
    assert other.repeat == ""


def test_the_playbook_page_names_the_rhythm(client_for, owner, team):
    html = client_for(owner).get(reverse("playbook", args=[team.pk])).content.decode()
    assert "Suggested rhythm:</strong> every week" in html


def test_a_repeating_card_says_so_on_the_board(client_for, member, session, campaign):
    html = client_for(member).get(reverse("board", args=[campaign.pk])).content.decode()
    card = html.split(f'id="tactic-{session.pk}"')[1].split("</li>")[0]
    assert '<span aria-hidden="true">↻</span> Every week</span>' in card
    one_off = f.TacticFactory(campaign=campaign, title="Once")
    html = client_for(member).get(reverse("board", args=[campaign.pk])).content.decode()
    card = html.split(f'id="tactic-{one_off.pk}"')[1].split("</li>")[0]
    assert "↻" not in card
