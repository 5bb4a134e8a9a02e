"""Emailing a progress report in a real browser, and the read-only copy its
recipients open without an account, at desktop and phone size."""

import datetime
import re

import pytest
from django.core import mail as outbox
from django.utils import timezone

from campaigns import reports
from tests.conftest import DESKTOP, PHONE, open_page
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_email_a_report_and_open_its_web_copy(
    browser, live_server, log_in, owner, campaign, screenshot, viewport
):
    size = "phone" if viewport == PHONE else "desktop"
    StakeholderFactory(campaign=campaign, name="Dana Okafor", email="dana@example.org")
    StakeholderFactory(campaign=campaign, name="Sam Reyes")
    end = timezone.localdate()
    report = reports.create_report(
        campaign, end - datetime.timedelta(days=14), end, owner
    )
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, owner)
    page.goto(f"/campaigns/{campaign.pk}/reports/{report.pk}/")
    page.get_by_role("link", name="Email it").click()
    page.get_by_label("Dana Okafor <dana@example.org>").check()
    page.get_by_label("Other addresses").fill("board@example.org, oops")
    page.get_by_role("button", name="Send the report").click()
    page.get_by_text("Not an email address: oops.").wait_for()
    assert page.get_by_label("Other addresses").input_value() == (
        "board@example.org, oops"
    )
    assert page.get_by_label("Dana Okafor <dana@example.org>").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"report-email-form-{size}")
    page.get_by_label("Other addresses").fill("board@example.org")
    page.get_by_role("button", name="Send the report").click()
    page.get_by_role("heading", name="Who it went to").wait_for()
    assert page.get_by_text("board@example.org").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"report-email-sent-{size}")
    assert sorted(m.to[0] for m in outbox.outbox) == [
        "board@example.org",
        "dana@example.org",
    ]
    link = re.search(r"/shared/reports/[^/\s]+/", outbox.outbox[0].body).group(0)
    assert not page.console_errors, page.console_errors
    page.context.close()

    reader = open_page(browser, live_server, viewport=viewport)
    reader.goto(link)
    reader.get_by_role("heading", name=report.title).wait_for()
    assert reader.get_by_text("shared with you").is_visible()
    assert reader.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(reader, f"report-shared-{size}")
    assert not reader.console_errors, reader.console_errors
    reader.context.close()
