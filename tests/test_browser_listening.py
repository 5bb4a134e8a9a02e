"""The Listening page in a real browser at desktop and phone size: follow a
feed served from loopback, keep a mention as evidence, dismiss another."""

import pytest

from campaigns.models import Mention, MentionStatus
from tests.conftest import DESKTOP, PHONE, open_page
from tests.factories import ObjectionFactory, StakeholderFactory
from tests.feeds import FeedServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_follow_a_feed_and_deal_with_its_mentions(
    browser, live_server, log_in, member, campaign, screenshot, viewport
):
    size = "phone" if viewport == PHONE else "desktop"
    dana = StakeholderFactory(campaign=campaign, name="Dana Okafor")
    ObjectionFactory(campaign=campaign, stakeholder=dana, text="Nobody will notice")
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    with FeedServer() as server:
        page.goto(f"/campaigns/{campaign.pk}/listening/")
        page.get_by_label("Feed address").fill(server.url("/rss"))
        page.get_by_role("button", name="Follow the feed").click()
        page.get_by_text("Following the feed.").wait_for()
        page.get_by_label("Feed address").fill(server.url("/malformed"))
        page.get_by_label("It is about").select_option(label="A rival")
        page.get_by_role("button", name="Follow the feed").click()
        page.get_by_text("That address is not an RSS or Atom feed.").first.wait_for()
    award = Mention.objects.get(guid="rss-1")
    item = page.locator(f"#mention-{award.pk}")
    assert "Riverside Library wins digital award" in item.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"listening-{size}")
    item.get_by_label("Evidence for").select_option(
        label="Dana Okafor: Nobody will notice"
    )
    item.get_by_role("button", name="Keep as evidence").click()
    page.get_by_text("Kept as evidence for").wait_for()
    budget = Mention.objects.get(guid="rss-2")
    page.locator(f"#mention-{budget.pk}").get_by_role("button", name="Dismiss").click()
    page.get_by_text("Dismissed.").wait_for()
    assert set(Mention.objects.values_list("status", flat=True)) == {
        MentionStatus.KEPT,
        MentionStatus.DISMISSED,
    }
    page.goto(f"/campaigns/{campaign.pk}/objections/")
    page.get_by_text("Riverside Library wins digital award").first.wait_for()
    assert not page.console_errors, page.console_errors
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_a_stakeholder_up_to_the_weekly_email(
    browser, live_server, log_in, member, campaign, screenshot, viewport
):
    from campaigns import listening_mail
    from campaigns.models import ListeningSubscription

    size = "phone" if viewport == PHONE else "desktop"
    dana = StakeholderFactory(
        campaign=campaign, name="Dana Okafor", email="dana@example.org"
    )
    StakeholderFactory(campaign=campaign, name="Sam Lee", email="sam@example.org")
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/listening/")
    page.get_by_label("Who").select_option(label="Dana Okafor (dana@example.org)")
    page.get_by_label("How they agreed").fill("Said yes over coffee on 2 December")
    # Forgetting the box keeps what was typed and says why.
    page.get_by_role("button", name="Sign them up").click()
    page.get_by_text("Sign someone up only once they have agreed to it.").wait_for()
    assert page.get_by_label("How they agreed").input_value().startswith("Said yes")
    page.get_by_label("They agreed to get a weekly email").check()
    page.get_by_role("button", name="Sign them up").click()
    page.get_by_text("Dana Okafor will get the weekly email").wait_for()
    listener = ListeningSubscription.objects.get(stakeholder=dana)
    assert listener.recorded_by == member
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_role(
        "heading", name="Weekly email to stakeholders"
    ).scroll_into_view_if_needed()
    screenshot(page, f"listening-listeners-{size}")

    # Dana unsubscribes from her email; the team sees it.
    token = listening_mail.unsubscribe_token(listener)
    other = browser.new_context(viewport=viewport).new_page()
    other.goto(f"{live_server.url}/listening/unsubscribe/{token}/")
    other.get_by_role("button", name="Unsubscribe").click()
    other.get_by_text("You are unsubscribed").wait_for()
    other.context.close()
    page.reload()
    page.get_by_text("Unsubscribed on").wait_for()
    assert not page.console_errors, page.console_errors
    page.context.close()
