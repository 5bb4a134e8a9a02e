"""Claim-then-send delivery.

Every email is claimed first by inserting its EmailDelivery row (unique on
user, kind and key); only the process that inserted the row sends. A claim goes
sending -> sent, or -> failed when the mail server refused (a failed claim may
be taken over and retried), or -> unknown when a process died between claim
and result: those are reported, never resent, because the mail may have left.
"""

import contextlib
import datetime
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .models import DeliveryStatus, EmailDelivery, EmailKind, NotificationPreference

log = logging.getLogger(__name__)

# What a mail server or the network raise; worth retrying later.
SEND_ERRORS = (smtplib.SMTPException, OSError)
# A claim that keeps failing for another reason (a malformed address) stops here.
MAX_ATTEMPTS = 10
UNSUBSCRIBE_SALT = "campaigns.unsubscribe"


def absolute_url(path):
    return settings.SITE_URL + path


def unsubscribe_token(user_pk, kind):
    # No expiry: an unsubscribe link in an old email must keep working.
    return signing.dumps([user_pk, str(kind)], salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token):
    """(user pk, email kind) from a token; raises signing.BadSignature."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or value[1] not in EmailKind.values
    ):
        raise signing.BadSignature("Unexpected unsubscribe token.")
    return value[0], EmailKind(value[1])


def unsubscribe_url(user_pk, kind):
    return absolute_url(reverse("unsubscribe", args=[unsubscribe_token(user_pk, kind)]))


@dataclass
class Email:
    """One rendered email, not yet claimed. It goes to a user (`user_id`), or
    to someone without an account, claimed by address (`user_id` None)."""

    user_id: int | None
    kind: str
    key: str
    to: str
    subject: str
    text: str
    html: str
    # Empty for an email that is not a subscription (a report sent once).
    unsubscribe_url: str = ""
    # (filename, bytes, MIME type)
    attachments: tuple = ()

    def message(self):
        headers = {"Auto-Submitted": "auto-generated"}
        if self.unsubscribe_url:
            # RFC 2369 and RFC 8058: mail clients offer a one-click button.
            headers["List-Unsubscribe"] = f"<{self.unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMultiAlternatives(
            self.subject,
            self.text,
            settings.DEFAULT_FROM_EMAIL,
            [self.to],
            headers=headers,
        )
        message.attach_alternative(self.html, "text/html")
        for name, content, mimetype in self.attachments:
            message.attach(name, content, mimetype)
        return message


def recipient(user_id, address):
    """Who a delivery row is for: the user, or else the address alone."""
    if user_id is not None:
        return {"user_id": user_id}
    return {"user_id": None, "address": address.lower()}


def claim(user_id, kind, key, address=""):
    """The delivery row if this process may send, else None."""
    now = timezone.now()
    who = recipient(user_id, address)
    try:
        with transaction.atomic():
            return EmailDelivery.objects.create(
                **who, kind=kind, key=key, claimed_at=now
            )
    except IntegrityError:
        pass
    # Only a failed send may be taken over; the conditional update lets exactly
    # one of several racing processes win it.
    existing = EmailDelivery.objects.filter(
        **who,
        kind=kind,
        key=key,
        status=DeliveryStatus.FAILED,
        attempts__lt=MAX_ATTEMPTS,
    )
    if existing.update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    ):
        return EmailDelivery.objects.get(**who, kind=kind, key=key)
    return None


def record_skipped(user_id, kind, key, address=""):
    """Note that there was nothing to send, so later scans skip this person."""
    try:
        with transaction.atomic():
            EmailDelivery.objects.create(
                **recipient(user_id, address),
                kind=kind,
                key=key,
                status=DeliveryStatus.SKIPPED,
            )
    except IntegrityError:
        pass


def _finish(delivery, status, error=""):
    EmailDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status,
        error=error[:2000],
        sent_at=timezone.now() if status == DeliveryStatus.SENT else None,
    )


def deliver(emails):
    """Claim and send each email over one connection; returns how many went.

    A transport error marks that claim failed and is re-raised, so the caller
    (a Celery task) retries the whole batch later: what was sent stays sent,
    the failed claim is taken over, the rest are claimed then.
    """
    sent = 0
    connection = None
    try:
        for email in emails:
            delivery = claim(email.user_id, email.kind, email.key, email.to)
            if delivery is None:
                continue
            try:
                if connection is None:
                    connection = mailers.default
                    connection.open()
                connection.send_messages([email.message()])
            except SEND_ERRORS as error:
                _finish(delivery, DeliveryStatus.FAILED, repr(error))
                log.warning("Sending %s to %s failed: %r", email.kind, email.to, error)
                raise
            except Exception as error:
                # Not the transport: retrying soon will not help. Counted, so
                # it stops after MAX_ATTEMPTS scans.
                _finish(delivery, DeliveryStatus.FAILED, repr(error))
                log.exception("Could not send %s to %s", email.kind, email.to)
                continue
            _finish(delivery, DeliveryStatus.SENT)
            sent += 1
    finally:
        if connection is not None:
            with contextlib.suppress(*SEND_ERRORS):
                connection.close()
    return sent


def report_stale_claims(now=None, minutes=None):
    """Claims still "sending" after `minutes`: the process died mid-send.

    They become "unknown" and are logged for a person to check; they are not
    resent, because the email may well have been delivered.
    """
    now = now or timezone.now()
    minutes = minutes if minutes is not None else settings.EMAIL_CLAIM_STALE_MINUTES
    cutoff = now - datetime.timedelta(minutes=minutes)
    stale = list(
        EmailDelivery.objects.filter(
            status=DeliveryStatus.SENDING, claimed_at__lt=cutoff
        ).select_related("user")
    )
    if stale:
        EmailDelivery.objects.filter(pk__in=[d.pk for d in stale]).update(
            status=DeliveryStatus.UNKNOWN
        )
        for delivery in stale:
            delivery.status = DeliveryStatus.UNKNOWN
            log.warning(
                "Delivery unknown (interrupted while sending): %s %s to %s",
                delivery.kind,
                delivery.key,
                delivery.user.email if delivery.user else delivery.address,
            )
    return stale


def preference_for(user):
    """The person's saved email settings, or the defaults (unsaved)."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)
