"""Notifications under the bell in the header, made where things happen.

A person hears of: an @mention of them in a comment or an outcome; a tactic
assigned to them; a tactic of theirs due tomorrow; and a decider changing
stance in a campaign they lead or have a tactic in (the people that move is
news for, rather than everyone in the team). Each is stored once per person
and event (Notification.key), so a retried request or scan never doubles it.

Beyond the bell each person chooses, per kind, how they hear of it
(NotificationPreference.*_delivery): nothing more, an email at once, or a
line in the weekly digest (campaigns/digests.py reads those).

Mentions: `@` and a teammate's handle, the part of their email address
before the @ (`@dana.fox` for dana.fox@example.org), or their whole address
if two of the team's writers share that part; `@Dana` also works when Dana
is the only writer of that first name. Only the team's writers (owners and
members) can be mentioned, never the author, never anyone outside the team.
"""

import logging
import re
from collections import Counter

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from advocacy import celery_app

from . import mail
from .models import (
    WRITER_ROLES,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    Membership,
    NoticeDelivery,
    NoticeKind,
    Notification,
    Stance,
    Tactic,
    User,
)

log = logging.getLogger(__name__)

# Registered in every process: CampaignsConfig.ready() imports tasks.py.
EMAIL_TASK = "campaigns.tasks.send_notice_email"

# The person's choice for each kind (NotificationPreference).
PREFERENCE_OF_KIND = {
    NoticeKind.MENTION: "mention_delivery",
    NoticeKind.ASSIGNED: "assigned_delivery",
    NoticeKind.DUE_SOON: "due_soon_delivery",
    NoticeKind.DECIDER_MOVED: "stance_delivery",
}
# The kinds whose email at once is sent from here; assignments and
# due-tomorrow have their own emails (campaigns/reminders.py).
EMAIL_KIND_OF = {
    NoticeKind.MENTION: EmailKind.MENTIONED,
    NoticeKind.DECIDER_MOVED: EmailKind.DECIDER_MOVED,
}

# `@` not inside a word or an email address; a handle, or a whole address.
MENTION = re.compile(
    r"(?<![\w@.+-])@([A-Za-z0-9][\w.+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)
TEXT_MAX = 300
# The bell shows "99+" beyond this; counting further costs for nothing.
COUNT_CAP = 99


def delivery(user, kind):
    return getattr(mail.preference_for(user), PREFERENCE_OF_KIND[kind])


def _clip(text):
    text = " ".join(text.split())
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


# ---- @mentions --------------------------------------------------------------


def _local_part(email):
    return email.rpartition("@")[0].lower()


def team_writers(team_id):
    return User.objects.filter(
        memberships__team_id=team_id,
        memberships__role__in=WRITER_ROLES,
        is_active=True,
    ).order_by("name", "email")


def handles(writers):
    """(handle, user) for each writer: their email's local part, or the whole
    address where two writers share it."""
    locals_ = Counter(_local_part(user.email) for user in writers)
    return [
        (
            _local_part(user.email)
            if locals_[_local_part(user.email)] == 1
            else user.email.lower(),
            user,
        )
        for user in writers
    ]


def mention_names(text):
    """The `@name`s written in a text, lowercased, without trailing dots."""
    return {
        match.group(1).rstrip("._-+").lower() for match in MENTION.finditer(text or "")
    } - {""}


def mentioned(text, team_id, author=None):
    """The team's writers a text mentions (not its author)."""
    names = mention_names(text)
    if not names:
        return []  # no query for the many texts without an @
    writers = list(team_writers(team_id).only("pk", "name", "email"))
    by_name = {}
    for handle, user in handles(writers):
        by_name[handle] = user
        by_name.setdefault(user.email.lower(), user)
    firsts = Counter(user.get_short_name().lower() for user in writers if user.name)
    for user in writers:
        first = user.get_short_name().lower()
        if user.name and firsts[first] == 1:
            by_name.setdefault(first, user)
    found = {by_name[name].pk: by_name[name] for name in names if name in by_name}
    if author is not None:
        found.pop(author.pk, None)
    return list(found.values())


# ---- making them --------------------------------------------------------------


def notify(
    users, kind, key, campaign, text, *, actor=None, tactic=None, emails=True, **refs
):
    """One notification per person for this event; returns those made now
    (none for people who had it already). Emails at once are queued for
    after the commit, for the kinds sent from here (unless `emails` is
    false: the demo's made-up history emails nobody)."""
    made = []
    for user in users:
        try:
            with transaction.atomic():
                notice = Notification.objects.create(
                    user=user,
                    kind=kind,
                    key=key,
                    campaign=campaign,
                    tactic=tactic,
                    actor=actor,
                    text=_clip(text),
                    **refs,
                )
        except IntegrityError:
            continue  # this event reached them already
        made.append(notice)
        if (
            emails
            and kind in EMAIL_KIND_OF
            and delivery(user, kind) == NoticeDelivery.EMAIL
        ):
            _queue_email(notice)
    return made


def comment_mentions(comment, tactic, author, emails=True):
    users = mentioned(comment.body, tactic.campaign.team_id, author)
    return notify(
        users,
        NoticeKind.MENTION,
        f"comment:{comment.pk}",
        tactic.campaign,
        f"{author} mentioned you on “{tactic.title}”: {comment.body}",
        actor=author,
        tactic=tactic,
        emails=emails,
    )


def outcome_mentions(tactic, old_outcome, author):
    """The people a saved outcome newly mentions (an edit that keeps a
    mention does not tell them again)."""
    team_id = tactic.campaign.team_id
    before = {user.pk for user in mentioned(old_outcome or "", team_id)}
    users = [
        user
        for user in mentioned(tactic.outcome, team_id, author)
        if user.pk not in before
    ]
    return notify(
        users,
        NoticeKind.MENTION,
        f"outcome:{tactic.pk}:{tactic.version}",
        tactic.campaign,
        f"{author} mentioned you in the outcome of “{tactic.title}”: {tactic.outcome}",
        actor=author,
        tactic=tactic,
    )


def assigned(tactic, actor):
    """Tell the new assignee (not someone assigning themselves); the
    assignment email follows their choice (reminders.wants)."""
    from . import reminders

    assignee = tactic.assignee
    if assignee is None or assignee.pk == actor.pk:
        return []
    made = notify(
        [assignee],
        NoticeKind.ASSIGNED,
        f"tactic:{tactic.pk}:v{tactic.version}",
        tactic.campaign,
        f"{actor} assigned you “{tactic.title}” in {tactic.campaign.name}",
        actor=actor,
        tactic=tactic,
    )
    if made:
        reminders.queue_assignment_email(tactic, assigned_by=actor)
    return made


def decider_moved(change, campaign, actor):
    """A decider's stance change, for the campaign's lead and the teammates
    with a tactic in it: those whose work it is news for."""
    stakeholder = change.stakeholder
    if not stakeholder.is_decider:
        return []
    people = set(
        Tactic.objects.filter(campaign=campaign, assignee__isnull=False).values_list(
            "assignee_id", flat=True
        )
    )
    if campaign.lead_id:
        people.add(campaign.lead_id)
    people.discard(actor.pk)
    users = User.objects.filter(
        pk__in=people,
        is_active=True,
        memberships__team_id=campaign.team_id,
    ).select_related("notification_preference")
    return notify(
        users,
        NoticeKind.DECIDER_MOVED,
        f"stance:{change.pk}",
        campaign,
        f"{stakeholder.name}, a decider in {campaign.name}, moved from "
        f"{Stance(change.from_stance).label.lower()} to "
        f"{Stance(change.to_stance).label.lower()}: {change.reason}",
        actor=actor,
        stakeholder=stakeholder,
    )


def due_tomorrow(tactics_and_keys):
    """From the reminder scan: a notification per tactic due tomorrow, keyed
    like its reminder, in one query however many."""
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=tactic.assignee_id,
                kind=NoticeKind.DUE_SOON,
                key=key,
                campaign_id=tactic.campaign_id,
                tactic=tactic,
                text=_clip(f"“{tactic.title}” is due tomorrow ({tactic.campaign})"),
            )
            for tactic, key in tactics_and_keys
        ],
        ignore_conflicts=True,
    )


# ---- reading them -------------------------------------------------------------


def visible(user):
    """The person's notifications in the teams they are still in."""
    return Notification.objects.filter(
        user=user,
        campaign__team_id__in=Membership.objects.filter(user=user).values("team_id"),
    )


def unread_count(user):
    """For the bell: one query, bounded however many there are."""
    return visible(user).filter(read_at__isnull=True)[: COUNT_CAP + 1].count()


def count_label(count):
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def mark_read(user, pk=None):
    """Mark one (or, without `pk`, all) of the person's notifications read."""
    notices = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        notices = notices.filter(pk=pk)
    return notices.update(read_at=timezone.now())


# ---- email at once --------------------------------------------------------------


def _queue_email(notice):
    pk = notice.pk

    def enqueue():
        try:
            # As reminders.queue_assignment_email: the project's app, eager
            # without Redis, one quick retry.
            celery_app.tasks[EMAIL_TASK].apply_async(
                (pk,), retry_policy={"max_retries": 1, "interval_start": 0.1}
            )
        except Exception as error:
            # The broker is down: kept as a failed claim for the next scan.
            log.warning("Queueing a notification email failed: %r", error)
            EmailDelivery.objects.get_or_create(
                user_id=notice.user_id,
                kind=EMAIL_KIND_OF[notice.kind],
                key=email_key(pk),
                defaults={
                    "status": DeliveryStatus.FAILED,
                    "attempts": 0,
                    "error": f"Not queued: {type(error).__name__}",
                },
            )

    transaction.on_commit(enqueue, robust=True)


def email_key(pk):
    return f"notice:{pk}"


def notice_email(pk):
    """The email of one notification, or None if it no longer applies."""
    from . import reminders

    notice = (
        Notification.objects.select_related(
            "user__notification_preference", "campaign", "tactic", "actor"
        )
        .filter(pk=pk, user__is_active=True)
        .first()
    )
    if notice is None or notice.kind not in EMAIL_KIND_OF:
        return None
    if delivery(notice.user, notice.kind) != NoticeDelivery.EMAIL:
        return None
    kind = EMAIL_KIND_OF[notice.kind]
    if notice.kind == NoticeKind.MENTION:
        subject = f"{notice.actor or 'Someone'} mentioned you: {notice.tactic or ''}"
    else:
        subject = f"A decider moved in {notice.campaign.name}"
    return reminders.render(
        notice.user,
        kind,
        email_key(pk),
        subject[:200],
        {
            "heading": notice.get_kind_display(),
            "intro": notice.text,
            "facts": [("Campaign", notice.campaign.name)],
            "action_label": "Open it",
            "action_url": mail.absolute_url(reverse("notice_open") + f"?n={notice.pk}"),
        },
    )


def send_email(pk):
    email = notice_email(pk)
    return mail.deliver([email]) if email else 0


def failed_emails():
    """Notification emails whose send failed, for the reminder scan to retry."""
    emails = []
    failed = EmailDelivery.objects.filter(
        kind__in=list(EMAIL_KIND_OF.values()),
        status=DeliveryStatus.FAILED,
        attempts__lt=mail.MAX_ATTEMPTS,
        key__startswith="notice:",
    ).values_list("key", flat=True)
    for key in failed:
        try:
            pk = int(key.removeprefix("notice:"))
        except ValueError:
            continue
        if email := notice_email(pk):
            emails.append(email)
    return emails
