"""The power/interest grid: which quadrant a stakeholder is in, and where
their point goes on the server-drawn SVG."""

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


INNER_TOP = LABEL_BAND + 2  # where a cell's own drawing starts
INNER_H = CELL - INNER_TOP - 2
# Someone alone in a cell: a large dot with initials, a caption below it.
ALONE_R = 16
ALONE_Y = INNER_TOP + INNER_H / 2 - 7
CAPTION_FONT = 11
# Two or three sharing a cell: one row each, a small dot and a name beside it.
ROWS = 3
ROW_PITCH = INNER_H / ROWS
ROW_R = 6
ROW_DOT_X = 12
ROW_TEXT_X = ROW_DOT_X + ROW_R + 3 + 4  # clear of a decider's ring
ROW_FONT = 10
MARGIN = 3


def _text_width(text, font):
    """A generous estimate of a bold label's width, on the wide side of the
    usual sans-serif faces, so that a label that fits here fits on screen."""
    em = 0.0
    for char in text:
        if char in "iljI.,'!|:;":
            em += 0.36
        elif char in "frt ":
            em += 0.5
        elif char in "mwMW":
            em += 1.05
        elif char.isupper():
            em += 0.8
        else:
            em += 0.7
    return em * font


def _fit(words, font, room):
    """ "First L.", cutting the first name short with "…" until it fits."""
    if len(words) < 2:
        first, rest = words[0] if words else "", ""
    else:
        first, rest = words[0], f" {words[-1][0]}."
    text = first + rest
    while _text_width(text, font) > room and len(first) > 1:
        first = first[:-1]
        text = first.rstrip() + "…" + rest
    return text


def _spots(count):
    """Where each person in a cell of `count` goes, relative to the cell, and
    how many are left over for a "+N more" line when three rows are not enough."""
    if count == 1:
        return [("alone", CELL / 2, ALONE_Y)], 0
    shown = count if count <= ROWS else ROWS - 1
    rows = shown + (count > shown)
    first = INNER_TOP + (ROWS - rows) * ROW_PITCH / 2 + ROW_PITCH / 2
    spots = [("row", ROW_DOT_X, first + k * ROW_PITCH) for k in range(shown)]
    return spots, count - shown


HONORIFICS = {"dr", "prof", "mr", "mrs", "ms", "mx", "sir", "dame", "cllr", "rev"}


def _words(name):
    words = [w for w in name.replace(".", " ").split() if w[:1].isalpha()]
    named = [w for w in words if w.casefold() not in HONORIFICS]
    return named or words


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
    points, more = [], []
    for (power, interest), people in cells.items():
        ox, oy = _cell_origin(power, interest)
        spots, left_over = _spots(len(people))
        for person, (kind, dx, dy) in zip(people, spots, strict=False):
            words = _words(person.name)
            alone = kind == "alone"
            x, y = ox + dx, oy + dy
            r = ALONE_R if alone else ROW_R
            if alone:
                # A name a little too long for the usual size drops to the
                # rows' size before it loses letters.
                room = CELL - 2 * MARGIN
                font = CAPTION_FONT
                caption = _fit(words, font, room)
                if "…" in caption:
                    font = ROW_FONT
                    caption = _fit(words, font, room)
                caption_x, caption_y = x, y + r + 12
            else:
                font = ROW_FONT
                caption = _fit(words, font, CELL - ROW_TEXT_X - MARGIN)
                caption_x, caption_y = ox + ROW_TEXT_X, y
            points.append(
                {
                    "stakeholder": person,
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "r": r,
                    "initials": _initials(person.name) if alone else "",
                    "font": round(r * 0.78, 1),
                    "caption": caption,
                    "caption_x": round(caption_x, 1),
                    "caption_y": round(caption_y, 1),
                    "caption_font": font,
                    "alone": alone,
                    "slug": Stance(person.stance).name.lower(),
                    "quadrant": quadrant(power, interest),
                }
            )
        if left_over:
            hidden = people[-left_over:]
            more.append(
                {
                    "count": left_over,
                    "names": ", ".join(p.name for p in hidden),
                    "x": round(ox + ROW_TEXT_X, 1),
                    "y": round(oy + INNER_TOP + ROW_PITCH * (ROWS - 0.5), 1),
                    "font": ROW_FONT,
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
        "more": more,
    }


def by_quadrant(stakeholders):
    """The same people as a list per quadrant, for reading without the chart."""
    groups = {q.key: {"quadrant": q, "people": []} for q in QUADRANTS}
    for s in stakeholders:
        groups[quadrant(s.power, s.interest).key]["people"].append(s)
    for group in groups.values():
        group["people"].sort(key=lambda s: (-s.power, -s.interest, s.name.lower()))
    return [groups[q.key] for q in QUADRANTS]
