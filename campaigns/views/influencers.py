"""The people stakeholders listen to, and the links that say who sways whom."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from .. import influencers as logic
from .. import versions
from ..access import get_campaign, get_in_campaign
from ..forms.campaigns import InfluenceForm, InfluencerForm
from ..models import Influence, Influencer
from .campaigns import only_reading, send_back, writable_campaign


def _render_list(request, campaign, *, form=None, link_form=None, status=200):
    """The list page; `link_form` is a bound form to show for its influencer."""
    can_write = request.membership.can_write
    stakeholders = list(campaign.stakeholders.order_by("name"))
    influencers = list(
        campaign.influencers.prefetch_related(
            Prefetch(
                "influences",
                queryset=Influence.objects.select_related("stakeholder").order_by(
                    "-strength", "stakeholder__name"
                ),
            )
        )
    )
    if can_write:
        for influencer in influencers:
            if link_form is not None and link_form.influencer.pk == influencer.pk:
                influencer.link_form = link_form
            else:
                influencer.link_form = InfluenceForm(
                    influencer=influencer,
                    stakeholders=stakeholders,
                    prefix=f"link-{influencer.pk}",
                )
        if form is None:
            form = InfluencerForm(campaign=campaign)
    return render(
        request,
        "campaigns/influencer_list.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "influencers": influencers,
            "has_stakeholders": bool(stakeholders),
            "form": form,
            "can_write": can_write,
        },
        status=status,
    )


@login_required
def influencer_list(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := only_reading(request):
        return refused
    return _render_list(request, campaign)


@login_required
def influencer_create(request, campaign_pk):
    campaign = writable_campaign(request, campaign_pk)
    if request.method != "POST":
        # The add form lives on the list.
        return redirect("influencer_list", campaign.pk)
    form = InfluencerForm(request.POST, campaign=campaign)
    if form.is_valid() and (influencer := logic.add(form, campaign, request.user)):
        messages.success(request, f"{influencer.name} added.")
        return redirect("influencer_list", campaign.pk)
    return _render_list(request, campaign, form=form, status=400)


@login_required
def influencer_edit(request, campaign_pk, influencer_pk):
    campaign = writable_campaign(request, campaign_pk)
    influencer = get_in_campaign(campaign, Influencer, influencer_pk)
    if not request.membership.can_write:
        return send_back(request, "influencer_list", campaign.pk)
    saved_name = influencer.name
    if request.method == "POST":
        form = InfluencerForm(request.POST, instance=influencer, campaign=campaign)
        if form.is_valid() and logic.save(form):
            messages.success(request, f"{influencer.name} saved.")
            return redirect("influencer_list", campaign.pk)
        status = versions.status(form)
    else:
        form = InfluencerForm(instance=influencer, campaign=campaign)
        status = 200
    return render(
        request,
        "campaigns/influencer_form.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "influencer_name": saved_name,
            "form": form,
        },
        status=status,
    )


@login_required
def influence_add(request, campaign_pk, influencer_pk):
    campaign = writable_campaign(request, campaign_pk)
    influencer = get_in_campaign(campaign, Influencer, influencer_pk)
    if request.method != "POST":
        return redirect("influencer_list", campaign.pk)
    # Only this campaign's stakeholders are valid choices.
    form = InfluenceForm(
        request.POST,
        influencer=influencer,
        stakeholders=list(campaign.stakeholders.order_by("name")),
        prefix=f"link-{influencer.pk}",
    )
    if form.is_valid() and (
        influence := logic.link(form, campaign, influencer, request.user)
    ):
        messages.success(
            request, f"{influencer.name} linked to {influence.stakeholder.name}."
        )
        return redirect("influencer_list", campaign.pk)
    return _render_list(request, campaign, link_form=form, status=400)


@login_required
def influence_delete(request, campaign_pk, influencer_pk, influence_pk):
    campaign = writable_campaign(request, campaign_pk)
    influencer = get_in_campaign(campaign, Influencer, influencer_pk)
    influence = get_object_or_404(
        Influence.objects.select_related("stakeholder"),
        pk=influence_pk,
        influencer=influencer,
    )
    if request.method != "POST":
        return redirect("influencer_list", campaign.pk)
    logic.unlink(influence)
    messages.success(
        request, f"{influencer.name} unlinked from {influence.stakeholder.name}."
    )
    return redirect("influencer_list", campaign.pk)
