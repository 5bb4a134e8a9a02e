"""The API as people meet it, in a real browser at desktop and phone size:
README.md's script moves a card through the API against the live server and
the board shows it in its new column; a token is made and revoked on the
settings page; the docs page reads well."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from campaigns.api import tokens
from campaigns.models import Activity, ApiToken, Tactic, TacticStatus
from tests.conftest import DESKTOP, PHONE, open_page
from tests.factories import TacticFactory

pytestmark = pytest.mark.browser

README = Path(__file__).resolve().parent.parent / "README.md"
SIZES = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def readme_script():
    """The Python block that follows the API example marker in README.md."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- api-example -->\n```python\n(.*?)```", text, re.S)
    assert match, "README.md has lost its API example"
    return match[1]


def fits(page, viewport):
    return page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@SIZES
def test_the_readme_script_moves_a_card_and_the_board_shows_it(
    browser, live_server, log_in, member, campaign, screenshot, viewport, tmp_path
):
    size = "phone" if viewport == PHONE else "desktop"
    card = TacticFactory(
        campaign=campaign, title="Pilot the newsletter", status=TacticStatus.BACKLOG
    )
    TacticFactory(campaign=campaign, title="Ask the chair", status=TacticStatus.BACKLOG)
    TacticFactory(
        campaign=campaign, title="Lunch and learn", status=TacticStatus.IN_PROGRESS
    )
    # Ranks as the board gives them: the first card is on top of Backlog.
    Tactic.objects.filter(pk=card.pk).update(position=-5000)
    _, key = tokens.create(member, "README example")
    script = tmp_path / "move_card.py"
    script.write_text(readme_script(), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script)],
        env={
            **os.environ,
            "SITE": live_server.url,
            "TOKEN": key,
            "CAMPAIGN": str(campaign.pk),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert f"{card.pk} Backlog Pilot the newsletter" in run.stdout
    assert "Moved Pilot the newsletter to In progress" in run.stdout
    card.refresh_from_db()
    assert card.status == TacticStatus.IN_PROGRESS
    moved = Activity.objects.get(tactic=card, verb=Activity.Verb.TACTIC_MOVED)
    assert moved.actor == member

    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    page.goto(f"/campaigns/{campaign.pk}/board/")
    column = page.locator("#col-in_progress")
    if viewport == PHONE:
        page.locator('a[href="#col-in_progress"]').click()
    column.locator(f"#tactic-{card.pk}").wait_for()
    titles = column.locator(".card").all_inner_texts()
    assert "Pilot the newsletter" in titles[0], titles  # on top, as asked
    assert page.locator(f"#col-backlog #tactic-{card.pk}").count() == 0
    assert fits(page, viewport)
    screenshot(page, f"api-moved-card-{size}", full_page=False)
    assert not page.console_errors, page.console_errors
    page.context.close()


@SIZES
def test_a_token_made_in_the_browser_is_shown_once(
    browser, live_server, log_in, member, campaign, screenshot, viewport
):
    size = "phone" if viewport == PHONE else "desktop"
    page = open_page(browser, live_server, viewport=viewport)
    log_in(page, member)
    page.goto("/settings/notifications/")
    tokens_panel = page.locator("#api-tokens")
    tokens_panel.get_by_role("button", name="Make a token").click()
    page.get_by_text("Say what the token is for.").wait_for()
    page.get_by_label("What it is for").fill("Weekly board export")
    page.get_by_label("Works for").select_option(label="A year")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Make a token").click()
    page.get_by_text("Copy it now").wait_for()
    key = page.locator("#new-token-key").input_value()
    token = ApiToken.objects.get(user=member)
    assert token.key_hash == tokens.digest(key) and token.read_only
    assert fits(page, viewport)
    page.locator("#api-tokens").scroll_into_view_if_needed()
    screenshot(page, f"api-token-made-{size}", full_page=False)
    page.reload()
    assert page.locator("#new-token-key").count() == 0
    assert key not in page.content()
    page.get_by_role("button", name="Revoke Weekly board export").click()
    page.get_by_text("Revoked “Weekly board export”").wait_for()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not page.console_errors, page.console_errors
    page.context.close()


@SIZES
def test_the_docs_page(browser, live_server, screenshot, viewport, db):
    size = "phone" if viewport == PHONE else "desktop"
    page = open_page(browser, live_server, viewport=viewport)
    page.goto("/api/v1/docs/")
    page.get_by_role("heading", name="Endpoints").wait_for()
    move = page.locator("a", has_text="/move/").first
    move.click()
    page.locator(".api-op__title", has_text="move").first.wait_for()
    assert page.evaluate("location.hash").endswith("move_create")
    screenshot(page, f"api-docs-{size}", full_page=False)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => "
        "e.getBoundingClientRect().right > innerWidth + 1).map(e => "
        "e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert fits(page, viewport), wide
    assert not page.console_errors, page.console_errors
    page.context.close()
