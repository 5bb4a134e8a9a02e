"""In a real browser: the playbook wizard end to end, and a progress report
printed to PDF by Chromium."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, ProgressReport, Stance, TacticStatus
from tests import factories as f
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_playbook_wizard_end_to_end(page, log_in, owner, team, screenshot):
    log_in(page, owner)
    page.goto(reverse("campaign_list"))
    page.get_by_role("link", name="Start from the playbook").click()
    page.wait_for_url(f"**{reverse('playbook_start', args=[team.pk])}")
    screenshot(page, "playbook-wizard")

    # A missing answer comes back with its message, the rest kept.
    page.get_by_label("Campaign name").fill("A staff blog")
    page.get_by_role("button", name="Start the campaign").click()
    assert page.get_by_text("Name the person who decides.").is_visible()
    assert page.get_by_label("Campaign name").input_value() == "A staff blog"

    page.get_by_label("Their name").fill("Dana Reyes")
    page.get_by_label("Their role or title").fill("Chief executive")
    page.get_by_label("What do they care about?").fill("Reaching younger members.")
    page.get_by_label("Goal, in their terms").fill("Reach younger members cheaply.")
    page.get_by_label("The first step you will ask for").fill("Three months of a blog")
    page.get_by_label("Medium: a pilot of about three months").check()
    page.get_by_label("Run a small pilot and come back with numbers").check()
    page.get_by_role("button", name="Start the campaign").click()

    campaign = Campaign.objects.get(name="A staff blog")
    page.wait_for_url(f"**{reverse('board', args=[campaign.pk])}")
    assert page.get_by_text(
        "Run a small pilot and come back with numbers"
    ).first.is_visible()
    keys = set(campaign.tactics.values_list("playbook_key", flat=True))
    assert keys == {"start-small", "report-often", "quiet-pilot"}
    assert campaign.stakeholders.get().is_decider
    # A quiet pilot shows its lock to the team.
    # Marked private as the tactic form does it: a save, which the board's
    # cached cards notice (a queryset update() would go unseen).
    pilot = campaign.tactics.get(playbook_key="quiet-pilot")
    pilot.is_private = True
    pilot.save()
    page.reload()
    assert page.locator(".card__private").count() == 1
    assert page.locator(".card__private").is_visible()
    screenshot(page, "playbook-wizard-board")

    page.goto(reverse("playbook", args=[team.pk]))
    assert page.get_by_role("heading", name="Risk: handle with care").is_visible()
    screenshot(page, "playbook-page")


def test_report_prints_to_pdf(page, log_in, owner, campaign, screenshot):
    today = timezone.localdate()
    boss = f.StakeholderFactory(
        campaign=campaign, name="Dana Reyes", is_decider=True, stance=Stance.SUPPORTIVE
    )
    f.StanceChangeFactory(
        stakeholder=boss,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.SUPPORTIVE,
        reason="The pilot numbers convinced her.",
    )
    for n, title in enumerate(["Lunch-and-learn for staff", "Peer examples on a page"]):
        f.TacticFactory(
            campaign=campaign,
            title=title,
            status=TacticStatus.DONE,
            outcome="32 colleagues came; five asked for a follow-up.",
            completed_at=timezone.now() - datetime.timedelta(days=n + 1),
        )
    f.TacticFactory(
        campaign=campaign,
        title="Ask for a blog pilot",
        status=TacticStatus.PLANNED,
        due_on=today + datetime.timedelta(days=5),
        assignee=owner,
    )
    log_in(page, owner)
    page.goto(reverse("report_create", args=[campaign.pk]))
    page.get_by_role("button", name="Write the draft").click()
    report = ProgressReport.objects.get(campaign=campaign)
    page.wait_for_url(f"**{reverse('report_edit', args=[campaign.pk, report.pk])}")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(f"**{reverse('report_detail', args=[campaign.pk, report.pk])}")
    assert page.get_by_role("button", name="Print").is_visible()
    screenshot(page, "report-screen")

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf_path = SCREENSHOTS / "report-print-a4.pdf"
    pdf_path.write_bytes(pdf)
    page.screenshot(path=str(SCREENSHOTS / "report-print-media.png"), full_page=True)
    # On paper: no navigation, no buttons, the report itself.
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.get_by_role("button", name="Mark as sent").is_visible()
    assert page.get_by_role("heading", name="What we did").is_visible()
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf_path),
                str(SCREENSHOTS / "report-print-a4"),
            ],
            check=True,
        )
        text = subprocess.run(
            ["pdftotext", str(pdf_path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Lunch-and-learn for staff" in text
        assert "Thank you to Dana Reyes" in text
        assert "Campaigns" not in text.split("Lunch-and-learn")[0]

    page.emulate_media(media="screen")
    page.get_by_role("button", name="Mark as sent").click()
    page.wait_for_url(f"**{reverse('report_detail', args=[campaign.pk, report.pk])}")
    assert page.get_by_text("Sent", exact=True).first.is_visible()
    report.refresh_from_db()
    assert report.is_sent


def test_objections_evidence_and_import(
    page, log_in, owner, campaign, screenshot, tmp_path
):
    boss = f.StakeholderFactory(campaign=campaign, name="Dana Reyes", is_decider=True)
    f.MilestoneFactory(
        campaign=campaign, title="Pilot readers", target_value=100, current_value=100
    )
    log_in(page, owner)

    page.goto(boss.get_absolute_url())
    page.get_by_label("Objection", exact=True).fill("No budget")
    page.get_by_role("button", name="Record objection").click()
    page.wait_for_url(f"**{boss.get_absolute_url()}*")
    screenshot(page, "objections-stakeholder")
    page.get_by_role("link", name="“No budget”").click()
    page.get_by_label("Kind of evidence").select_option(label="Milestone reached")
    page.get_by_label("Milestone reached").select_option(label="Pilot readers")
    page.get_by_role("button", name="Add evidence").click()
    assert page.get_by_text("Milestone “Pilot readers”: 100 of 40").count() == 0
    assert page.get_by_text("Milestone “Pilot readers”: 100 of 100").is_visible()
    screenshot(page, "objections-detail")

    page.goto(campaign.get_absolute_url())
    section = page.get_by_role("region", name="Open objections of the deciders")
    assert section.get_by_text("“No budget”").is_visible()
    screenshot(page, "objections-overview")

    bad = tmp_path / "people.csv"
    bad.write_text("name,power\nAlex Moss,3\nBad Row,9\n")
    page.goto(reverse("transfer", args=[campaign.pk]))
    page.get_by_label("CSV file of stakeholders").set_input_files(str(bad))
    page.get_by_role("button", name="Preview the import").click()
    assert page.get_by_role("heading", name="Nothing was imported").is_visible()
    assert page.get_by_role("cell", name="Row 3").is_visible()
    screenshot(page, "import-errors")

    good = tmp_path / "good.csv"
    good.write_text("name,power,stance\nAlex Moss,3,Curious\nKim Lee,5,Opposed\n")
    page.get_by_label("CSV file of stakeholders").set_input_files(str(good))
    page.get_by_role("button", name="Preview the import").click()
    screenshot(page, "import-preview")
    page.get_by_role("button", name="Import 2 stakeholders").click()
    page.wait_for_url(f"**{reverse('stakeholder_list', args=[campaign.pk])}")
    assert set(campaign.stakeholders.values_list("name", flat=True)) == {
        "Dana Reyes",
        "Alex Moss",
        "Kim Lee",
    }
