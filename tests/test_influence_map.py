"""The influence map as a picture and as a list: line thickness follows
strength, the ends of the curves on one box stand apart, a key explains the
colours, and a phone reads the same map as a list."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from campaigns.insights import reach
from campaigns.models import Stance
from tests import factories as f
from tests.conftest import PHONE, open_page

ARROWHEAD = 10  # the marker's height in the map's units


def stakeholder(pk, name, stance=Stance.NEUTRAL):
    return SimpleNamespace(pk=pk, name=name, title="", stance=stance)


def links_between(pairs):
    """(influencer name, stakeholder, strength) → Influence-shaped rows."""
    influencers, links = {}, []
    for name, person, strength in pairs:
        influencer = influencers.setdefault(
            name, SimpleNamespace(pk=len(influencers) + 100, name=name, relationship="")
        )
        links.append(
            SimpleNamespace(
                pk=len(links) + 1000,
                influencer=influencer,
                influencer_id=influencer.pk,
                stakeholder_id=person.pk,
                strength=strength,
            )
        )
    return links


def test_line_thickness_follows_strength_in_even_steps():
    boss = stakeholder(1, "The Boss")
    links = links_between([(f"Peer {n}", boss, n) for n in range(1, 6)])
    chart = reach.map_layout(links, [boss])
    width = {e["link"].strength: e["width"] for e in chart["edges"]}
    assert [width[n] for n in range(1, 6)] == [1.5, 3.0, 4.5, 6.0, 7.5]
    # Even the thickest line is narrower than its arrowhead, so it shows.
    assert width[5] < ARROWHEAD


@pytest.mark.parametrize("count", [1, 2, 4, 5, 9])
def test_arrowheads_into_one_person_stand_apart_inside_the_box(count):
    boss = stakeholder(1, "The Boss")
    links = links_between([(f"Peer {n}", boss, 3) for n in range(count)])
    chart = reach.map_layout(links, [boss])
    box = chart["right"][0]
    ends = sorted(e["y2"] for e in chart["edges"])
    assert len(ends) == count
    gaps = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    assert all(gap >= ARROWHEAD for gap in gaps), gaps
    # Each arrowhead lies wholly on the box's height.
    assert ends[0] - ARROWHEAD / 2 >= box["y"] - 0.1
    assert ends[-1] + ARROWHEAD / 2 <= box["y"] + box["h"] + 0.1
    # Boxes grown for many links still leave the picture tall enough.
    assert chart["height"] >= box["y"] + box["h"]


def test_lines_leaving_one_influencer_start_apart_and_do_not_cross():
    people = [stakeholder(pk, f"Person {pk}") for pk in (1, 2, 3)]
    links = links_between([("Chair", people[2], 2), ("Chair", people[0], 4)])
    links += links_between([("Other", people[1], 1)])
    chart = reach.map_layout(links, people)
    by_target = {e["link"].stakeholder_id: e for e in chart["edges"]}
    chair = [by_target[1], by_target[3]]
    assert chair[0]["y1"] != chair[1]["y1"]
    # The curve to the upper stakeholder leaves from higher up.
    assert chair[0]["y1"] < chair[1]["y1"]


def test_ends_on_one_box_follow_where_their_curves_start():
    boss = stakeholder(1, "The Boss")
    others = [stakeholder(pk, f"Other {pk}") for pk in (2, 3, 4)]
    # Listed so that link order and row order disagree.
    links = links_between(
        [("Bottom", others[2], 1), ("Bottom", boss, 2), ("Top", boss, 5)]
    )
    chart = reach.map_layout(links, [boss, *others])
    top = next(n for n in chart["left"] if n["influencer"].name == "Top")
    bottom = next(n for n in chart["left"] if n["influencer"].name == "Bottom")
    assert top["y"] < bottom["y"]
    into_boss = sorted(
        (e for e in chart["edges"] if e["link"].stakeholder_id == 1),
        key=lambda e: e["y1"],
    )
    assert [e["y2"] for e in into_boss] == sorted(e["y2"] for e in into_boss)


def test_the_list_puts_the_strongest_pull_first_and_names_nobody_twice():
    boss, deputy, quiet = (
        stakeholder(1, "The Boss"),
        stakeholder(2, "Deputy"),
        stakeholder(3, "Quiet One"),
    )
    links = links_between(
        [("Weak Peer", boss, 1), ("Board Chair", boss, 5), ("Mentor", deputy, 3)]
    )
    chart = reach.map_layout(links, [boss, deputy, quiet])
    rows = {r["node"]["stakeholder"].name: r["links"] for r in chart["reached"]}
    assert [link.influencer.name for link in rows["The Boss"]] == [
        "Board Chair",
        "Weak Peer",
    ]
    assert [n["stakeholder"].name for n in chart["unreached"]] == ["Quiet One"]


@pytest.fixture
def mapped(campaign):
    boss = f.StakeholderFactory(
        campaign=campaign, name="The Boss", stance=Stance.SKEPTICAL
    )
    lonely = f.StakeholderFactory(campaign=campaign, name="Lonely Larry")
    for name, strength in (("Board Chair", 5), ("Weak Peer", 1)):
        f.InfluenceFactory(
            influencer=f.InfluencerFactory(campaign=campaign, name=name),
            stakeholder=boss,
            strength=strength,
        )
    return SimpleNamespace(campaign=campaign, boss=boss, lonely=lonely)


def test_the_page_keys_every_stance_and_lists_the_map(owner_client, mapped):
    url = reverse("influence_map", args=[mapped.campaign.pk])
    html = owner_client.get(url).content.decode()
    key = html[html.index('class="chart-legend map-key"') :]
    key = key[: key.index("</figcaption>")]
    for stance in Stance:
        assert f"stance-bg--{stance.name.lower()}" in key
        assert stance.label in key
    assert "map-line--1" in key and "map-line--5" in key
    widths = re.findall(
        r'class="influence-map__edge[^"]*"[^>]*stroke-width="([\d.]+)"', html
    )
    assert sorted(widths) == ["1.5", "7.5"]
    listing = html[html.index('id="map-list-title"') :]
    assert listing.index("Board Chair") < listing.index("Weak Peer")
    assert "strength 5 of 5" in listing and "strength 1 of 5" in listing
    nobody = listing[listing.index("Nobody mapped yet for") :]
    detail = reverse("stakeholder_detail", args=[mapped.campaign.pk, mapped.lonely.pk])
    assert detail in nobody


def test_a_phone_reads_the_map_as_a_list(
    browser, live_server, log_in, owner, mapped, screenshot
):
    page = open_page(browser, live_server, viewport=PHONE)
    log_in(page, owner)
    page.goto(f"/campaigns/{mapped.campaign.pk}/influence-map/")
    sizes = page.eval_on_selector_all(
        ".map-list__person, .map-list__person *",
        "els => els.filter(e => e.innerText && e.innerText.trim())"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))",
    )
    assert sizes and min(sizes) >= 12, sizes
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    svg = page.locator("svg.influence-map").bounding_box()
    assert svg["x"] >= 0 and svg["x"] + svg["width"] <= PHONE["width"]
    boss = page.locator(".map-list__person", has_text="The Boss")
    assert boss.get_by_text("Board Chair").is_visible()
    screenshot(page, "influence-map-list-phone")
    boss.get_by_role("link", name="The Boss").click()
    page.wait_for_url(f"**/influence-map/?target={mapped.boss.pk}#routes")
    assert page.locator(".map-list__person.is-target").count() == 1
    assert not page.console_errors, page.console_errors
    page.context.close()
