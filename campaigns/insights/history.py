"""Stance over time, rebuilt from the StanceChange history.

Each stakeholder starts on the rung their first recorded change left from
(or where they stand now, if nothing was recorded) and takes every change on
the day it was recorded. Everyone on the list is counted in every week, also
before they were added: people are usually mapped after the campaign began,
and where they stood then is best known from where they were first put.
That keeps the bars the same height, so a shift reads as a shift, not as
people arriving.
"""

import datetime

from django.utils import timezone

from ..models import Stance, StanceChange

STANCES = list(Stance)
MAX_WEEKS = 104  # Two years of bars still fit; older weeks fold into the first.


def _local_date(moment):
    return (
        timezone.localtime(moment).date()
        if timezone.is_aware(moment)
        else moment.date()
    )


def _changes_by_stakeholder(stakeholder_ids):
    rows = (
        StanceChange.objects.filter(stakeholder_id__in=stakeholder_ids)
        .order_by("recorded_at", "pk")
        .values_list("stakeholder_id", "from_stance", "to_stance", "recorded_at")
    )
    changes = {}
    for stakeholder_id, from_stance, to_stance, at in rows:
        changes.setdefault(stakeholder_id, []).append(
            (_local_date(at), from_stance, to_stance)
        )
    return changes


def weekly_distribution(campaign, stakeholders, today=None):
    """[{"week": Monday, "counts": {stance: n}, "total": n}, ...] from the
    campaign's first week to this one. One query on top of `stakeholders`."""
    today = today or timezone.localdate()
    changes = _changes_by_stakeholder([s.pk for s in stakeholders])
    people = []
    first_day = min(campaign.starts_on, today)
    for s in stakeholders:
        own = changes.get(s.pk, [])
        start_stance = own[0][1] if own else s.stance
        people.append((start_stance, own))
        if own:
            first_day = min(first_day, own[0][0])
    first_monday = first_day - datetime.timedelta(days=first_day.weekday())
    this_monday = today - datetime.timedelta(days=today.weekday())
    weeks = (this_monday - first_monday).days // 7 + 1
    if weeks > MAX_WEEKS:
        first_monday = this_monday - datetime.timedelta(weeks=MAX_WEEKS - 1)
        weeks = MAX_WEEKS
    result = []
    for i in range(weeks):
        monday = first_monday + datetime.timedelta(weeks=i)
        end = min(monday + datetime.timedelta(days=6), today)
        counts = {stance.value: 0 for stance in STANCES}
        for stance, own in people:
            for day, _from, to in own:
                if day > end:
                    break
                stance = to
            counts[stance] += 1
        result.append(
            {
                "week": monday,
                "end": end,
                "counts": counts,
                "total": sum(counts.values()),
            }
        )
    return result


# ---- SVG geometry ---------------------------------------------------------

CHART_W, CHART_H = 760, 300
LEFT, TOP, RIGHT, BOTTOM = 44, 12, 12, 40


def _scale(value):
    """A round step and top for the count axis: at most five steps."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step * 5:
            return step, step * max(1, -(-value // step))
    step = 10_000
    return step, step * max(1, -(-value // step))


def stacked_bars(weeks):
    """Bars of the weekly distribution, opposed at the bottom, champion on top."""
    plot_w, plot_h = CHART_W - LEFT - RIGHT, CHART_H - TOP - BOTTOM
    step, top_value = _scale(max((w["total"] for w in weeks), default=0) or 1)
    slot = plot_w / max(1, len(weeks))
    bar_w = max(2.0, slot * 0.72)
    label_every = max(1, round(len(weeks) / 8))
    bars = []
    for i, week in enumerate(weeks):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = TOP + plot_h
        segments = []
        for stance in STANCES:
            n = week["counts"][stance.value]
            if not n:
                continue
            h = plot_h * n / top_value
            y -= h
            segments.append(
                {
                    "slug": stance.name.lower(),
                    "label": stance.label,
                    "count": n,
                    "y": round(y, 1),
                    "h": round(h, 1),
                }
            )
        bars.append(
            {
                "week": week["week"],
                "end": week["end"],
                "total": week["total"],
                "x": round(x, 1),
                "w": round(bar_w, 1),
                "segments": segments,
                "label": i % label_every == 0,
                "label_x": round(x + bar_w / 2, 1),
            }
        )
    ticks = []
    for value in range(0, top_value + 1, step):
        ticks.append(
            {"value": value, "y": round(TOP + plot_h - plot_h * value / top_value, 1)}
        )
    return {
        "width": CHART_W,
        "height": CHART_H,
        "bars": bars,
        "ticks": ticks,
        "left": LEFT,
        "right": CHART_W - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": TOP + plot_h + 18,
    }


PATH_W, PATH_H = 360, 170
P_LEFT, P_TOP, P_RIGHT, P_BOTTOM = 82, 10, 14, 26


def stance_path(stakeholder, changes, today=None):
    """A step chart of one stakeholder's climb. `changes` oldest first."""
    today = today or timezone.localdate()
    start = _local_date(stakeholder.created_at) if stakeholder.created_at else today
    dated = [(_local_date(c.recorded_at), c) for c in changes]
    if dated:
        start = min(start, dated[0][0])
    first_stance = changes[0].from_stance if changes else stakeholder.stance
    span = max(1, (today - start).days)
    plot_w, plot_h = PATH_W - P_LEFT - P_RIGHT, PATH_H - P_TOP - P_BOTTOM

    def x_of(day):
        return round(P_LEFT + plot_w * (day - start).days / span, 1)

    def y_of(stance):
        return round(P_TOP + plot_h * (6 - stance) / 5, 1)

    points = [(x_of(start), y_of(first_stance))]
    marks = []
    stance = first_stance
    for day, change in dated:
        x = x_of(day)
        points.append((x, y_of(stance)))
        stance = change.to_stance
        points.append((x, y_of(stance)))
        marks.append(
            {
                "x": x,
                "y": y_of(stance),
                "change": change,
                "slug": Stance(stance).name.lower(),
                "day": day,
            }
        )
    points.append((x_of(today), y_of(stance)))
    return {
        "width": PATH_W,
        "height": PATH_H,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "marks": marks,
        "rungs": [
            {"label": s.label, "slug": s.name.lower(), "y": y_of(s.value)}
            for s in STANCES
        ],
        "left": P_LEFT,
        "right": PATH_W - P_RIGHT,
        "start": start,
        # Where they stood when first put on the map: their starting point,
        # not a move (no stance change is recorded for it).
        "first_stance": Stance(first_stance),
        "today": today,
        "date_y": PATH_H - 6,
    }
