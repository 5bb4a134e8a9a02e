"""The board in a real browser: dragging, the keyboard, quick-add, the side
panel, a viewer's read-only board and the board with JavaScript off."""

import datetime

import pytest
from django.utils import timezone

from campaigns.models import Tactic, TacticStatus
from tests.factories import StakeholderFactory, TacticFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def board(campaign, member):
    stakeholder = StakeholderFactory(campaign=campaign, name="Dana (CFO)")
    today = timezone.localdate()
    cards = {}
    for status, titles in {
        TacticStatus.BACKLOG: ["Map who the board listens to", "Usage policy draft"],
        TacticStatus.PLANNED: ["Peer comparison deck", "Lunch-and-learn"],
        TacticStatus.IN_PROGRESS: ["Quiet pilot"],
        TacticStatus.DONE: ["Alerts for the boss"],
    }.items():
        for i, title in enumerate(titles):
            cards[title] = TacticFactory(
                campaign=campaign, status=status, position=i, title=title
            )
    peer = cards["Peer comparison deck"]
    peer.assignee = member
    peer.due_on = today - datetime.timedelta(days=2)
    peer.risk = "Looks like a sales pitch if rushed"
    peer.save()
    peer.targets.add(stakeholder)
    pilot = cards["Quiet pilot"]
    pilot.due_on = today + datetime.timedelta(days=1)
    pilot.assignee = member
    pilot.save()
    return cards


def place_of(pk):
    """(column, place from the top) of a card as the database has it."""
    tactic = Tactic.objects.get(pk=pk)
    order = list(
        Tactic.objects.filter(campaign_id=tactic.campaign_id, status=tactic.status)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    return tactic.status, order.index(pk)


def column_titles(page, status):
    return page.locator(f"#col-{status} .card__title").all_inner_texts()


def test_drag_a_card_to_in_progress(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    screenshot(page, "board")
    card = page.locator(f"#tactic-{board['Peer comparison deck'].pk}")
    target = page.locator("#col-in_progress .board-col__cards")
    with page.expect_response(lambda r: "/move/" in r.url) as answer:
        card.drag_to(target)
    assert answer.value.status == 200
    page.reload()
    assert "Peer comparison deck" in column_titles(page, "in_progress")
    assert "Peer comparison deck" not in column_titles(page, "planned")
    screenshot(page, "board-after-drag")


def test_move_with_the_keyboard(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    pk = board["Lunch-and-learn"].pk
    card = page.locator(f"#tactic-{pk}")
    card.focus()
    with page.expect_response(lambda r: "/move/" in r.url):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === 'tactic-{pk}'"
        f" && document.activeElement.closest('#col-in_progress') !== null"
    )
    assert column_titles(page, "in_progress")[0] == "Lunch-and-learn"
    with page.expect_response(lambda r: "/move/" in r.url):
        page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#col-in_progress .card'))"
        f".pop().id === 'tactic-{pk}'"
    )
    screenshot(page, "board-keyboard-focus", full_page=False)
    assert place_of(pk) == (TacticStatus.IN_PROGRESS, 1)
    # The answer updated the column heads, and the page numbered the cards as
    # the database has them, so the next move is right without a reload.
    count = page.locator("#col-in_progress .board-col__count")
    assert count.inner_text().startswith("2")
    assert page.locator(f"#tactic-{pk}").get_attribute("data-position") == "1"
    with page.expect_response(lambda r: "/move/" in r.url):
        page.keyboard.press("ArrowUp")
    assert place_of(pk) == (TacticStatus.IN_PROGRESS, 0)
    assert column_titles(page, "in_progress")[0] == "Lunch-and-learn"


def test_quick_add_empty_title_shows_the_error(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    column = page.locator("#col-planned")
    column.get_by_role("button", name="Add to Planned").click()
    error = page.locator("#col-planned .quick-add .errorlist")
    error.wait_for()
    assert "Give the tactic a title." in error.inner_text()
    screenshot(page, "board-quick-add-error", full_page=False)
    page.get_by_label("New tactic in Planned").fill("Coffee with the COO")
    page.get_by_label("New tactic in Planned").press("Enter")
    page.locator("#col-planned .card__title", has_text="Coffee with the COO").wait_for()
    assert column_titles(page, "planned")[0] == "Coffee with the COO"
    assert page.locator("#col-planned .quick-add .errorlist").count() == 0


def test_assign_a_teammate_from_the_side_panel(
    page, log_in, live_server, member, owner, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    pk = board["Usage policy draft"].pk
    page.locator(f"#tactic-{pk} .card__title a").click()
    panel = page.locator("#panel")
    panel.get_by_role("heading", name="Usage policy draft").wait_for()
    # A panel over the board, with its own address (Back closes it).
    assert page.url.endswith(f"/tactics/{pk}/")
    assert panel.is_visible()
    panel.get_by_label("Assignee").select_option(label=owner.name)
    panel.get_by_label("Due date").fill(
        (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    )
    screenshot(page, "board-side-panel", full_page=False)
    panel.get_by_role("button", name="Save", exact=True).click()
    panel.get_by_text("Saved.").wait_for()
    page.locator(f"#tactic-{pk} .card__avatar", has_text=owner.initials).wait_for()
    assert Tactic.objects.get(pk=pk).assignee == owner
    page.keyboard.press("Escape")
    assert panel.inner_html().strip() == ""


def test_viewer_sees_no_drag_handles(
    page, log_in, live_server, viewer, campaign, board, screenshot
):
    log_in(page, viewer)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    page.locator(".card").first.wait_for()
    assert page.locator(".card__handle").count() == 0
    assert page.locator(".card[draggable='true']").count() == 0
    assert page.get_by_text("Move to…").count() == 0
    assert page.locator(".quick-add").count() == 0
    screenshot(page, "board-viewer")


def test_move_by_form_without_javascript(
    browser, log_in, live_server, member, campaign, board, screenshot
):
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 1360, "height": 900},
    )
    page = context.new_page()
    try:
        log_in(page, member)
        page.goto(f"/campaigns/{campaign.pk}/board/")
        pk = board["Map who the board listens to"].pk
        card = page.locator(f"#tactic-{pk}")
        card.get_by_text("Move to…").click()
        card.get_by_label("Column").select_option(label="Planned")
        card.get_by_label("Place (1 = top)").fill("2")
        screenshot(page, "board-nojs-move-form", full_page=False)
        card.get_by_role("button", name="Move").click()
        page.wait_for_load_state()
        assert column_titles(page, "planned") == [
            "Peer comparison deck",
            "Map who the board listens to",
            "Lunch-and-learn",
        ]
        # Done asks for the outcome on the card's own page.
        card = page.locator(f"#tactic-{pk}")
        card.get_by_text("Move to…").click()
        card.get_by_label("Column").select_option(label="Done")
        card.get_by_role("button", name="Move").click()
        page.wait_for_url(f"**/tactics/{pk}/?outcome=1**")
        outcome = page.get_by_label("Outcome")
        assert outcome.evaluate("el => el === document.activeElement")
        outcome.fill("The board asked for the list; two names we had missed.")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url(f"**/campaigns/{campaign.pk}/board/**")
        screenshot(page, "board-nojs-after")
        assert Tactic.objects.get(pk=pk).outcome.startswith("The board asked")
    finally:
        context.close()


def test_moving_to_done_asks_for_the_outcome(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    pk = board["Quiet pilot"].pk
    page.locator(f"#tactic-{pk}").focus()
    page.keyboard.press("ArrowRight")
    outcome = page.locator("#panel").get_by_label("What happened")
    outcome.wait_for()
    page.wait_for_function(
        "document.activeElement && document.activeElement.name === 'outcome'"
    )
    outcome.fill("Twelve sign-ups in a week; the COO asked for the numbers.")
    screenshot(page, "board-outcome-panel", full_page=False)
    page.locator("#panel").get_by_role("button", name="Save outcome").click()
    page.locator("#panel").get_by_text("Saved.").wait_for()
    tactic = Tactic.objects.get(pk=pk)
    assert tactic.status == TacticStatus.DONE
    assert tactic.outcome.startswith("Twelve sign-ups")


def test_moving_on_a_board_a_teammate_changed_shows_both_moves(
    page, log_in, live_server, member, owner, campaign, board
):
    from campaigns import board as logic

    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    page.evaluate("window.__sameDocument = true")
    theirs = board["Usage policy draft"].pk
    mine = board["Lunch-and-learn"].pk
    # A teammate moves a card before the page has polled.
    logic.move_tactic(campaign, theirs, TacticStatus.DONE, 0, owner)
    page.locator(f"#tactic-{mine}").focus()
    with page.expect_response(lambda r: "/move/" in r.url) as answer:
        page.keyboard.press("ArrowRight")
    assert "board-changed" in answer.value.headers.get("hx-trigger", "")
    # The page fetches the board again: both moves show, without a reload.
    page.locator(f"#col-done #tactic-{theirs}").wait_for()
    page.locator(f"#col-in_progress #tactic-{mine}").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert place_of(mine) == (TacticStatus.IN_PROGRESS, 0)


def test_a_teammates_move_shows_up_without_reload(
    page, log_in, live_server, member, owner, campaign, board
):
    from campaigns import board as logic

    page.clock.install()
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    page.evaluate("window.__sameDocument = true")
    pk = board["Usage policy draft"].pk
    logic.move_tactic(campaign, pk, TacticStatus.IN_PROGRESS, 0, owner)
    page.clock.run_for(16_000)
    page.locator(f"#col-in_progress #tactic-{pk}").wait_for()
    assert page.evaluate("window.__sameDocument") is True  # no full reload


def test_my_tactics_page(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    TacticFactory(campaign=campaign, title="Send the monthly numbers", assignee=member)
    page.goto("/my-tactics/")
    assert page.get_by_role("link", name="My tactics").get_attribute("aria-current")
    page.get_by_role("heading", name="Overdue").wait_for()
    page.get_by_role("heading", name="This week").wait_for()
    page.get_by_role("heading", name="No due date").wait_for()
    screenshot(page, "my-tactics")
    page.get_by_role("link", name="Peer comparison deck").click()
    page.get_by_role("heading", name="Peer comparison deck").wait_for()


def test_set_a_wip_limit(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    page.get_by_text("WIP limits").click()
    page.locator(".board-limits__form").get_by_label("Planned").fill("1")
    screenshot(page, "board-wip-form", full_page=False)
    page.get_by_role("button", name="Save limits").click()
    page.locator("#col-planned .board-col__limit", has_text="Over limit").wait_for()
    screenshot(page, "board-wip-exceeded", full_page=False)
    campaign.refresh_from_db()
    assert campaign.wip_limits == {"planned": 1}


def test_touch_drag_with_the_handle(page, log_in, live_server, member, campaign, board):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    pk = board["Lunch-and-learn"].pk
    handle = page.locator(f"#tactic-{pk} .card__handle").bounding_box()
    target = page.locator("#col-done .board-col__cards").bounding_box()
    start = (handle["x"] + 4, handle["y"] + 4)
    end = (target["x"] + 40, target["y"] + target["height"] - 5)
    touch = "{pointerType: 'touch', pointerId: 7, bubbles: true, isPrimary: true"
    with page.expect_response(lambda r: "/move/" in r.url):
        page.evaluate(
            f"""([sx, sy, ex, ey]) => {{
              const at = (x, y) => document.elementFromPoint(x, y);
              at(sx, sy).dispatchEvent(new PointerEvent('pointerdown',
                {touch}, clientX: sx, clientY: sy}}));
              at(ex, ey).dispatchEvent(new PointerEvent('pointermove',
                {touch}, clientX: ex, clientY: ey}}));
              at(ex, ey).dispatchEvent(new PointerEvent('pointerup',
                {touch}, clientX: ex, clientY: ey}}));
            }}""",
            [*start, *end],
        )
    page.locator(f"#col-done #tactic-{pk}").wait_for()
    assert place_of(pk) == (TacticStatus.DONE, 1)


def test_skip_link_to_the_columns(page, log_in, live_server, member, campaign, board):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    skip = page.get_by_role("link", name="Skip to the columns")
    assert skip.bounding_box()["width"] <= 1  # hidden until focused
    # Tabbing from the top of the page, the first stop in <main> is the skip
    # link, shown where it stands.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('main')"):
            break
    assert page.evaluate("document.activeElement.textContent") == "Skip to the columns"
    box = skip.bounding_box()
    assert box["width"] > 50 and box["height"] > 10
    assert box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]
    page.keyboard.press("Enter")
    page.wait_for_url("**/board/#board")
    # The next Tab goes on inside the columns, past the filters.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#board .board-col')")


def test_enter_on_a_focused_card_opens_it(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    pk = board["Lunch-and-learn"].pk
    page.locator(f"#tactic-{pk}").focus()
    page.keyboard.press("Enter")
    panel = page.locator("#panel")
    panel.get_by_role("heading", name="Lunch-and-learn").wait_for()
    assert page.url.endswith(f"/tactics/{pk}/")
    assert place_of(pk) == (TacticStatus.PLANNED, 1)  # opened, not moved
    page.keyboard.press("Escape")
    assert panel.inner_html().strip() == ""
    page.wait_for_url(f"**/campaigns/{campaign.pk}/board/")


def test_the_risk_marker_explains_itself_by_keyboard(
    page, log_in, live_server, member, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    card = page.locator(f"#tactic-{board['Peer comparison deck'].pk}")
    note = card.get_by_text("Looks like a sales pitch if rushed")
    assert not note.is_visible()
    # The card, its title, then the marker: a button-like summary, "Risk".
    card.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    marker = card.locator(".card__risk > summary")
    assert marker.evaluate("el => el === document.activeElement")
    assert "Risk" in marker.inner_text()
    page.keyboard.press("Enter")
    note.wait_for()
    assert note.is_visible()
    screenshot(page, "board-risk-open", full_page=False)
    snapshot = card.aria_snapshot()
    assert "Risk" in snapshot and "Looks like a sales pitch if rushed" in snapshot
    # Enter again folds it; the card stays where it was.
    page.keyboard.press("Enter")
    assert not note.is_visible()
    assert place_of(board["Peer comparison deck"].pk) == (TacticStatus.PLANNED, 0)
