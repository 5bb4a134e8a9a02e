"""The import flow in a real browser: from the People page and the board,
a broken file's problems named by row next to the field, then a preview
and the import. Screenshots on desktop and a phone, for people to look at."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Influence, Role, Tactic
from tests import factories as f
from tests.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_people_and_tactics(page, log_in, live_server, screenshot, tmp_path):
    membership = f.MembershipFactory(role=Role.MEMBER, user__name="Lee Lead")
    lead = membership.user
    campaign = f.CampaignFactory(
        team=membership.team, lead=lead, name="Company blog pilot"
    )
    f.StakeholderFactory(campaign=campaign, name="Dana Okafor")
    log_in(page, lead)

    # Stakeholders: Import is on the People page.
    page.goto(f"/campaigns/{campaign.pk}/stakeholders/")
    page.get_by_role("link", name="Import from CSV").click()
    kinds = page.get_by_role("navigation", name="What to import")
    expect(kinds.get_by_role("link", name="Stakeholders")).to_have_attribute(
        "aria-current", "page"
    )
    broken = tmp_path / "people.csv"
    broken.write_bytes(
        "name;title;power;stance\r\n"
        "Priya Raman;Head of Finance;5;Opposed\r\n"
        "Sam Lee;Board chair;9;Lukewarm\r\n"
        "Dana Okafor;;;\r\n"
        'Ana Lima;"Director, Programmes;3;Supportive\r\n'
        "Kim Park;Adviser;2;Curious\r\n".encode("cp1252")
    )
    page.get_by_label("CSV file of stakeholders").set_input_files(str(broken))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    problems = page.get_by_role("alert")
    expect(problems.get_by_role("row")).to_have_count(5)  # header + 4 problems
    expect(problems).to_contain_text("Row 3")
    expect(problems).to_contain_text("A quote opened on this row is never closed")
    expect(page.get_by_text("4 problems in the file, listed above.")).to_be_visible()
    screenshot(page, "import-stakeholders-errors-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "import-stakeholders-errors-phone")
    page.set_viewport_size(DESKTOP)

    fixed = tmp_path / "people-fixed.csv"
    fixed.write_bytes(
        "name;title;power;stance\r\n"
        "Priya Raman;Head of Finance;5;Opposed\r\n"
        "Sam Lee;Board chair;4;Skeptical\r\n"
        'Ana Lima;"Director, Programmes";3;Supportive\r\n'
        "Kim Park;Adviser – “outside”;2;Curious\r\n".encode("cp1252")
    )
    page.get_by_label("CSV file of stakeholders").set_input_files(str(fixed))
    page.get_by_role("button", name="Preview the import").click()
    expect(
        page.get_by_role("heading", name="Preview: 4 stakeholders to import")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Adviser – “outside”")).to_be_visible()
    screenshot(page, "import-stakeholders-preview-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "import-stakeholders-preview-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Import 4 stakeholders").click()
    page.wait_for_url(f"**/campaigns/{campaign.pk}/stakeholders/")
    expect(page.get_by_text("Imported 4 stakeholders.")).to_be_visible()
    expect(page.get_by_role("link", name="Ana Lima")).to_be_visible()
    screenshot(page, "import-stakeholders-done-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "import-stakeholders-done-phone", full_page=False)
    page.set_viewport_size(DESKTOP)

    # Influencers: Import is on their page too.
    page.get_by_role("navigation", name="Pages in this section").get_by_role(
        "link", name="Influencers"
    ).click()
    page.get_by_role("link", name="Import from CSV").click()
    influencers = tmp_path / "influencers.csv"
    influencers.write_text(
        "name,relationship,influences\n"
        "Ruth Adeyemi,Former board chair,Priya Raman (5); Sam Lee\n"
    )
    page.get_by_label("CSV file of influencers").set_input_files(str(influencers))
    page.get_by_role("button", name="Preview the import").click()
    expect(
        page.get_by_role("cell", name="Priya Raman (5/5); Sam Lee (3/5)")
    ).to_be_visible()
    page.get_by_role("button", name="Import 1 influencer").click()
    page.wait_for_url(f"**/campaigns/{campaign.pk}/influencers/")
    assert Influence.objects.filter(influencer__name="Ruth Adeyemi").count() == 2

    # Tactics: Import is among the board's actions.
    page.get_by_role("navigation", name="Campaign sections").get_by_role(
        "link", name="Board"
    ).click()
    page.get_by_role("link", name="Import from CSV").click()
    tactics = tmp_path / "tactics.csv"
    tactics.write_text(
        "title\tstatus\tassignee\tdue_on\ttargets\tinfluencer\tprivate\n"
        f"Lunch-and-learn\tPlanned\t{lead.email}\t2026-11-05\tSam Lee\t\tno\n"
        "Quiet pilot\tIn progress\tLee Lead\t\tPriya Raman; Ana Lima\t"
        "Ruth Adeyemi\tyes\n"
        "Peer comparison\tBacklog\t\t\tPriya Raman\t\tno\n"
    )
    page.get_by_label("CSV file of tactics").set_input_files(str(tactics))
    page.get_by_role("button", name="Preview the import").click()
    expect(
        page.get_by_role("heading", name="Preview: 3 tactics to import")
    ).to_be_visible()
    screenshot(page, "import-tactics-preview-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "import-tactics-preview-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Import 3 tactics").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/board/$"))
    expect(page.get_by_role("link", name="Quiet pilot")).to_be_visible()
    screenshot(page, "import-tactics-done-board-desktop", full_page=False)
    page.set_viewport_size(PHONE)
    screenshot(page, "import-tactics-done-board-phone", full_page=False)
    assert Tactic.objects.filter(campaign=campaign).count() == 3
    assert not page.console_errors, page.console_errors


def test_viewers_see_no_import(page, log_in, live_server):
    membership = f.MembershipFactory(role=Role.VIEWER)
    campaign = f.CampaignFactory(team=membership.team)
    log_in(page, membership.user)
    for path in ("stakeholders/", "influencers/", "board/", "import-export/"):
        page.goto(f"/campaigns/{campaign.pk}/{path}")
        expect(page.locator("main h1")).to_be_visible()
        assert page.get_by_role("link", name=re.compile("Import")).count() == (
            0 if path != "import-export/" else 1  # the page's own tab
        )
    response = page.goto(f"/campaigns/{campaign.pk}/import/tactics/")
    assert response.status == 403
