"""A campaign's measurable goals and their progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .. import milestones as logic
from .. import versions
from ..access import get_campaign, get_in_campaign
from ..forms.campaigns import MilestoneForm
from ..models import Milestone
from .campaigns import only_reading, send_back, writable_campaign

TEMPLATE = "campaigns/milestone_list.html"


def _progress_form(milestone, data=None):
    # One form per row: the prefix keeps their ids apart on the page.
    return logic.progress_form(milestone, data, prefix=f"m{milestone.pk}")


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
            milestone = logic.add(form, campaign, request.user)
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
        if form.is_valid() and logic.save_edit(
            form, campaign, request.user, bool(saved.reached_at)
        ):
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
    milestone, form, saved = logic.set_progress(
        campaign, milestone_pk, request.POST, request.user, prefix=f"m{milestone_pk}"
    )
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
