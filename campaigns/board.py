"""The campaign board: its columns, the order of cards and moving them.

Every change to the board happens while holding a lock on the campaign row, so
two teammates moving cards at the same moment are served one after the other
and each column's positions stay dense (0..n-1: no duplicates, no gaps).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, Subquery, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html_join

from .models import Activity, Campaign, Tactic, TacticStatus

CLOSED = frozenset({TacticStatus.DONE, TacticStatus.DIDNT_WORK})
DUE_SOON_DAYS = 3


@dataclass
class Column:
    status: str
    label: str
    cards: list = field(default_factory=list)
    total: int = 0
    limit: int | None = None

    @property
    def over_limit(self):
        return bool(self.limit) and self.total > self.limit


@dataclass
class MoveResult:
    tactic_id: int
    title: str
    from_status: str
    to_status: str
    position: int
    changed: bool

    @property
    def closed_now(self):
        """Moved into Done or Didn't work from another column: ask for the outcome."""
        return self.to_status in CLOSED and self.from_status != self.to_status


def lock_campaign(campaign_id):
    """Serialise board changes of one campaign; returns its board version."""
    return (
        Campaign.objects.select_for_update()
        .filter(pk=campaign_id)
        .values_list("board_version", flat=True)
        .get()
    )


def bump_version(campaign_id):
    Campaign.objects.filter(pk=campaign_id).update(board_version=F("board_version") + 1)


def wip_limit(campaign, status):
    try:
        limit = int((campaign.wip_limits or {}).get(status) or 0)
    except (TypeError, ValueError):
        return None
    return limit if limit > 0 else None


def move_tactic(campaign, tactic_pk, status, position, actor):
    """Put a tactic at `position` (0 = top, clamped) of column `status`.

    At most six queries whatever the size of the board: lock, read both
    columns, one UPDATE for every row that changes, bump the version, record
    the activity. Raises Http404 for a tactic of another campaign.
    """
    if status not in TacticStatus.values:
        raise ValueError(f"Unknown column {status!r}")
    with transaction.atomic():
        lock_campaign(campaign.pk)
        # The moving card's current column, read under the lock.
        current = Tactic.objects.filter(pk=tactic_pk, campaign=campaign).values(
            "status"
        )[:1]
        rows = list(
            Tactic.objects.filter(campaign=campaign)
            .filter(Q(status=status) | Q(status=Subquery(current)))
            .order_by("position", "pk")
            .values_list("pk", "status", "position", "title")
        )
        moving = next((row for row in rows if row[0] == tactic_pk), None)
        if moving is None:
            raise Http404("No such tactic on this board.")
        _, from_status, _, title = moving

        source = [r for r in rows if r[1] == from_status and r[0] != tactic_pk]
        target = [r for r in rows if r[1] == status and r[0] != tactic_pk]
        index = max(0, min(position, len(target)))
        target.insert(index, moving)

        wanted = {r[0]: i for i, r in enumerate(target)}
        if from_status != status:
            wanted.update({r[0]: i for i, r in enumerate(source)})
        changed = [r[0] for r in rows if wanted[r[0]] != r[2]]
        if from_status == status and not changed:
            return MoveResult(tactic_pk, title, from_status, status, index, False)

        _apply(campaign, tactic_pk, from_status, status, wanted, changed)
        bump_version(campaign.pk)
        Activity.record(
            campaign,
            actor,
            Activity.Verb.TACTIC_MOVED,
            f"Moved “{title}” to {TacticStatus(status).label}"
            if from_status != status
            else f"Reordered “{title}” in {TacticStatus(status).label}",
            tactic_id=tactic_pk,
            data={"from": from_status, "to": status, "position": index},
        )
    return MoveResult(tactic_pk, title, from_status, status, index, True)


def _apply(campaign, tactic_pk, from_status, status, wanted, changed):
    """One UPDATE: new positions for every changed row, the mover's column."""
    pks = set(changed) | {tactic_pk}
    now = timezone.now()
    if status in CLOSED and from_status not in CLOSED:
        completed = Value(now)
    elif status not in CLOSED:
        completed = Value(None, output_field=DateTimeField())
    else:
        completed = F("completed_at")
    mover = When(pk=tactic_pk, then=completed)
    Tactic.objects.filter(campaign=campaign, pk__in=pks).update(
        position=Case(*(When(pk=pk, then=Value(wanted[pk])) for pk in pks)),
        status=Case(When(pk=tactic_pk, then=Value(status)), default=F("status")),
        completed_at=Case(mover, default=F("completed_at")),
        updated_at=Case(When(pk=tactic_pk, then=Value(now)), default=F("updated_at")),
    )


def create_tactic(campaign, actor, title, status):
    """A new card at the top of its column."""
    with transaction.atomic():
        lock_campaign(campaign.pk)
        Tactic.objects.filter(campaign=campaign, status=status).update(
            position=F("position") + 1
        )
        tactic = Tactic.objects.create(
            campaign=campaign,
            title=title,
            status=status,
            position=0,
            created_by=actor,
            completed_at=timezone.now() if status in CLOSED else None,
        )
        bump_version(campaign.pk)
        Activity.record(
            campaign,
            actor,
            Activity.Verb.TACTIC_CREATED,
            f"Added “{title}” to {TacticStatus(status).label}",
            tactic=tactic,
        )
    return tactic


def move_options():
    """The <option>s of a card's "Move to…" column select, one set per column.

    Built once per page instead of looping over the columns on every card.
    """
    return {
        current: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, " selected" if value == current else "", label)
                for value, label in TacticStatus.choices
            ),
        )
        for current in TacticStatus.values
    }


def build_columns(campaign, tactics, totals=None):
    """Group ordered tactics into the board's columns, in TacticStatus order.

    `totals` ({status: count}) gives each column's full size when `tactics`
    is filtered; the WIP limit compares against it.
    """
    columns = {
        status: Column(status, label, limit=wip_limit(campaign, status))
        for status, label in TacticStatus.choices
    }
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    options = move_options()
    for tactic in tactics:
        # Computed once here so the card template only prints.
        due = tactic.due_on
        is_open = tactic.status not in CLOSED
        tactic.overdue = bool(due and is_open and due < today)
        tactic.due_soon = bool(due and is_open and today <= due <= soon)
        tactic.place = tactic.position + 1
        tactic.move_options = options[tactic.status]
        columns[tactic.status].cards.append(tactic)
    for column in columns.values():
        column.total = (
            totals.get(column.status, 0) if totals is not None else len(column.cards)
        )
    return list(columns.values())


def week_groups(tactics, today=None):
    """Open tactics grouped by due date for "My tactics"."""
    today = today or timezone.localdate()
    # "This week" looks seven days ahead, so it is never empty on a Sunday.
    end_of_week = today + datetime.timedelta(days=6)
    groups = {"overdue": [], "this_week": [], "later": [], "no_date": []}
    for tactic in tactics:
        if tactic.due_on is None:
            groups["no_date"].append(tactic)
        elif tactic.due_on < today:
            groups["overdue"].append(tactic)
        elif tactic.due_on <= end_of_week:
            groups["this_week"].append(tactic)
        else:
            groups["later"].append(tactic)
    return [
        ("overdue", "Overdue", groups["overdue"]),
        ("this_week", "This week", groups["this_week"]),
        ("later", "Later", groups["later"]),
        ("no_date", "No due date", groups["no_date"]),
    ]


def save_card(form, actor):
    """Save an edited card and record what changed, field by field."""
    from . import reminders

    changed = set(form.changed_data)
    if not changed:
        return form.instance
    tactic = form.instance
    old_due = form.initial.get("due_on")
    with transaction.atomic():
        tactic = form.save()
        bump_version(tactic.campaign_id)
        campaign = tactic.campaign
        if "assignee" in changed:
            assignee = tactic.assignee
            Activity.record(
                campaign,
                actor,
                Activity.Verb.TACTIC_ASSIGNED,
                f"Assigned “{tactic.title}” to {assignee}"
                if assignee
                else f"Unassigned “{tactic.title}”",
                tactic=tactic,
                data={"assigned_by": actor.pk, "assignee": tactic.assignee_id},
            )
            if assignee and assignee.pk != actor.pk:
                reminders.queue_assignment_email(tactic, assigned_by=actor)
        if "due_on" in changed:
            Activity.record(
                campaign,
                actor,
                Activity.Verb.TACTIC_DUE_CHANGED,
                f"Changed the due date of “{tactic.title}”",
                tactic=tactic,
                data={
                    "from": old_due.isoformat() if old_due else None,
                    "to": tactic.due_on.isoformat() if tactic.due_on else None,
                },
            )
        if "outcome" in changed:
            Activity.record(
                campaign,
                actor,
                Activity.Verb.TACTIC_OUTCOME,
                f"Recorded the outcome of “{tactic.title}”",
                tactic=tactic,
                data={"status": tactic.status},
            )
        rest = changed - {"assignee", "due_on", "outcome"}
        if rest:
            Activity.record(
                campaign,
                actor,
                Activity.Verb.TACTIC_UPDATED,
                f"Updated “{tactic.title}”",
                tactic=tactic,
                data={"fields": sorted(rest)},
            )
    return tactic
