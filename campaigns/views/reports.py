"""Progress reports: drafting one for a period, editing it, printing it or
downloading it as PDF, and marking it as sent."""

import logging
import mimetypes
import os
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from .. import reports as content
from ..access import get_campaign, get_in_campaign, require_write
from ..forms.reports import ReportForm, ReportPeriodForm
from ..models import Activity, Campaign, ProgressReport, ReportStatus
from .campaigns import only_reading, send_back, writable_campaign

logger = logging.getLogger(__name__)


def _context(request, campaign, **extra):
    return {
        "nav": "campaigns",
        "campaign": campaign,
        "can_write": request.membership.can_write,
        **extra,
    }


def _visible_report(request, campaign, report_pk):
    """The report, or None for a viewer opening a draft (drafts are the team's
    work in progress; viewers read what was sent)."""
    report = get_in_campaign(
        campaign, ProgressReport.objects.select_related("sent_by"), report_pk
    )
    if not report.is_sent and not request.membership.can_write:
        return None
    return report


def _draft_only(request, campaign, report):
    messages.info(request, "This report was sent; it reads as it was sent.")
    return redirect("report_detail", campaign.pk, report.pk)


@login_required
def report_list(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    reports = campaign.reports.select_related("sent_by")
    if not request.membership.can_write:
        reports = reports.filter(status=ReportStatus.SENT)
    return render(
        request,
        "reports/report_list.html",
        _context(
            request,
            campaign,
            reports=list(reports),
            today=timezone.localdate(),
        ),
    )


@login_required
def report_create(request, campaign_pk):
    campaign = writable_campaign(request, campaign_pk)
    if not request.membership.can_write:
        return send_back(request, "report_list", campaign.pk)
    if request.method == "POST":
        form = ReportPeriodForm(request.POST)
        if form.is_valid():
            start = form.cleaned_data["period_start"]
            end = form.cleaned_data["period_end"]
            with transaction.atomic():
                report = content.create_report(campaign, start, end, request.user)
                Activity.record(
                    campaign,
                    request.user,
                    Activity.Verb.REPORT_DRAFTED,
                    f"Drafted the progress report “{report.title}”",
                    data={"report": report.pk},
                )
            messages.success(request, "Draft ready: read it through and edit it.")
            return redirect("report_edit", campaign.pk, report.pk)
        status = 400
    else:
        start, end = content.default_period(campaign)
        form = ReportPeriodForm(initial={"period_start": start, "period_end": end})
        status = 200
    return render(
        request,
        "reports/report_create.html",
        _context(request, campaign, form=form),
        status=status,
    )


@login_required
def report_detail(request, campaign_pk, report_pk):
    campaign = get_campaign(request, campaign_pk)
    report = _visible_report(request, campaign, report_pk)
    if refused := only_reading(request):
        return refused
    if report is None:
        messages.info(request, "That report is still a draft.")
        return redirect("report_list", campaign.pk)
    return render(
        request,
        "reports/report_detail.html",
        _context(
            request,
            campaign,
            report=report,
            sections=content.for_display(report.sections),
        ),
    )


@login_required
def report_edit(request, campaign_pk, report_pk):
    campaign = writable_campaign(request, campaign_pk)
    report = get_in_campaign(campaign, ProgressReport, report_pk)
    if not request.membership.can_write:
        return send_back(request, "report_list", campaign.pk)
    if report.is_sent:
        return _draft_only(request, campaign, report)
    if request.method == "POST" and "rewrite" in request.POST:
        # Data recorded since the draft was made: write the sections again.
        report.sections = content.build_sections(
            campaign, report.period_start, report.period_end
        )
        report.save(update_fields=["sections", "updated_at"])
        messages.success(request, "Draft written again from the campaign's data.")
        return redirect("report_edit", campaign.pk, report.pk)
    if request.method == "POST":
        form = ReportForm(request.POST, report=report)
        if form.is_valid():
            report.title = form.cleaned_data["title"]
            report.sections = form.sections
            report.save(update_fields=["title", "sections", "updated_at"])
            messages.success(request, "Report saved.")
            return redirect("report_detail", campaign.pk, report.pk)
        status = 400
    else:
        form = ReportForm(report=report)
        status = 200
    return render(
        request,
        "reports/report_edit.html",
        _context(request, campaign, report=report, form=form),
        status=status,
    )


# The PDF's base URL names no real host (.invalid, RFC 2606): the document's
# own /static/... references resolve under it, and the fetcher below serves
# those from disk and refuses every other URL (other hosts, file:, data:), so
# text in a report can never make the server read a file or call a network.
PDF_ORIGIN = "https://pdf.invalid"


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


def _static_only_fetcher():
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


def _pdf(html, paper):
    from weasyprint import CSS, HTML

    fetcher = _static_only_fetcher()
    # Through the fetcher, so anything print.css refers to is fetched the
    # same way as the document's own references.
    print_css = urljoin(PDF_ORIGIN, f"{settings.STATIC_URL}css/print.css")
    stylesheets = [CSS(url=print_css, url_fetcher=fetcher)]
    if paper == "letter":
        stylesheets.append(CSS(string="@page { size: letter; }"))
    document = HTML(string=html, base_url=f"{PDF_ORIGIN}/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets)


@login_required
def report_pdf(request, campaign_pk, report_pk):
    campaign = get_campaign(request, campaign_pk)
    report = _visible_report(request, campaign, report_pk)
    if refused := only_reading(request):
        return refused
    if report is None:
        messages.info(request, "That report is still a draft.")
        return redirect("report_list", campaign.pk)
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "campaign": campaign,
            "report": report,
            "sections": content.for_display(report.sections),
        },
    )
    paper = "letter" if request.GET.get("paper") == "letter" else "a4"
    try:
        pdf = _pdf(html, paper)
    except (ImportError, OSError):
        # WeasyPrint loads Pango when first imported; a server without them
        # can still print the report from the browser.
        logger.exception("PDF export is unavailable")
        messages.error(
            request,
            "PDF export is not available on this server (it needs the Pango "
            "library). Use Print to save the report as a PDF instead.",
        )
        return redirect("report_detail", campaign.pk, report.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(f"{campaign.name} {report.period_end:%Y-%m-%d}") or "report"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@login_required
def report_send(request, campaign_pk, report_pk):
    campaign = get_campaign(request, campaign_pk)
    if request.method != "POST":
        get_in_campaign(campaign, ProgressReport, report_pk)
        return redirect("report_detail", campaign.pk, report_pk)
    require_write(request)
    with transaction.atomic():
        # Locked, so two clicks cannot both send it.
        report = get_in_campaign(
            campaign, ProgressReport.objects.select_for_update(), report_pk
        )
        if report.is_sent:
            return _draft_only(request, campaign, report)
        report.status = ReportStatus.SENT
        report.sent_at = timezone.now()
        report.sent_by = request.user
        report.save(update_fields=["status", "sent_at", "sent_by", "updated_at"])
        # The lead's report reminder counts from the end of this period.
        Campaign.objects.filter(pk=campaign.pk).filter(
            Q(last_reported_on__isnull=True) | Q(last_reported_on__lt=report.period_end)
        ).update(last_reported_on=report.period_end)
        Activity.record(
            campaign,
            request.user,
            Activity.Verb.REPORT_SENT,
            f"Sent the progress report “{report.title}”",
            data={"report": report.pk},
        )
    messages.success(request, "Marked as sent. It is kept exactly as it reads now.")
    return redirect("report_detail", campaign.pk, report.pk)
