"""How a playbook tactic went before, across a team's campaigns.

Every tactic added from the playbook or from a team template keeps the
template's key (Tactic.playbook_key). For each key this module tells how often
the team tried it, how often it worked or did not, and the lessons recorded
on the closed ones (their outcome), newest first. Two queries whatever the
number of campaigns: one of counts per key, one of the newest lessons per key
(a window's row number).

Quiet tactics (Tactic.is_private), their counts and their lessons, stay with
the team's writers: a viewer's record leaves them out.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from .models import Tactic, TacticStatus

# Lessons shown per key; the counts cover every tactic.
LESSONS_SHOWN = 3
CLOSED = (TacticStatus.DONE, TacticStatus.DIDNT_WORK)


@dataclass(frozen=True)
class Lesson:
    tactic_id: int
    campaign_id: int
    campaign_name: str
    worked: bool
    text: str
    closed_at: object  # a datetime, or None for a tactic closed by an import


@dataclass
class Record:
    tried: int = 0
    worked: int = 0
    failed: int = 0
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def open(self):
        return self.tried - self.worked - self.failed


def _tactics(team_id, with_private, keys, leaving_out):
    tactics = Tactic.objects.filter(campaign__team_id=team_id).exclude(playbook_key="")
    if keys is not None:
        tactics = tactics.filter(playbook_key__in=keys)
    if not with_private:
        tactics = tactics.filter(is_private=False)
    if leaving_out is not None:
        tactics = tactics.exclude(pk=leaving_out)
    return tactics


def records(team_id, *, with_private, keys=None, leaving_out=None):
    """{playbook key: Record} for the team's tactics with a key.

    `keys` narrows it to some keys; `leaving_out` is a tactic's own id, when
    the record is shown on that tactic (how it went *before*).
    """
    tactics = _tactics(team_id, with_private, keys, leaving_out)
    found = {}
    counts = tactics.values("playbook_key").annotate(
        tried=Count("pk"),
        worked=Count("pk", filter=Q(status=TacticStatus.DONE)),
        failed=Count("pk", filter=Q(status=TacticStatus.DIDNT_WORK)),
    )
    for row in counts.order_by():
        found[row["playbook_key"]] = Record(
            tried=row["tried"], worked=row["worked"], failed=row["failed"]
        )
    if not found:
        return found
    newest = (
        tactics.filter(status__in=CLOSED)
        .exclude(outcome="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("playbook_key"),
                order_by=[F("completed_at").desc(nulls_last=True), F("pk").desc()],
            )
        )
        .filter(rank__lte=LESSONS_SHOWN)
        .values(
            "pk",
            "playbook_key",
            "campaign_id",
            "campaign__name",
            "status",
            "outcome",
            "completed_at",
            "rank",
        )
        .order_by("playbook_key", "rank")
    )
    for row in newest:
        found[row["playbook_key"]].lessons.append(
            Lesson(
                tactic_id=row["pk"],
                campaign_id=row["campaign_id"],
                campaign_name=row["campaign__name"],
                worked=row["status"] == TacticStatus.DONE,
                text=row["outcome"],
                closed_at=row["completed_at"],
            )
        )
    return found


def before(tactic, team_id, *, with_private):
    """How the tactic's template went on the team's other tactics, or None."""
    if not tactic.playbook_key:
        return None
    found = records(
        team_id,
        with_private=with_private,
        keys=[tactic.playbook_key],
        leaving_out=tactic.pk,
    )
    return found.get(tactic.playbook_key)
