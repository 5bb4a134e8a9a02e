"""Outbound webhooks (a team's endpoints, signed following the Standard
Webhooks specification) and chat notifications (a campaign's Slack, Teams or
Mattermost incoming webhooks, campaigns/chat.py).

Events come from the Activity rows every path records (board, forms, CSV
import): signals.py calls `activity_recorded`, which, once the transaction
commits, makes one HookDelivery per target that wants the event (unique on
the target and the event id, so fanning out twice makes no second row) and
queues the send task by name.

Each attempt first claims its row with a conditional UPDATE (pending or
failed, and due), so a Celery retry, the beat sweep and a second worker
never send the same delivery at once or twice. A claim goes sending -> sent,
or -> failed with the next attempt's time (backoff), or -> unknown when the
process died mid-send: that one is shown, not resent, since it may have
arrived. A target failing without a success for WEBHOOK_DISABLE_AFTER_HOURS
is turned off and the team's owners are emailed.
"""

import base64
import datetime
import json
import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from advocacy import celery_app

from . import chat, fetch, mail
from .models import (
    Activity,
    ChatHook,
    EmailKind,
    HookDelivery,
    HookDeliveryStatus,
    HookEvent,
    Membership,
    Role,
    Stance,
    TacticStatus,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

# Registered in every process: CampaignsConfig.ready() imports tasks.py.
SEND_TASK = "campaigns.tasks.send_hook_delivery"
USER_AGENT = "Advocacy webhooks"
SECRET_PREFIX = "whsec_"
CLOSED = frozenset({TacticStatus.DONE, TacticStatus.DIDNT_WORK})
# The verbs that can become an event; the rest are never looked at.
VERBS = frozenset(
    {
        Activity.Verb.TACTIC_CREATED,
        Activity.Verb.TACTIC_MOVED,
        Activity.Verb.TACTIC_ASSIGNED,
        Activity.Verb.TACTIC_OUTCOME,
        Activity.Verb.STANCE_CHANGED,
        Activity.Verb.MILESTONE_REACHED,
        Activity.Verb.REPORT_SENT,
    }
)
# How many due deliveries one sweep queues; the next sweep takes the rest.
SWEEP_BATCH = 500
RECENT_DELIVERIES = 10
# Finished deliveries are kept this long for the pages, then deleted.
KEEP_DAYS = 30


# ---- secrets ----------------------------------------------------------------


def new_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def rotate_secret(endpoint, now=None):
    """A new secret; the old one also signs for WEBHOOK_PREVIOUS_SECRET_HOURS,
    so the receiver can switch without rejecting a delivery."""
    now = now or timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + datetime.timedelta(
        hours=settings.WEBHOOK_PREVIOUS_SECRET_HOURS
    )
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])


def signing_secrets(endpoint, now):
    keys = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_until and endpoint.previous_secret_until > now
    ):
        keys.append(endpoint.previous_secret)
    return keys


def signed_headers(endpoint, event_id, body, now):
    """The Standard Webhooks headers: one v1 signature per live secret."""
    text = body.decode()
    signatures = " ".join(
        Webhook(key).sign(event_id, now, text) for key in signing_secrets(endpoint, now)
    )
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }


# ---- which event an activity is ---------------------------------------------


def event_of(activity):
    """The HookEvent an Activity is, or None (a reorder within a column, an
    outcome noted on an open card, a verb nobody subscribes to)."""
    verb, data = activity.verb, activity.data or {}
    if verb == Activity.Verb.TACTIC_MOVED:
        before, after = data.get("from"), data.get("to")
        if before == after:
            return None
        if after in CLOSED and before not in CLOSED:
            return HookEvent.TACTIC_CLOSED
        return HookEvent.TACTIC_MOVED
    if verb == Activity.Verb.TACTIC_OUTCOME:
        return HookEvent.TACTIC_OUTCOME if data.get("status") in CLOSED else None
    return {
        Activity.Verb.TACTIC_CREATED: HookEvent.TACTIC_CREATED,
        Activity.Verb.TACTIC_ASSIGNED: HookEvent.TACTIC_ASSIGNED,
        Activity.Verb.STANCE_CHANGED: HookEvent.STANCE_CHANGED,
        Activity.Verb.MILESTONE_REACHED: HookEvent.MILESTONE_REACHED,
        Activity.Verb.REPORT_SENT: HookEvent.REPORT_SENT,
    }.get(verb)


def _person(user):
    if user is None:
        return None
    return {"id": user.pk, "name": user.name or user.email.split("@")[0]}


def _status(value):
    return {"key": value, "label": TacticStatus(value).label} if value else None


def _stance(value):
    if value not in Stance.values:
        return None
    return {"key": int(value), "label": Stance(value).label}


def link_of(activity):
    """The page the event is about: the card, the person, the report."""
    campaign_pk = activity.campaign_id
    if activity.tactic_id:
        path = reverse("tactic_detail", args=[campaign_pk, activity.tactic_id])
    elif activity.stakeholder_id:
        path = reverse(
            "stakeholder_detail", args=[campaign_pk, activity.stakeholder_id]
        )
    elif activity.milestone_id:
        path = reverse("milestone_list", args=[campaign_pk])
    elif (activity.data or {}).get("report"):
        path = reverse("report_detail", args=[campaign_pk, activity.data["report"]])
    else:
        path = reverse("campaign_detail", args=[campaign_pk])
    return mail.absolute_url(path)


def event_data(activity, event):
    """The `data` of an endpoint's payload: ids and names, never email
    addresses."""
    data = activity.data or {}
    campaign = activity.campaign
    body = {
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "url": mail.absolute_url(campaign.get_absolute_url()),
        },
        "actor": _person(activity.actor),
        "summary": activity.summary,
        "url": link_of(activity),
    }
    if tactic := activity.tactic:
        body["tactic"] = {
            "id": tactic.pk,
            "title": tactic.title,
            "status": _status(tactic.status),
            "assignee": _person(tactic.assignee),
            "due_on": tactic.due_on.isoformat() if tactic.due_on else None,
            "private": tactic.is_private,
        }
    elif event.startswith("tactic."):
        # A CSV import records one activity for all the tactics it added.
        body["imported"] = data.get("count", 0)
    if event in (HookEvent.TACTIC_MOVED, HookEvent.TACTIC_CLOSED):
        body["from"] = _status(data.get("from"))
        body["to"] = _status(data.get("to"))
    if event in (HookEvent.TACTIC_CLOSED, HookEvent.TACTIC_OUTCOME) and activity.tactic:
        body["result"] = _status(activity.tactic.status)
        body["outcome"] = activity.tactic.outcome
    if event == HookEvent.STANCE_CHANGED and activity.stakeholder:
        body["stakeholder"] = {
            "id": activity.stakeholder.pk,
            "name": activity.stakeholder.name,
        }
        body["from"] = _stance(data.get("from"))
        body["to"] = _stance(data.get("to"))
    if event == HookEvent.MILESTONE_REACHED and activity.milestone:
        milestone = activity.milestone
        body["milestone"] = {
            "id": milestone.pk,
            "title": milestone.title,
            "current": milestone.current_value,
            "target": milestone.target_value,
            "unit": milestone.unit,
        }
    if event == HookEvent.REPORT_SENT:
        body["report"] = {
            "id": data.get("report"),
            "recipients": len(data.get("to", [])),
        }
    return body


def endpoint_payload(activity, event):
    return {
        "type": str(event),
        "timestamp": activity.created_at.isoformat(),
        "data": event_data(activity, event),
    }


def chat_note(activity):
    who = _person(activity.actor)
    headline = activity.summary + (f" ({who['name']})" if who else "")
    return chat.Note(
        headline=headline, campaign=activity.campaign.name, url=link_of(activity)
    )


def event_id(activity):
    # Stable: fanning the same activity out again finds the rows it made.
    return f"msg_activity_{activity.pk}"


# ---- fanning out ------------------------------------------------------------


def activity_recorded(activity):
    """Called for every new Activity (signals.py): nothing is read now; the
    work waits for the commit, so a rolled-back change sends nothing."""
    if activity.verb not in VERBS:
        return
    activity_pk = activity.pk
    transaction.on_commit(lambda: fan_out(activity_pk), robust=True)


def fan_out(activity_pk):
    """One delivery per active target that wants this event; queues them.
    Returns the new deliveries' ids."""
    activity = (
        Activity.objects.select_related(
            "campaign", "actor", "tactic__assignee", "stakeholder", "milestone"
        )
        .filter(pk=activity_pk)
        .first()
    )
    if activity is None or (event := event_of(activity)) is None:
        return []
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(
            team_id=activity.team_id, disabled_at__isnull=True
        )
        if event in e.events
    ]
    private = activity.tactic is not None and activity.tactic.is_private
    hooks = (
        []
        if private  # a chat channel may hold people who must not see it
        else [
            h
            for h in ChatHook.objects.filter(
                campaign_id=activity.campaign_id, disabled_at__isnull=True
            )
            if event in h.events
        ]
    )
    if not endpoints and not hooks:
        return []
    made = []
    payload = endpoint_payload(activity, event) if endpoints else None
    note = chat_note(activity) if hooks else None
    for target in endpoints + hooks:
        fields = (
            {"endpoint": target, "payload": payload}
            if isinstance(target, WebhookEndpoint)
            else {
                "chat_hook": target,
                "payload": chat.message(target.service, note),
            }
        )
        try:
            with transaction.atomic():
                delivery = HookDelivery.objects.create(
                    event_id=event_id(activity), event=event, **fields
                )
        except IntegrityError:
            continue  # fanned out already
        made.append(delivery.pk)
    for pk in made:
        queue(pk)
    return made


def queue(delivery_pk, countdown=None):
    """Queue the send task; if the broker is down, the beat sweep finds the
    pending row later."""
    try:
        celery_app.tasks[SEND_TASK].apply_async(
            (delivery_pk,),
            countdown=countdown,
            retry_policy={"max_retries": 1, "interval_start": 0.1},
        )
    except Exception as error:
        log.warning("Queueing hook delivery %s failed: %r", delivery_pk, error)


# ---- one attempt ------------------------------------------------------------


def backoff_seconds(attempts):
    """Wait after the `attempts`-th failure: base, 2 base, 4 base... capped."""
    base = settings.WEBHOOK_RETRY_BACKOFF_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_MAX_BACKOFF_SECONDS)


def claim(delivery_pk, now):
    """True if this process may send now: the conditional update lets exactly
    one of several racing processes win a due delivery."""
    return bool(
        HookDelivery.objects.filter(
            pk=delivery_pk,
            status__in=(HookDeliveryStatus.PENDING, HookDeliveryStatus.FAILED),
            next_attempt_at__lte=now,
        ).update(
            status=HookDeliveryStatus.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )


def request_of(delivery, now):
    """The body and headers to POST."""
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    body = body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if delivery.endpoint_id:
        headers.update(signed_headers(delivery.endpoint, delivery.event_id, body, now))
    return body, headers


def attempt(delivery_pk, now=None):
    """Try one delivery once, if it is due and this process claims it.

    Returns the seconds until it should be tried again after a failure, or
    None when there is nothing more to do here (sent, not due, someone
    else's, or given up)."""
    now = now or timezone.now()
    if not claim(delivery_pk, now):
        return None
    delivery = (
        HookDelivery.objects.select_related("endpoint", "chat_hook")
        .filter(pk=delivery_pk)
        .first()
    )
    if delivery is None:
        return None  # its target was removed meanwhile
    target = delivery.target
    if not target.is_active:
        _finish(delivery, HookDeliveryStatus.GAVE_UP, error="Turned off.")
        return None
    body, headers = request_of(delivery, now)
    try:
        response = fetch.post(target.url, body, headers)
    except fetch.FetchError as error:
        return _failed(delivery, target, now, None, str(error))
    if 200 <= response.status < 300:
        _finish(delivery, HookDeliveryStatus.SENT, code=response.status, sent_at=now)
        type(target).objects.filter(pk=target.pk).update(failing_since=None)
        return None
    error = f"The server answered {response.status}."
    return _failed(delivery, target, now, response.status, error)


def _finish(delivery, status, code=None, error="", **fields):
    HookDelivery.objects.filter(
        pk=delivery.pk, status=HookDeliveryStatus.SENDING
    ).update(status=status, last_status_code=code, error=error[:300], **fields)


def _failed(delivery, target, now, code, error):
    wait = backoff_seconds(delivery.attempts)
    _finish(
        delivery,
        HookDeliveryStatus.FAILED,
        code=code,
        error=error,
        next_attempt_at=now + datetime.timedelta(seconds=wait),
    )
    model = type(target)
    model.objects.filter(pk=target.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    since = model.objects.values_list("failing_since", flat=True).get(pk=target.pk)
    limit = datetime.timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    if since is not None and now - since >= limit:
        disable(target, now)
        return None
    log.info("Hook delivery %s failed (%s); next try in %ss", delivery.pk, error, wait)
    return wait


def disable(target, now):
    """Turn a target off after days of failures: its waiting deliveries are
    given up, and each owner of the team gets one email about it."""
    model = type(target)
    if not model.objects.filter(pk=target.pk, disabled_at__isnull=True).update(
        disabled_at=now
    ):
        return False  # another process turned it off already
    field = "endpoint" if model is WebhookEndpoint else "chat_hook"
    HookDelivery.objects.filter(
        **{field: target},
        status__in=(HookDeliveryStatus.PENDING, HookDeliveryStatus.FAILED),
    ).update(status=HookDeliveryStatus.GAVE_UP)
    target.disabled_at = now
    _email_owners(target, field, now)
    return True


def team_of(target):
    return target.team if isinstance(target, WebhookEndpoint) else target.campaign.team


def settings_url(target):
    if isinstance(target, WebhookEndpoint):
        return mail.absolute_url(reverse("team_webhooks", args=[target.team_id]))
    return mail.absolute_url(reverse("chat_hooks", args=[target.campaign_id]))


def _email_owners(target, field, now):
    team = team_of(target)
    owners = Membership.objects.filter(team=team, role=Role.OWNER).select_related(
        "user"
    )
    context = {
        "target": target,
        "is_endpoint": field == "endpoint",
        "team": team,
        "hours": settings.WEBHOOK_DISABLE_AFTER_HOURS,
        "url": settings_url(target),
    }
    text = render_to_string("emails/hook_disabled.txt", context)
    html = render_to_string("emails/hook_disabled.html", context)
    kind = "webhook" if field == "endpoint" else "chat notification"
    emails = [
        mail.Email(
            user_id=m.user_id,
            kind=EmailKind.HOOK_DISABLED,
            key=f"{field}:{target.pk}:{now.isoformat()}",
            to=m.user.email,
            subject=f"A {kind} of {team.name} was turned off",
            text=text,
            html=html,
        )
        for m in owners
        if m.user.is_active
    ]
    try:
        mail.deliver(emails)
    except mail.SEND_ERRORS as error:
        # The target is off either way; the page says so too.
        log.warning("Emailing owners about a turned-off hook failed: %r", error)


# ---- what people do ---------------------------------------------------------


def resend(delivery, now=None):
    """Send a delivery again (same event id, so the receiver can tell).
    False when it is already waiting or being sent, or its target is off."""
    now = now or timezone.now()
    if not delivery.target.is_active:
        return False
    changed = HookDelivery.objects.filter(
        pk=delivery.pk,
        status__in=(
            HookDeliveryStatus.SENT,
            HookDeliveryStatus.FAILED,
            HookDeliveryStatus.UNKNOWN,
            HookDeliveryStatus.GAVE_UP,
        ),
    ).update(status=HookDeliveryStatus.PENDING, next_attempt_at=now)
    if changed:
        pk = delivery.pk
        transaction.on_commit(lambda: queue(pk), robust=True)
    return bool(changed)


def enable(target):
    """Turn a target back on; its failure run starts afresh."""
    return bool(
        type(target)
        .objects.filter(pk=target.pk, disabled_at__isnull=False)
        .update(disabled_at=None, failing_since=None)
    )


def recent_deliveries(**target):
    return HookDelivery.objects.filter(**target).order_by("-created_at", "-pk")[
        :RECENT_DELIVERIES
    ]


# ---- the beat sweep ---------------------------------------------------------


def send_due(now=None):
    """Run by beat every minute: claims left "sending" by a dead process
    become unknown (not resent); deliveries due again are queued (Celery's
    own retries usually got there first; the claim keeps it to one send);
    finished ones older than KEEP_DAYS go. Returns how many were queued."""
    now = now or timezone.now()
    HookDelivery.objects.filter(
        created_at__lt=now - datetime.timedelta(days=KEEP_DAYS),
        status__in=(
            HookDeliveryStatus.SENT,
            HookDeliveryStatus.UNKNOWN,
            HookDeliveryStatus.GAVE_UP,
        ),
    ).delete()
    stale = now - datetime.timedelta(minutes=settings.EMAIL_CLAIM_STALE_MINUTES)
    HookDelivery.objects.filter(
        status=HookDeliveryStatus.SENDING, claimed_at__lt=stale
    ).update(status=HookDeliveryStatus.UNKNOWN)
    due = list(
        HookDelivery.objects.filter(
            Q(endpoint__disabled_at__isnull=True, endpoint__isnull=False)
            | Q(chat_hook__disabled_at__isnull=True, chat_hook__isnull=False),
            status__in=(HookDeliveryStatus.PENDING, HookDeliveryStatus.FAILED),
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in due:
        queue(pk)
    return len(due)
