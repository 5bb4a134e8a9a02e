"""Reminders: due tomorrow, overdue, progress report due, and assignments."""

import datetime

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from campaigns import mail, reminders, tasks
from campaigns.models import (
    CampaignStatus,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    NoticeDelivery,
    NotificationPreference,
    TacticStatus,
)
from tests.factories import CampaignFactory, TacticFactory

# Monday 23 November 2026, 09:00 UTC: after the default 08:00.
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def days(n):
    return datetime.timedelta(days=n)


def prefs(user, **fields):
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults=fields
    )
    return preference


@pytest.fixture
def quiet_campaign(team, owner):
    """A campaign whose progress report is not due for a while."""
    return CampaignFactory(
        team=team, lead=owner, starts_on=TODAY - days(3), report_every_days=30
    )


def sent(kind=None):
    return [
        (m.to[0], m.subject)
        for m in django_mail.outbox
        if kind is None or kind in m.subject
    ]


def test_due_tomorrow_reminds_the_assignee_once(quiet_campaign, member):
    tactic = TacticFactory(
        campaign=quiet_campaign,
        assignee=member,
        title="Call the board chair",
        status=TacticStatus.PLANNED,
        due_on=TODAY + days(1),
    )
    TacticFactory(  # due later, done, or unassigned: no reminder
        campaign=quiet_campaign, assignee=member, due_on=TODAY + days(2)
    )
    TacticFactory(
        campaign=quiet_campaign,
        assignee=member,
        status=TacticStatus.DONE,
        due_on=TODAY + days(1),
    )
    TacticFactory(campaign=quiet_campaign, due_on=TODAY + days(1))
    assert reminders.send_due_reminders(NOW) == 1
    assert reminders.send_due_reminders(NOW + datetime.timedelta(hours=3)) == 0
    assert sent() == [(member.email, "Due tomorrow: Call the board chair")]
    [message] = django_mail.outbox
    url = settings.SITE_URL + reverse(
        "tactic_detail", args=[quiet_campaign.pk, tactic.pk]
    )
    assert url in message.body and url in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    delivery = EmailDelivery.objects.get()
    assert (delivery.kind, delivery.key, delivery.status) == (
        EmailKind.DUE_SOON,
        f"tactic:{tactic.pk}:{tactic.due_on.isoformat()}",
        DeliveryStatus.SENT,
    )


def test_overdue_reminds_once_and_a_new_due_date_reminds_again(quiet_campaign, member):
    tactic = TacticFactory(
        campaign=quiet_campaign,
        assignee=member,
        title="Share the audience survey",
        status=TacticStatus.IN_PROGRESS,
        due_on=TODAY - days(1),
    )
    TacticFactory(  # overdue for weeks: announced back then, not again now
        campaign=quiet_campaign, assignee=member, due_on=TODAY - days(40)
    )
    assert reminders.send_due_reminders(NOW) == 1
    assert reminders.send_due_reminders(NOW + days(1)) == 0
    assert sent() == [(member.email, "Overdue: Share the audience survey")]
    assert "overdue by 1 day." in django_mail.outbox[0].body
    # Moved to Wednesday and missed again: a new reminder.
    tactic.due_on = TODAY + days(2)
    tactic.save()
    assert reminders.send_due_reminders(NOW + days(1)) == 1  # due tomorrow
    assert reminders.send_due_reminders(NOW + days(3)) == 1  # overdue
    assert [s for _, s in sent()] == [
        "Overdue: Share the audience survey",
        "Due tomorrow: Share the audience survey",
        "Overdue: Share the audience survey",
    ]


def test_reminders_wait_for_the_local_hour(quiet_campaign, member):
    prefs(member, time_zone="America/Los_Angeles", digest_hour=8)
    TacticFactory(
        campaign=quiet_campaign,
        assignee=member,
        status=TacticStatus.PLANNED,
        due_on=datetime.date(2026, 11, 24),
    )
    # 09:00 UTC is 01:00 on Monday in Los Angeles.
    assert reminders.send_due_reminders(NOW) == 0
    # 16:00 UTC is 08:00 there: the tactic is due tomorrow, local time.
    assert reminders.send_due_reminders(NOW.replace(hour=16)) == 1


def test_progress_report_due_reminds_the_lead_with_the_campaign_link(
    team, owner, member
):
    campaign = CampaignFactory(
        team=team,
        lead=owner,
        name="Newsletter pilot",
        starts_on=TODAY - days(40),
        last_reported_on=TODAY - days(14),
        report_every_days=14,
    )
    CampaignFactory(  # paused: no reminders
        team=team,
        lead=owner,
        status=CampaignStatus.PAUSED,
        starts_on=TODAY - days(40),
    )
    CampaignFactory(  # not due yet
        team=team, lead=member, starts_on=TODAY - days(3), report_every_days=30
    )
    assert reminders.send_due_reminders(NOW) == 1
    assert reminders.send_due_reminders(NOW + days(2)) == 0
    assert sent() == [(owner.email, "Progress report due: Newsletter pilot")]
    url = settings.SITE_URL + reverse("report_create", args=[campaign.pk])
    assert url in django_mail.outbox[0].body
    # Reported, the cadence starts again, and runs out again two weeks later.
    campaign.last_reported_on = TODAY + days(1)
    campaign.save()
    assert reminders.send_due_reminders(NOW + days(10)) == 0
    assert reminders.send_due_reminders(NOW + days(15)) == 1


def test_each_reminder_kind_can_be_switched_off(team, owner, member):
    campaign = CampaignFactory(team=team, lead=owner, starts_on=TODAY - days(60))
    TacticFactory(campaign=campaign, assignee=member, due_on=TODAY + days(1))
    TacticFactory(campaign=campaign, assignee=member, due_on=TODAY - days(1))
    prefs(member, due_soon_delivery=NoticeDelivery.APP)
    prefs(owner, remind_report_due=False)
    assert reminders.send_due_reminders(NOW) == 1
    assert [s.split(":")[0] for _, s in sent()] == ["Overdue"]


def test_unsubscribe_link_in_a_reminder_switches_off_that_kind(quiet_campaign, member):
    TacticFactory(campaign=quiet_campaign, assignee=member, due_on=TODAY + days(1))
    reminders.send_due_reminders(NOW)
    [message] = django_mail.outbox
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    response = Client(enforce_csrf_checks=True).post(
        link.removeprefix(settings.SITE_URL),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    preference = NotificationPreference.objects.get(user=member)
    # Off as an email; still under the bell.
    assert preference.due_soon_delivery == NoticeDelivery.APP
    assert preference.remind_overdue and preference.digest_enabled


def test_send_reminders_command_and_dry_run(quiet_campaign, member, capsys):
    TacticFactory(
        campaign=quiet_campaign,
        assignee=member,
        title="Brief the allies",
        due_on=TODAY + days(1),
    )
    call_command("send_reminders", "--dry-run", "--now", NOW.isoformat())
    out = capsys.readouterr().out
    assert f"{member.email} [due_soon] Due tomorrow: Brief the allies" in out
    assert django_mail.outbox == [] and not EmailDelivery.objects.exists()
    call_command("send_reminders", "--now", NOW.isoformat())
    call_command("send_reminders", "--now", NOW.isoformat())
    assert len(django_mail.outbox) == 1
    assert "0 reminders sent." in capsys.readouterr().out


def test_beat_task_sends_reminders(quiet_campaign, member):
    TacticFactory(campaign=quiet_campaign, assignee=member, due_on=TODAY + days(1))
    assert tasks.send_reminders(NOW.isoformat()) == 1
    assert tasks.send_reminders(NOW.isoformat()) == 0


# ---- assignments ------------------------------------------------------------------


def test_assigning_someone_else_emails_them_after_commit(
    quiet_campaign, owner, member, django_capture_on_commit_callbacks
):
    tactic = TacticFactory(
        campaign=quiet_campaign,
        title="Invite the director to the pilot review",
        description="Bring the numbers <b>and</b> the quotes.",
        due_on=TODAY + days(10),
    )
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        tactic.assignee = member
        tactic.save()
        reminders.queue_assignment_email(tactic, assigned_by=owner)
        assert django_mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    [message] = django_mail.outbox
    assert message.to == [member.email]
    assert message.subject == (
        f"{owner} assigned you a tactic: Invite the director to the pilot review"
    )
    html = message.alternatives[0][0]
    assert "Bring the numbers &lt;b&gt;and&lt;/b&gt; the quotes." in html
    assert EmailDelivery.objects.get().kind == EmailKind.ASSIGNED


def test_no_assignment_email_to_yourself_or_when_switched_off(
    quiet_campaign, owner, member, django_capture_on_commit_callbacks
):
    mine = TacticFactory(campaign=quiet_campaign, assignee=owner)
    theirs = TacticFactory(campaign=quiet_campaign, assignee=member)
    prefs(member, assigned_delivery=NoticeDelivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.queue_assignment_email(mine, assigned_by=owner)
        reminders.queue_assignment_email(theirs, assigned_by=owner)
    assert django_mail.outbox == []


def test_assignment_email_is_dropped_if_reassigned_before_sending(
    quiet_campaign, owner, member, viewer
):
    tactic = TacticFactory(campaign=quiet_campaign, assignee=viewer)
    # Queued for `member`, but by the time it runs the tactic went elsewhere.
    assert reminders.send_assignment_email(tactic.pk, member.pk, owner.pk, "k1") == 0
    assert reminders.send_assignment_email(tactic.pk, viewer.pk, owner.pk, "k2") == 1
    # The task retried with the same key sends nothing more.
    assert tasks.send_assignment_email(tactic.pk, viewer.pk, owner.pk, "k2") == 0
    assert len(django_mail.outbox) == 1


def test_claims_are_unique_per_person_kind_and_key(member):
    first = mail.claim(member.pk, EmailKind.OVERDUE, "tactic:1:2026-11-22")
    assert first is not None
    assert mail.claim(member.pk, EmailKind.OVERDUE, "tactic:1:2026-11-22") is None
    assert mail.claim(member.pk, EmailKind.DUE_SOON, "tactic:1:2026-11-22")


def test_a_failed_assignment_email_is_sent_by_the_next_scan(
    quiet_campaign, owner, member, settings, django_capture_on_commit_callbacks
):
    """Without a worker the task runs in the request; if the mail server is
    down then, the periodic scan delivers it later, once."""
    from tests.test_digests import FlakyBackend

    settings.MAILERS = {"default": {"BACKEND": "tests.test_digests.FlakyBackend"}}
    FlakyBackend.failures = 1
    tactic = TacticFactory(campaign=quiet_campaign, assignee=member, title="Pitch")
    with django_capture_on_commit_callbacks(execute=True):
        reminders.queue_assignment_email(tactic, assigned_by=owner)
    delivery = EmailDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert django_mail.outbox == []
    assert reminders.send_due_reminders(NOW) == 1
    assert reminders.send_due_reminders(NOW) == 0
    [message] = django_mail.outbox
    assert message.subject == f"{owner} assigned you a tactic: Pitch"
