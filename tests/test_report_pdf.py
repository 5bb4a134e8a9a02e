"""Report PDFs, made off the request path (Celery eager here, as without
Redis): pending, then ready and reused while the report reads the same, a new
one after an edit, failed with a retry, one render for two requests, bounded
attempts, and a fetcher that serves nothing but the app's static files."""

import datetime
import re
import shutil
import subprocess
import sys

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from advocacy import celery_app
from campaigns import report_pdf as pdfs
from campaigns import tasks
from campaigns.models import ReportPdf, ReportStatus
from tests import factories as f

READY, PENDING, FAILED = (
    ReportPdf.Status.READY,
    ReportPdf.Status.PENDING,
    ReportPdf.Status.FAILED,
)


def pdf_url(report, paper=""):
    url = reverse("report_pdf", args=[report.campaign_id, report.pk])
    return f"{url}?paper={paper}" if paper else url


def status_url(report, paper=""):
    url = reverse("report_pdf_status", args=[report.campaign_id, report.pk])
    return f"{url}?paper={paper}" if paper else url


def pdf_text(data, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def queued(monkeypatch):
    """Every render queued, by pk; each one still runs (eagerly) when the
    request's transaction commits."""
    task = celery_app.tasks[pdfs.RENDER_TASK]
    calls = []
    real = task.apply_async

    def apply_async(args, **kwargs):
        calls.append(args[0])
        return real(args, **kwargs)

    monkeypatch.setattr(task, "apply_async", apply_async)
    return calls


@pytest.fixture
def report(campaign):
    return f.ProgressReportFactory(
        campaign=campaign,
        title="Blog pilot: progress to 14 Oct 2026",
        sections={"summary": "We ran the pilot.", "done": "- Lunch-and-learn: 32"},
    )


@pytest.fixture
def owner_web(client_for, owner):
    return client_for(owner)


# ---- the states, through the pages ---------------------------------------------


def test_pending_then_ready_then_served(
    owner_web, report, queued, django_capture_on_commit_callbacks, tmp_path
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_web.get(pdf_url(report))
    # Not made in the request: the reader is sent to the page that waits.
    assert response.status_code == 302
    assert response["Location"] == status_url(report)
    pdf = ReportPdf.objects.get()
    assert pdf.status == PENDING and pdf.paper == "a4" and pdf.attempts == 0
    assert len(pdf.key) == 64 and pdf.html.startswith("<!doctype html>")

    page = owner_web.get(status_url(report))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Your PDF is being made" in html
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "Download the PDF" not in html
    # No inline script: every script comes from a file (the CSP allows no other).
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))

    for callback in callbacks:  # the request's transaction commits
        callback()
    assert queued == [pdf.pk]
    pdf.refresh_from_db()
    assert pdf.status == READY and pdf.attempts == 1 and pdf.finished_at
    assert pdf.html == ""  # only kept until the PDF is made

    page = owner_web.get(status_url(report)).content.decode()
    assert "Your PDF is ready" in page and "http-equiv" not in page
    assert f'href="{pdf_url(report)}"' in page
    download = owner_web.get(pdf_url(report))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    name = f"{report.campaign.name} {report.period_end:%Y-%m-%d}"
    assert download["Content-Disposition"] == (
        f'attachment; filename="{slugify(name)}.pdf"'
    )
    assert download.content.startswith(b"%PDF")
    assert "Blog pilot: progress to 14 Oct 2026" in pdf_text(download.content, tmp_path)
    assert queued == [pdf.pk]  # served, not made again


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_the_first_request_serves_the_pdf(client_for, queued):
    """As `make run` without Redis: Celery is eager and there is no enclosing
    transaction, so the render happens in the request that asked for it."""
    assert settings.CELERY_TASK_ALWAYS_EAGER
    membership = f.MembershipFactory()
    campaign = f.CampaignFactory(team=membership.team, lead=membership.user)
    report = f.ProgressReportFactory(campaign=campaign)
    web = client_for(membership.user)
    for paper in ("", "letter"):
        response = web.get(pdf_url(report, paper))
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        assert "attachment" in response["Content-Disposition"]
    assert len(queued) == 2
    assert set(ReportPdf.objects.values_list("paper", "status")) == {
        ("a4", READY),
        ("letter", READY),
    }


def test_same_content_is_reused_and_an_edit_makes_a_new_one(
    owner_web, report, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_web.get(pdf_url(report))
    first = ReportPdf.objects.get()
    assert first.status == READY
    before = owner_web.get(pdf_url(report)).content

    with django_capture_on_commit_callbacks(execute=True):
        again = owner_web.get(pdf_url(report))
    assert again.content == before
    assert queued == [first.pk]  # reused

    report.sections = {**report.sections, "summary": "We ran the pilot twice."}
    report.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_web.get(pdf_url(report)).status_code == 302
    second = ReportPdf.objects.exclude(pk=first.pk).get()
    assert second.key != first.key and second.status == READY
    assert queued == [first.pk, second.pk]
    # The earlier version's PDF is not served again, so it is not kept.
    assert not ReportPdf.objects.filter(pk=first.pk).exists()
    assert owner_web.get(pdf_url(report)).content != before

    # Letter paper is a PDF of its own.
    with django_capture_on_commit_callbacks(execute=True):
        owner_web.get(pdf_url(report, "letter"))
    assert ReportPdf.objects.filter(paper="letter", status=READY).count() == 1
    assert ReportPdf.objects.filter(paper="a4", status=READY).count() == 1


def test_an_older_version_finishing_late_keeps_the_newer_pdf(
    report, django_capture_on_commit_callbacks
):
    earlier = timezone.now() - datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks():  # its worker is slow
        old = pdfs.request(
            report, pdfs.document(report.campaign, report), "a4", earlier
        )
    report.sections = {"summary": "Edited since."}
    report.save()
    with django_capture_on_commit_callbacks(execute=True):
        new = pdfs.request(report, pdfs.document(report.campaign, report), "a4")
    assert pdfs.render(old.pk) == READY
    assert set(ReportPdf.objects.values_list("pk", "status")) == {
        (old.pk, READY),
        (new.pk, READY),
    }


def test_two_requests_queue_one_render(
    owner_web, client_for, member, report, queued, django_capture_on_commit_callbacks
):
    """Two clicks (or the same report asked for by two teammates) while the
    first render is pending: one row, one task."""
    member_web = client_for(member)
    with django_capture_on_commit_callbacks() as callbacks:
        owner_web.get(pdf_url(report))
        owner_web.get(pdf_url(report))
        member_web.get(status_url(report))
    assert ReportPdf.objects.count() == 1
    assert len(callbacks) == 1


def test_a_second_machine_claiming_first_does_not_queue_again(
    report, queued, monkeypatch, django_capture_on_commit_callbacks
):
    """Both machines find no row; the one whose insert loses to the unique
    constraint takes the winner's row instead of queueing a second render."""
    html = pdfs.document(report.campaign, report)
    key = pdfs.key_for(html, "a4")
    winner = ReportPdf.objects.create(report=report, key=key, html=html)
    real = pdfs._row
    looked = []

    def not_there_yet(report, key):
        looked.append(key)
        return ReportPdf.objects.none() if len(looked) == 1 else real(report, key)

    monkeypatch.setattr(pdfs, "_row", not_there_yet)
    with django_capture_on_commit_callbacks() as callbacks:
        pdf = pdfs.request(report, html, "a4")
    assert pdf.pk == winner.pk and pdf.status == PENDING
    assert callbacks == [] and queued == []
    with pytest.raises(IntegrityError):
        ReportPdf.objects.create(report=report, key=key)


@pytest.fixture
def sent(campaign):
    return f.ProgressReportFactory(
        campaign=campaign, status=ReportStatus.SENT, sent_at=timezone.now()
    )


def test_a_failed_render_says_so_and_a_writer_may_retry(
    owner_web, client_for, viewer, sent, queued, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    report = sent
    real = pdfs.make_pdf
    broken = [True]

    def make_pdf(html, paper):
        if broken[0]:
            raise RuntimeError("a bug in the layout")
        return real(html, paper)

    monkeypatch.setattr(pdfs, "make_pdf", make_pdf)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_web.get(pdf_url(report))
    assert response["Location"] == status_url(report)
    pdf = ReportPdf.objects.get()
    assert pdf.status == FAILED and pdf.error == pdfs.BROKEN and pdf.html

    page = owner_web.get(status_url(report)).content.decode()
    assert "The PDF could not be made" in page and "http-equiv" not in page
    assert ">Try again</button>" in page and 'name="paper" value="a4"' in page
    # Asking again does not render again: a failure is kept until a retry.
    with django_capture_on_commit_callbacks(execute=True):
        owner_web.get(pdf_url(report))
    assert queued == [pdf.pk]

    # Viewers read sent reports and their PDFs, but change nothing.
    viewer_web = client_for(viewer)
    page = viewer_web.get(status_url(report)).content.decode()
    assert "The PDF could not be made" in page and ">Try again</button>" not in page
    assert viewer_web.post(status_url(report)).status_code == 403
    assert ReportPdf.objects.get().status == FAILED

    broken[0] = False  # the bug is fixed
    with django_capture_on_commit_callbacks(execute=True):
        retried = owner_web.post(status_url(report), {"paper": "a4"})
    assert retried["Location"] == status_url(report)
    pdf.refresh_from_db()
    assert pdf.status == READY and pdf.error == "" and pdf.attempts == 1
    assert queued == [pdf.pk, pdf.pk]
    assert viewer_web.get(pdf_url(report)).content.startswith(b"%PDF")


def test_retrying_a_pdf_that_is_not_failed_queues_nothing(
    owner_web, report, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_web.get(pdf_url(report))
        owner_web.post(status_url(report), {"paper": "a4"})
        owner_web.post(status_url(report), {"paper": "a4"})
    assert len(queued) == 1
    assert ReportPdf.objects.get().status == READY


def test_without_the_pdf_library_the_page_says_to_print(
    owner_web, report, monkeypatch, django_capture_on_commit_callbacks
):
    # As on a server without WeasyPrint's system libraries: the import fails.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with django_capture_on_commit_callbacks(execute=True):
        owner_web.get(pdf_url(report))
    assert ReportPdf.objects.get().error == pdfs.UNAVAILABLE
    page = owner_web.get(status_url(report)).content.decode()
    assert "Use Print" in page and "Pango" in page


def test_a_broker_outage_fails_the_pdf_so_it_can_be_retried(
    owner_web, report, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(celery_app.tasks[pdfs.RENDER_TASK], "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        owner_web.get(pdf_url(report))
    pdf = ReportPdf.objects.get()
    assert pdf.status == FAILED and pdf.error == pdfs.NOT_QUEUED
    assert ">Try again</button>" in owner_web.get(status_url(report)).content.decode()


def test_viewers_get_the_pdf_of_sent_reports_only(client_for, viewer, campaign):
    draft = f.ProgressReportFactory(campaign=campaign)
    web = client_for(viewer)
    for url in (pdf_url(draft), status_url(draft)):
        response = web.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("report_list", args=[campaign.pk])
    assert not ReportPdf.objects.exists()


def test_odd_methods_and_paper_change_nothing(owner_web, report):
    for method in ("put", "patch", "delete"):
        assert getattr(owner_web, method)(pdf_url(report)).status_code == 405
        assert getattr(owner_web, method)(status_url(report)).status_code == 405
    assert owner_web.post(pdf_url(report)).status_code == 405
    owner_web.get(status_url(report, "tabloid"))
    assert list(ReportPdf.objects.values_list("paper", flat=True)) == ["a4"]


# ---- the worker's side: bounded work -------------------------------------------


def test_the_task_has_time_limits_and_runs_on_the_default_queue():
    task = tasks.render_report_pdf
    assert task.name == pdfs.RENDER_TASK
    assert task.soft_time_limit == pdfs.SOFT_TIME_LIMIT
    assert task.time_limit == pdfs.TIME_LIMIT > pdfs.SOFT_TIME_LIMIT
    assert task.acks_late
    # The compose worker consumes the default queue; nothing routes it away.
    assert not getattr(settings, "CELERY_TASK_ROUTES", None)


def test_a_render_past_the_soft_time_limit_fails_as_too_slow(report, monkeypatch):
    pdf = ReportPdf.objects.create(report=report, key="k" * 64, html="<p>x</p>")

    def slow(html, paper):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(pdfs, "make_pdf", slow)
    assert tasks.render_report_pdf.apply(args=(pdf.pk,)).get() == FAILED
    pdf.refresh_from_db()
    assert pdf.status == FAILED and pdf.error == pdfs.TOO_SLOW


def test_a_row_is_rendered_at_most_max_attempts_times(report, monkeypatch):
    """A task whose worker dies mid-render is delivered again (acks_late); one
    that kills its worker every time stops after MAX_ATTEMPTS."""
    pdf = ReportPdf.objects.create(
        report=report, key="k" * 64, html="<p>x</p>", attempts=pdfs.MAX_ATTEMPTS
    )
    made = []
    monkeypatch.setattr(pdfs, "make_pdf", lambda html, paper: made.append(1))
    assert pdfs.render(pdf.pk) == FAILED
    assert made == []
    pdf.refresh_from_db()
    assert pdf.error == pdfs.TOO_SLOW


def test_a_repeated_delivery_of_a_ready_pdf_does_nothing(report, monkeypatch):
    pdf = ReportPdf.objects.create(
        report=report, key="k" * 64, status=READY, content=b"%PDF-1.7 made"
    )
    monkeypatch.setattr(pdfs, "make_pdf", lambda html, paper: pytest.fail("made"))
    assert pdfs.render(pdf.pk) == READY
    assert pdfs.render(10**12) is None  # gone: the report was deleted
    pdf.refresh_from_db()
    assert bytes(pdf.content) == b"%PDF-1.7 made"


def test_a_pending_pdf_whose_task_was_lost_is_queued_again(
    report, queued, django_capture_on_commit_callbacks
):
    html = pdfs.document(report.campaign, report)
    long_ago = timezone.now() - pdfs.STALE_AFTER - datetime.timedelta(minutes=1)
    pdf = ReportPdf.objects.create(
        report=report, key=pdfs.key_for(html, "a4"), html=html, requested_at=long_ago
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert pdfs.request(report, html, "a4").status == PENDING
    assert queued == [pdf.pk]
    pdf.refresh_from_db()
    assert pdf.status == READY

    # One that was tried as often as it may be fails instead.
    pdf.status, pdf.attempts, pdf.requested_at = PENDING, pdfs.MAX_ATTEMPTS, long_ago
    pdf.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert pdfs.request(report, html, "a4").status == FAILED
    assert queued == [pdf.pk]


def test_the_key_is_the_content_and_the_paper():
    assert pdfs.key_for("<p>a</p>", "a4") == pdfs.key_for("<p>a</p>", "a4")
    assert pdfs.key_for("<p>a</p>", "a4") != pdfs.key_for("<p>a</p>", "letter")
    assert pdfs.key_for("<p>a</p>", "a4") != pdfs.key_for("<p>b</p>", "a4")


# ---- fetching nothing but the app's own static files -----------------------------

CSS = f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}css/print.css"


def test_the_fetcher_serves_the_apps_static_files():
    path = pdfs.static_file_for(CSS)
    assert path and path.endswith("print.css")
    response = pdfs.static_only_fetcher().fetch(CSS)
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "/etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/static/css/print.css",
        "https://pdf.invalid.example.org/static/css/print.css",
        "https://user@pdf.invalid/static/css/print.css",
        "https://pdf.invalid:8443/static/css/print.css",
        "http://pdf.invalid/static/css/print.css",
        "data:text/css,body{color:red}",
        "data:image/svg+xml;base64,PHN2Zy8+",
        f"{pdfs.PDF_ORIGIN}/etc/passwd",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}../../../etc/passwd",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}css/../../settings.py",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}%2e%2e/%2e%2e/etc/passwd",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}..%2f..%2fetc%2fpasswd",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}css%5c..%5c..%5cmanage.py",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}/etc/passwd",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}css//print.css",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}css/print.css?x=1",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}",
        f"{pdfs.PDF_ORIGIN}{settings.STATIC_URL}css/nothing-here.css",
        "https://[::1/static/css/print.css",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    assert pdfs.static_file_for(url) is None
    with pytest.raises(ValueError, match="Not one of the app's static files"):
        pdfs.static_only_fetcher().fetch(url)


def test_a_report_naming_other_urls_renders_without_them(tmp_path, monkeypatch):
    """WeasyPrint asks the fetcher for every reference; refused ones are left
    out and the PDF is still made."""
    asked = []
    real = pdfs.static_file_for

    def watching(url):
        asked.append(url)
        return real(url)

    monkeypatch.setattr(pdfs, "static_file_for", watching)
    html = (
        "<!doctype html><html><head>"
        '<link rel="stylesheet" href="file:///etc/passwd">'
        "</head><body><h1>Quiet pilot</h1>"
        '<img src="http://169.254.169.254/x.png" alt="">'
        '<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="">'
        '<img src="/static/../../etc/passwd" alt="">'
        "</body></html>"
    )
    data = pdfs.make_pdf(html, "a4")
    assert data.startswith(b"%PDF")
    assert "Quiet pilot" in pdf_text(data, tmp_path)
    assert any(u.startswith("file:") for u in asked)
    assert any(u.startswith("http://169.254") for u in asked)
