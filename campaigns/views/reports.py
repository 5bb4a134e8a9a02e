"""Progress reports: drafting one for a period, editing it, printing it or
downloading it as PDF, and marking it as sent."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
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


def _pdf(html, paper):
    # Imported here: the rest of the app does not need the PDF library loaded.
    from weasyprint import CSS, HTML

    stylesheets = [CSS(filename=finders.find("css/print.css"))]
    if paper == "letter":
        stylesheets.append(CSS(string="@page { size: letter; }"))
    return HTML(string=html).write_pdf(stylesheets=stylesheets)


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
