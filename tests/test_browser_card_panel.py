"""A card on the board and its side panel in a real browser: the card at
rest, the panel under the header over a dimmed board, a due date that has
passed, the card's own page, and the phone's column switcher and filters."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Tactic, TacticStatus
from tests.conftest import DESKTOP, PHONE, open_page
from tests.factories import StakeholderFactory, TacticFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def cards(campaign, member):
    dana = StakeholderFactory(campaign=campaign, name="Dana Whitfield")
    today = timezone.localdate()
    deck = TacticFactory(
        campaign=campaign,
        status=TacticStatus.PLANNED,
        title="Peer comparison deck",
        assignee=member,
        due_on=today + datetime.timedelta(days=12),
    )
    deck.targets.add(dana)
    pilot = TacticFactory(
        campaign=campaign, status=TacticStatus.IN_PROGRESS, title="Quiet pilot"
    )
    TacticFactory(campaign=campaign, status=TacticStatus.DONE, title="Alerts")
    return {"deck": deck, "pilot": pilot}


def board_url(campaign):
    return f"/campaigns/{campaign.pk}/board/"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_panel_opens_under_the_header_over_a_dimmed_board(
    browser, live_server, log_in, member, campaign, cards, screenshot, viewport
):
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    page.goto(board_url(campaign))
    deck = cards["deck"]
    page.locator(f"#tactic-{deck.pk} .card__title a").click()
    panel = page.locator("#panel")
    panel.get_by_role("heading", name="Peer comparison deck").wait_for()
    header = page.locator(".site-header").bounding_box()
    box = panel.bounding_box()
    # Under the header, not over it: the header stays in sight and usable.
    assert abs(box["y"] - (header["y"] + header["height"])) <= 1
    backdrop = page.locator("[data-panel-backdrop]")
    expect(backdrop).to_be_visible()
    assert backdrop.bounding_box()["y"] == pytest.approx(box["y"], abs=1)
    # The board behind holds still while the panel is open.
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == (
        "hidden"
    )
    screenshot(
        page,
        f"board-panel-{'phone' if viewport == PHONE else 'desktop'}",
        full_page=False,
    )
    if viewport == DESKTOP:
        # A click on the dimmed board closes the panel and goes back to it.
        page.mouse.click(40, box["y"] + 300)
        expect(panel).to_be_empty()
        page.wait_for_url(f"**{board_url(campaign)}")
    else:
        panel.get_by_role("link", name="Close the tactic").first.click()
        expect(panel).to_be_empty()
    expect(backdrop).to_be_hidden()
    page.context.close()


def test_a_card_at_rest_shows_its_title_people_and_dates(
    page, browser, live_server, log_in, member, campaign, cards, screenshot
):
    log_in(page, member)
    page.goto(board_url(campaign))
    card = page.locator(f"#tactic-{cards['deck'].pk}")
    move = card.locator(".card__move > summary")
    expect(card.get_by_role("link", name="Peer comparison deck")).to_be_visible()
    expect(card.get_by_text("Dana Whitfield")).to_be_visible()
    expect(card.locator("time")).to_be_visible()
    expect(card.locator(".card__avatar")).to_be_visible()
    page.mouse.move(0, 0)
    expect(move).to_be_hidden()
    screenshot(page, "board-cards-at-rest", full_page=False)
    card.hover()
    expect(move).to_be_visible()
    screenshot(page, "board-card-hovered", full_page=False)
    page.mouse.move(0, 0)
    expect(move).to_be_hidden()
    # The keyboard: the card takes the focus first, then Tab reaches the form.
    card.focus()
    expect(move).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert move.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    expect(card.get_by_label("Column")).to_be_visible()

    # Without JavaScript there is no dragging: the form is always in sight.
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=DESKTOP
    )
    plain = context.new_page()
    try:
        log_in(plain, member)
        plain.goto(board_url(campaign))
        plain.mouse.move(0, 0)
        expect(
            plain.locator(f"#tactic-{cards['deck'].pk} .card__move > summary")
        ).to_be_visible()
    finally:
        context.close()


def test_a_due_date_that_has_passed_is_saved_with_a_hint(
    page, log_in, member, campaign, cards, screenshot
):
    log_in(page, member)
    page.goto(board_url(campaign))
    pilot = cards["pilot"]
    page.locator(f"#tactic-{pilot.pk} .card__title a").click()
    panel = page.locator("#panel")
    due = panel.get_by_label("Due date")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    due.fill(yesterday.isoformat())
    panel.get_by_role("button", name="Save", exact=True).click()
    panel.get_by_text("Saved.").wait_for()
    hint = panel.get_by_text("This date has passed")
    expect(hint).to_be_visible()
    # The hint is the field's description, read out with it.
    assert "This date has passed" in panel.get_by_label("Due date").evaluate(
        "el => document.getElementById(el.getAttribute('aria-describedby')"
        ".split(' ')[0]).textContent"
    )
    screenshot(page, "board-panel-overdue-hint", full_page=False)
    assert Tactic.objects.get(pk=pilot.pk).due_on == yesterday
    expect(
        page.locator(f"#tactic-{pilot.pk} .badge--danger", has_text="Overdue")
    ).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_tactic_page(
    browser, live_server, log_in, member, campaign, cards, screenshot, viewport
):
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/tactics/{cards['deck'].pk}/")
    form = page.locator("form.tactic-form")
    # Groups of fields under their own headings, checkboxes beside their
    # labels, as on the other forms.
    expect(form.locator("fieldset.form-group > legend")).to_have_count(4)
    for name in ("Dana Whitfield", "Private to the team"):
        box = form.get_by_label(name).bounding_box()
        label = form.locator("label", has_text=name).first.bounding_box()
        assert (
            abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2))
            < 12
        ), name
        assert box["x"] < label["x"] + label["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"tactic-page-{'phone' if viewport == PHONE else 'desktop'}")
    page.context.close()


def test_phone_switcher_marks_the_column_in_sight(
    browser, live_server, log_in, member, campaign, cards, screenshot
):
    page = open_page(browser, live_server, viewport=PHONE)
    log_in(page, member)
    page.goto(board_url(campaign))
    switcher = page.get_by_role("navigation", name="Columns")
    current = switcher.locator("a[aria-current]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Backlog")
    # The columns start on the first screen, under compact filters.
    first_column = page.locator("#col-backlog").bounding_box()
    assert first_column["y"] < PHONE["height"] * 0.75
    switcher.get_by_role("link", name="Done").click()
    expect(current).to_contain_text("Done")
    expect(current).to_have_count(1)
    # The marked link is inside the switcher's visible row.
    row = switcher.bounding_box()
    link = current.bounding_box()
    assert row["x"] - 1 <= link["x"] and link["x"] + link["width"] <= (
        row["x"] + row["width"] + 1
    )
    screenshot(page, "board-phone-switcher", full_page=False)
    page.context.close()
