"""The team's campaigns: the list, creating and editing one, and its overview."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.timesince import timesince

from .. import calendar_feed, campaign_changes, versions
from ..access import check_role, get_campaign, require_write
from ..forms.campaigns import CampaignForm
from ..insights.panels import campaign_panels
from ..models import (
    Activity,
    Campaign,
    Milestone,
    Stakeholder,
    Stance,
    Tactic,
    TacticStatus,
)
from ..objections import open_by_decider
from ..teams import current_membership
from .calendar import renewed


def only_reading(request):
    """A 405 for a page that only shows things, or None.

    Called after the access check, so a trespasser's 404 comes first.
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return None


def writable_campaign(request, campaign_pk):
    """The campaign for a page that changes it: a viewer's POST is refused
    (403) before its data is read; their GET is answered by `send_back`."""
    return get_campaign(request, campaign_pk, write=request.method == "POST")


def campaign_post(request, campaign_pk, page):
    """(campaign, None) for a writer's POST to a campaign's button, else
    (campaign, the answer): a GET goes to the `page` the button is on, a
    viewer's POST is refused (403)."""
    campaign = writable_campaign(request, campaign_pk)
    if request.method != "POST":
        return campaign, redirect(page, campaign.pk)
    require_write(request)
    return campaign, None


def send_back(request, to, *args):
    """Viewers who open a form page go back to what they can read."""
    messages.info(request, "You can read this campaign but not change it.")
    return redirect(to, *args)


def time_ago(moment, now):
    """ "just now" for the last minute, else "3 hours ago"."""
    if now - moment < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, now, depth=1)} ago"


def _count(model, **filters):
    """A correlated COUNT per campaign, so several counts never multiply rows."""
    rows = (
        model.objects.filter(campaign=OuterRef("pk"), **filters)
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


# A page of campaign cards: a team's history can hold hundreds of campaigns.
CAMPAIGNS_PAGE_SIZE = 24


def campaigns_with_counts(team):
    return (
        Campaign.objects.filter(team=team)
        .select_related("lead")
        .annotate(
            stakeholder_count=_count(Stakeholder),
            supportive_count=_count(Stakeholder, stance__gte=Stance.SUPPORTIVE),
            tactic_count=_count(Tactic),
            tactic_done_count=_count(Tactic, status=TacticStatus.DONE),
            milestone_count=_count(Milestone),
            milestone_reached_count=_count(Milestone, reached_at__isnull=False),
        )
    )


@login_required
def campaign_list(request):
    if refused := only_reading(request):
        return refused
    membership = current_membership(request)
    if membership is None:
        return render(request, "campaigns/campaign_list.html", {"nav": "campaigns"})
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "nav": "campaigns",
            "membership": membership,
            "page": Paginator(
                campaigns_with_counts(membership.team), CAMPAIGNS_PAGE_SIZE
            ).get_page(request.GET.get("page")),
            "can_write": membership.can_write,
            "today": timezone.localdate(),
        },
    )


@login_required
def campaign_create(request):
    membership = current_membership(request)
    if membership is None:
        return redirect("team_create")
    check_role(membership, write=request.method == "POST")
    if not membership.can_write:
        return send_back(request, "campaign_list")
    team = membership.team
    if request.method == "POST":
        form = CampaignForm(request.POST, team=team)
        if form.is_valid():
            with transaction.atomic():
                campaign = form.save(commit=False)
                campaign.team = team
                campaign.save()
                Activity.record(
                    campaign,
                    request.user,
                    Activity.Verb.CAMPAIGN_CREATED,
                    f"Started the campaign “{campaign.name}”",
                )
            messages.success(request, f"Campaign “{campaign.name}” created.")
            return redirect(campaign)
        status = 400
    else:
        form = CampaignForm(team=team, initial={"lead": request.user})
        status = 200
    return render(
        request,
        "campaigns/campaign_form.html",
        {"nav": "campaigns", "form": form, "team": team},
        status=status,
    )


@login_required
def campaign_edit(request, campaign_pk):
    campaign = writable_campaign(request, campaign_pk)
    if not request.membership.can_write:
        return send_back(request, campaign)
    if request.method == "POST":
        form = CampaignForm(request.POST, instance=campaign, team=campaign.team)
        if form.is_valid() and campaign_changes.save(form, campaign, request.user):
            messages.success(request, "Campaign saved.")
            return redirect(campaign)
        status = versions.status(form)
    else:
        form = CampaignForm(instance=campaign, team=campaign.team)
        status = 200
    if status == 409:
        campaign = form.conflict.current  # the headings as saved, not as typed
    context = {
        "nav": "campaigns",
        "form": form,
        "campaign": campaign,
        "chat_hook_count": campaign.chat_hooks.count(),
    }
    if campaign.lead_id == request.user.pk:
        # The lead's calendar of the whole campaign, made by a button here.
        context["is_lead"] = True
        context["calendar_notice"] = renewed(request, f"campaign-{campaign.pk}")
        if feed := calendar_feed.campaign_feed(request.user, campaign):
            context["calendar_url"] = calendar_feed.feed_url(feed)
            context["calendar_webcal"] = calendar_feed.webcal_url(feed)
    return render(request, "campaigns/campaign_form.html", context, status=status)


@login_required
def campaign_detail(request, campaign_pk):
    campaign = get_campaign(
        request, campaign_pk, queryset=Campaign.objects.select_related("lead")
    )
    if refused := only_reading(request):
        return refused
    stakeholders = list(campaign.stakeholders.select_related("relationship_owner"))
    by_stance = dict.fromkeys(Stance.values, 0)
    for stakeholder in stakeholders:
        by_stance[stakeholder.stance] += 1
    stance_counts = [
        {"label": stance.label, "slug": stance.name.lower(), "count": by_stance[stance]}
        for stance in Stance
    ]
    visible_tactics = campaign.tactics.all()
    activities = campaign.activities.select_related("actor")
    if not request.membership.can_write:
        # Quiet tactics stay with the team's writers (Tactic.is_private).
        visible_tactics = visible_tactics.filter(is_private=False)
        activities = activities.exclude(tactic__is_private=True)
    tactics = visible_tactics.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=TacticStatus.DONE)),
        in_progress=Count("pk", filter=Q(status=TacticStatus.IN_PROGRESS)),
    )
    milestones = list(campaign.milestones.all())
    activities = list(activities[:15])
    now = timezone.now()
    for activity in activities:
        activity.ago = time_ago(activity.created_at, now)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "can_write": request.membership.can_write,
            "stakeholders": stakeholders,
            "stance_counts": stance_counts,
            "supportive_count": sum(
                1 for s in stakeholders if s.stance >= Stance.SUPPORTIVE
            ),
            "tactics": tactics,
            "milestones": milestones,
            "milestones_reached": sum(1 for m in milestones if m.reached_at),
            "activities": activities,
            "today": timezone.localdate(),
            "open_by_decider": open_by_decider(campaign),
            # The decision count and who has gone cold (no extra queries).
            **campaign_panels(campaign, stakeholders),
        },
    )
