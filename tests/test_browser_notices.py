"""Notifications in a real browser at desktop and phone size: typing @ in a
comment offers the team's writers and inserts the chosen handle; the bell
shows the unread count and follows the board's version poll; reading them."""

import re

import pytest

from campaigns import notices
from campaigns.models import NoticeKind, Notification, Role
from tests.conftest import DESKTOP, PHONE, open_page
from tests.factories import MembershipFactory, TacticFactory, UserFactory

pytestmark = pytest.mark.browser


def size_of(viewport):
    return "phone" if viewport == PHONE else "desktop"


@pytest.fixture
def dana(team):
    user = UserFactory(email="dana.fox@example.org", name="Dana Fox")
    MembershipFactory(team=team, user=user, role=Role.MEMBER)
    return user


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_typing_at_offers_the_writers_and_inserts_one(
    browser, live_server, log_in, owner, dana, campaign, screenshot, viewport
):
    tactic = TacticFactory(campaign=campaign, title="Lunch and learn")
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, owner)
    page.goto(f"/campaigns/{campaign.pk}/tactics/{tactic.pk}/")
    box = page.get_by_label("Add a comment")
    box.click()
    box.press_sequentially("Can you bring the numbers, @da")
    options = page.get_by_role("listbox", name="Teammates to mention")
    options.wait_for()
    dana_option = options.get_by_role("option", name=re.compile("Dana Fox"))
    assert dana_option.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"mention-autocomplete-{size_of(viewport)}")
    # Escape closes the list and leaves the text; typing on offers it again.
    box.press("Escape")
    assert options.is_hidden()
    box.press_sequentially("n")
    options.wait_for()
    box.press("Enter")
    assert box.input_value() == "Can you bring the numbers, @dana.fox "
    assert options.is_hidden()
    box.press_sequentially("before Friday?")
    page.get_by_role("button", name="Comment").click()
    page.get_by_text("@dana.fox before Friday?").wait_for()
    notice = Notification.objects.get(user=dana)
    assert notice.kind == NoticeKind.MENTION and notice.actor == owner
    assert not page.console_errors, page.console_errors
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_bell_counts_follows_the_poll_and_marks_read(
    browser, live_server, log_in, owner, dana, campaign, screenshot, viewport
):
    tactic = TacticFactory(campaign=campaign, title="Pilot the blog")
    notices.notify(
        [dana],
        NoticeKind.ASSIGNED,
        "first",
        campaign,
        f"{owner} assigned you “Pilot the blog”",
        actor=owner,
        tactic=tactic,
    )
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, dana)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    assert bell.is_visible()
    # A teammate mentions Dana while the board is open: the board's own
    # version poll (every 15 s) brings the new count, with no poll of its own.
    [mention] = notices.notify(
        [dana],
        NoticeKind.MENTION,
        "second",
        campaign,
        f"{owner} mentioned you on “Pilot the blog”: @dana.fox over to you",
        actor=owner,
        tactic=tactic,
    )
    page.get_by_role("link", name="Notifications, 2 unread").wait_for(timeout=25_000)
    assert page.locator("#bell .bell__count").inner_text() == "2"
    screenshot(page, f"bell-on-board-{size_of(viewport)}", full_page=False)

    page.get_by_role("link", name="Notifications, 2 unread").click()
    page.wait_for_url("**/notifications/")
    page.get_by_role("heading", name="Notifications").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"notifications-{size_of(viewport)}")
    item = page.locator(f"#notice-{mention.pk}")
    item.get_by_role("button", name="Mark as read").click()
    page.get_by_role("link", name="Notifications, 1 unread").wait_for()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    # Opening the other goes to its card and marks it read.
    page.get_by_role("link", name=re.compile("assigned you")).click()
    page.wait_for_url(f"**/tactics/{tactic.pk}/")
    page.get_by_role("link", name="Notifications, 0 unread").wait_for()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert not page.console_errors, page.console_errors
    page.context.close()


def test_the_choices_on_the_email_settings_page(
    browser, live_server, log_in, dana, screenshot
):
    page = open_page(browser, live_server, viewport=PHONE)
    log_in(page, dana)
    page.goto("/settings/notifications/")
    group = page.get_by_role("group", name="Someone mentions me")
    group.get_by_label("In the weekly digest").check()
    page.get_by_role("button", name="Save email settings").click()
    page.get_by_text("Email settings saved.").wait_for()
    screenshot(page, "notification-choices-phone")
    dana.notification_preference.refresh_from_db()
    assert dana.notification_preference.mention_delivery == "digest"
    assert not page.console_errors, page.console_errors
    page.context.close()
