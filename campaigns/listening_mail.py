"""The weekly "what is being said" email: the playbook's "sign the boss up to
listen", for stakeholders who agreed to it.

Each Monday from LISTENING_EMAIL_HOUR (UTC) every active subscriber gets the
mentions their campaign's feeds found in the seven days before, grouped as
about the organisation, its peers and its rivals; dismissed ones are left out.
Each email is claimed by address and week (mail.py), so the hourly run, a
retry or a second machine never sends one twice. The unsubscribe address is
signed and needs no account; mail clients can use it in one click (RFC 8058).
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import mail
from .digests import period_of
from .models import (
    Activity,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    FeedLabel,
    ListeningSubscription,
    Mention,
    MentionStatus,
)

UNSUBSCRIBE_SALT = "campaigns.listening-unsubscribe"
# Items per label in one email; the rest are counted.
SHOWN = 15
HEADINGS = {
    FeedLabel.ORGANISATION: "About the organisation",
    FeedLabel.PEER: "Peers",
    FeedLabel.RIVAL: "Rivals",
}


# ---- signing up and stopping ---------------------------------------------------


def sign_up(stakeholder, consent, actor, now=None):
    """Record a stakeholder's consent and start their weekly email."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription, _ = ListeningSubscription.objects.update_or_create(
            stakeholder=stakeholder,
            defaults={
                "consent": consent,
                "recorded_by": actor,
                "recorded_at": now,
                "ended_at": None,
                "ended_by_recipient": False,
            },
        )
        Activity.record(
            stakeholder.campaign,
            actor,
            Activity.Verb.LISTENER_SIGNED_UP,
            f"Signed {stakeholder.name} up to the weekly “what is being said” "
            f"email ({consent})"[:300],
            data={"stakeholder": stakeholder.pk},
        )
    return subscription


def stop(subscription, actor=None, now=None):
    """End a subscription; False if it had ended already. `actor` None means
    the stakeholder unsubscribed themselves."""
    ended = ListeningSubscription.objects.filter(
        pk=subscription.pk, ended_at__isnull=True
    ).update(ended_at=now or timezone.now(), ended_by_recipient=actor is None)
    if not ended:
        return False
    stakeholder = subscription.stakeholder
    Activity.record(
        stakeholder.campaign,
        actor,
        Activity.Verb.LISTENER_STOPPED,
        f"Stopped the weekly “what is being said” email to {stakeholder.name}"
        if actor
        else f"{stakeholder.name} unsubscribed from the weekly “what is being said” "
        "email",
        data={"stakeholder": stakeholder.pk},
    )
    return True


def unsubscribe_token(subscription):
    # No expiry: the link in an old email must keep working.
    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(subscription):
    return mail.absolute_url(
        reverse("listening_unsubscribe", args=[unsubscribe_token(subscription)])
    )


def subscription_of(token):
    """The subscription a token names, or None."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int) or not 0 < pk < 2**63:
        return None
    return (
        ListeningSubscription.objects.select_related("stakeholder__campaign")
        .filter(pk=pk)
        .first()
    )


# ---- the weekly email ------------------------------------------------------------


def week_of(now):
    """(the week's key, the moment its email is due, the start of the seven
    days it covers)."""
    now = now.astimezone(datetime.UTC)
    monday = (now - datetime.timedelta(days=now.weekday())).replace(
        hour=settings.LISTENING_EMAIL_HOUR, minute=0, second=0, microsecond=0
    )
    return period_of(now), monday, monday - datetime.timedelta(days=7)


def delivery_key(subscription, period):
    return f"listening:{subscription.pk}:{period}"


def _due_subscriptions(period):
    subscriptions = list(
        ListeningSubscription.objects.filter(ended_at__isnull=True)
        .exclude(stakeholder__email="")
        .select_related("stakeholder__campaign__team", "recorded_by")
        .order_by("pk")
    )
    # Sent, being sent or skipped this week already; a failed one is due again.
    done = set(
        EmailDelivery.objects.filter(
            kind=EmailKind.LISTENING,
            key__in=[delivery_key(s, period) for s in subscriptions],
        )
        .exclude(status=DeliveryStatus.FAILED)
        .values_list("key", flat=True)
    )
    return [s for s in subscriptions if delivery_key(s, period) not in done]


def _mentions_by_campaign(campaign_ids, start, end):
    found = defaultdict(lambda: defaultdict(list))
    mentions = (
        Mention.objects.filter(
            campaign_id__in=campaign_ids, found_at__gte=start, found_at__lt=end
        )
        .exclude(status=MentionStatus.DISMISSED)
        .select_related("feed")
        .order_by("-published_at", "-found_at", "-pk")
    )
    for mention in mentions:
        found[mention.campaign_id][mention.feed.label].append(mention)
    return found


def _email(subscription, period, groups, start, end):
    stakeholder = subscription.stakeholder
    campaign = stakeholder.campaign
    total = sum(len(mentions) for mentions in groups.values())
    context = {
        "name": stakeholder.name,
        "campaign": campaign,
        "team": campaign.team,
        "groups": [
            {
                "heading": HEADINGS[label],
                "mentions": groups[label][:SHOWN],
                "more": max(len(groups[label]) - SHOWN, 0),
            }
            for label in FeedLabel
            if groups.get(label)
        ],
        "total": total,
        "start": start,
        "last_day": end - datetime.timedelta(days=1),
        "subscription": subscription,
        "unsubscribe_url": unsubscribe_url(subscription),
    }
    return mail.Email(
        user_id=None,
        kind=EmailKind.LISTENING,
        key=delivery_key(subscription, period),
        to=stakeholder.email,
        subject=f"What is being said: {total} new "
        f"{'mention' if total == 1 else 'mentions'} this week",
        text=render_to_string("emails/listening.txt", context),
        html=render_to_string("emails/listening.html", context),
        unsubscribe_url=context["unsubscribe_url"],
    )


def build_emails(now=None):
    """This week's emails not sent yet, or [] before Monday's hour. A
    subscriber whose campaign heard nothing is recorded as skipped."""
    now = now or timezone.now()
    period, due, start = week_of(now)
    if now < due:
        return []
    subscriptions = _due_subscriptions(period)
    found = _mentions_by_campaign(
        {s.stakeholder.campaign_id for s in subscriptions}, start, due
    )
    emails = []
    for subscription in subscriptions:
        groups = found.get(subscription.stakeholder.campaign_id)
        if groups:
            emails.append(_email(subscription, period, groups, start, due))
        else:
            mail.record_skipped(
                None,
                EmailKind.LISTENING,
                delivery_key(subscription, period),
                address=subscription.stakeholder.email,
            )
    return emails


def send_due(now=None):
    """Run hourly by beat; returns how many emails went."""
    return mail.deliver(build_emails(now))
