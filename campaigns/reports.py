"""Progress reports: what a campaign did and showed in a period, as text.

`gather` reads what happened between two dates (inclusive, in the site's time
zone) in a fixed number of queries; `compose` turns it into the sections a
lead edits before sending. Reports go upward, so quiet (private) tactics are
never part of them.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import dateformat, timezone

from .models import (
    Activity,
    Evidence,
    Objection,
    ProgressReport,
    Stance,
    StanceChange,
    Tactic,
    TacticStatus,
)

# (key, heading) in the order they are shown.
SECTIONS = (
    ("summary", "In short"),
    ("done", "What we did"),
    ("milestones", "Milestones"),
    ("stances", "Who moved"),
    ("objections", "Objections answered"),
    ("next_steps", "Next steps"),
    ("credit", "Thanks"),
)
HEADINGS = dict(SECTIONS)
# The longest text of one section, typed or drafted: a report is read on a
# page or two, and its PDF is made from at most len(SECTIONS) of these. Drafts
# stay inside it (see _bullets), counting each line break as two characters,
# as a browser sends a textarea back (CR LF), so a draft always saves.
REPORT_SECTION_MAX = 5_000
LINE_MAX = REPORT_SECTION_MAX // 4  # one drafted line, so a few always fit
# The dates a period may have: inside the calendar far enough that the day
# after it (bounds) and the fortnight of next steps after it still exist.
PERIOD_FIRST = datetime.date(1900, 1, 1)
PERIOD_LAST = datetime.date(8999, 12, 31)
NEXT_STEPS_DAYS = 14  # open tactics due this soon after the period are "next"
OPEN = (TacticStatus.BACKLOG, TacticStatus.PLANNED, TacticStatus.IN_PROGRESS)
MILESTONE_VERBS = (Activity.Verb.MILESTONE_PROGRESSED, Activity.Verb.MILESTONE_REACHED)


def day(value):
    return dateformat.format(value, "j M Y")


def default_period(campaign, today=None):
    """Since the last report (or the campaign's start) until today."""
    today = today or timezone.localdate()
    start = campaign.last_reported_on or campaign.starts_on
    return min(start, today), today


def default_title(campaign, start, end):
    return f"{campaign.name}: progress to {day(end)}"


def bounds(start, end):
    """Aware datetimes [from, to) covering the two dates inclusively (dates
    from PERIOD_FIRST to PERIOD_LAST: the day after the last one exists)."""
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    finish = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return begin, finish


@dataclass
class MilestoneMove:
    milestone: object
    start_value: int
    end_value: int
    reached_in_period: bool


@dataclass
class Period:
    campaign: object
    start: datetime.date
    end: datetime.date
    done: list = field(default_factory=list)
    lessons: list = field(default_factory=list)
    milestones: list = field(default_factory=list)
    stance_changes: list = field(default_factory=list)
    answered: list = field(default_factory=list)
    next_steps: list = field(default_factory=list)
    credited: list = field(default_factory=list)


def _milestone_moves(campaign, begin, finish):
    """Each milestone's value at the start and the end of the period.

    The values come from the progress Activity records (their data holds the
    new current value). Before the first record a milestone counts from 0;
    one never updated has stood at its current value all along.
    """
    milestones = list(campaign.milestones.order_by("due_on", "pk"))
    history = {}
    for row in (
        Activity.objects.filter(
            campaign=campaign,
            verb__in=MILESTONE_VERBS,
            milestone__isnull=False,
            created_at__lt=finish,
        )
        .order_by("created_at", "pk")
        .values("milestone_id", "created_at", "data")
    ):
        history.setdefault(row["milestone_id"], []).append(row)
    has_later = set(
        Activity.objects.filter(
            campaign=campaign, verb__in=MILESTONE_VERBS, created_at__gte=finish
        )
        .values_list("milestone_id", flat=True)
        .distinct()
    )
    moves = []
    for milestone in milestones:
        rows = history.get(milestone.pk, [])
        before = [r for r in rows if r["created_at"] < begin]
        if not rows and milestone.pk not in has_later:
            start_value = end_value = milestone.current_value
        else:
            start_value = _value(before[-1]) if before else 0
            end_value = _value(rows[-1]) if rows else start_value
        reached = bool(milestone.reached_at and begin <= milestone.reached_at < finish)
        if start_value != end_value or reached:
            moves.append(MilestoneMove(milestone, start_value, end_value, reached))
    return moves


def _value(row):
    try:
        return int((row["data"] or {}).get("current", 0))
    except (TypeError, ValueError):
        return 0


def gather(campaign, start, end):
    begin, finish = bounds(start, end)
    period = Period(campaign, start, end)
    closed = list(
        Tactic.objects.filter(
            campaign=campaign,
            is_private=False,
            status__in=(TacticStatus.DONE, TacticStatus.DIDNT_WORK),
            completed_at__gte=begin,
            completed_at__lt=finish,
        ).order_by("completed_at", "pk")
    )
    period.done = [t for t in closed if t.status == TacticStatus.DONE]
    period.lessons = [t for t in closed if t.status == TacticStatus.DIDNT_WORK]
    period.milestones = _milestone_moves(campaign, begin, finish)
    period.stance_changes = list(
        StanceChange.objects.filter(
            stakeholder__campaign=campaign,
            recorded_at__gte=begin,
            recorded_at__lt=finish,
        )
        .select_related("stakeholder")
        .order_by("recorded_at", "pk")
    )
    period.answered = list(
        Objection.objects.filter(
            campaign=campaign, answered_at__gte=begin, answered_at__lt=finish
        )
        .select_related("stakeholder")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("created_at"))
        )
        .order_by("answered_at", "pk")
    )
    period.next_steps = list(
        Tactic.objects.filter(
            campaign=campaign,
            is_private=False,
            status__in=OPEN,
            due_on__isnull=False,
            due_on__lte=end + datetime.timedelta(days=NEXT_STEPS_DAYS),
        )
        .select_related("assignee")
        .order_by("due_on", "position", "pk")
    )
    period.credited = _deciders_to_thank(period.stance_changes)
    return period


# Thanks go to people who back the change; a decider who rose from opposed to
# skeptical has moved, and shows under "Who moved", but is not thanked for
# support they have not given.
THANKED = (Stance.SUPPORTIVE, Stance.CHAMPION)


def _deciders_to_thank(changes):
    """Deciders who ended the period higher on the ladder than they began,
    and supportive or champions at its end."""
    first, last = {}, {}
    for change in changes:  # oldest first
        if change.stakeholder.is_decider:
            first.setdefault(change.stakeholder_id, change)
            last[change.stakeholder_id] = change
    rose = []
    for pk, opening in first.items():
        closing = last[pk]
        if closing.to_stance > opening.from_stance and closing.to_stance in THANKED:
            rose.append((opening.stakeholder, opening.from_stance, closing.to_stance))
    return rose


def _size(text):
    """Characters as a form counts them when a browser sends the text back."""
    return len(text) + text.count("\n")


def _clip(line, limit=LINE_MAX):
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _bullets(lines, limit=REPORT_SECTION_MAX):
    """One "- " line each, within `limit`: as many as fit, in order, then
    "…and N more" for the rest."""
    lines = [f"- {_clip(line)}" for line in lines]
    text = "\n".join(lines)
    if _size(text) <= limit:
        return text
    room = limit - _size(f"\n- …and {len(lines)} more.")
    kept, used = [], 0
    for line in lines:
        used += _size("\n" if kept else "") + _size(line)
        if used > room:
            break
        kept.append(line)
    kept.append(f"- …and {len(lines) - len(kept)} more.")
    return "\n".join(kept)


def _thanks(names, limit=REPORT_SECTION_MAX):
    """The thank-you sentence naming as many of `names` as fit."""
    names = [_clip(name) for name in names]

    def sentence(named):
        return (
            f"Thank you to {_names(named)}: "
            "this period's progress came with your support."
        )

    if _size(sentence(names)) <= limit:
        return sentence(names)
    room = limit - _size(sentence([f"{len(names)} more"]))
    kept, used = [], 0
    for name in names:
        used += _size(name) + len(", ")
        if used > room:
            break
        kept.append(name)
    return sentence([*kept, f"{len(names) - len(kept)} more"])


def _plural(n, word, words=None):
    if n == 0:
        return f"no {words or word + 's'}"
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _names(names):
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def compose(period):
    """The report's sections as editable text, bullet lines starting "- "."""
    p = period
    sections = {}
    summary = [
        f"From {day(p.start)} to {day(p.end)} we completed "
        f"{_plural(len(p.done), 'tactic')}, moved "
        f"{_plural(len(p.milestones), 'milestone')} and saw "
        f"{_plural(len(p.stance_changes), 'change')} of stance."
    ]
    if p.answered:
        summary.append(
            f"We answered {_plural(len(p.answered), 'objection')} with evidence."
        )
    sections["summary"] = " ".join(summary)

    done = [f"{t.title}: {t.outcome.strip() or 'done.'}" for t in p.done]
    done += [
        # The outcome already says what happened and what was learned.
        f"Didn't work: {t.title}. {t.outcome.strip() or 'No lesson written down.'}"
        for t in p.lessons
    ]
    sections["done"] = _bullets(done) or "No tactic was completed in this period."

    moves = []
    for move in p.milestones:
        m = move.milestone
        unit = f" {m.unit}" if m.unit else ""
        line = f"{m.title}: {move.start_value} → {move.end_value}"
        line += f" of {m.target_value}{unit}"
        if move.reached_in_period:
            line += f" (reached {day(timezone.localdate(m.reached_at))})"
        moves.append(line)
    sections["milestones"] = _bullets(moves) or "No milestone moved in this period."

    shifts = [
        f"{c.stakeholder.name}: {Stance(c.from_stance).label} → "
        f"{Stance(c.to_stance).label}. {c.reason.strip()}"
        for c in p.stance_changes
    ]
    sections["stances"] = _bullets(shifts) or "Nobody's stance changed in this period."

    answered = []
    for o in p.answered:
        line = f"{o.stakeholder.name}: “{o.text}”"
        shown = "; ".join(e.summary.strip().rstrip(".") for e in o.evidence.all())
        if shown:
            line += f", answered with: {shown}."
        answered.append(line)
    sections["objections"] = (
        _bullets(answered) or "No objection was answered in this period."
    )

    steps = []
    for t in p.next_steps:
        who = f", {t.assignee}" if t.assignee else ""
        steps.append(f"{t.title} (due {day(t.due_on)}{who})")
    sections["next_steps"] = (
        _bullets(steps) or "No tactic is due in the next two weeks."
    )

    if p.credited:
        sections["credit"] = _thanks(
            f"{s.name} (now {Stance(to).label.lower()})" for s, _, to in p.credited
        )
    else:
        sections["credit"] = ""
    return sections


def build_sections(campaign, start, end):
    return compose(gather(campaign, start, end))


def create_report(campaign, start, end, created_by, **fields):
    """A report of what happened from `start` to `end`, written down now."""
    return ProgressReport.objects.create(
        campaign=campaign,
        title=default_title(campaign, start, end),
        period_start=start,
        period_end=end,
        sections=build_sections(campaign, start, end),
        created_by=created_by,
        **fields,
    )


def draft(campaign, start, end, actor):
    """A new draft for the period, recorded in the campaign's activity: the
    report page's "Draft" button and the API's."""
    with transaction.atomic():
        report = create_report(campaign, start, end, actor)
        Activity.record(
            campaign,
            actor,
            Activity.Verb.REPORT_DRAFTED,
            f"Drafted the progress report “{report.title}”",
            data={"report": report.pk},
        )
    return report


def blocks(text):
    """A section's text for display: runs of "- " lines become lists."""
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            if not result or result[-1][0] != "list":
                result.append(("list", []))
            result[-1][1].append(line[2:].strip())
        else:
            result.append(("text", line))
    return result


def for_display(sections):
    """[(key, heading, blocks)] for the sections that have something to say."""
    shown = []
    for key, heading in SECTIONS:
        text = (sections or {}).get(key, "")
        if text.strip():
            shown.append({"key": key, "heading": heading, "blocks": blocks(text)})
    return shown
