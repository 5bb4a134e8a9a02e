"""Reminders: due and overdue tactics, report cadences, and assignments.

A periodic scan finds what is due at a given moment (nothing is scheduled far
ahead); each reminder has a key naming its object, so it is sent once. Time
based reminders go out once the person's chosen local hour has come.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from advocacy import celery_app

from . import mail, notices
from .digests import OPEN, zone
from .models import (
    Campaign,
    CampaignStatus,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    NoticeDelivery,
    NoticeKind,
    Tactic,
    User,
)

log = logging.getLogger(__name__)

# A tactic that went overdue longer ago than this is not announced any more.
OVERDUE_WINDOW_DAYS = 7

# Registered in every process: CampaignsConfig.ready() imports tasks.py.
ASSIGNMENT_TASK = "campaigns.tasks.send_assignment_email"

# Due tomorrow, assigned, mentioned and a decider moving are notifications
# too (campaigns/notices.py): emailed only when that is the person's choice.
PREFERENCE_OF_KIND = {
    EmailKind.OVERDUE: "remind_overdue",
    EmailKind.REPORT_DUE: "remind_report_due",
    EmailKind.DUE_SOON: notices.PREFERENCE_OF_KIND[NoticeKind.DUE_SOON],
    EmailKind.ASSIGNED: notices.PREFERENCE_OF_KIND[NoticeKind.ASSIGNED],
    **{
        email: notices.PREFERENCE_OF_KIND[kind]
        for kind, email in notices.EMAIL_KIND_OF.items()
    },
}


def wants(user, kind):
    choice = getattr(mail.preference_for(user), PREFERENCE_OF_KIND[kind])
    return choice == NoticeDelivery.EMAIL if isinstance(choice, str) else choice


def switched_off(field):
    """What the unsubscribe link sets a setting to: off, or the bell only."""
    return NoticeDelivery.APP if field.endswith("_delivery") else False


def _local(user, now):
    return now.astimezone(zone(mail.preference_for(user).time_zone))


def _url(name, *args):
    return mail.absolute_url(reverse(name, args=args))


def render(user, kind, key, subject, context):
    unsubscribe = mail.unsubscribe_url(user.pk, kind)
    context = {
        **context,
        "user": user,
        "kind": kind,
        "subject": subject,
        "site_url": settings.SITE_URL,
        "preferences_url": _url("notification_preferences"),
        "unsubscribe_url": unsubscribe,
        "unsubscribe_label": EmailKind(kind).label.lower(),
    }
    return mail.Email(
        user_id=user.pk,
        kind=kind,
        key=key,
        to=user.email,
        subject=subject,
        text=render_to_string("emails/reminder.txt", context),
        html=render_to_string("emails/reminder.html", context),
        unsubscribe_url=unsubscribe,
    )


def _tactic_email(tactic, kind, local_today):
    campaign = tactic.campaign
    days = (local_today - tactic.due_on).days
    if kind == EmailKind.DUE_SOON:
        subject = f"Due tomorrow: {tactic.title}"
        intro = "A tactic assigned to you is due tomorrow."
    else:
        subject = f"Overdue: {tactic.title}"
        plural = "s" if days != 1 else ""
        intro = (
            f"A tactic assigned to you is overdue by {days} day{plural}."
            " Move it along, record what happened, or agree a new date."
        )
    return render(
        tactic.assignee,
        kind,
        f"tactic:{tactic.pk}:{tactic.due_on.isoformat()}",
        subject,
        {
            "heading": tactic.title,
            "intro": intro,
            "facts": [
                ("Campaign", campaign.name),
                ("Due", tactic.due_on),
                ("Column", tactic.get_status_display()),
            ],
            "action_label": "Open the tactic",
            "action_url": _url("tactic_detail", campaign.pk, tactic.pk),
        },
    )


def _report_email(campaign, due_on):
    since = campaign.last_reported_on
    return render(
        campaign.lead,
        EmailKind.REPORT_DUE,
        f"campaign:{campaign.pk}:{due_on.isoformat()}",
        f"Progress report due: {campaign.name}",
        {
            "heading": f"Time to report on {campaign.name}",
            "intro": (
                "Your decision makers are due a progress report: what the campaign "
                "has done and shown since the last one, with credit where it is due."
            ),
            "facts": [
                ("Due", due_on),
                ("Last report", since or "none yet"),
                ("Cadence", f"every {campaign.report_every_days} days"),
            ],
            "action_label": "Draft the report",
            "action_url": _url("report_create", campaign.pk),
        },
    )


def scan(now, record_notices=False):
    """The reminders due at `now` that have not gone out yet, as Emails;
    with `record_notices`, tactics due tomorrow are also put under their
    assignee's bell (whatever they chose for the email)."""
    candidates = []  # (person, kind, key, tactic or campaign, date)
    due_tomorrow = []  # (tactic, key)
    today = now.date()
    tactics = (
        Tactic.objects.filter(
            status__in=OPEN,
            assignee__isnull=False,
            assignee__is_active=True,
            campaign__status=CampaignStatus.ACTIVE,
            # Local dates lie within a day of UTC's.
            due_on__gte=today - datetime.timedelta(days=OVERDUE_WINDOW_DAYS + 1),
            due_on__lte=today + datetime.timedelta(days=2),
        )
        .select_related("campaign", "assignee__notification_preference")
        .order_by("due_on", "pk")
    )
    for tactic in tactics:
        user = tactic.assignee
        local = _local(user, now)
        if local.hour < mail.preference_for(user).digest_hour:
            continue
        local_today = local.date()
        if tactic.due_on == local_today + datetime.timedelta(days=1):
            kind = EmailKind.DUE_SOON
        elif (
            local_today - datetime.timedelta(days=OVERDUE_WINDOW_DAYS)
            <= tactic.due_on
            < local_today
        ):
            kind = EmailKind.OVERDUE
        else:
            continue
        key = f"tactic:{tactic.pk}:{tactic.due_on.isoformat()}"
        if kind == EmailKind.DUE_SOON:
            due_tomorrow.append((tactic, key))
        if wants(user, kind):
            candidates.append((user, kind, key, tactic, local_today))
    if record_notices and due_tomorrow:
        notices.due_tomorrow(due_tomorrow)

    campaigns = Campaign.objects.filter(
        status=CampaignStatus.ACTIVE, lead__isnull=False, lead__is_active=True
    ).select_related("lead__notification_preference")
    for campaign in campaigns:
        user = campaign.lead
        local = _local(user, now)
        due_on = campaign.report_due_on
        if (
            due_on <= local.date()
            and local.hour >= mail.preference_for(user).digest_hour
            and wants(user, EmailKind.REPORT_DUE)
        ):
            key = f"campaign:{campaign.pk}:{due_on.isoformat()}"
            candidates.append((user, EmailKind.REPORT_DUE, key, campaign, due_on))

    # Leave out what already went (or may have): one query for all of them.
    done = set(
        EmailDelivery.objects.filter(
            kind__in=[kind for _, kind, _, _, _ in candidates],
            key__in=[key for _, _, key, _, _ in candidates],
        )
        .exclude(status=DeliveryStatus.FAILED)
        .values_list("user_id", "kind", "key")
    )
    emails = []
    for user, kind, key, obj, extra in candidates:
        if (user.pk, kind, key) in done:
            continue
        if kind == EmailKind.REPORT_DUE:
            emails.append(_report_email(obj, extra))
        else:
            emails.append(_tactic_email(obj, kind, extra))
    return emails + _failed_assignment_emails() + notices.failed_emails()


def _failed_assignment_emails():
    """Assignment emails whose send failed and whose task gave up (or ran in
    the web process without a worker): the scan tries them again."""
    emails = []
    failed = EmailDelivery.objects.filter(
        kind=EmailKind.ASSIGNED,
        status=DeliveryStatus.FAILED,
        attempts__lt=mail.MAX_ATTEMPTS,
    ).values_list("user_id", "key")
    for user_id, key in failed:
        try:
            _, tactic_pk, assigned_by_pk, _ = key.split(":")
            email = assignment_email(int(tactic_pk), user_id, int(assigned_by_pk), key)
        except ValueError:
            continue
        if email:
            emails.append(email)
    return emails


def send_due_reminders(now):
    """Claim and send every reminder due at `now`; returns how many went."""
    return mail.deliver(scan(now, record_notices=True))


# ---- assignments -------------------------------------------------------------


def queue_assignment_email(tactic, assigned_by):
    """Email the tactic's new assignee once the current transaction commits."""
    assignee_id = tactic.assignee_id
    if not assignee_id or (assigned_by is not None and assignee_id == assigned_by.pk):
        return  # nobody to tell, or people assigning themselves
    # One key per assignment: retries of this email share it, a later
    # reassignment gets its own.
    assigned_by_id = assigned_by.pk if assigned_by is not None else None
    key = f"tactic:{tactic.pk}:{assigned_by_id or 0}:{uuid.uuid4().hex}"

    tactic_pk = tactic.pk

    def enqueue():
        try:
            # By name, not import: tasks.py is the outer layer. The project's
            # own app (not whichever is current), and eager without Redis,
            # unlike send_task.
            celery_app.tasks[ASSIGNMENT_TASK].apply_async(
                (tactic_pk, assignee_id, assigned_by_id, key),
                # One quick retry, not the default three: the page waits on it.
                retry_policy={"max_retries": 1, "interval_start": 0.1},
            )
        except Exception as error:
            # The broker is down: keep the email as a failed claim, which the
            # next reminder scan sends (see _failed_assignment_emails).
            log.warning("Queueing the assignment email failed: %r", error)
            _keep_for_the_next_scan(assignee_id, key, error)

    # robust: a broker or mail outage must not break the page that assigned it.
    transaction.on_commit(enqueue, robust=True)


def _keep_for_the_next_scan(assignee_id, key, error):
    EmailDelivery.objects.get_or_create(
        user_id=assignee_id,
        kind=EmailKind.ASSIGNED,
        key=key,
        defaults={
            "status": DeliveryStatus.FAILED,
            "attempts": 0,
            "error": f"Not queued: {type(error).__name__}",
        },
    )


def assignment_email(tactic_pk, assignee_id, assigned_by_id, key):
    """The assignment email, or None if it no longer applies."""
    tactic = (
        Tactic.objects.select_related("campaign", "assignee__notification_preference")
        .filter(pk=tactic_pk, assignee_id=assignee_id, assignee__is_active=True)
        .first()
    )
    if tactic is None or not wants(tactic.assignee, EmailKind.ASSIGNED):
        return None
    assigned_by = User.objects.filter(pk=assigned_by_id).first()
    who = str(assigned_by) if assigned_by else "Someone"
    campaign = tactic.campaign
    facts = [("Campaign", campaign.name), ("Column", tactic.get_status_display())]
    if tactic.due_on:
        facts.append(("Due", tactic.due_on))
    return render(
        tactic.assignee,
        EmailKind.ASSIGNED,
        key,
        f"{who} assigned you a tactic: {tactic.title}",
        {
            "heading": tactic.title,
            "intro": f"{who} assigned this tactic to you in {campaign.name}.",
            "body": tactic.description,
            "facts": facts,
            "action_label": "Open the tactic",
            "action_url": _url("tactic_detail", campaign.pk, tactic.pk),
        },
    )


def send_assignment_email(tactic_pk, assignee_id, assigned_by_id, key):
    email = assignment_email(tactic_pk, assignee_id, assigned_by_id, key)
    return mail.deliver([email]) if email else 0
