"""The campaign board: its columns, the order of cards and moving them.

Every change to the board happens while holding a lock on the campaign row, so
two teammates moving cards at the same moment are served one after the other:
no card is lost or doubled and no two cards of a column share a rank.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html_join

from . import recurring, versions
from .models import Activity, Campaign, Tactic, TacticStatus

CLOSED = frozenset({TacticStatus.DONE, TacticStatus.DIDNT_WORK})
# Cards are ordered by a rank (Tactic.position) with room between neighbours,
# so a move rewrites one row, not every card below it.
GAP = 1024
MAX_PLACE = 1_000_000
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
    version: int = 0
    from_total: int = 0  # cards in the old and new column afterwards
    to_total: int = 0
    next_occurrence: Tactic | None = None  # planned when a repeating one closed

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


def lock_and_bump(campaign_id):
    """Lock the campaign row and count one more board change, in one query.

    Returns the new board version; a transaction that turns out to change
    nothing rolls back, version included.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Campaign._meta.db_table} SET board_version = board_version + 1"
            " WHERE id = %s RETURNING board_version",
            [campaign_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such campaign.")
    return row[0]


def move_tactic(campaign, tactic_pk, status, position, actor):
    """Put a tactic at `position` (0 = top, clamped) of column `status`.

    Four queries whatever the size of the board: lock the campaign (and bump
    its board version), read the card with its neighbours-to-be, give it a
    rank between theirs, and record the activity. No other card is written,
    unless the two neighbours have no room left between their ranks; then
    the column is renumbered first. Closing a repeating tactic also plans
    its next occurrence (campaigns/recurring.py). Raises Http404 for another
    campaign's tactic.
    """
    if status not in TacticStatus.values:
        raise ValueError(f"Unknown column {status!r}")
    with transaction.atomic():
        version = lock_and_bump(campaign.pk)
        row = _read_move(campaign, tactic_pk, status, position)
        if row is None:
            raise Http404("No such tactic on this board.")
        if row.status == status and row.index == row.now_at:
            transaction.set_rollback(True)  # the version stays as it was
            return MoveResult(
                tactic_pk, row.title, row.status, status, row.index, False
            )
        rank = _rank_between(row.before, row.after)
        if rank is None:
            _renumber(campaign.pk, [status])
            row = _read_move(campaign, tactic_pk, status, position)
            rank = _rank_between(row.before, row.after)

        now = timezone.now()
        fields = {"position": rank, "status": status, "updated_at": now}
        if status in CLOSED and row.status not in CLOSED:
            fields["completed_at"] = now
        elif status not in CLOSED:
            fields["completed_at"] = None
        Tactic.objects.filter(pk=tactic_pk).update(**fields)
        Activity.record(
            campaign,
            actor,
            Activity.Verb.TACTIC_MOVED,
            f"Moved “{row.title}” to {TacticStatus(status).label}"
            if row.status != status
            else f"Reordered “{row.title}” in {TacticStatus(status).label}",
            tactic_id=tactic_pk,
            data={"from": row.status, "to": status, "position": row.index},
        )
        following = None
        if row.repeat and status in CLOSED and row.status not in CLOSED:
            # A repeating tactic: its next occurrence goes to the bottom of
            # Planned. Saving it moves the board version on again.
            [rank] = bottom_ranks(campaign, TacticStatus.PLANNED, 1)
            following = recurring.plan_next(tactic_pk, actor, rank)
            version = Campaign.objects.values_list("board_version", flat=True).get(
                pk=campaign.pk
            )
    return MoveResult(
        tactic_pk,
        row.title,
        row.status,
        status,
        row.index,
        True,
        version,
        from_total=row.source_size if row.status != status else row.size + 1,
        to_total=row.size + 1,
        next_occurrence=following,
    )


@dataclass
class _Move:
    status: str  # where the card is now
    title: str
    now_at: int  # its place in that column
    size: int  # cards in the new column, not counting this one
    source_size: int  # the same for its present column
    index: int  # the place asked for, clamped
    before: int | None  # the ranks it goes between
    after: int | None
    repeat: str = ""


# The card being moved and its neighbours-to-be, in one statement. Written as
# SQL because it runs while the campaign is locked: the ORM took longer to
# build these six subqueries than the database took to answer them.
_READ_MOVE = """
SELECT t.status, t.title, t.repeat,
  (SELECT COUNT(*) FROM {table} o
    WHERE o.campaign_id = t.campaign_id AND o.status = t.status
      AND (o.position < t.position OR (o.position = t.position AND o.id < t.id))
  ) AS now_at,
  (SELECT COUNT(*) FROM {table} o
    WHERE o.campaign_id = t.campaign_id AND o.status = %(status)s AND o.id <> t.id
  ) AS size,
  (SELECT COUNT(*) FROM {table} o
    WHERE o.campaign_id = t.campaign_id AND o.status = t.status AND o.id <> t.id
  ) AS source_size,
  CASE WHEN %(index)s > 0 THEN
    (SELECT o.position FROM {table} o
      WHERE o.campaign_id = t.campaign_id AND o.status = %(status)s AND o.id <> t.id
      ORDER BY o.position, o.id LIMIT 1 OFFSET %(above)s)
  END AS before_rank,
  (SELECT o.position FROM {table} o
    WHERE o.campaign_id = t.campaign_id AND o.status = %(status)s AND o.id <> t.id
    ORDER BY o.position, o.id LIMIT 1 OFFSET %(index)s
  ) AS after_rank,
  (SELECT o.position FROM {table} o
    WHERE o.campaign_id = t.campaign_id AND o.status = %(status)s AND o.id <> t.id
    ORDER BY o.position DESC, o.id DESC LIMIT 1
  ) AS last_rank
FROM {table} t
WHERE t.id = %(tactic)s AND t.campaign_id = %(campaign)s
"""


def _read_move(campaign, tactic_pk, status, position):
    if not 0 < tactic_pk < 2**63:
        return None  # no such row; the database would refuse the number
    # Any place past the end is the bottom; this keeps OFFSET in range.
    index = max(0, min(position, MAX_PLACE))
    params = {
        "status": status,
        "index": index,
        "above": max(index - 1, 0),
        "tactic": tactic_pk,
        "campaign": campaign.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(_READ_MOVE.format(table=Tactic._meta.db_table), params)
        row = cursor.fetchone()
    if row is None:
        return None
    current, title, repeat, now_at, size, source_size, before, after, last = row
    if index > size:
        # Past the end: the bottom of the column.
        index, before, after = size, last, None
    return _Move(
        current, title, now_at, size, source_size, index, before, after, repeat
    )


def _rank_between(before, after):
    """A rank strictly between two neighbours' (None: no neighbour there), or
    None when they leave no room."""
    if before is None and after is None:
        return 0
    if before is None:
        return after - GAP
    if after is None:
        return before + GAP
    if after - before < 2:
        return None
    return (before + after) // 2


def _renumber(campaign_id, statuses):
    """Ranks GAP, 2·GAP, … in each of `statuses`, keeping the cards' order."""
    table = Tactic._meta.db_table
    marks = ", ".join(["%s"] * len(statuses))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET position = ranked.place * %s FROM ("
            "  SELECT id, ROW_NUMBER() OVER ("
            "    PARTITION BY status ORDER BY position, id) AS place"
            f"  FROM {table} WHERE campaign_id = %s AND status IN ({marks})"
            f") AS ranked WHERE {table}.id = ranked.id",
            [GAP, campaign_id, *statuses],
        )


def bottom_ranks(campaign, status, count):
    """Ranks for `count` new cards at the bottom of a column (under the lock)."""
    last = Tactic.objects.filter(campaign=campaign, status=status).aggregate(
        last=Max("position")
    )["last"]
    start = GAP if last is None else last + GAP
    return [start + i * GAP for i in range(count)]


def create_tactic(campaign, actor, title, status):
    """A new card at the top of its column."""
    with transaction.atomic():
        lock_campaign(campaign.pk)
        first = Tactic.objects.filter(campaign=campaign, status=status).aggregate(
            first=Min("position")
        )["first"]
        tactic = Tactic.objects.create(
            campaign=campaign,
            title=title,
            status=status,
            position=0 if first is None else first - GAP,
            created_by=actor,
            completed_at=timezone.now() if status in CLOSED else None,
        )
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


def build_columns(campaign, tactics, totals=None, places=None):
    """Group ordered tactics into the board's columns, in TacticStatus order.

    On a filtered board `totals` ({status: count}) gives each column's full
    size, which the WIP limit compares against, and `places` ({pk: index})
    each card's place in its whole column, which moves are expressed in.
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
        cards = columns[tactic.status].cards
        tactic.index = places[tactic.pk] if places is not None else len(cards)
        tactic.place = tactic.index + 1
        tactic.move_options = options[tactic.status]
        cards.append(tactic)
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
    """Save an edited card over the version it was loaded from (only the
    form's fields: never a move's column or place) and record what changed,
    field by field. None, with form.conflict, if a newer version was saved."""
    if not form.changed_data:
        return form.instance  # what was sent is what is saved
    return versions.save(form, lambda: _write_card(form, actor))


def _write_card(form, actor):
    from . import notices

    changed = set(form.changed_data)
    old_due = form.initial.get("due_on")
    tactic = form.instance
    old_milestone = form.initial.get("milestone", tactic.milestone_id)
    old_contribution = form.initial.get("contribution")
    versions.save_fields(form)  # bumps the board version (signals.py)
    if changed & {"milestone", "contribution"}:
        recurring.move_contribution(
            old_milestone, old_contribution, tactic.milestone_id, tactic.contribution
        )
    campaign = tactic.campaign
    # The version, for telling a teammate whose save it refuses who saved it.
    version = tactic.version
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
            data={
                "assigned_by": actor.pk,
                "assignee": tactic.assignee_id,
                "version": version,
            },
        )
        notices.assigned(tactic, actor)  # and the email, as they chose
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
                "version": version,
            },
        )
    if "outcome" in changed:
        Activity.record(
            campaign,
            actor,
            Activity.Verb.TACTIC_OUTCOME,
            f"Recorded the outcome of “{tactic.title}”",
            tactic=tactic,
            data={"status": tactic.status, "version": version},
        )
        notices.outcome_mentions(tactic, form.initial.get("outcome"), actor)
    rest = changed - {"assignee", "due_on", "outcome"}
    if rest:
        Activity.record(
            campaign,
            actor,
            Activity.Verb.TACTIC_UPDATED,
            f"Updated “{tactic.title}”",
            tactic=tactic,
            data={"fields": sorted(rest), "version": version},
        )
