"""A campaign's measurable goals and their progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render

from .. import versions
from ..access import get_campaign, get_in_campaign
from ..forms.campaigns import MilestoneForm, MilestoneProgressForm
from ..models import Activity, Milestone
from .campaigns import only_reading, send_back, writable_campaign

TEMPLATE = "campaigns/milestone_list.html"


def _progress_form(milestone, data=None):
    # One form per row: the prefix keeps their ids apart on the page.
    return MilestoneProgressForm(
        data,
        prefix=f"m{milestone.pk}",
        initial={"current_value": milestone.current_value},
        record=milestone,
    )


def record_progress(campaign, actor, milestone, was_reached):
    """The Activity for a milestone whose current value just changed."""
    if milestone.reached_at and not was_reached:
        verb, summary = Activity.Verb.MILESTONE_REACHED, f"Reached “{milestone}”"
    else:
        verb = Activity.Verb.MILESTONE_PROGRESSED
        summary = f"“{milestone}” now at {milestone.current_value} of "
        summary += f"{milestone.target_value} {milestone.unit}".rstrip()
    Activity.record(
        campaign,
        actor,
        verb,
        summary,
        milestone=milestone,
        data={
            "current": milestone.current_value,
            "target": milestone.target_value,
            # For telling a teammate whose save it refuses who saved it.
            "version": milestone.version,
        },
    )


def _render_list(request, campaign, bound=None, status=200):
    """The list page; `bound` is (milestone pk, form) for a rejected update."""
    can_write = request.membership.can_write
    milestones = list(campaign.milestones.all())
    if can_write:
        for milestone in milestones:
            if bound is not None and bound[0] == milestone.pk:
                milestone.progress_form = bound[1]
            else:
                milestone.progress_form = _progress_form(milestone)
    return render(
        request,
        TEMPLATE,
        {
            "nav": "campaigns",
            "campaign": campaign,
            "milestones": milestones,
            "can_write": can_write,
        },
        status=status,
    )


@login_required
def milestone_list(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    return _render_list(request, campaign)


def _render_form(request, campaign, form, milestone=None, status=200):
    return render(
        request,
        "campaigns/milestone_form.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "milestone": milestone,
            "form": form,
        },
        status=status,
    )


@login_required
def milestone_create(request, campaign_pk):
    campaign = writable_campaign(request, campaign_pk)
    if not request.membership.can_write:
        return send_back(request, "milestone_list", campaign.pk)
    if request.method == "POST":
        form = MilestoneForm(request.POST, campaign=campaign)
        if form.is_valid():
            with transaction.atomic():
                milestone = form.save()
                Activity.record(
                    campaign,
                    request.user,
                    Activity.Verb.MILESTONE_ADDED,
                    f"Added milestone “{milestone}”",
                    milestone=milestone,
                )
            messages.success(request, f"Milestone “{milestone}” added.")
            return redirect("milestone_list", campaign.pk)
        return _render_form(request, campaign, form, status=400)
    return _render_form(request, campaign, MilestoneForm(campaign=campaign))


@login_required
def milestone_edit(request, campaign_pk, milestone_pk):
    campaign = writable_campaign(request, campaign_pk)
    milestone = get_in_campaign(campaign, Milestone, milestone_pk)
    if not request.membership.can_write:
        return send_back(request, "milestone_list", campaign.pk)
    saved = get_in_campaign(campaign, Milestone, milestone_pk)
    if request.method == "POST":
        form = MilestoneForm(request.POST, instance=milestone, campaign=campaign)

        def write():
            versions.save_fields(form)
            if {"current_value", "target_value"} & set(form.changed_data):
                record_progress(
                    campaign, request.user, milestone, bool(saved.reached_at)
                )

        if form.is_valid() and versions.save(form, write):
            messages.success(request, f"Milestone “{milestone}” saved.")
            return redirect("milestone_list", campaign.pk)
        if form.conflict and not form.conflict.missing:
            saved = form.conflict.current
        return _render_form(
            request, campaign, form, saved, status=versions.status(form)
        )
    form = MilestoneForm(instance=milestone, campaign=campaign)
    return _render_form(request, campaign, form, saved)


@login_required
def milestone_progress(request, campaign_pk, milestone_pk):
    campaign = writable_campaign(request, campaign_pk)
    if request.method != "POST":
        get_in_campaign(campaign, Milestone, milestone_pk)
        return redirect("milestone_list", campaign.pk)
    with transaction.atomic():
        milestone = get_in_campaign(
            campaign, Milestone.objects.select_for_update(), milestone_pk
        )
        form = _progress_form(milestone, request.POST)
        changed = form.is_valid() and (
            form.cleaned_data["current_value"] != milestone.current_value
        )

        def write():
            was_reached = bool(milestone.reached_at)
            milestone.set_current_value(form.cleaned_data["current_value"])
            milestone.save(update_fields=["current_value", "reached_at"])
            record_progress(campaign, request.user, milestone, was_reached)

        # Over the version the row was loaded from, as an edit is: neither
        # writes over the other.
        saved = form.is_valid() and (not changed or versions.save(form, write))
        if form.conflict and not form.conflict.missing:
            milestone = form.conflict.current
    if request.htmx:
        # The row swaps itself; a rejected value comes back with its message
        # (200, since htmx leaves the page alone on error statuses; a
        # conflict's 409 is swapped too, see base.html).
        milestone.progress_form = _progress_form(milestone) if saved else form
        return render(
            request,
            f"{TEMPLATE}#milestone_row",
            {"campaign": campaign, "milestone": milestone, "can_write": True},
            status=versions.status(form, 200),
        )
    if saved:
        messages.success(request, f"“{milestone}” updated.")
        return redirect("milestone_list", campaign.pk)
    return _render_list(
        request, campaign, bound=(milestone.pk, form), status=versions.status(form)
    )
