"""CSV downloads of a campaign's stakeholders, influencers, tactics and
milestones, and importing stakeholders, influencers or tactics: upload,
preview, then save all rows or none."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify

from .. import csv_io
from ..access import get_campaign
from ..forms.transfer import ImportForm, row_form_for
from .campaigns import only_reading

# Where each kind is looked at once imported.
IMPORTED_TO = {
    "stakeholders": "stakeholder_list",
    "influencers": "influencer_list",
    "tactics": "board",
}


def _render(request, campaign, kind, form=None, result=None, preview=None, status=200):
    can_write = request.membership.can_write
    if form is None and can_write:
        form = ImportForm(kind=kind)
    return render(
        request,
        "transfer/transfer.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "can_write": can_write,
            "kind": kind,
            "kinds": csv_io.KINDS.values(),
            "form": form,
            "result": result,
            "preview": preview,
        },
        status=status,
    )


@login_required
def transfer(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    return _render(request, campaign, csv_io.STAKEHOLDERS)


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
def export_influencers(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    return _download(
        campaign,
        "influencers",
        csv_io.INFLUENCER_COLUMNS,
        csv_io.influencer_rows(campaign),
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
def import_csv(request, campaign_pk, kind):
    """GET: the import form for `kind`. First post: the file, answered with
    a preview (or its problems). Second post: the previewed file and
    "confirm", answered by saving every row. Viewers get 403 throughout."""
    campaign = get_campaign(request, campaign_pk, write=True)
    kind = csv_io.KINDS[kind]
    if request.method == "GET":
        return _render(request, campaign, kind)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = ImportForm(request.POST, request.FILES, kind=kind)
    if not form.is_valid():
        return _render(request, campaign, kind, form, status=400)
    raw, text = form.cleaned_data["raw"], form.cleaned_data["text"]
    row_form = row_form_for(kind, campaign)
    result = csv_io.parse(text, kind, campaign, row_form)
    if not result.ok:
        return _refuse(request, campaign, kind, form, result, status=400)
    preview = ImportForm(initial={"content": ImportForm.encode(raw)}, kind=kind)
    if "confirm" not in request.POST or not form.cleaned_data["content"]:
        return _render(request, campaign, kind, form, result=result, preview=preview)
    try:
        created = csv_io.save(kind, campaign, result, request.user)
    except IntegrityError:
        # A name taken or a person removed meanwhile: check the file again,
        # so that what changed is named, and keep it for another try.
        messages.error(
            request,
            "The campaign changed while you were importing, so nothing was "
            "imported. The file has been checked again.",
        )
        result = csv_io.parse(text, kind, campaign, row_form_for(kind, campaign))
        if not result.ok:
            return _refuse(request, campaign, kind, form, result, status=409)
        return _render(request, campaign, kind, form, result, preview, status=409)
    messages.success(request, f"Imported {kind.count(len(created))}.")
    return redirect(IMPORTED_TO[kind.key], campaign.pk)


def _refuse(request, campaign, kind, form, result, status):
    """The problems, listed above the form and summed up next to its field."""
    count = len(result.errors)
    form.add_error(
        "file",
        f"{count} problem{'s' if count != 1 else ''} in the file, listed above. "
        "Nothing was imported: fix the file and upload it again.",
    )
    return _render(request, campaign, kind, form, result=result, status=status)
