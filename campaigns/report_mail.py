"""Progress reports sent upward: an email per recipient (HTML and text, the
PDF attached when it can be made) with a link to a read-only web copy that
works without an account.

Each email is claimed before it is sent (mail.py), keyed on the report and
the address, so a retry, a second click or a second machine never sends a
report twice to the same person. The web copy's address carries a signed id
of a ReportLink row, which says until when it works and whether the team
revoked it.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from advocacy import celery_app

from . import mail, report_pdf
from . import reports as content
from .models import (
    Activity,
    Campaign,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    ProgressReport,
    ReportLink,
    ReportStatus,
)

log = logging.getLogger(__name__)

# Registered in every process: CampaignsConfig.ready() imports tasks.py.
SEND_TASK = "campaigns.tasks.send_report"
LINK_SALT = "campaigns.report-link"
MAX_RECIPIENTS = 25


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""
    user_id: int | None = None

    def as_list(self):
        return [self.address, self.name, self.user_id]


def delivery_key(report):
    return f"report:{report.pk}"


def mark_sent(campaign, report, actor, summary=None, **data):
    """Freeze a draft as sent (the caller holds the report's row lock), with
    one line in the campaign's activity: `summary`, or "Sent …"."""
    if report.is_sent:
        return False
    report.status = ReportStatus.SENT
    report.sent_at = timezone.now()
    report.sent_by = actor
    report.save(update_fields=["status", "sent_at", "sent_by", "updated_at"])
    # The lead's report reminder counts from the end of this period.
    Campaign.objects.filter(pk=campaign.pk).filter(
        Q(last_reported_on__isnull=True) | Q(last_reported_on__lt=report.period_end)
    ).update(last_reported_on=report.period_end)
    Activity.record(
        campaign,
        actor,
        Activity.Verb.REPORT_SENT,
        summary or f"Sent the progress report “{report.title}”",
        data={"report": report.pk, **data},
    )
    return True


# ---- the read-only link -------------------------------------------------------


def create_link(report, actor, now=None):
    now = now or timezone.now()
    days = settings.REPORT_LINK_DAYS
    return ReportLink.objects.create(
        report=report,
        created_by=actor,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )


def link_token(link):
    return signing.dumps(link.pk, salt=LINK_SALT)


def link_url(link):
    return mail.absolute_url(reverse("report_shared", args=[link_token(link)]))


def open_link(token):
    """The active link a token names, with its report and campaign, or None
    (a bad signature, a revoked or expired link, a report no longer sent)."""
    try:
        pk = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int) or not 0 < pk < 2**63:
        return None
    link = (
        ReportLink.objects.select_related("report__campaign__team")
        .filter(
            pk=pk,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            report__status=ReportStatus.SENT,
        )
        .first()
    )
    return link


def revoke(link, actor):
    revoked = ReportLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        Activity.record(
            link.report.campaign,
            actor,
            Activity.Verb.REPORT_LINK_WITHDRAWN,
            f"Withdrew a link to the progress report “{link.report.title}”",
            data={"report": link.report_id, "link": link.pk},
        )
    return bool(revoked)


# ---- sending ------------------------------------------------------------------


def send(campaign, report, actor, recipients):
    """Freeze the report as sent, make a link for its readers, and queue one
    email per recipient once the transaction commits. Call it holding the
    report's row lock. Returns the link."""
    count = len(recipients)
    summary = (
        f"Emailed the progress report “{report.title}” to "
        f"{count} {'person' if count == 1 else 'people'}"
    )
    to = [r.address for r in recipients]
    # One line in the activity: the freeze when it is the first sending.
    if not mark_sent(campaign, report, actor, summary, to=to):
        Activity.record(
            campaign,
            actor,
            Activity.Verb.REPORT_SENT,
            summary,
            data={"report": report.pk, "to": to},
        )
    link = create_link(report, actor)
    args = (report.pk, link.pk, [r.as_list() for r in recipients])

    def enqueue():
        try:
            celery_app.tasks[SEND_TASK].apply_async(
                args, retry_policy={"max_retries": 1, "interval_start": 0.1}
            )
        except Exception as error:
            # The broker is down: each address shows as failed on the report,
            # and sending again picks the failed ones up.
            log.warning("Queueing the report emails failed: %r", error)
            for recipient in recipients:
                _keep_as_failed(report, recipient, error)

    transaction.on_commit(enqueue, robust=True)
    return link


def _keep_as_failed(report, recipient, error):
    EmailDelivery.objects.get_or_create(
        **mail.recipient(recipient.user_id, recipient.address),
        kind=EmailKind.REPORT,
        key=delivery_key(report),
        defaults={
            "status": DeliveryStatus.FAILED,
            "attempts": 0,
            "error": f"Not queued: {type(error).__name__}",
        },
    )


def _pdf(campaign, report):
    """The report's PDF as an attachment, or nothing when it cannot be made
    here (no Pango, a broken document): the email goes without it."""
    try:
        data = report_pdf.make_pdf(
            report_pdf.document(campaign, report), report_pdf.PAPERS.A4
        )
    except Exception:
        log.exception("The PDF of report %s could not be attached", report.pk)
        return ()
    return ((report_pdf.filename(campaign, report), data, "application/pdf"),)


def emails(report_pk, link_pk, recipients):
    report = (
        ProgressReport.objects.select_related("campaign", "sent_by")
        .filter(pk=report_pk, status=ReportStatus.SENT)
        .first()
    )
    link = ReportLink.objects.filter(pk=link_pk, report_id=report_pk).first()
    if report is None or link is None:
        return []
    campaign = report.campaign
    attachments = _pdf(campaign, report)
    context = {
        "report": report,
        "campaign": campaign,
        "sections": content.for_display(report.sections),
        "link_url": link_url(link),
        "expires_at": link.expires_at,
        "sender": report.sent_by,
        "site_url": settings.SITE_URL,
        "has_pdf": bool(attachments),
    }
    result = []
    for address, name, user_id in recipients:
        personal = {**context, "name": name}
        result.append(
            mail.Email(
                user_id=user_id,
                kind=EmailKind.REPORT,
                key=delivery_key(report),
                to=address,
                subject=f"{campaign.name}: {report.title}",
                text=render_to_string("emails/report.txt", personal),
                html=render_to_string("emails/report.html", personal),
                attachments=attachments,
            )
        )
    return result


def send_emails(report_pk, link_pk, recipients):
    return mail.deliver(emails(report_pk, link_pk, recipients))


def deliveries(report):
    """Who the report was emailed to and how each went, newest first."""
    return list(
        EmailDelivery.objects.filter(kind=EmailKind.REPORT, key=delivery_key(report))
        .select_related("user")
        .order_by("-claimed_at", "-pk")
    )
