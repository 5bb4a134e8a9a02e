"""Celery tasks: thin wrappers around the plain functions in digests.py,
reminders.py, notices.py, people.py, listening.py, listening_mail.py,
report_mail.py, report_pdf.py and webhooks.py, adding retries with exponential
backoff on mail server (and webhook) errors and time limits on rendering PDFs.

Every task is acks_late with reject_on_worker_lost: a task whose worker dies is
delivered again, and the claims in the database keep that from doubling mail.

This is the outer layer: no other module in campaigns/ imports it (see
tests/test_layering.py). CampaignsConfig.ready() imports it, so every process
has these tasks in Celery's registry, where logic can queue one by name.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from . import (
    digests,
    listening,
    listening_mail,
    mail,
    notices,
    people,
    reminders,
    report_mail,
    report_pdf,
    webhooks,
)

log = logging.getLogger(__name__)

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


def _backoff(retries):
    return min(settings.EMAIL_RETRY_BACKOFF_SECONDS * 2**retries, 3600)


def _retry(task, error, **kwargs):
    log.warning("%s will retry after a mail error: %r", task.name, error)
    return task.retry(
        exc=error,
        countdown=_backoff(task.request.retries),
        max_retries=settings.EMAIL_MAX_RETRIES,
        **kwargs,
    )


@shared_task(**TASK_OPTIONS)
def schedule_digests(now=None):
    """Run by beat every 15 minutes: enqueue everyone whose digest time has
    come, in chunks. Running it twice is harmless."""
    now = digests.aware(now) if now else timezone.now()
    mail.report_stale_claims()
    ids = digests.due_user_ids(now)
    for chunk in digests.chunks(ids):
        send_digest_chunk.delay(chunk, now.isoformat())
    return len(ids)


@shared_task(bind=True, **TASK_OPTIONS)
def send_digest_chunk(self, user_ids, now):
    try:
        return digests.deliver_digests(user_ids, digests.aware(now))
    except mail.SEND_ERRORS as error:
        raise _retry(self, error) from error


@shared_task(bind=True, **TASK_OPTIONS)
def send_reminders(self, now=None):
    """Run by beat every 15 minutes: send the reminders due now."""
    now = digests.aware(now) if now else timezone.now()
    try:
        return reminders.send_due_reminders(now)
    except mail.SEND_ERRORS as error:
        # Retry as of the same moment, so the same reminders are due.
        raise _retry(self, error, args=(now.isoformat(),)) from error


@shared_task(bind=True, **TASK_OPTIONS)
def send_assignment_email(self, tactic_pk, assignee_id, assigned_by_id, key):
    try:
        return reminders.send_assignment_email(
            tactic_pk, assignee_id, assigned_by_id, key
        )
    except mail.SEND_ERRORS as error:
        raise _retry(self, error) from error


@shared_task(bind=True, **TASK_OPTIONS)
def send_notice_email(self, notice_pk):
    """A notification emailed at once (a mention, a decider's move)."""
    try:
        return notices.send_email(notice_pk)
    except mail.SEND_ERRORS as error:
        raise _retry(self, error) from error


@shared_task(
    bind=True,
    soft_time_limit=report_pdf.SOFT_TIME_LIMIT,
    time_limit=report_pdf.TIME_LIMIT,
    **TASK_OPTIONS,
)
def send_report(self, report_pk, link_pk, recipients):
    """Email a progress report to each recipient once (its PDF made here)."""
    try:
        return report_mail.send_emails(report_pk, link_pk, recipients)
    except mail.SEND_ERRORS as error:
        raise _retry(self, error) from error


@shared_task(
    soft_time_limit=report_pdf.SOFT_TIME_LIMIT,
    time_limit=report_pdf.TIME_LIMIT,
    **TASK_OPTIONS,
)
def render_report_pdf(pdf_pk):
    """Make a progress report's PDF (WeasyPrint), within the time limits."""
    return report_pdf.render(pdf_pk, interrupted=SoftTimeLimitExceeded)


@shared_task(**TASK_OPTIONS)
def forget_unfinished_signups():
    """Run by beat daily: remove sign-ups whose emailed link expired unused."""
    return people.forget_unfinished_signups()


@shared_task(**TASK_OPTIONS)
def scan_feeds():
    """Run by beat every 10 minutes: fetch the feeds whose turn has come."""
    return listening.scan_due()


@shared_task(bind=True, **TASK_OPTIONS)
def send_listening_emails(self, now=None):
    """Run by beat hourly: the weekly "what is being said" emails once due."""
    now = digests.aware(now) if now else timezone.now()
    try:
        return listening_mail.send_due(now)
    except mail.SEND_ERRORS as error:
        raise _retry(self, error, args=(now.isoformat(),)) from error


@shared_task(bind=True, **TASK_OPTIONS)
def send_hook_delivery(self, delivery_pk):
    """POST one webhook or chat delivery; after a failure, retry with the
    backoff webhooks.py chose (the claim keeps a retry from sending twice)."""
    wait = webhooks.attempt(delivery_pk)
    if wait is not None and self.request.retries < settings.WEBHOOK_TASK_RETRIES:
        raise self.retry(countdown=wait, max_retries=settings.WEBHOOK_TASK_RETRIES)
    return wait is None


@shared_task(**TASK_OPTIONS)
def send_due_hook_deliveries():
    """Run by beat every minute: queue the deliveries due again."""
    return webhooks.send_due()
