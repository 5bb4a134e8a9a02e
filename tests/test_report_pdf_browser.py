"""The page that waits for a report's PDF, in a real browser: it reloads
itself (no script, nothing the CSP refuses) until the worker is done, then
offers the download; a failed one offers a retry. On a desk and a phone."""

import pytest
from django.urls import reverse

from advocacy import celery_app
from campaigns import report_pdf as pdfs
from campaigns.models import ReportPdf
from tests import factories as f
from tests.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_worker(monkeypatch):
    """Renders are queued to a worker that has not got to them yet."""
    queued = []
    task = celery_app.tasks[pdfs.RENDER_TASK]
    monkeypatch.setattr(
        task, "apply_async", lambda args, **kwargs: queued.append(args[0])
    )
    return queued


def test_the_pdf_page_waits_then_offers_the_download(
    page, log_in, owner, campaign, busy_worker, screenshot
):
    report = f.ProgressReportFactory(
        campaign=campaign,
        title="Blog pilot: progress to 14 October",
        sections={"summary": "Forty colleagues came to the lunch-and-learn."},
    )
    log_in(page, owner)
    page.goto(reverse("report_detail", args=[campaign.pk, report.pk]))
    page.get_by_role("link", name="Download PDF").click()
    status = reverse("report_pdf_status", args=[campaign.pk, report.pk])
    page.wait_for_url(f"**{status}")
    heading = page.get_by_role("heading", name="Your PDF is being made")
    assert heading.is_visible()
    assert page.get_by_role("link", name="Check now").is_visible()
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    assert page.locator("script:not([src])").count() == 0
    screenshot(page, "report-pdf-being-made")
    page.set_viewport_size(PHONE)
    screenshot(page, "report-pdf-being-made-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    # The worker gets to it; the page, reloading itself, notices.
    assert len(busy_worker) == 1
    assert pdfs.render(busy_worker[0]) == ReportPdf.Status.READY
    page.get_by_role("heading", name="Your PDF is ready").wait_for()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    screenshot(page, "report-pdf-ready-phone")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    path = download.value.path()
    with open(path, "rb") as file:
        assert file.read(4) == b"%PDF"
    assert download.value.suggested_filename.endswith(".pdf")
    assert len(busy_worker) == 1  # served from the database


def test_a_failed_pdf_offers_a_retry(
    page, log_in, owner, campaign, busy_worker, screenshot, monkeypatch
):
    report = f.ProgressReportFactory(campaign=campaign)

    def broken(html, paper):
        raise RuntimeError("a bug in the layout")

    log_in(page, owner)
    page.goto(reverse("report_pdf", args=[campaign.pk, report.pk]) + "?paper=letter")
    with monkeypatch.context() as patch:
        patch.setattr(pdfs, "make_pdf", broken)
        assert pdfs.render(busy_worker[0]) == ReportPdf.Status.FAILED
    page.get_by_role("heading", name="The PDF could not be made").wait_for()
    assert page.get_by_text(pdfs.BROKEN).is_visible()
    assert page.get_by_text("US Letter paper").is_visible()
    screenshot(page, "report-pdf-failed")
    page.set_viewport_size(PHONE)
    screenshot(page, "report-pdf-failed-phone")

    page.get_by_role("button", name="Try again").click()
    page.get_by_role("heading", name="Your PDF is being made").wait_for()
    assert len(busy_worker) == 2 and busy_worker[0] == busy_worker[1]
    assert pdfs.render(busy_worker[1]) == ReportPdf.Status.READY
    page.get_by_role("heading", name="Your PDF is ready").wait_for()
    assert ReportPdf.objects.get().paper == "letter"
