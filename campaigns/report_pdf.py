"""Progress reports as PDF, made by the Celery worker, never in a request.

A PDF is made from the report's HTML and a paper size. Its key is the sha256
of both (and of the print style sheet), so content that reads the same is
made once and reused, and any change to what the report says gives a new key,
a new row and a new PDF. The rows (ReportPdf) live in the database: web and
worker machines share nothing else but Redis.

A row is pending (claimed and queued), ready (the bytes are in `content`) or
failed (`error` says why, and a teammate who can write may try again). Every
claim is one statement only one request can win, so two clicks, or the same
click on two machines, queue one render:

* the first request for a key inserts its row (the unique constraint sends
  every other one to that row instead);
* a retry, or a pending row whose task was lost, is taken over by a
  conditional UPDATE.

The work is bounded: the sections have a maximum length (REPORT_SECTION_MAX),
the task a soft and a hard time limit (tasks.py), and a row is rendered at
most MAX_ATTEMPTS times however often its task is delivered.

Without Redis Celery runs tasks eagerly: the render then happens in the
request that queued it, which finds its PDF ready at once.

Logic only: the task is queued by name (RENDER_TASK), tasks.py is never
imported here (tests/test_layering.py).
"""

import datetime
import functools
import hashlib
import logging
import mimetypes
import os
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from advocacy import celery_app

from . import reports as content
from .models import ReportPdf

log = logging.getLogger(__name__)

RENDER_TASK = "campaigns.tasks.render_report_pdf"
PAPERS = ReportPdf.Paper
Status = ReportPdf.Status

# Seconds: WeasyPrint is interrupted at the soft limit (the row fails with
# TOO_SLOW) and its process killed at the hard one. Fifteen pages of prose
# (every section at its maximum) take about a second; the slowest report the
# limits allow, thousands of one-word bullets over 180 pages, about twenty.
SOFT_TIME_LIMIT = 30
TIME_LIMIT = 45
# Renders started per row: a task whose worker was killed is delivered again
# (acks_late), and one that kills its worker every time must stop.
MAX_ATTEMPTS = 2
# A row pending this long lost its task (Redis restarted, say): the next
# request for it queues it again.
STALE_AFTER = datetime.timedelta(minutes=10)

UNAVAILABLE = (
    "PDF export is not available on this server (it needs the Pango library). "
    "Use Print to save the report as a PDF instead."
)
TOO_SLOW = "Making this PDF took too long. Shorten the report or use Print instead."
BROKEN = "Something went wrong while making it. Try again, or use Print instead."
NOT_QUEUED = "The PDF could not be queued. Try again in a minute."


def paper_from(value):
    return PAPERS.LETTER if value == PAPERS.LETTER else PAPERS.A4


def filename(campaign, report):
    name = slugify(f"{campaign.name} {report.period_end:%Y-%m-%d}") or "report"
    return f"{name}.pdf"


# ---- what a PDF is made from --------------------------------------------------


def document(campaign, report):
    """The report as the HTML page the PDF is rendered from."""
    return render_to_string(
        "reports/report_pdf.html",
        {
            "campaign": campaign,
            "report": report,
            "sections": content.for_display(report.sections),
        },
    )


@functools.cache
def _style_digest():
    """print.css changes what a PDF looks like, so it is part of the key."""
    path = static_file_for(_print_css_url())
    if path is None:
        return ""
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def key_for(html, paper):
    digest = hashlib.sha256()
    for part in (paper, _style_digest(), html):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


# ---- the states ---------------------------------------------------------------


def _row(report, key):
    # The bytes are read only to be served (see pdf_bytes).
    return ReportPdf.objects.defer("content", "html").filter(report=report, key=key)


def request(report, html, paper, now=None):
    """The PDF row for this content, claimed and queued if nobody has yet."""
    now = now or timezone.now()
    key = key_for(html, paper)
    pdf = _row(report, key).first()
    if pdf is None:
        try:
            with transaction.atomic():
                pdf = ReportPdf.objects.create(
                    report=report, key=key, paper=paper, html=html, requested_at=now
                )
        except IntegrityError:
            # Another click or machine claimed it first; its render serves both.
            return _row(report, key).get()
        return _queue(pdf)
    if pdf.status == Status.PENDING and pdf.requested_at < now - STALE_AFTER:
        if pdf.attempts >= MAX_ATTEMPTS:
            _fail(pdf.pk, TOO_SLOW)
            return _row(report, key).get()
        taken = ReportPdf.objects.filter(
            pk=pdf.pk, status=Status.PENDING, requested_at=pdf.requested_at
        ).update(requested_at=now)
        if taken:
            log.warning(
                "PDF %s pending since %s: queued again", pdf.pk, pdf.requested_at
            )
            return _queue(pdf)
        return _row(report, key).get()
    return pdf


def retry(report, html, paper, now=None):
    """A failed PDF for this content, claimed and queued once more."""
    key = key_for(html, paper)
    taken = ReportPdf.objects.filter(
        report=report, key=key, status=Status.FAILED
    ).update(
        status=Status.PENDING,
        html=html,
        error="",
        attempts=0,
        requested_at=now or timezone.now(),
        finished_at=None,
    )
    if taken:
        return _queue(_row(report, key).get())
    return request(report, html, paper, now=now)


def _queue(pdf):
    """Queue the render once the claim is committed; the row as it is then
    (already ready when Celery runs eagerly)."""
    pk = pdf.pk

    def enqueue():
        try:
            # By name: tasks.py is the outer layer. One quick retry of the
            # broker connection, not Celery's default three: a page waits.
            celery_app.tasks[RENDER_TASK].apply_async(
                (pk,), retry_policy={"max_retries": 1, "interval_start": 0.1}
            )
        except Exception as error:
            # The broker is down (or, eagerly, the task broke): the reader
            # is told, and may try again.
            log.warning("Queueing PDF %s failed: %r", pk, error)
            _fail(pk, NOT_QUEUED)

    transaction.on_commit(enqueue, robust=True)
    return ReportPdf.objects.defer("content", "html").get(pk=pk)


def _fail(pk, error):
    return ReportPdf.objects.filter(pk=pk, status=Status.PENDING).update(
        status=Status.FAILED, error=error[:300], finished_at=timezone.now()
    )


def pdf_bytes(pdf):
    """The bytes of a ready PDF, or None if it has gone since (a newer
    version of the report replaced it)."""
    data = (
        ReportPdf.objects.filter(pk=pdf.pk, status=Status.READY)
        .values_list("content", flat=True)
        .first()
    )
    return None if data is None else bytes(data)


# ---- the worker -----------------------------------------------------------------


def render(pk, interrupted=()):
    """Make the pending PDF `pk`; returns its status afterwards.

    Run by the task, which passes the exception its soft time limit raises as
    `interrupted`: that render fails as TOO_SLOW."""
    claimed = ReportPdf.objects.filter(
        pk=pk, status=Status.PENDING, attempts__lt=MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        # Done already (a repeated delivery), gone, or tried too often.
        _fail(pk, TOO_SLOW)
        return ReportPdf.objects.filter(pk=pk).values_list("status", flat=True).first()
    pdf = ReportPdf.objects.only("report_id", "paper", "html", "requested_at").get(
        pk=pk
    )
    try:
        data = make_pdf(pdf.html, pdf.paper)
    except interrupted:
        log.warning("PDF %s took longer than %s s", pk, SOFT_TIME_LIMIT)
        _fail(pk, TOO_SLOW)
        return Status.FAILED
    except (ImportError, OSError):
        # WeasyPrint loads Pango when first imported.
        log.exception("PDF export is unavailable")
        _fail(pk, UNAVAILABLE)
        return Status.FAILED
    except Exception:
        log.exception("PDF %s could not be made", pk)
        _fail(pk, BROKEN)
        return Status.FAILED
    with transaction.atomic():
        done = ReportPdf.objects.filter(pk=pk, status=Status.PENDING).update(
            status=Status.READY, content=data, html="", finished_at=timezone.now()
        )
        if done:
            # The report's earlier versions on this paper are not served again.
            ReportPdf.objects.filter(
                report_id=pdf.report_id,
                paper=pdf.paper,
                requested_at__lt=pdf.requested_at,
            ).exclude(status=Status.PENDING).delete()
    return Status.READY if done else None


# ---- WeasyPrint, fetching nothing but the app's own static files ----------------

# The PDF's base URL names no real host (.invalid, RFC 2606): the document's
# own /static/... references resolve under it, and the fetcher below serves
# those from disk and refuses every other URL (other hosts, file:, data:), so
# text in a report can never make the server read a file or call a network.
PDF_ORIGIN = "https://pdf.invalid"


def _print_css_url():
    return urljoin(PDF_ORIGIN, f"{settings.STATIC_URL}css/print.css")


def static_file_for(url):
    """The file behind one of the app's own static URLs (under PDF_ORIGIN),
    or None for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if f"{parts.scheme}://{parts.netloc}" != PDF_ORIGIN or parts.query:
        return None
    prefix = urlsplit(settings.STATIC_URL).path
    if not parts.path.startswith(prefix):
        return None
    name = unquote(parts.path[len(prefix) :])
    steps = name.split("/")
    if not name or "\\" in name or any(step in ("", ".", "..") for step in steps):
        return None
    # The source files first (as in development), then the collected ones,
    # which also hold hashed names; either way inside their own folders.
    try:
        found = finders.find(name)
        if not found and settings.STATIC_ROOT:
            found = staticfiles_storage.path(name)
    except (SuspiciousFileOperation, NotImplementedError, ValueError):
        return None
    return found if found and os.path.isfile(found) else None


def static_only_fetcher():
    # Imported here: the rest of the app does not need the PDF library loaded.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file_for(url)
            if path is None:
                # WeasyPrint logs this and renders the PDF without it.
                raise ValueError(f"Not one of the app's static files: {url[:200]}")
            with open(path, "rb") as file:
                body = file.read()
            mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return StaticOnlyFetcher()


def make_pdf(html, paper):
    """The PDF bytes of `html` on `paper` (WeasyPrint; the worker's job)."""
    from weasyprint import CSS, HTML

    fetcher = static_only_fetcher()
    # Through the fetcher, so anything print.css refers to is fetched the
    # same way as the document's own references.
    stylesheets = [CSS(url=_print_css_url(), url_fetcher=fetcher)]
    if paper == PAPERS.LETTER:
        stylesheets.append(CSS(string="@page { size: letter; }"))
    document = HTML(string=html, base_url=f"{PDF_ORIGIN}/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets)
