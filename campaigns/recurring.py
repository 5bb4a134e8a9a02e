"""Tactics that repeat, such as a weekly lunch-and-learn.

A series is a chain of ordinary tactics: each occurrence has its own due
date, outcome and comments. The rule is an iCalendar RRULE (RFC 5545), read
with python-dateutil, anchored on the due date of the series' first
occurrence so that "every month on the 31st" stays on the last day of
shorter months rather than drifting.
"""

import datetime

from dateutil.rrule import DAILY, rrulestr
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Activity, Milestone, Tactic, TacticStatus

WEEKLY = "FREQ=WEEKLY"
FORTNIGHTLY = "FREQ=WEEKLY;INTERVAL=2"
MONTHLY = "FREQ=MONTHLY"
PRESETS = {
    WEEKLY: "Every week",
    FORTNIGHTLY: "Every two weeks",
    MONTHLY: "Every month",
}
# A due date is a day: rules that repeat within a day mean nothing here.
_FINEST = DAILY
# However a rule is written, a series looks this far ahead for its next date.
_HORIZON = datetime.timedelta(days=3 * 366)


class InvalidRule(ValueError):
    pass


def parse(rule, start):
    """The rule as a dateutil rrule starting on `start` (a date), or
    InvalidRule with a sentence a person can act on."""
    text = (rule or "").strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text.startswith("FREQ=") and ";FREQ=" not in text:
        raise InvalidRule('Start the rule with FREQ, e.g. "FREQ=WEEKLY;BYDAY=TU".')
    try:
        parsed = rrulestr(
            text, dtstart=datetime.datetime.combine(start, datetime.time())
        )
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise InvalidRule(f"Not a repeat rule this app can read: {error}.") from None
    if parsed._freq > _FINEST:
        raise InvalidRule("Repeat by the day at most: a tactic is due on a day.")
    return parsed


def normalise(rule):
    """The rule as stored: upper case, without a leading "RRULE:"."""
    text = rule.strip().upper()
    return text[len("RRULE:") :] if text.startswith("RRULE:") else text


def describe(rule):
    """ "Every week" for the presets, the rule itself otherwise."""
    return PRESETS.get(rule, f"Repeats: {rule}") if rule else ""


def next_due(rule, first_due, after, today=None):
    """The first date of the series after `after` that is not already past:
    an occurrence closed late does not leave a trail of overdue ones."""
    today = today or timezone.localdate()
    after = max(after, today - datetime.timedelta(days=1))
    parsed = parse(rule, first_due)
    moment = datetime.datetime.combine(after, datetime.time.max)
    found = parsed.after(moment)
    if found is None or found.date() > after + _HORIZON:
        return None  # the series has run its course (COUNT or UNTIL)
    return found.date()


def plan_next(tactic_pk, actor, rank):
    """After an occurrence closes, put the next one in Planned at `rank`.

    Runs in the caller's transaction. Returns the next occurrence, or None
    for a one-off or a finished series. The next is made at most once per
    occurrence (Tactic.follows is unique): closing it again after reopening,
    or two requests closing it at once, finds the one already made.
    """
    tactic = (
        Tactic.objects.select_related("series")
        .prefetch_related("targets")
        .get(pk=tactic_pk)
    )
    if not tactic.repeat:
        return None
    existing = Tactic.objects.filter(follows=tactic).first()
    if existing:
        return existing
    first = tactic.series or tactic
    today = timezone.localdate()
    anchor = first.due_on or tactic.due_on or today
    due = next_due(tactic.repeat, anchor, tactic.due_on or today, today)
    if due is None:
        return None
    following = Tactic(
        campaign_id=tactic.campaign_id,
        title=tactic.title,
        description=tactic.description,
        status=TacticStatus.PLANNED,
        position=rank,
        assignee_id=tactic.assignee_id,
        due_on=due,
        influencer_id=tactic.influencer_id,
        risk=tactic.risk,
        playbook_key=tactic.playbook_key,
        is_private=tactic.is_private,
        created_by=actor,
        repeat=tactic.repeat,
        series=first,
        follows=tactic,
        milestone_id=tactic.milestone_id,
    )
    try:
        with transaction.atomic():
            following.save()
    except IntegrityError:
        # Another request made it between our look and our insert.
        return Tactic.objects.get(follows=tactic)
    following.targets.set(tactic.targets.all())
    Activity.record(
        tactic.campaign,
        actor,
        Activity.Verb.TACTIC_CREATED,
        f"Planned the next “{following.title}” for {due:%-d %b %Y}",
        tactic=following,
        data={"follows": tactic.pk, "due_on": due.isoformat()},
    )
    return following


def series_filter(tactic):
    """Every occurrence of the tactic's series, itself included."""
    root = tactic.series_id or tactic.pk
    return Q(pk=root) | Q(series_id=root)


def stop_series(tactic, actor):
    """Stop repeating: no occurrence of the series makes a next one. The
    occurrences there are stay, each with its outcome. Returns how many
    occurrences stopped repeating."""
    with transaction.atomic():
        stopped = (
            Tactic.objects.filter(series_filter(tactic), campaign_id=tactic.campaign_id)
            .exclude(repeat="")
            .update(repeat="", version=F("version") + 1, updated_at=timezone.now())
        )
        if stopped:
            Activity.record(
                tactic.campaign,
                actor,
                Activity.Verb.TACTIC_UPDATED,
                f"Stopped repeating “{tactic.title}”",
                tactic=tactic,
                data={"fields": ["repeat"], "stopped": stopped},
            )
    return stopped


def move_contribution(old_milestone_id, old_count, new_milestone_id, new_count):
    """Keep milestones equal to what their tactics added: take the old count
    off the old milestone and add the new one, under a row lock so that two
    sessions recorded at once both count."""
    changes = {}
    if old_milestone_id and old_count:
        changes[old_milestone_id] = changes.get(old_milestone_id, 0) - old_count
    if new_milestone_id and new_count:
        changes[new_milestone_id] = changes.get(new_milestone_id, 0) + new_count
    for milestone in Milestone.objects.select_for_update().filter(
        pk__in=[pk for pk, delta in changes.items() if delta]
    ):
        milestone.set_current_value(
            max(0, milestone.current_value + changes[milestone.pk])
        )
        Milestone.objects.filter(pk=milestone.pk).update(
            current_value=milestone.current_value,
            reached_at=milestone.reached_at,
            # An edit form opened before this would otherwise write the
            # old value back; it is refused as stale instead.
            version=F("version") + 1,
        )
