"""The people a campaign must win over, and their moves on the stance ladder."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render

from .. import stakeholders as people
from .. import versions
from ..access import get_campaign, get_in_campaign
from ..forms.campaigns import StakeholderForm
from ..insights.panels import stakeholder_panels
from ..models import Stakeholder, Stance
from ..objections import panel as objection_panel
from .campaigns import only_reading, send_back, writable_campaign


def _render_list(request, campaign, form, status=200):
    stakeholders = campaign.stakeholders.annotate(
        influencer_count=Count("influences")
    ).order_by("-power", "name")
    return render(
        request,
        "campaigns/stakeholder_list.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "stakeholders": stakeholders,
            "form": form,
            "can_write": request.membership.can_write,
        },
        status=status,
    )


@login_required
def stakeholder_list(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    form = StakeholderForm(campaign=campaign) if request.membership.can_write else None
    return _render_list(request, campaign, form)


@login_required
def stakeholder_create(request, campaign_pk):
    campaign = writable_campaign(request, campaign_pk)
    if request.method != "POST":
        # The add form lives on the list.
        return redirect("stakeholder_list", campaign.pk)
    form = StakeholderForm(request.POST, campaign=campaign)
    if form.is_valid() and (stakeholder := people.add(form, campaign, request.user)):
        messages.success(request, f"{stakeholder.name} added.")
        return redirect("stakeholder_list", campaign.pk)
    return _render_list(request, campaign, form, status=400)


def _render_detail(request, campaign, stakeholder, form=None, status=200):
    """`form`: a bound stance form to show with its errors; without one,
    writers get a fresh one."""
    can_write = request.membership.can_write
    if not can_write:
        form = None
    elif form is None:
        form = people.stance_form(
            stakeholder, people.credit_tactics(campaign, can_write)
        )
    history = list(stakeholder.stance_changes.select_related("recorded_by", "tactic"))
    for change in history:
        # Badge classes for both ends of the move, as on Stakeholder.stance_slug.
        change.from_slug = Stance(change.from_stance).name.lower()
        change.to_slug = Stance(change.to_stance).name.lower()
        if change.tactic and change.tactic.is_private and not can_write:
            # The move stays in the story; the quiet tactic behind it does not
            # (only in memory: nothing is saved from this page).
            change.tactic = None
    influences = stakeholder.influences.select_related("influencer")
    tactics = stakeholder.tactics.select_related("assignee").order_by("status", "pk")
    if not can_write:
        tactics = tactics.filter(is_private=False)  # quiet tactics stay in the team
    return render(
        request,
        "campaigns/stakeholder_detail.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "stakeholder": stakeholder,
            "history": history,
            "influences": influences,
            "tactics": tactics,
            "form": form,
            "can_write": request.membership.can_write,
            # Start here, the stance path and keeping in touch (two queries).
            **stakeholder_panels(stakeholder, history),
            # The objections panel (templates/objections/_stakeholder_objections.html).
            **objection_panel(
                stakeholder,
                request.membership.can_write,
                getattr(request, "objection_form", None),
            ),
        },
        status=status,
    )


@login_required
def stakeholder_detail(request, campaign_pk, stakeholder_pk):
    campaign = get_campaign(request, campaign_pk)
    stakeholder = get_in_campaign(
        campaign,
        Stakeholder.objects.select_related("relationship_owner"),
        stakeholder_pk,
    )
    if refused := only_reading(request):
        return refused
    return _render_detail(request, campaign, stakeholder)


@login_required
def stakeholder_edit(request, campaign_pk, stakeholder_pk):
    campaign = writable_campaign(request, campaign_pk)
    stakeholder = get_in_campaign(campaign, Stakeholder, stakeholder_pk)
    if not request.membership.can_write:
        return send_back(request, stakeholder)
    if request.method == "POST":
        form = StakeholderForm(request.POST, instance=stakeholder, campaign=campaign)
        if form.is_valid() and people.save_edit(
            form, campaign, stakeholder, request.user
        ):
            messages.success(request, f"{stakeholder.name} saved.")
            return redirect(stakeholder)
        status = versions.status(form)
    else:
        form = StakeholderForm(instance=stakeholder, campaign=campaign)
        status = 200
    return render(
        request,
        "campaigns/stakeholder_form.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            # The saved name for headings, whatever was typed into the form.
            "stakeholder": get_in_campaign(campaign, Stakeholder, stakeholder_pk)
            if request.method == "POST"
            else stakeholder,
            "form": form,
        },
        status=status,
    )


@login_required
def stance_change(request, campaign_pk, stakeholder_pk):
    campaign = writable_campaign(request, campaign_pk)
    if request.method != "POST":
        # The form lives on the stakeholder's page.
        return redirect(get_in_campaign(campaign, Stakeholder, stakeholder_pk))
    stakeholder, form = people.change_stance(
        campaign,
        stakeholder_pk,
        request.POST,
        request.user,
        request.membership.can_write,
    )
    if form.is_valid():
        messages.success(
            request,
            f"{stakeholder.name} is now {stakeholder.get_stance_display().lower()}.",
        )
        return redirect(stakeholder)
    return _render_detail(request, campaign, stakeholder, form, status=400)
