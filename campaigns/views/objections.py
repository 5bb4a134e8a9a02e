"""Stakeholders' objections, the evidence that answers them, and the log of
what peer and rival organisations are doing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render

from .. import objections as logic
from .. import versions
from ..access import get_campaign, get_in_campaign
from ..forms.objections import (
    COMMON_OBJECTIONS,
    EvidenceForm,
    ObjectionForm,
    PeerMoveForm,
)
from ..models import Activity, Objection, Stakeholder
from .campaigns import only_reading, writable_campaign


def _context(request, campaign, **extra):
    return {
        "nav": "campaigns",
        "campaign": campaign,
        "can_write": request.membership.can_write,
        "common_objections": COMMON_OBJECTIONS,
        **extra,
    }


@login_required
def objection_list(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    objections = list(logic.with_evidence(campaign.objections.all()))
    return render(
        request,
        "objections/objection_list.html",
        _context(
            request,
            campaign,
            open_objections=[o for o in objections if o.is_open],
            answered=[o for o in objections if not o.is_open],
        ),
    )


@login_required
def objection_create(request, campaign_pk, stakeholder_pk):
    campaign = writable_campaign(request, campaign_pk)
    stakeholder = get_in_campaign(
        campaign,
        Stakeholder.objects.select_related("relationship_owner"),
        stakeholder_pk,
    )
    if request.method != "POST":
        # The form lives on the stakeholder's page.
        return redirect(stakeholder)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        logic.raise_objection(form, campaign, stakeholder, request.user)
        messages.success(request, f"Objection recorded for {stakeholder.name}.")
        return redirect(f"{stakeholder.get_absolute_url()}#objections")
    # Back to the stakeholder's page with the message next to the field.
    from .stakeholders import _render_detail

    request.objection_form = form
    return _render_detail(request, campaign, stakeholder, status=400)


def _render_detail(
    request, campaign, objection, form=None, objection_form=None, status=200
):
    """`form`: the evidence form, `objection_form` the objection's own; either
    may be a bound one to show again."""
    if request.membership.can_write:
        form = form or EvidenceForm(campaign=campaign)
        objection_form = objection_form or ObjectionForm(instance=objection)
    return render(
        request,
        "objections/objection_detail.html",
        _context(
            request,
            campaign,
            objection=objection,
            form=form,
            objection_form=objection_form,
        ),
        status=status,
    )


def _objection(campaign, objection_pk):
    return get_in_campaign(
        campaign, logic.with_evidence(Objection.objects.all()), objection_pk
    )


@login_required
def objection_detail(request, campaign_pk, objection_pk):
    """The objection with its evidence; POST (writers) edits its wording."""
    writing = request.method == "POST"
    campaign = get_campaign(request, campaign_pk, write=writing)
    objection = _objection(campaign, objection_pk)
    if not writing:
        if refused := only_reading(request):
            return refused
        return _render_detail(request, campaign, objection)
    form = ObjectionForm(request.POST, instance=objection)
    if form.is_valid() and versions.save(form):
        messages.success(request, "Objection saved.")
        return redirect("objection_detail", campaign.pk, objection.pk)
    return _render_detail(
        request,
        campaign,
        # The heading as saved, whatever was typed.
        _objection(campaign, objection_pk),
        objection_form=form,
        status=versions.status(form),
    )


@login_required
def evidence_add(request, campaign_pk, objection_pk):
    campaign = writable_campaign(request, campaign_pk)
    objection = _objection(campaign, objection_pk)
    if request.method != "POST":
        return redirect("objection_detail", campaign.pk, objection.pk)
    form = EvidenceForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _render_detail(request, campaign, objection, form, status=400)
    with transaction.atomic():
        evidence = form.save(commit=False)
        evidence.objection = objection
        evidence.created_by = request.user
        evidence.save()
        Activity.record(
            campaign,
            request.user,
            Activity.Verb.EVIDENCE_ADDED,
            f"Evidence for {objection.stakeholder.name}'s “{objection.text}”: "
            f"{evidence.get_kind_display().lower()}",
            stakeholder=objection.stakeholder,
            milestone=evidence.milestone,
            data={"objection": objection.pk, "kind": evidence.kind},
        )
    messages.success(request, "Evidence added.")
    return redirect("objection_detail", campaign.pk, objection.pk)


@login_required
def objection_answer(request, campaign_pk, objection_pk):
    """Marks the objection answered, or open again (answered=0)."""
    campaign = writable_campaign(request, campaign_pk)
    if request.method != "POST":
        get_in_campaign(campaign, Objection, objection_pk)
        return redirect("objection_detail", campaign.pk, objection_pk)
    answered = request.POST.get("answered", "1") != "0"
    objection = logic.mark_answered(campaign, objection_pk, answered, request.user)
    messages.success(
        request, "Marked as answered." if answered else "Objection reopened."
    )
    return redirect("objection_detail", campaign.pk, objection.pk)


@login_required
def peer_moves(request, campaign_pk):
    campaign = writable_campaign(request, campaign_pk)
    form = PeerMoveForm() if request.membership.can_write else None
    status = 200
    if request.method == "POST":
        form = PeerMoveForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                move = form.save(commit=False)
                move.campaign = campaign
                move.created_by = request.user
                move.save()
                Activity.record(
                    campaign,
                    request.user,
                    Activity.Verb.PEER_MOVE_LOGGED,
                    f"Logged a move by {move.organisation}",
                    data={"peer_move": move.pk},
                )
            messages.success(request, f"Move by {move.organisation} logged.")
            return redirect("peer_moves", campaign.pk)
        status = 400
    elif request.method not in ("GET", "HEAD"):
        return only_reading(request)
    moves = campaign.peer_moves.select_related("created_by")
    return render(
        request,
        "objections/peer_moves.html",
        _context(request, campaign, moves=list(moves), form=form),
        status=status,
    )
