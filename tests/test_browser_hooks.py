"""Webhooks and chat notifications in a real browser at desktop and phone
size: an owner adds an endpoint on loopback, sees its secret, a card move
reaches it, the delivery shows with its status code and is resent; a writer
connects a chat channel (a refused address first) and removes it."""

import pytest
from standardwebhooks.webhooks import Webhook

from campaigns import board
from campaigns.models import ChatHook, TacticStatus, WebhookEndpoint
from tests.conftest import DESKTOP, PHONE, open_page
from tests.factories import TacticFactory
from tests.hook_server import HookServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page, viewport):
    return page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_owner_adds_an_endpoint_and_resends_a_delivery(
    browser, live_server, log_in, owner, team, campaign, screenshot, viewport
):
    size = "phone" if viewport == PHONE else "desktop"
    tactic = TacticFactory(campaign=campaign, title="Lunch-and-learn")
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, owner)
    with HookServer() as server:
        page.goto(f"/teams/{team.pk}/")
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_label("Endpoint address").fill("http://10.0.0.7/hook")
        page.get_by_label("A tactic moves to another open column").check()
        page.get_by_role("button", name="Add the endpoint").click()
        page.get_by_text("10.0.0.7 is a private or local address.").wait_for()
        # What was typed and ticked is still there.
        assert page.get_by_label("Endpoint address").input_value() == (
            "http://10.0.0.7/hook"
        )
        assert page.get_by_label("A tactic moves to another open column").is_checked()
        page.get_by_label("Endpoint address").fill(server.url("/in"))
        page.get_by_role("button", name="Add the endpoint").click()
        page.get_by_text("Endpoint added.").wait_for()
        endpoint = WebhookEndpoint.objects.get()
        assert page.get_by_label("Signing secret").input_value() == endpoint.secret

        board.move_tactic(campaign, tactic.pk, TacticStatus.PLANNED, 0, owner)
        [(_, headers, body)] = server.to("/in")
        assert Webhook(endpoint.secret).verify(body, headers)["type"] == "tactic.moved"
        page.reload()
        section = page.locator(f"#endpoint-{endpoint.pk}")
        section.get_by_text("HTTP 204").wait_for()
        assert "Delivered" in section.inner_text()
        assert fits(page, viewport)
        screenshot(page, f"webhooks-{size}")
        section.get_by_role("button", name="Resend").click()
        page.get_by_text("Sending tactic.moved again.").wait_for()
        assert len(server.to("/in")) == 2
        page.get_by_role("button", name="New secret").click()
        page.get_by_text("New secret made.").wait_for()
    endpoint.refresh_from_db()
    assert page.get_by_label("Signing secret").input_value() == endpoint.secret
    assert endpoint.previous_secret
    assert not page.console_errors, page.console_errors
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_writer_connects_a_chat_channel(
    browser, live_server, log_in, member, campaign, screenshot, viewport
):
    size = "phone" if viewport == PHONE else "desktop"
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    with HookServer() as server:
        page.goto(f"/campaigns/{campaign.pk}/edit/")
        page.get_by_role("link", name="Chat notifications").click()
        page.get_by_label("Chat service").select_option(label="Mattermost")
        page.get_by_label("Incoming webhook address").fill("ftp://chat.example.org/x")
        page.get_by_role("button", name="Connect").click()
        page.get_by_text("Only http and https addresses are allowed.").wait_for()
        page.get_by_text("Choose at least one event.").wait_for()
        assert page.get_by_label("Chat service").input_value() == "mattermost"
        page.get_by_label("Incoming webhook address").fill(server.url("/mm"))
        page.get_by_label("A tactic is closed (done or didn't work)").check()
        page.get_by_label("A milestone is reached").check()
        page.get_by_role("button", name="Connect").click()
        page.get_by_text("Mattermost will hear about this campaign.").wait_for()
        hook = ChatHook.objects.get()
        assert hook.events == ["tactic.closed", "milestone.reached"]
        tactic = TacticFactory(campaign=campaign, title="Pilot", status="in_progress")
        board.move_tactic(campaign, tactic.pk, TacticStatus.DONE, 0, member)
        [(_, _, body)] = server.to("/mm")
        assert b"Pilot" in body
        page.reload()
        page.locator(f"#chat-hook-{hook.pk}").get_by_text("HTTP 204").wait_for()
        assert fits(page, viewport)
        screenshot(page, f"chat-hooks-{size}")
        page.get_by_role("button", name="Remove").click()
        page.get_by_text("No more Mattermost messages.").wait_for()
    assert not ChatHook.objects.exists()
    assert not page.console_errors, page.console_errors
    page.context.close()
