"""Progress reports: drafting one for a period, editing it, printing it or
downloading it as PDF, emailing it or marking it as sent, and the read-only
copy its recipients open."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import report_mail, versions
from .. import report_pdf as pdfs
from .. import reports as content
from ..access import get_campaign, get_in_campaign, require_write
from ..forms.reports import ReportEmailForm, ReportForm, ReportPeriodForm
from ..models import ProgressReport, ReportLink, ReportPdf, ReportStatus
from .campaigns import only_reading, send_back, writable_campaign


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
            report = content.draft(campaign, start, end, request.user)
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
            deliveries=report_mail.deliveries(report) if report.is_sent else [],
            links=_links(report) if request.membership.can_write else [],
        ),
    )


def _links(report):
    links = list(report.links.select_related("created_by"))
    for link in links:
        link.url = report_mail.link_url(link)
    return links


@login_required
def report_edit(request, campaign_pk, report_pk):
    campaign = writable_campaign(request, campaign_pk)
    report = get_in_campaign(campaign, ProgressReport, report_pk)
    if not request.membership.can_write:
        return send_back(request, "report_list", campaign.pk)
    if report.is_sent:
        if request.method == "POST" and "rewrite" not in request.POST:
            return _sent_meanwhile(request, campaign, report)
        return _draft_only(request, campaign, report)
    if request.method == "POST" and "rewrite" in request.POST:
        # Data recorded since the draft was made: write the sections again,
        # unless a teammate saved edits the person has not seen meanwhile.
        check = versions.VersionForm(request.POST, record=report)

        def rewrite():
            report.sections = content.build_sections(
                campaign, report.period_start, report.period_end
            )
            report.save(update_fields=["sections", "updated_at"])

        if check.is_valid() and versions.save(
            check, rewrite, status=ReportStatus.DRAFT
        ):
            messages.success(request, "Draft written again from the campaign's data.")
            return redirect("report_edit", campaign.pk, report.pk)
        # The draft as saved now, and why it was not written again.
        report = check.conflict.current
        form = ReportForm(report=report)
        form.conflict = check.conflict
        status = versions.status(check)
    elif request.method == "POST":
        form = ReportForm(request.POST, report=report)

        def write():
            report.title = form.cleaned_data["title"]
            report.sections = form.sections
            report.save(update_fields=["title", "sections", "updated_at"])

        if form.is_valid() and versions.save(form, write, status=ReportStatus.DRAFT):
            messages.success(request, "Report saved.")
            return redirect("report_detail", campaign.pk, report.pk)
        status = versions.status(form)
    else:
        form = ReportForm(report=report)
        status = 200
    return render(
        request,
        "reports/report_edit.html",
        _context(request, campaign, report=report, form=form),
        status=status,
    )


def _sent_meanwhile(request, campaign, report):
    """An edit posted after a teammate marked the report as sent: it cannot
    change any more, but what the person typed is shown to copy, not lost."""
    form = ReportForm(request.POST, report=report)
    form.is_valid()  # for the typed values; nothing is saved
    return render(
        request,
        "reports/report_edit.html",
        _context(request, campaign, report=report, form=form, sent_meanwhile=True),
        status=409,
    )


def _on_paper(name, campaign, report, paper):
    """The URL of the report's PDF (or its status page) on `paper`."""
    url = reverse(name, args=[campaign.pk, report.pk])
    return f"{url}?paper={paper}" if paper != ReportPdf.Paper.A4 else url


@login_required
def report_pdf(request, campaign_pk, report_pk):
    """The report as PDF: the one made for what it reads now, or, while the
    worker makes it, the page that waits for it."""
    campaign = get_campaign(request, campaign_pk)
    report = _visible_report(request, campaign, report_pk)
    if refused := only_reading(request):
        return refused
    if report is None:
        messages.info(request, "That report is still a draft.")
        return redirect("report_list", campaign.pk)
    paper = pdfs.paper_from(request.GET.get("paper"))
    pdf = pdfs.request(report, pdfs.document(campaign, report), paper)
    data = pdfs.pdf_bytes(pdf) if pdf.status == ReportPdf.Status.READY else None
    if data is None:
        return redirect(_on_paper("report_pdf_status", campaign, report, paper))
    response = HttpResponse(data, content_type="application/pdf")
    name = pdfs.filename(campaign, report)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def report_pdf_status(request, campaign_pk, report_pk):
    """Whether the PDF is ready: a page that reloads itself while it is being
    made, then offers it. A teammate who can write may try a failed one again
    (POST); viewers read what was sent, and change nothing."""
    campaign = get_campaign(request, campaign_pk, write=request.method == "POST")
    report = _visible_report(request, campaign, report_pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if report is None:
        messages.info(request, "That report is still a draft.")
        return redirect("report_list", campaign.pk)
    paper = pdfs.paper_from(request.POST.get("paper") or request.GET.get("paper"))
    html = pdfs.document(campaign, report)
    if request.method == "POST":
        pdfs.retry(report, html, paper)
        return redirect(_on_paper("report_pdf_status", campaign, report, paper))
    pdf = pdfs.request(report, html, paper)
    return render(
        request,
        "reports/report_pdf_status.html",
        _context(
            request,
            campaign,
            report=report,
            pdf=pdf,
            paper=paper,
            paper_label=ReportPdf.Paper(paper).label,
            download_url=_on_paper("report_pdf", campaign, report, paper),
            filename=pdfs.filename(campaign, report),
            refresh_seconds=2,
        ),
    )


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
        report_mail.mark_sent(campaign, report, request.user)
    messages.success(request, "Marked as sent. It is kept exactly as it reads now.")
    return redirect("report_detail", campaign.pk, report.pk)


@login_required
def report_email(request, campaign_pk, report_pk):
    """Choose who gets the report by email, and send it: this freezes it as
    sent, like "Mark as sent"."""
    campaign = writable_campaign(request, campaign_pk)
    report = get_in_campaign(campaign, ProgressReport, report_pk)
    if not request.membership.can_write:
        return send_back(request, "report_detail", campaign.pk, report.pk)
    if request.method == "POST":
        form = ReportEmailForm(request.POST, campaign=campaign)
        if form.is_valid():
            recipients = form.cleaned_data["recipients"]
            with transaction.atomic():
                # Locked, so a second click waits and then sends nothing twice.
                report = get_in_campaign(
                    campaign, ProgressReport.objects.select_for_update(), report_pk
                )
                report_mail.send(campaign, report, request.user, recipients)
            count = len(recipients)
            messages.success(
                request,
                f"Sending to {count} {'person' if count == 1 else 'people'}; "
                "each one's delivery shows below.",
            )
            return redirect("report_detail", campaign.pk, report.pk)
        status = 400
    else:
        form = ReportEmailForm(campaign=campaign)
        status = 200
    return render(
        request,
        "reports/report_email.html",
        _context(request, campaign, report=report, form=form),
        status=status,
    )


@login_required
def report_link_revoke(request, campaign_pk, report_pk, link_pk):
    campaign = writable_campaign(request, campaign_pk)
    report = get_in_campaign(campaign, ProgressReport, report_pk)
    link = get_object_or_404(ReportLink.objects.filter(report=report), pk=link_pk)
    if request.method != "POST":
        return redirect("report_detail", campaign.pk, report.pk)
    require_write(request)
    link.report = report
    if report_mail.revoke(link, request.user):
        messages.success(request, "The link no longer opens the report.")
    return redirect("report_detail", campaign.pk, report.pk)


@require_safe
def report_shared(request, token):
    """The read-only copy a recipient opens from the email: no account, only
    this report, as it was sent. 404 once revoked or expired."""
    link = report_mail.open_link(token)
    if link is None:
        raise Http404("This link has expired or was withdrawn.")
    report = link.report
    response = render(
        request,
        "reports/report_shared.html",
        {
            "campaign": report.campaign,
            "report": report,
            "sections": content.for_display(report.sections),
            "link": link,
        },
    )
    # Nobody else's pages should learn the secret address.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
