"""Progress reports: their content for a period, drafting, editing, sending
(and staying as sent), PDF, and who may read what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import reports
from campaigns.forms.reports import ReportForm
from campaigns.models import (
    NOTE_MAX,
    Activity,
    ProgressReport,
    ReportStatus,
    Stance,
    TacticStatus,
)
from tests import factories as f
from tests.versions import loaded_version

START = datetime.date(2026, 10, 1)
END = datetime.date(2026, 10, 14)


def at(date, hour=12):
    return datetime.datetime.combine(
        date, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def progress(campaign, milestone, value, when, reached=False):
    verb = (
        Activity.Verb.MILESTONE_REACHED
        if reached
        else Activity.Verb.MILESTONE_PROGRESSED
    )
    activity = Activity.record(
        campaign, None, verb, "progress", milestone=milestone, data={"current": value}
    )
    Activity.objects.filter(pk=activity.pk).update(created_at=when)


@pytest.fixture
def seeded(campaign):
    """A campaign with things inside the period and just outside it."""
    campaign.starts_on = datetime.date(2026, 9, 1)
    campaign.save()
    before, after = START - datetime.timedelta(days=1), END + datetime.timedelta(days=1)
    # Tactics: closed inside, closed outside, private, and open ones.
    f.TacticFactory(
        campaign=campaign,
        title="Lunch-and-learn",
        status=TacticStatus.DONE,
        outcome="32 people came.",
        completed_at=at(START, 9),
    )
    f.TacticFactory(
        campaign=campaign,
        title="Board memo",
        status=TacticStatus.DIDNT_WORK,
        outcome="Too long; keep it to a page.",
        completed_at=at(END, 23),
    )
    f.TacticFactory(
        campaign=campaign,
        title="Old news",
        status=TacticStatus.DONE,
        completed_at=at(before, 23),
    )
    f.TacticFactory(
        campaign=campaign,
        title="Next month's thing",
        status=TacticStatus.DONE,
        completed_at=at(after, 0),
    )
    f.TacticFactory(
        campaign=campaign,
        title="Secret pilot",
        status=TacticStatus.DONE,
        outcome="Doubled sign-ups.",
        completed_at=at(START + datetime.timedelta(days=3)),
        is_private=True,
    )
    f.TacticFactory(
        campaign=campaign,
        title="Quiet follow-up",
        status=TacticStatus.PLANNED,
        due_on=END + datetime.timedelta(days=2),
        is_private=True,
    )
    lead = campaign.lead
    f.TacticFactory(
        campaign=campaign,
        title="Peer tour",
        status=TacticStatus.PLANNED,
        due_on=END + datetime.timedelta(days=3),
        assignee=lead,
    )
    f.TacticFactory(
        campaign=campaign,
        title="Far off",
        status=TacticStatus.PLANNED,
        due_on=END + datetime.timedelta(days=40),
    )
    # Milestones: one moves in the period, one reaches its target, one idle.
    staff = f.MilestoneFactory(
        campaign=campaign, title="Staff at sessions", target_value=40, unit="people"
    )
    progress(campaign, staff, 10, at(before))
    progress(campaign, staff, 25, at(START + datetime.timedelta(days=5)))
    progress(campaign, staff, 38, at(after))
    staff.current_value = 38
    staff.save()
    policy = f.MilestoneFactory(
        campaign=campaign,
        title="Policy signed",
        target_value=1,
        current_value=1,
        unit="policy",
        reached_at=at(END, 10),
    )
    progress(campaign, policy, 1, at(END, 10), reached=True)
    f.MilestoneFactory(campaign=campaign, title="Idle", current_value=5)
    # Stances: a decider rises, a non-decider falls, one move outside.
    boss = f.StakeholderFactory(campaign=campaign, name="Dana Reyes", is_decider=True)
    cfo = f.StakeholderFactory(campaign=campaign, name="Sam Okafor")
    f.StanceChangeFactory(
        stakeholder=boss,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.CURIOUS,
        reason="Saw the pilot numbers.",
        recorded_at=at(START + datetime.timedelta(days=2)),
    )
    f.StanceChangeFactory(
        stakeholder=boss,
        from_stance=Stance.CURIOUS,
        to_stance=Stance.SUPPORTIVE,
        reason="Liked the lunch.",
        recorded_at=at(START + datetime.timedelta(days=6)),
    )
    f.StanceChangeFactory(
        stakeholder=cfo,
        from_stance=Stance.NEUTRAL,
        to_stance=Stance.SKEPTICAL,
        reason="Worried about cost.",
        recorded_at=at(START + datetime.timedelta(days=7)),
    )
    f.StanceChangeFactory(
        stakeholder=cfo,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.NEUTRAL,
        reason="Before the period.",
        recorded_at=at(before),
    )
    # Objections: one answered in the period, one still open.
    answered = f.ObjectionFactory(
        stakeholder=cfo, text="No budget", answered_at=at(START + datetime.timedelta(1))
    )
    f.EvidenceFactory(objection=answered, summary="The pilot cost nothing.")
    f.ObjectionFactory(stakeholder=boss, text="Loss of control")
    return campaign


def test_report_content_is_exactly_what_happened_in_the_period(seeded):
    sections = reports.build_sections(seeded, START, END)
    assert sections == {
        "summary": "From 1 Oct 2026 to 14 Oct 2026 we completed 1 tactic, moved "
        "2 milestones and saw 3 changes of stance. We answered 1 objection with "
        "evidence.",
        "done": "- Lunch-and-learn: 32 people came.\n"
        "- Didn't work: Board memo. Too long; keep it to a page.",
        "milestones": "- Staff at sessions: 10 → 25 of 40 people\n"
        "- Policy signed: 0 → 1 of 1 policy (reached 14 Oct 2026)",
        "stances": "- Dana Reyes: Skeptical → Curious. Saw the pilot numbers.\n"
        "- Dana Reyes: Curious → Supportive. Liked the lunch.\n"
        "- Sam Okafor: Neutral → Skeptical. Worried about cost.",
        "objections": "- Sam Okafor: “No budget”, answered with: The pilot cost "
        "nothing.",
        "next_steps": f"- Peer tour (due 17 Oct 2026, {seeded.lead})",
        "credit": "Thank you to Dana Reyes (now supportive): this period's "
        "progress came with your support.",
    }


def test_private_tactics_never_reach_a_report(seeded):
    text = "\n".join(reports.build_sections(seeded, START, END).values())
    assert "Secret pilot" not in text
    assert "Quiet follow-up" not in text


def test_an_empty_period_says_so(campaign):
    sections = reports.build_sections(campaign, START, START)
    assert sections["done"] == "No tactic was completed in this period."
    assert sections["milestones"] == "No milestone moved in this period."
    assert sections["credit"] == ""


def test_default_period_runs_from_the_last_report(campaign):
    today = datetime.date(2026, 11, 20)
    campaign.starts_on = datetime.date(2026, 9, 1)
    assert reports.default_period(campaign, today) == (campaign.starts_on, today)
    campaign.last_reported_on = datetime.date(2026, 11, 6)
    assert reports.default_period(campaign, today) == (campaign.last_reported_on, today)


def test_blocks_turn_dash_lines_into_lists():
    assert reports.blocks("Intro\n- one\n- two\n\nOutro") == [
        ("text", "Intro"),
        ("list", ["one", "two"]),
        ("text", "Outro"),
    ]


# ---- pages ----------------------------------------------------------------


def test_drafting_edit_and_send(client_for, owner, seeded):
    client = client_for(owner)
    url = reverse("report_create", args=[seeded.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["period_start"] == seeded.starts_on
    response = client.post(url, {"period_start": START, "period_end": END})
    report = ProgressReport.objects.get(campaign=seeded)
    assert response.status_code == 302
    assert response["Location"] == reverse("report_edit", args=[seeded.pk, report.pk])
    assert report.status == ReportStatus.DRAFT
    assert "Lunch-and-learn" in report.sections["done"]

    edit = client.get(response["Location"])
    assert "Lunch-and-learn: 32 people came." in edit.content.decode()
    data = {"title": "October update", **report.sections}
    data["summary"] = "A good fortnight."
    data["version"] = loaded_version(client, response["Location"])
    response = client.post(reverse("report_edit", args=[seeded.pk, report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.title == "October update"
    assert report.sections["summary"] == "A good fortnight."

    detail = client.get(reverse("report_detail", args=[seeded.pk, report.pk]))
    html = detail.content.decode()
    assert "A good fortnight." in html
    assert "<li>Lunch-and-learn: 32 people came.</li>" in html
    assert "Thank you to Dana Reyes" in html

    response = client.post(reverse("report_send", args=[seeded.pk, report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    seeded.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert report.sent_by == owner and report.sent_at
    assert seeded.last_reported_on == END
    assert Activity.objects.filter(
        campaign=seeded, verb=Activity.Verb.REPORT_SENT
    ).exists()


def test_a_sent_report_does_not_change_when_the_data_does(client_for, owner, seeded):
    client = client_for(owner)
    client.post(
        reverse("report_create", args=[seeded.pk]),
        {"period_start": START, "period_end": END},
    )
    report = ProgressReport.objects.get(campaign=seeded)
    client.post(reverse("report_send", args=[seeded.pk, report.pk]))
    url = reverse("report_detail", args=[seeded.pk, report.pk])
    before = client.get(url).content.decode()
    stored = dict(ProgressReport.objects.get(pk=report.pk).sections)

    # Later: tactics renamed, more done in the period, people deleted.
    seeded.tactics.filter(title="Lunch-and-learn").update(
        title="Renamed", outcome="Rewritten"
    )
    f.TacticFactory(
        campaign=seeded,
        title="Late entry",
        status=TacticStatus.DONE,
        completed_at=at(START),
    )
    seeded.stakeholders.filter(name="Sam Okafor").delete()

    assert ProgressReport.objects.get(pk=report.pk).sections == stored
    after = client.get(url).content.decode()
    assert "Lunch-and-learn: 32 people came." in after
    assert "Sam Okafor" in after
    assert "Late entry" not in after and "Renamed" not in after
    assert before.count("<li>") == after.count("<li>")
    # And it cannot be edited or sent again.
    edit = client.post(
        reverse("report_edit", args=[seeded.pk, report.pk]),
        {"title": "Changed", "summary": "Changed"},
    )
    assert edit.status_code == 409  # refused, with what was typed shown to copy
    assert ProgressReport.objects.get(pk=report.pk).title == report.title


def test_invalid_edit_keeps_what_was_typed(client_for, owner, campaign):
    report = f.ProgressReportFactory(campaign=campaign)
    response = client_for(owner).post(
        reverse("report_edit", args=[campaign.pk, report.pk]),
        {"title": "  ", "summary": "Typed text stays"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the report a title." in html
    assert "Typed text stays" in html


def test_period_must_be_ordered(client_for, owner, campaign):
    response = client_for(owner).post(
        reverse("report_create", args=[campaign.pk]),
        {"period_start": END, "period_end": START},
    )
    assert response.status_code == 400
    assert "cannot be before its start" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_viewers_read_sent_reports_but_not_drafts(client_for, viewer, campaign):
    draft = f.ProgressReportFactory(campaign=campaign, title="Work in progress")
    sent = f.ProgressReportFactory(
        campaign=campaign,
        title="Sent one",
        status=ReportStatus.SENT,
        sent_at=timezone.now(),
    )
    client = client_for(viewer)
    listing = client.get(reverse("report_list", args=[campaign.pk])).content.decode()
    assert "Sent one" in listing and "Work in progress" not in listing
    assert (
        client.get(reverse("report_detail", args=[campaign.pk, sent.pk])).status_code
        == 200
    )
    response = client.get(reverse("report_detail", args=[campaign.pk, draft.pk]))
    assert response.status_code == 302
    assert (
        client.post(reverse("report_send", args=[campaign.pk, draft.pk])).status_code
        == 403
    )
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


# The PDF download (made by the worker, per report version) is tested in
# tests/test_report_pdf.py and, with a real worker, tests/test_report_pdf_worker.py.


def test_report_list_queries_do_not_grow(
    client_for, owner, campaign, django_assert_max_num_queries
):
    client = client_for(owner)
    url = reverse("report_list", args=[campaign.pk])
    f.ProgressReportFactory(campaign=campaign)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for _ in range(15):
        f.ProgressReportFactory(
            campaign=campaign,
            status=ReportStatus.SENT,
            sent_at=timezone.now(),
            sent_by=owner,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_report_draft_queries_do_not_grow(seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as small:
        reports.build_sections(seeded, START, END)
    for n in range(10):
        f.TacticFactory(
            campaign=seeded,
            status=TacticStatus.DONE,
            completed_at=at(START),
            title=f"More {n}",
        )
        objection = f.ObjectionFactory(
            stakeholder=f.StakeholderFactory(campaign=seeded), answered_at=at(START)
        )
        f.EvidenceFactory(objection=objection)
    with django_assert_max_num_queries(len(small.captured_queries)):
        reports.build_sections(seeded, START, END)


def test_a_draft_can_be_written_again_from_the_data(client_for, owner, campaign):
    report = f.ProgressReportFactory(
        campaign=campaign,
        period_start=timezone.localdate() - datetime.timedelta(days=3),
        sections={"done": "- Edited away"},
    )
    f.TacticFactory(
        campaign=campaign,
        title="Recorded late",
        status=TacticStatus.DONE,
        completed_at=timezone.now(),
    )
    url = reverse("report_edit", args=[campaign.pk, report.pk])
    client = client_for(owner)
    response = client.post(
        url, {"rewrite": "1", "version": loaded_version(client, url)}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.sections["done"] == "- Recorded late: done."


# ---- bounded sections ---------------------------------------------------------

SECTION_MAX = reports.REPORT_SECTION_MAX


def as_sent(text):
    """A textarea's value as a browser sends it back: CR LF line breaks."""
    return text.replace("\n", "\r\n")


def test_a_busy_period_drafts_every_section_within_the_limit(campaign):
    """However much happened, each drafted section fits the form's maximum
    (line breaks counted as the browser sends them), so the draft saves; the
    lines left out are counted."""
    campaign.starts_on = START
    campaign.save()
    for n in range(60):
        f.TacticFactory(
            campaign=campaign,
            title=f"Tactic {n:02} " + "t" * 180,
            status=TacticStatus.DONE,
            outcome="o" * NOTE_MAX,
            completed_at=at(START),
        )
        f.TacticFactory(
            campaign=campaign,
            title=f"Next {n:02}",
            status=TacticStatus.PLANNED,
            due_on=END,
        )
    for n in range(40):
        decider = f.StakeholderFactory(
            campaign=campaign, name=f"Decider {n:02} " + "d" * 130, is_decider=True
        )
        f.StanceChangeFactory(
            stakeholder=decider,
            from_stance=Stance.SKEPTICAL,
            to_stance=Stance.CHAMPION,
            reason="r" * NOTE_MAX,
            recorded_at=at(START),
        )
    objection = f.ObjectionFactory(
        stakeholder=decider, text="x" * 200, answered_at=at(START)
    )
    for _ in range(30):
        f.EvidenceFactory(objection=objection, summary="e" * 500)

    sections = reports.build_sections(campaign, START, END)
    for key, text in sections.items():
        assert len(as_sent(text)) <= SECTION_MAX, (key, len(as_sent(text)))
    shown = sections["done"].count("- Tactic ")
    assert 0 < shown < 60
    assert sections["done"].endswith(f"- …and {60 - shown} more.")
    assert sections["stances"].endswith("more.")
    assert sections["next_steps"].count("- Next ") == 60  # short lines all fit
    assert sections["credit"].startswith("Thank you to Decider 00")
    assert "more:" in sections["credit"]
    # One long objection line is shortened rather than dropped.
    assert sections["objections"].startswith(f"- {decider.name}: “")
    assert sections["objections"].endswith("…")

    report = reports.create_report(campaign, START, END, campaign.lead)
    data = {"title": report.title, **{k: as_sent(v) for k, v in sections.items()}}
    form = ReportForm(data, report=report)
    form.is_valid()
    assert not {key for key, _ in reports.SECTIONS} & set(form.errors), form.errors


def test_bullets_keep_what_fits_and_count_the_rest():
    assert reports._bullets(["a", "b"], limit=100) == "- a\n- b"
    assert reports._bullets([], limit=100) == ""
    lines = [f"line {n}" for n in range(20)]
    text = reports._bullets(lines, limit=60)
    assert len(as_sent(text)) <= 60
    kept = text.splitlines()
    assert kept[:-1] == [f"- line {n}" for n in range(len(kept) - 1)]
    assert kept[-1] == f"- …and {20 - (len(kept) - 1)} more."
    assert reports._clip("x" * 5000).endswith("…")
    assert len(reports._clip("x" * 5000)) == reports.LINE_MAX


def test_report_period_dates_are_inside_the_calendar(client_for, owner, campaign):
    web = client_for(owner)
    url = reverse("report_create", args=[campaign.pk])
    for start, end in [
        ("8999-12-30", "9999-12-31"),
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "2026-01-01"),
    ]:
        response = web.post(url, {"period_start": start, "period_end": end})
        assert response.status_code == 400
        assert "Choose a date from 1 Jan 1900 to 31 Dec 8999." in (
            response.content.decode()
        )
    response = web.post(url, {"period_start": "8999-12-01", "period_end": "8999-12-31"})
    assert response.status_code == 302
    assert ProgressReport.objects.get().period_end == datetime.date(8999, 12, 31)
    form = web.get(url).content.decode()
    assert 'max="8999-12-31"' in form and 'min="1900-01-01"' in form
