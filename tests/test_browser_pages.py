"""Every page, opened in a real browser by each role, without a single
console error: a Content Security Policy violation fails the test. And
valid HTML as the browser holds it once the page's scripts have run, at the
desktop and the phone size (tests/markup.py). At both sizes no page scrolls
sideways and its main controls (the h1, the main form's submit button) are
on the screen."""

import pytest

from tests.conftest import DESKTOP, PHONE
from tests.markup import problems
from tests.world import World, private_patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What is wrong with the page's width at the current size: the document wider
# than the window (the page scrolls sideways), or a main control out of sight
# to the left or right. The main form is the visible form in <main> with the
# most fields, outside closed menus, dialogs and the board's and pipeline's
# own scrolling columns; its primary button is its first submit button.
LAYOUT_PROBLEMS = """() => {
  const width = window.innerWidth;
  const problems = [];
  const wide = document.documentElement.scrollWidth;
  if (wide > width) problems.push(`the page is ${wide}px wide`);
  const offScreen = (el, what) => {
    const box = el.getBoundingClientRect();
    if (box.left < -0.5 || box.right > width + 0.5) {
      const from = Math.round(box.left), to = Math.round(box.right);
      problems.push(`${what} is off-screen (${from} to ${to}px)`);
    }
  };
  const h1 = document.querySelector("main h1");
  if (h1) offScreen(h1, "the h1");
  const forms = Array.from(document.querySelectorAll("main form")).filter(
    (form) => form.checkVisibility()
      && !form.closest("details:not([open]), dialog, .board, .pipeline")
  );
  forms.sort((a, b) => b.elements.length - a.elements.length);
  const submits = forms.length ? Array.from(forms[0].querySelectorAll(
    'button[type="submit"], button:not([type]), input[type="submit"]'
  )).filter((each) => each.checkVisibility()) : [];
  const button = submits[0];
  if (button) offScreen(button, `the button "${button.textContent.trim()}"`);
  return problems;
}"""

# Pages also kept as pictures at both sizes, by URL name.
PICTURED = {
    "board": "board",
    "campaign_detail": "overview",
    "stakeholder_grid": "grid",
    "influence_map": "influence-map",
    "stance_pipeline": "pipeline",
    "report_detail": "report",
}


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_every_page_opens_without_console_errors(
    page, log_in, client, live_server, role, screenshot
):
    world = World()
    user = getattr(world, role)
    log_in(page, user)
    client.force_login(user)
    visited, invalid, misfit = 0, [], []
    for pattern in private_patterns():
        url = world.url(pattern)
        answer = client.get(url)
        if answer.status_code != 200 or b"<!doctype html>" not in answer.content:
            continue  # Actions, redirects and fragments are not pages of their own.
        response = page.goto(live_server.url + url)
        assert response.status == 200, (url, response.status)
        assert page.locator("main").count() == 1, url
        assert page.locator("h1").count() >= 1, url
        # The DOM after the scripts ran: markup they add is checked too. A
        # resize is enough for the phone size, without loading again; the
        # same DOM is not parsed twice.
        seen = set()
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            name = "phone" if size == PHONE else "desktop"
            misfit += [f"{url} {name}: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
            if role == "owner" and pattern.name in PICTURED:
                screenshot(page, f"walk-{PICTURED[pattern.name]}-{name}")
            html = page.content()
            if html not in seen:
                seen.add(html)
                invalid += [f"{url} {size['width']}px: {e}" for e in problems(html)]
        visited += 1
    assert visited >= 15
    assert not invalid, "\n".join(invalid)
    assert not misfit, "\n".join(misfit)
    assert not page.console_errors, page.console_errors


def test_public_pages_open_without_console_errors(page, live_server):
    misfit = []
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("main h1").count() == 1, path
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            misfit += [
                f"{path} {size['width']}px: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)
            ]
    assert not misfit, "\n".join(misfit)


def test_owner_tools_and_error_pages_look_right(page, log_in, live_server, screenshot):
    from tests import factories as f

    world = World()
    campaign = world.objects["campaign"]
    for n in range(60):
        f.ActivityFactory(
            campaign=campaign, actor=world.owner, summary=f"Moved card {n} along"
        )
    team = world.team.pk
    log_in(page, world.owner)
    page.goto(f"{live_server.url}/teams/{team}/")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(f"**/teams/{team}/audit/")
    assert page.locator("main table tbody tr").count() == 50
    screenshot(page, "owner-tools-audit")
    page.get_by_label("What").select_option("campaign_created")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**verb=campaign_created**")
    assert page.get_by_text("Nothing recorded that matches").count() == 1
    page.goto(f"{live_server.url}/teams/{team}/delete/")
    page.get_by_label("Type the team's name to confirm").fill("not the name")
    page.get_by_role("button", name="Delete the team for everyone").click()
    assert page.get_by_text("That is not the team's name").count() == 1
    screenshot(page, "owner-tools-delete")
    page.goto(f"{live_server.url}/teams/{team}/leave/")
    page.get_by_role("button", name="Leave the team").click()
    assert page.get_by_role("alert").count() == 1
    screenshot(page, "owner-tools-leave-refused")
    response = page.goto(f"{live_server.url}/campaigns/999999/")
    assert response.status == 404
    assert page.locator("main h1").inner_text() == "This page is not here"
    screenshot(page, "error-404")
    assert not page.console_errors, page.console_errors


def test_a_phone_gets_a_menu_tabs_that_scroll_and_one_column_at_a_time(
    browser, log_in, live_server, screenshot
):
    from playwright.sync_api import expect

    from tests.conftest import open_page

    world = World()
    campaign = world.objects["campaign"]
    phone = open_page(browser, live_server, viewport=PHONE)
    log_in(phone, world.owner)
    phone.goto(f"/campaigns/{campaign.pk}/board/")
    # The header is one row; the nav and the account are in its menu.
    assert phone.locator(".site-header").bounding_box()["height"] < 70
    main_nav = phone.get_by_role("navigation", name="Main")
    expect(main_nav).to_be_hidden()
    phone.locator(".site-menu > summary").click()
    expect(main_nav.get_by_role("link", name="Campaigns")).to_be_visible()
    expect(phone.locator("summary", has_text="Account menu")).to_be_visible()
    screenshot(phone, "phone-menu-open", full_page=False)
    phone.keyboard.press("Escape")
    expect(main_nav).to_be_hidden()

    # One column at a time, and a switcher with each column's count.
    switcher = phone.get_by_role("navigation", name="Columns")
    expect(switcher).to_be_visible()
    count = phone.locator("#switch-in_progress-count")
    expect(count).to_have_text("0 tactics")
    switcher.get_by_role("link", name="Done").click()
    phone.wait_for_function(
        """() => Math.abs(
          document.getElementById("col-done").getBoundingClientRect().left
          - document.querySelector("#board .board").getBoundingClientRect().left
        ) < 2"""
    )
    screenshot(phone, "phone-board-done-column", full_page=False)
    switcher.get_by_role("link", name="Backlog").click()
    card = phone.locator(".card").first
    card.focus()  # a tap on the card: "Move to…" shows on the focused card
    card.get_by_text("Move to…").click()
    card.get_by_label("Column").select_option(label="In progress")
    card.get_by_role("button", name="Move").click()
    expect(count).to_have_text("1 tactics")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The current tab of a row too long for the screen is in sight.
    phone.goto(f"/campaigns/{campaign.pk}/reports/")
    tabs = phone.get_by_role("navigation", name="Campaign sections")
    row = tabs.bounding_box()
    tab = tabs.locator("[aria-current]").bounding_box()
    assert row["x"] - 1 <= tab["x"]
    assert tab["x"] + tab["width"] <= row["x"] + row["width"] + 1
    screenshot(phone, "phone-reports-tabs", full_page=False)
    phone.context.close()
    assert not phone.console_errors, phone.console_errors

    # A wide screen keeps its nav in the header, and all the columns.
    desk = open_page(browser, live_server)
    log_in(desk, world.owner)
    desk.goto(f"/campaigns/{campaign.pk}/board/")
    expect(desk.get_by_role("navigation", name="Main")).to_be_visible()
    expect(desk.locator(".site-menu > summary")).to_be_hidden()
    expect(desk.get_by_role("navigation", name="Columns")).to_be_hidden()
    desk.context.close()
    assert not desk.console_errors, desk.console_errors
