"""CSV downloads of a campaign's stakeholders, tactics and milestones, and
importing stakeholders: upload, preview, then save all rows or none."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify

from .. import csv_io
from ..access import get_campaign
from ..forms.transfer import ImportForm, row_form_for
from .campaigns import only_reading, writable_campaign


def _render(request, campaign, form=None, result=None, preview=None, status=200):
    if form is None and request.membership.can_write:
        form = ImportForm()
    return render(
        request,
        "transfer/transfer.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "can_write": request.membership.can_write,
            "form": form,
            "result": result,
            "preview": preview,
            "columns": csv_io.STAKEHOLDER_COLUMNS,
        },
        status=status,
    )


@login_required
def transfer(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    return _render(request, campaign)


def _download(campaign, what, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    name = f"{slugify(campaign.name) or 'campaign'}-{what}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv_io.write(response, header, rows)
    return response


@login_required
def export_stakeholders(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    return _download(
        campaign,
        "stakeholders",
        csv_io.STAKEHOLDER_COLUMNS,
        csv_io.stakeholder_rows(campaign),
    )


@login_required
def export_tactics(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    # Quiet tactics stay with the people who can work on them.
    rows = csv_io.tactic_rows(campaign, include_private=request.membership.can_write)
    return _download(campaign, "tactics", csv_io.TACTIC_COLUMNS, rows)


@login_required
def export_milestones(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    return _download(
        campaign,
        "milestones",
        csv_io.MILESTONE_COLUMNS,
        csv_io.milestone_rows(campaign),
    )


@login_required
def import_stakeholders(request, campaign_pk):
    """First post: the file, answered with a preview (or the errors). Second
    post: the previewed text and "confirm", answered by saving every row."""
    campaign = writable_campaign(request, campaign_pk)
    if request.method != "POST":
        return redirect("transfer", campaign.pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, campaign, form, status=400)
    if form.cleaned_data["file"]:
        try:
            text = csv_io.read_text(form.cleaned_data["file"])
        except ValueError as error:
            form.add_error("file", str(error))
            return _render(request, campaign, form, status=400)
    else:
        text = form.cleaned_data["content"]
    result = csv_io.parse_stakeholders(text, campaign, row_form_for(campaign))
    if not result.ok:
        return _render(request, campaign, form, result=result, status=400)
    if "confirm" not in request.POST or not form.cleaned_data["content"]:
        # Valid: show what would be imported, carrying the text to the next post.
        confirm = ImportForm(initial={"content": ImportForm.encode(text)})
        return _render(request, campaign, form, result=result, preview=confirm)
    try:
        created = csv_io.save_stakeholders(campaign, result, request.user)
    except IntegrityError:
        result.errors.append(
            (
                None,
                "Someone added a stakeholder with one of these names meanwhile; "
                "nothing was imported. Try again.",
            )
        )
        return _render(request, campaign, form, result=result, status=409)
    messages.success(
        request,
        f"Imported {len(created)} stakeholder{'s' if len(created) != 1 else ''}.",
    )
    return redirect("stakeholder_list", campaign.pk)
