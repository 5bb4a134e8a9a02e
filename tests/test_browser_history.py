"""Back, Forward and Reload on the board in a real browser: Back never shows
the board as it was, the side panel has a URL of its own, and a form that
failed without JavaScript is at a URL that opens as a page.

Playwright starts Chromium without its back-forward cache, so Back there
builds the page again from the HTTP cache; the bfcache tests start a second
browser with the cache on, where Back brings the very page back (the
`pageshow` event with `persisted`).
"""

import pytest

from campaigns import board as logic
from campaigns.models import Tactic, TacticStatus
from tests.conftest import CHROMIUM, DESKTOP, PHONE, open_page
from tests.factories import TacticFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def board(campaign):
    cards = {}
    for status, titles in {
        TacticStatus.BACKLOG: ["Map who the board listens to", "Usage policy draft"],
        TacticStatus.PLANNED: ["Peer comparison deck", "Lunch-and-learn"],
        TacticStatus.IN_PROGRESS: ["Quiet pilot"],
    }.items():
        for i, title in enumerate(titles):
            cards[title] = TacticFactory(
                campaign=campaign, status=status, position=i, title=title
            )
    return cards


@pytest.fixture(scope="module")
def bfcache_browser(browser):
    """The same Chromium with its back-forward cache, as people have it."""
    other = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield other
    other.close()


@pytest.fixture
def pages(live_server):
    """Extra pages in contexts of their own; closed, and their console
    checked, at the end."""
    opened = []

    def make(browser, **options):
        page = open_page(browser, live_server, **options)
        opened.append(page)
        return page

    yield make
    for page in opened:
        page.context.close()
    for page in opened:
        assert not page.console_errors, page.console_errors


def board_url(campaign):
    return f"/campaigns/{campaign.pk}/board/"


def tactic_url(campaign, tactic):
    return f"/campaigns/{campaign.pk}/tactics/{tactic.pk}/"


def card_in(page, status, tactic):
    return page.locator(f"#col-{status} #tactic-{tactic.pk}")


def drag(page, tactic, status):
    card = page.locator(f"#tactic-{tactic.pk}")
    target = page.locator(f"#col-{status} .board-col__cards")
    with page.expect_response(lambda r: "/move/" in r.url) as answer:
        card.drag_to(target)
    assert answer.value.status == 200


# ---- Back shows the board as it is now ---------------------------------------


def test_back_after_a_drag_shows_the_board_as_it_is_now(
    page, log_in, live_server, member, owner, campaign, board, screenshot
):
    log_in(page, member)
    page.goto(board_url(campaign))
    mine, theirs = board["Peer comparison deck"], board["Usage policy draft"]
    drag(page, mine, TacticStatus.IN_PROGRESS)
    # A teammate moves a card while this board is not looked at. (Without
    # the back-forward cache, Back loads the board again.)
    page.get_by_role("link", name="Overview", exact=True).first.click()
    page.wait_for_url(f"**/campaigns/{campaign.pk}/")
    logic.move_tactic(campaign, theirs.pk, TacticStatus.DONE, 0, owner)
    page.go_back()
    page.wait_for_url(f"**{board_url(campaign)}")
    card_in(page, TacticStatus.IN_PROGRESS, mine).wait_for()
    card_in(page, TacticStatus.DONE, theirs).wait_for()
    assert card_in(page, TacticStatus.PLANNED, mine).count() == 0
    assert card_in(page, TacticStatus.BACKLOG, theirs).count() == 0
    screenshot(page, "history-back-after-drag", full_page=False)


def test_back_from_the_bfcache_shows_the_board_as_it_is_now(
    bfcache_browser,
    pages,
    log_in,
    live_server,
    member,
    owner,
    campaign,
    board,
    screenshot,
):
    """The Move to… form moves one card; a teammate in another browser moves
    another; Back brings this very page back, which then catches up."""
    page = pages(bfcache_browser)
    log_in(page, member)
    page.goto(board_url(campaign))
    mine, theirs = board["Map who the board listens to"], board["Lunch-and-learn"]
    card = page.locator(f"#tactic-{mine.pk}")
    card.hover()  # "Move to…" shows on a card pointed at or focused
    card.get_by_text("Move to…").click()
    card.get_by_label("Column").select_option(label="Planned")
    card.get_by_role("button", name="Move").click()
    card_in(page, TacticStatus.PLANNED, mine).wait_for()
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Overview", exact=True).first.click()
    page.wait_for_url(f"**/campaigns/{campaign.pk}/")

    teammate = pages(bfcache_browser)
    log_in(teammate, owner)
    teammate.goto(board_url(campaign))
    teammate.locator(f"#tactic-{theirs.pk}").focus()
    with teammate.expect_response(lambda r: "/move/" in r.url):
        teammate.keyboard.press("ArrowRight")
    assert Tactic.objects.get(pk=theirs.pk).status == TacticStatus.IN_PROGRESS

    page.go_back(wait_until="commit")
    page.wait_for_url(f"**{board_url(campaign)}**", wait_until="commit")
    card_in(page, TacticStatus.IN_PROGRESS, theirs).wait_for()
    card_in(page, TacticStatus.PLANNED, mine).wait_for()
    # The very page, from the back-forward cache: it caught up by itself.
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "history-back-bfcache", full_page=False)


def test_the_bfcache_keeps_the_board_when_nothing_changed(
    bfcache_browser, pages, log_in, live_server, member, campaign, board
):
    """Back to an unchanged board costs the version check, not the board."""
    page = pages(bfcache_browser)
    log_in(page, member)
    page.goto(board_url(campaign))
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Overview", exact=True).first.click()
    page.wait_for_url(f"**/campaigns/{campaign.pk}/")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    with page.expect_response(lambda r: "/board/version/" in r.url) as check:
        page.go_back(wait_until="commit")
    assert check.value.status == 204
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_timeout(300)
    assert not [u for u in requests if u.endswith(board_url(campaign))], requests


def test_back_to_an_open_panel_from_the_bfcache(
    bfcache_browser, pages, log_in, live_server, member, owner, campaign, board
):
    """Leaving with the panel open and coming back: the panel is there with
    its URL, the board caught up, and Close still returns to the board's."""
    page = pages(bfcache_browser)
    log_in(page, member)
    page.goto(board_url(campaign))
    tactic, other = board["Quiet pilot"], board["Usage policy draft"]
    page.locator(f"#tactic-{tactic.pk} .card__title a").click()
    page.locator("#panel").get_by_role("heading", name="Quiet pilot").wait_for()
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="My tactics").click()
    page.wait_for_url("**/my-tactics/")
    logic.move_tactic(campaign, other.pk, TacticStatus.DONE, 0, owner)
    page.go_back(wait_until="commit")
    page.wait_for_url(f"**{tactic_url(campaign, tactic)}", wait_until="commit")
    card_in(page, TacticStatus.DONE, other).wait_for()
    assert page.evaluate("window.__sameDocument") is True
    page.locator("#panel").get_by_role("link", name="Close the tactic").click()
    page.wait_for_url(f"**{board_url(campaign)}", wait_until="commit")
    assert page.locator("#panel").inner_html().strip() == ""


# ---- the side panel has a URL --------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_panel_has_a_url_back_closes_it_forward_reopens_it(
    pages,
    browser,
    log_in,
    live_server,
    member,
    owner,
    campaign,
    board,
    screenshot,
    viewport,
):
    size = "phone" if viewport == PHONE else "desktop"
    page = pages(browser, viewport=viewport)
    log_in(page, member)
    page.goto(board_url(campaign))
    tactic, other = board["Quiet pilot"], board["Usage policy draft"]
    panel = page.locator("#panel")
    page.locator(f"#tactic-{tactic.pk} .card__title a").click()
    panel.get_by_role("heading", name="Quiet pilot").wait_for()
    assert page.url.endswith(tactic_url(campaign, tactic))
    assert page.title().startswith("Quiet pilot · ")
    screenshot(page, f"history-panel-open-{size}", full_page=False)

    # A teammate moves a card meanwhile; Back closes the panel and the board
    # is up to date.
    logic.move_tactic(campaign, other.pk, TacticStatus.DONE, 0, owner)
    page.go_back()
    page.wait_for_url(f"**{board_url(campaign)}")
    page.wait_for_function("!document.getElementById('panel').firstElementChild")
    card_in(page, TacticStatus.DONE, other).wait_for()
    assert page.title().startswith("Board · ")
    screenshot(page, f"history-panel-back-{size}", full_page=False)

    page.go_forward()
    page.wait_for_url(f"**{tactic_url(campaign, tactic)}")
    panel.get_by_role("heading", name="Quiet pilot").wait_for()
    assert page.locator("#board").count() == 1

    # Reloading the tactic's URL shows the tactic's own page.
    page.reload()
    page.get_by_role("heading", name="Tactic", exact=True).wait_for()
    assert page.locator("#board").count() == 0
    assert page.get_by_role("heading", name="Quiet pilot").count() == 1
    screenshot(page, f"history-panel-reloaded-{size}", full_page=False)
    # And Back from there is the board, with no panel. (The reloaded page
    # shares its history entries with the board it replaced, so Back only
    # changes the address: app.js loads the page the address names.)
    page.go_back()
    page.wait_for_url(f"**{board_url(campaign)}")
    page.locator("#board").wait_for()
    assert panel.inner_html().strip() == ""


def test_close_and_escape_return_to_the_board_url(
    page, log_in, live_server, member, campaign, board
):
    log_in(page, member)
    page.goto(board_url(campaign))
    panel = page.locator("#panel")
    first, second = board["Quiet pilot"], board["Lunch-and-learn"]
    start = page.evaluate("history.length")

    page.locator(f"#tactic-{first.pk} .card__title a").click()
    panel.get_by_role("heading", name="Quiet pilot").wait_for()
    # Another card while the panel is open (the dimmed board is out of the
    # mouse's reach, not the keyboard's) takes the panel's place in the
    # history: one Back still returns to the board.
    page.locator(f"#tactic-{second.pk} .card__title a").focus()
    page.keyboard.press("Enter")
    panel.get_by_role("heading", name="Lunch-and-learn").wait_for()
    assert page.url.endswith(tactic_url(campaign, second))
    assert page.evaluate("history.length") == start + 1

    panel.get_by_role("link", name="Close the tactic").click()
    page.wait_for_url(f"**{board_url(campaign)}")
    assert panel.inner_html().strip() == ""
    # Focus goes back to the card that opened it.
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest"
        f"('#tactic-{second.pk}') !== null"
    )

    page.locator(f"#tactic-{first.pk} .card__title a").click()
    panel.get_by_role("heading", name="Quiet pilot").wait_for()
    page.keyboard.press("Escape")
    assert panel.inner_html().strip() == ""
    page.wait_for_url(f"**{board_url(campaign)}")
    assert page.evaluate("history.length") == start + 1


def test_a_panel_the_board_opened_itself_closes_without_going_back(
    page, log_in, live_server, member, campaign, board
):
    """Moving a card into Done asks for the outcome in the panel; that panel
    has no URL, so closing it leaves the history alone."""
    log_in(page, member)
    page.goto(board_url(campaign))
    pk = board["Quiet pilot"].pk
    page.locator(f"#tactic-{pk}").focus()
    page.keyboard.press("ArrowRight")
    page.locator("#panel").get_by_label("What happened").wait_for()
    assert page.url.endswith(board_url(campaign))
    page.locator("#panel").get_by_role("link", name="Not now").click()
    assert page.locator("#panel").inner_html().strip() == ""
    page.wait_for_timeout(200)
    assert page.url.endswith(board_url(campaign))


# ---- without JavaScript: a failed form is at a URL that opens as a page -------


def test_a_failed_form_without_javascript_is_safe_to_open_again(
    pages, browser, log_in, live_server, member, campaign, board, screenshot
):
    page = pages(browser, java_script_enabled=False)
    log_in(page, member)
    page.goto(board_url(campaign))
    page.locator("#col-planned").get_by_role("button", name="Add to Planned").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/campaigns/{campaign.pk}/tactics/new/")
    assert "Give the tactic a title." in page.locator("#col-planned").inner_text()
    screenshot(page, "history-nojs-failed-add", full_page=False)
    # Opening the same address (a bookmark, Enter in the address bar).
    response = page.goto(page.url)
    assert response.status == 200
    assert page.url.endswith(board_url(campaign))
    page.get_by_label("New tactic in Planned").wait_for()

    # A card's comment form, from the tactic's own page.
    tactic = board["Quiet pilot"]
    page.goto(tactic_url(campaign, tactic))
    # Only spaces: past the browser's own check, refused by the form.
    page.locator("#comments textarea").fill("   ")
    page.get_by_role("button", name="Comment").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{tactic_url(campaign, tactic)}comments/")
    response = page.goto(page.url)
    assert response.status == 200
    assert page.url.endswith(f"{tactic_url(campaign, tactic)}#comments")
    page.get_by_role("button", name="Comment").wait_for()
    screenshot(page, "history-nojs-comment-url-opened", full_page=False)
