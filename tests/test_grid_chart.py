"""The grid's labels: everyone in a cell is named or counted, and no name
runs over another, over a dot, out of its cell or into a quadrant's label.

The layout is checked twice: by the layout's own estimate of text widths,
and in Chromium, by the boxes the browser actually draws."""

import itertools
import random
from types import SimpleNamespace

import pytest

from campaigns.insights import grid
from campaigns.models import Role, Stance
from tests import factories as f
from tests.conftest import PHONE, open_page

LONG_NAMES = [
    "Bartholomew-Fitzgerald Worthington-Smythe",
    "Wilhelmina Montgomery",
    "Maximilian Oyelaran-Whitmore",
    "Dr Christabel Featherstonehaugh",
    "Mmmmmmmmmmmm Wwwwwwww",
    "Jo Li",
    "Anastasiya Kovalenko-Marchetti",
    "Prof. Oluwaseun Adebayo-Williams",
    "Ming",
    "Rosalind Worthington",
    "Gwendolyn Fairweather",
    "Ann Lee",
    "Konstantinos Papadopoulos",
    "Ede Ng",
    "Marguerite Delacroix-Beaumont",
    "Siobhan O'Sullivan-MacNamara",
    "Wolfgang Mmuoma",
    "Li Wei",
    "Evangeline Thistlewood",
    "Ignatius Bloomfield",
    "Henrietta Wolstenholme",
    "Tom Wu",
    "Mwajuma Mwangi",
    "Fitzwilliam Darcy",
]


def person(pk, name, power, interest, stance=Stance.NEUTRAL):
    return SimpleNamespace(
        pk=pk, name=name, power=power, interest=interest, stance=stance
    )


def stress_people():
    """Crowds of 1, 2, 3 and 5 in cells on every side of the split lines."""
    crowds = {
        (5, 2): 1,  # left of the vertical split
        (5, 3): 5,  # right of it, top row
        (3, 3): 3,  # just above the horizontal split, right of the vertical
        (3, 2): 2,  # above the horizontal split, left of the vertical
        (2, 3): 2,  # just below the horizontal split
        (2, 2): 1,
        (1, 5): 3,
        (4, 5): 1,
        (1, 1): 5,
    }
    names = iter(LONG_NAMES)
    people = []
    for (power, interest), count in crowds.items():
        for _ in range(count):
            people.append((next(names), power, interest, Stance(len(people) % 6 + 1)))
    return people


def cell_of(x, y):
    return (
        int((x - grid.LEFT) // grid.CELL),
        int((y - grid.TOP) // grid.CELL),
    )


def estimated_caption_box(p):
    width = grid._text_width(p["caption"], p["caption_font"])
    height = p["caption_font"]
    if p["alone"]:
        left, baseline = p["caption_x"] - width / 2, p["caption_y"]
        return (left, baseline - height * 0.8, left + width, baseline + height * 0.25)
    middle = p["caption_y"]
    return (
        p["caption_x"],
        middle - height / 2,
        p["caption_x"] + width,
        middle + height / 2,
    )


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside_cell(box, cell):
    col, row = cell
    left = grid.LEFT + col * grid.CELL
    top = grid.TOP + row * grid.CELL
    return (
        left <= box[0]
        and box[2] <= left + grid.CELL
        and top + grid.LABEL_BAND <= box[1]
        and box[3] <= top + grid.CELL
    )


def dot_box(p):
    r = p["r"] + 3  # a decider's ring
    return (p["x"] - r, p["y"] - r, p["x"] + r, p["y"] + r)


@pytest.mark.parametrize("seed", range(8))
def test_everyone_is_named_or_counted(seed):
    rng = random.Random(seed)
    people = [
        person(i, rng.choice(LONG_NAMES), rng.randint(1, 5), rng.randint(1, 5))
        for i in range(rng.randint(1, 60))
    ]
    chart = grid.layout(people)
    named = {p["stakeholder"].pk for p in chart["points"]}
    counted = sum(m["count"] for m in chart["more"])
    assert len(named) == len(chart["points"])
    assert len(named) + counted == len(people)
    assert all(p["caption"] for p in chart["points"])
    for m in chart["more"]:
        # The hidden people are named for screen readers and on hover.
        assert len(m["names"].split(", ")) == m["count"]
        assert not set(m["names"].split(", ")) - {p.name for p in people}


def test_captions_stay_in_their_cell_and_clear_of_each_other():
    people = [
        person(i, name, power, interest, stance)
        for i, (name, power, interest, stance) in enumerate(stress_people())
    ]
    chart = grid.layout(people)
    boxes = []
    for p in chart["points"]:
        cell = cell_of(p["x"], p["y"])
        caption = estimated_caption_box(p)
        assert inside_cell(caption, cell), (p["caption"], caption)
        assert inside_cell(dot_box(p), cell), p["caption"]
        boxes += [("caption", p["caption"], caption), ("dot", p["caption"], dot_box(p))]
    for m in chart["more"]:
        width = grid._text_width(f"+{m['count']} more", m["font"])
        box = (m["x"], m["y"] - m["font"] / 2, m["x"] + width, m["y"] + m["font"] / 2)
        assert inside_cell(box, cell_of(m["x"], m["y"]))
        boxes.append(("more", m["count"], box))
    for (kind_a, a, box_a), (kind_b, b, box_b) in itertools.combinations(boxes, 2):
        if {kind_a, kind_b} == {"caption", "dot"} and a == b:
            # A row's own dot sits beside its caption; checked below.
            continue
        assert not overlap(box_a, box_b), (a, b)
    for p in chart["points"]:
        assert not overlap(estimated_caption_box(p), dot_box(p)) or p["alone"]


def test_long_names_are_shortened_to_fit():
    alone = grid.layout([person(1, LONG_NAMES[0], 5, 5)])["points"][0]
    assert alone["caption"].endswith("… W.")
    assert alone["caption"].startswith("Barth")
    assert grid._text_width(alone["caption"], alone["caption_font"]) <= grid.CELL
    crowded = grid.layout([person(i, LONG_NAMES[i], 5, 5) for i in range(3)])["points"]
    assert [p["caption"][:3] for p in crowded] == ["Bar", "Max", "Wil"]
    for p in crowded:
        room = grid.CELL - grid.ROW_TEXT_X - grid.MARGIN
        assert grid._text_width(p["caption"], p["caption_font"]) <= room
    # A name just too long for the larger size is written smaller, whole.
    snug = grid.layout([person(1, "Margaret Okafor", 5, 5)])["points"][0]
    assert (snug["caption"], snug["caption_font"]) == ("Margaret O.", grid.ROW_FONT)
    # A short name is left whole.
    assert grid.layout([person(1, "Jo Li", 1, 1)])["points"][0]["caption"] == "Jo L."


# ---- in the browser -----------------------------------------------------------

MEASURE = """() => {
  const svg = document.querySelector("svg.grid-chart");
  const box = (el) => {
    const b = el.getBBox();
    return [b.x, b.y, b.x + b.width, b.y + b.height];
  };
  const ring = (a) =>
    a.querySelector(".grid-point__decider") || a.querySelector(".grid-point__dot");
  return {
    points: [...svg.querySelectorAll("a.grid-point")].map((a) => ({
      name: a.getAttribute("aria-label"),
      caption: box(a.querySelector(".grid-point__caption")),
      dot: box(ring(a)),
    })),
    more: [...svg.querySelectorAll(".grid-more__text")].map(box),
    labels: [...svg.querySelectorAll(".grid-chart__quadrant-label")].map(box),
    splits: [...svg.querySelectorAll(".grid-chart__split")].map(box),
  };
}"""


@pytest.fixture
def crowded_grid(transactional_db):
    membership = f.MembershipFactory(role=Role.OWNER)
    campaign = f.CampaignFactory(team=membership.team, lead=membership.user)
    for n, (name, power, interest, stance) in enumerate(stress_people()):
        f.StakeholderFactory(
            campaign=campaign,
            name=name,
            power=power,
            interest=interest,
            stance=stance,
            is_decider=n % 3 == 0,
        )
    return membership.user, campaign


def crosses(box, split):
    vertical = split[2] - split[0] < split[3] - split[1]
    if vertical:
        return box[0] < split[0] < box[2]
    return box[1] < split[1] < box[3]


@pytest.mark.browser
def test_drawn_labels_do_not_collide(page, log_in, crowded_grid, screenshot):
    user, campaign = crowded_grid
    log_in(page, user)
    page.goto(f"/campaigns/{campaign.pk}/grid/")
    page.locator("svg.grid-chart").wait_for()
    page.evaluate("document.fonts.ready")
    drawn = page.evaluate(MEASURE)
    people = stress_people()
    assert len(drawn["points"]) + 2 * 3 == len(people)  # two cells of five
    assert len(drawn["more"]) == 2
    boxes = [("label", i, b) for i, b in enumerate(drawn["labels"])]
    boxes += [("more", i, b) for i, b in enumerate(drawn["more"])]
    for p in drawn["points"]:
        cell = cell_of((p["dot"][0] + p["dot"][2]) / 2, (p["dot"][1] + p["dot"][3]) / 2)
        assert inside_cell(p["caption"], cell), p["name"]
        assert inside_cell(p["dot"], cell), p["name"]
        for split in drawn["splits"]:
            assert not crosses(p["caption"], split), p["name"]
        boxes += [("caption", p["name"], p["caption"]), ("dot", p["name"], p["dot"])]
    for m in drawn["more"]:
        assert inside_cell(m, cell_of(m[0], (m[1] + m[3]) / 2))
    for (kind_a, a, box_a), (kind_b, b, box_b) in itertools.combinations(boxes, 2):
        if kind_a == kind_b == "label" or (
            {kind_a, kind_b} == {"caption", "dot"} and a == b
        ):
            continue
        assert not overlap(box_a, box_b), (a, b)
    screenshot(page, "grid-crowded")
    # "+3 more" leads to the quadrant's list, where everyone is named.
    more = page.locator("a.grid-more").first
    quadrant = more.get_attribute("aria-label").rsplit(", in ", 1)[1]
    more.click()
    card = page.locator(page.evaluate("location.hash"))
    assert card.locator("h3").inner_text().startswith(quadrant)
    assert card.is_visible()


@pytest.mark.browser
def test_phone_grid_reads_as_a_list(
    browser, live_server, log_in, crowded_grid, screenshot
):
    user, campaign = crowded_grid
    page = open_page(browser, live_server, viewport=PHONE)
    try:
        log_in(page, user)
        page.goto(f"/campaigns/{campaign.pk}/grid/")
        page.locator("svg.grid-chart").wait_for()
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        )
        sizes = page.eval_on_selector_all(
            ".quadrant-card a, .quadrant-card .stance",
            "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))",
        )
        assert len(sizes) >= 2 * len(stress_people())
        assert min(sizes) >= 12
        screenshot(page, "grid-crowded-phone")
        assert not page.console_errors, page.console_errors
    finally:
        page.context.close()
