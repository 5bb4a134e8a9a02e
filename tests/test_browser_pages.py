"""Every page, opened in a real browser by each role, without a single
console error: a Content Security Policy violation fails the test. And
valid HTML as the browser holds it once the page's scripts have run, at the
desktop and the phone size (tests/markup.py)."""

import pytest

from tests.conftest import DESKTOP, PHONE
from tests.markup import problems
from tests.world import World, private_patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_every_page_opens_without_console_errors(
    page, log_in, client, live_server, role
):
    world = World()
    user = getattr(world, role)
    log_in(page, user)
    client.force_login(user)
    visited, invalid = 0, []
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
            html = page.content()
            if html not in seen:
                seen.add(html)
                invalid += [f"{url} {size['width']}px: {e}" for e in problems(html)]
        visited += 1
    assert visited >= 15
    assert not invalid, "\n".join(invalid)
    assert not page.console_errors, page.console_errors


def test_public_pages_open_without_console_errors(page, live_server):
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("main h1").count() == 1, path


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
