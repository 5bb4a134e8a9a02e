"""A weekly lunch-and-learn in a real browser: set it to repeat on its card,
close it on the board, count who came, and find the next one in Planned."""

import pytest
from django.utils import timezone

from campaigns.models import Milestone, Tactic, TacticStatus
from tests.conftest import DESKTOP, PHONE, open_page
from tests.factories import MilestoneFactory, TacticFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def lunch(campaign, member):
    MilestoneFactory(
        campaign=campaign, title="Staff at a lunch-and-learn", current_value=0
    )
    return TacticFactory(
        campaign=campaign,
        title="Lunch-and-learn",
        status=TacticStatus.IN_PROGRESS,
        assignee=member,
        due_on=timezone.localdate(),
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_weekly_session_closes_and_the_next_is_planned(
    browser, live_server, log_in, member, campaign, lunch, screenshot, viewport
):
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    size = "phone" if viewport == PHONE else "desktop"
    page.goto(f"/campaigns/{campaign.pk}/tactics/{lunch.pk}/")
    form = page.locator("form.tactic-form")
    form.get_by_label("Repeats").select_option(label="Every week")
    form.get_by_label("Adds to milestone").select_option(
        label="Staff at a lunch-and-learn"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"recurring-form-{size}")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url("**/board/**")
    lunch.refresh_from_db()
    assert lunch.repeat == "FREQ=WEEKLY"

    # Closing it from the card's own page, the way that works without a drag.
    page.goto(f"/campaigns/{campaign.pk}/tactics/{lunch.pk}/")
    stop = page.get_by_role("button", name="Stop repeating")
    assert stop.is_visible()
    page.goto(f"/campaigns/{campaign.pk}/board/")
    card = page.locator(f"#tactic-{lunch.pk}")
    card.focus()
    page.keyboard.press("ArrowRight")
    panel = page.locator("#panel")
    panel.get_by_text("The next one is in Planned").wait_for()
    panel.get_by_label("How many it added").fill("12")
    screenshot(page, f"recurring-closed-{size}", full_page=False)
    panel.get_by_role("button", name="Save outcome").click()
    panel.get_by_text("Saved.").wait_for()
    following = Tactic.objects.get(follows=lunch)
    assert following.status == TacticStatus.PLANNED
    assert Milestone.objects.get(campaign=campaign).current_value == 12
    page.goto(f"/campaigns/{campaign.pk}/board/")
    planned = page.locator(f"#col-planned #tactic-{following.pk}")
    assert planned.count() == 1
    assert "Lunch-and-learn" in planned.inner_text()
    assert "Every week" in planned.inner_text()
    planned.scroll_into_view_if_needed()
    screenshot(page, f"recurring-board-{size}", full_page=False)
    assert not page.console_errors, page.console_errors
    page.context.close()
