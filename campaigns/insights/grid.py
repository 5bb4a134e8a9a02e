"""The power/interest grid: which quadrant a stakeholder is in, and where
their point goes on the server-drawn SVG."""

import math
from dataclasses import dataclass

from ..models import Stance


@dataclass(frozen=True)
class Quadrant:
    key: str
    label: str
    advice: str
    # How often someone in this quadrant should hear from the team.
    contact_days: int


MANAGE_CLOSELY = Quadrant(
    "manage_closely", "Manage closely", "They decide and they care: win them.", 14
)
KEEP_SATISFIED = Quadrant(
    "keep_satisfied", "Keep satisfied", "They can stop it: no surprises.", 30
)
KEEP_INFORMED = Quadrant(
    "keep_informed", "Keep informed", "They care: make them allies.", 30
)
MONITOR = Quadrant("monitor", "Monitor", "Watch for changes; light touch.", 60)
QUADRANTS = [MANAGE_CLOSELY, KEEP_SATISFIED, KEEP_INFORMED, MONITOR]

# On a 1–5 scale the middle value counts as high: someone halfway to deciding
# deserves attention rather than being left to drift.
HIGH = 3


def quadrant(power, interest):
    high_power, high_interest = power >= HIGH, interest >= HIGH
    if high_power:
        return MANAGE_CLOSELY if high_interest else KEEP_SATISFIED
    return KEEP_INFORMED if high_interest else MONITOR


# ---- SVG geometry ---------------------------------------------------------

# Compact enough that labels stay readable when a phone shrinks the drawing.
CELL = 80
LABEL_BAND = 16  # Top strip of every cell, where quadrant names are written.
LEFT, TOP, RIGHT, BOTTOM = 46, 6, 8, 46
PLOT = CELL * 5
WIDTH = LEFT + PLOT + RIGHT
HEIGHT = TOP + PLOT + BOTTOM


def _cell_origin(power, interest):
    """Top-left corner of a cell: interest grows to the right, power upwards."""
    return LEFT + (interest - 1) * CELL, TOP + (5 - power) * CELL


def _offsets(count):
    """Centres and radius for `count` points sharing one cell: one point sits
    in the middle, more are laid out in a small square grid so none overlap."""
    side = math.ceil(math.sqrt(count))
    inner_w, inner_h = CELL - 8, CELL - LABEL_BAND - 4
    pitch = min(inner_w, inner_h) / side
    radius = min(16.0, pitch * 0.44)
    rows = math.ceil(count / side)
    spots = []
    for i in range(count):
        row, col = divmod(i, side)
        in_row = min(side, count - row * side)
        x = CELL / 2 + (col - (in_row - 1) / 2) * pitch
        y = LABEL_BAND + 2 + inner_h / 2 + (row - (rows - 1) / 2) * pitch
        spots.append((round(x, 1), round(y, 1)))
    return spots, round(radius, 1)


HONORIFICS = {"dr", "prof", "mr", "mrs", "ms", "mx", "sir", "dame", "cllr", "rev"}


def _words(name):
    words = [w for w in name.replace(".", " ").split() if w[:1].isalpha()]
    named = [w for w in words if w.casefold() not in HONORIFICS]
    return named or words


def _caption(name):
    """ "Margaret O." for a point alone in its cell."""
    words = _words(name)
    if len(words) < 2:
        return name[:12]
    return f"{words[0][:10]} {words[-1][0]}."


def _initials(name):
    words = _words(name)
    if not words:
        return name[:2].upper()
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


def layout(stakeholders):
    """Everything the grid template draws, from already loaded stakeholders."""
    cells = {}
    for s in sorted(stakeholders, key=lambda s: (-s.stance, s.name.lower())):
        cells.setdefault((s.power, s.interest), []).append(s)
    points = []
    for (power, interest), people in cells.items():
        ox, oy = _cell_origin(power, interest)
        spots, radius = _offsets(len(people))
        alone = len(people) == 1
        for person, (dx, dy) in zip(people, spots, strict=True):
            if alone:
                dy -= 7  # room for the name underneath
            points.append(
                {
                    "stakeholder": person,
                    "x": round(ox + dx, 1),
                    "y": round(oy + dy, 1),
                    "r": radius,
                    "font": round(max(8.0, radius * 0.78), 1),
                    "initials": _initials(person.name),
                    "caption": _caption(person.name) if alone else "",
                    "caption_y": round(oy + dy + radius + 12, 1),
                    "slug": Stance(person.stance).name.lower(),
                    "quadrant": quadrant(power, interest),
                }
            )
    split_x = LEFT + (HIGH - 1) * CELL
    split_y = TOP + (5 - HIGH + 1) * CELL
    regions = [
        (KEEP_SATISFIED, LEFT, TOP, split_x - LEFT, split_y - TOP),
        (MANAGE_CLOSELY, split_x, TOP, LEFT + PLOT - split_x, split_y - TOP),
        (MONITOR, LEFT, split_y, split_x - LEFT, TOP + PLOT - split_y),
        (KEEP_INFORMED, split_x, split_y, LEFT + PLOT - split_x, TOP + PLOT - split_y),
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {"left": LEFT, "top": TOP, "size": PLOT, "bottom": TOP + PLOT},
        "regions": [
            {
                "quadrant": q,
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "label_x": x + 6,
                "label_y": y + 13,
            }
            for q, x, y, w, h in regions
        ],
        "split": {"x": split_x, "y": split_y},
        "lines": [LEFT + i * CELL for i in range(6)],
        "hlines": [TOP + i * CELL for i in range(6)],
        "x_ticks": [
            {"value": v, "x": LEFT + (v - 0.5) * CELL, "y": TOP + PLOT + 17}
            for v in range(1, 6)
        ],
        "y_ticks": [
            {"value": v, "x": LEFT - 8, "y": TOP + (5 - v + 0.5) * CELL + 5}
            for v in range(1, 6)
        ],
        "x_title": {"x": LEFT + PLOT / 2, "y": TOP + PLOT + 38},
        "y_title": {"x": 14, "y": TOP + PLOT / 2},
        "points": sorted(points, key=lambda p: (p["y"], p["x"])),
    }


def by_quadrant(stakeholders):
    """The same people as a list per quadrant, for reading without the chart."""
    groups = {q.key: {"quadrant": q, "people": []} for q in QUADRANTS}
    for s in stakeholders:
        groups[quadrant(s.power, s.interest).key]["people"].append(s)
    for group in groups.values():
        group["people"].sort(key=lambda s: (-s.power, -s.interest, s.name.lower()))
    return [groups[q.key] for q in QUADRANTS]
