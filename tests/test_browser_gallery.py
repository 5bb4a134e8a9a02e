"""The main pages as a new user first sees them, with the demo that `make
run` loads: at the desktop and the phone size, with no console error, no
sideways scroll and no main control off-screen, and a screenshot of each
(screenshots/gallery-*.png) for people to look at."""

import io

import pytest
from django.core.management import call_command

from campaigns.management.commands.seed_demo import DEMO_CAMPAIGN, DEMO_EMAIL
from campaigns.models import Campaign, ProgressReport, User
from tests.conftest import DESKTOP, PHONE, open_page
from tests.test_browser_pages import LAYOUT_PROBLEMS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages_of(campaign):
    report = ProgressReport.objects.filter(campaign=campaign).latest("pk")
    base = f"/campaigns/{campaign.pk}"
    return {
        "overview": f"{base}/",
        "board": f"{base}/board/",
        "grid": f"{base}/grid/",
        "influence-map": f"{base}/influence-map/",
        "pipeline": f"{base}/pipeline/",
        "report": f"{base}/reports/{report.pk}/",
        "playbook": f"/teams/{campaign.team_id}/playbook/",
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_demo_pages(browser, live_server, log_in, screenshot, viewport):
    call_command("seed_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(name=DEMO_CAMPAIGN)
    page = open_page(browser, live_server, viewport=viewport)
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, User.objects.get(email=DEMO_EMAIL))
    size = "phone" if viewport == PHONE else "desktop"
    misfit = []
    for name, url in pages_of(campaign).items():
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        misfit += [f"{name}: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
        screenshot(page, f"gallery-{name}-{size}")
    page.context.close()
    assert not misfit, misfit
    assert not errors, errors
