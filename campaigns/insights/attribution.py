"""Attribution: which tactics moved people, counted in rungs of the stance
ladder (steps up minus steps down)."""

from django.db.models import Count, F, Q, Sum

from ..models import StanceChange, Tactic, TacticStatus
from ..playbook import BY_KEY

MOVED = Sum(F("stance_changes__to_stance") - F("stance_changes__from_stance"))
UP = Sum(
    F("stance_changes__to_stance") - F("stance_changes__from_stance"),
    filter=Q(stance_changes__to_stance__gt=F("stance_changes__from_stance")),
)
DOWN = Sum(
    F("stance_changes__from_stance") - F("stance_changes__to_stance"),
    filter=Q(stance_changes__to_stance__lt=F("stance_changes__from_stance")),
)


def _tactics(campaign, include_private):
    tactics = Tactic.objects.filter(campaign=campaign)
    # Quiet tactics (Tactic.is_private) stay with the team's writers.
    return tactics if include_private else tactics.filter(is_private=False)


def tactic_ranking(campaign, include_private=True):
    """Tactics that caused at least one stance change, best first (1 query)."""
    return list(
        _tactics(campaign, include_private)
        .filter(stance_changes__isnull=False)
        .annotate(
            moved=MOVED,
            steps_up=UP,
            steps_down=DOWN,
            changes=Count("stance_changes"),
            people=Count("stance_changes__stakeholder", distinct=True),
        )
        .select_related("assignee")
        .order_by("-moved", "-changes", "title")
    )


def playbook_ranking(campaign, include_private=True):
    """The same, summed per playbook kind; tactics of no kind are "Own ideas"."""
    rows = (
        _tactics(campaign, include_private)
        .filter(stance_changes__isnull=False)
        .values("playbook_key")
        .annotate(
            moved=MOVED,
            steps_up=UP,
            steps_down=DOWN,
            changes=Count("stance_changes"),
            tactics=Count("pk", distinct=True),
        )
        .order_by("-moved", "playbook_key")
    )
    result = []
    for row in rows:
        entry = BY_KEY.get(row["playbook_key"])
        row["title"] = entry.title if entry else "Own ideas (not from the playbook)"
        result.append(row)
    return result


def didnt_work(campaign, include_private=True):
    """Tactics that failed, with their lessons, newest first (1 query)."""
    return list(
        _tactics(campaign, include_private)
        .filter(status=TacticStatus.DIDNT_WORK)
        .select_related("assignee")
        .order_by("-completed_at", "-updated_at", "pk")
    )


def tactic_attribution(tactic):
    """One tactic's stance changes and their net effect (1 query)."""
    changes = list(
        StanceChange.objects.filter(tactic=tactic)
        .select_related("stakeholder", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )
    up = sum(c.to_stance - c.from_stance for c in changes if c.direction == "up")
    down = sum(c.from_stance - c.to_stance for c in changes if c.direction == "down")
    return {"changes": changes, "steps_up": up, "steps_down": down, "net": up - down}
