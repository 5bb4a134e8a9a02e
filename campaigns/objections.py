"""Objections and the evidence that answers them, read in bounded queries,
and raising one."""

from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone

from .access import get_in_campaign
from .models import Activity, Evidence, Objection


def open_by_decider(campaign):
    """The campaign's deciders, each with `open_objections` (two queries)."""
    open_objections = (
        Objection.objects.filter(answered_at__isnull=True)
        .annotate(evidence_count=Count("evidence"))
        .order_by("created_at", "pk")
    )
    deciders = campaign.stakeholders.filter(is_decider=True).prefetch_related(
        Prefetch("objections", queryset=open_objections, to_attr="open_objections")
    )
    return list(deciders.order_by("-power", "name"))


def with_evidence(objections):
    """Objections with their evidence (and what it cites) prefetched."""
    return objections.select_related("stakeholder", "answered_by").prefetch_related(
        Prefetch(
            "evidence",
            queryset=Evidence.objects.select_related("milestone", "peer_move"),
        )
    )


def for_stakeholder(stakeholder):
    return list(with_evidence(stakeholder.objections.all()))


def panel(stakeholder, can_write, form=None):
    """Context for templates/objections/_stakeholder_objections.html; `form`
    is a rejected objection form to show again."""
    from .forms.objections import COMMON_OBJECTIONS, ObjectionForm

    return {
        "objections": for_stakeholder(stakeholder),
        "objection_form": (form or ObjectionForm()) if can_write else None,
        "common_objections": COMMON_OBJECTIONS,
    }


def raise_objection(form, campaign, stakeholder, actor):
    """Save a valid new-objection form for `stakeholder` and record it: the
    stakeholder page's form and the API's."""
    with transaction.atomic():
        objection = form.save(commit=False)
        objection.campaign = campaign
        objection.stakeholder = stakeholder
        objection.created_by = actor
        objection.save()
        Activity.record(
            campaign,
            actor,
            Activity.Verb.OBJECTION_RAISED,
            f"{stakeholder.name} objects: “{objection.text}”",
            stakeholder=stakeholder,
            data={"objection": objection.pk},
        )
    return objection


def mark_answered(campaign, objection_pk, answered, actor):
    """Mark the objection answered (or open again); the objection. Records
    the change once, however many times it is asked for."""
    with transaction.atomic():
        objection = get_in_campaign(
            campaign,
            Objection.objects.select_for_update().select_related("stakeholder"),
            objection_pk,
        )
        if answered != (not objection.is_open):
            objection.answered_at = timezone.now() if answered else None
            objection.answered_by = actor if answered else None
            objection.save(update_fields=["answered_at", "answered_by"])
            Activity.record(
                campaign,
                actor,
                Activity.Verb.OBJECTION_ANSWERED,
                f"{objection.stakeholder.name}'s “{objection.text}” "
                + ("answered" if answered else "reopened"),
                stakeholder=objection.stakeholder,
                data={"objection": objection.pk, "answered": answered},
            )
    return objection
