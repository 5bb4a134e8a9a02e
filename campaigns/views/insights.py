"""Seeing who must be won: the power/interest grid, the influence map, the
stance pipeline, what worked, stance over time, and logging a contact."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .. import stakeholders as people
from ..access import get_campaign, get_in_campaign, require_write
from ..forms.insights import ContactForm, StanceMoveForm
from ..insights import attribution, contact, grid, history, reach
from ..models import Activity, Stakeholder, Stance

# Each stance's name and CSS slug, on the ladder's order, for the charts' keys.
STANCE_KEY = [{"label": s.label, "slug": s.name.lower()} for s in Stance]


# The campaign is looked up before the method is checked, so another team's
# campaign is a 404 whatever the method, and a viewer's POST is refused.
def _read_only(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return None


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require_write(request)
    return None


def _context(request, campaign, tab, **extra):
    return {
        "nav": "campaigns",
        "campaign": campaign,
        "tab": tab,
        "can_write": request.membership.can_write,
        **extra,
    }


# ---- the power/interest grid ------------------------------------------------


@login_required
def stakeholder_grid(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := _read_only(request):
        return refused
    stakeholders = list(campaign.stakeholders.all())
    return render(
        request,
        "insights/grid.html",
        _context(
            request,
            campaign,
            "grid",
            stakeholders=stakeholders,
            chart=grid.layout(stakeholders),
            quadrants=grid.by_quadrant(stakeholders),
            cold_ids={row["stakeholder"].pk for row in contact.gone_cold(stakeholders)},
            stances=STANCE_KEY,
        ),
    )


# ---- the influence map ------------------------------------------------------


@login_required
def influence_map(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := _read_only(request):
        return refused
    influences, stakeholders = reach.campaign_graph(campaign.pk)
    target, routes = None, []
    raw = request.GET.get("target", "").strip()
    if raw:
        try:
            target_pk = int(raw)
        except ValueError:
            return HttpResponseBadRequest("Choose a stakeholder from the list.")
        target = next((s for s in stakeholders if s.pk == target_pk), None)
        if target is None:
            raise Http404("No such stakeholder in this campaign.")
        routes = reach.routes_to(target, influences, stakeholders)
    deciders, others = reach.target_choices(stakeholders)
    return render(
        request,
        "insights/influence_map.html",
        _context(
            request,
            campaign,
            "influence",
            stakeholders=stakeholders,
            deciders=deciders,
            others=others,
            influences=influences,
            target=target,
            routes=routes,
            chart=reach.map_layout(influences, stakeholders, routes, target),
            stances=STANCE_KEY,
        ),
    )


# ---- the stance pipeline ----------------------------------------------------


def _render_pipeline(request, campaign, bound_form=None, status=200):
    stakeholders = list(
        campaign.stakeholders.select_related("relationship_owner").order_by(
            "-power", "-interest", "name"
        )
    )
    can_write = request.membership.can_write
    tactics = list(campaign.tactics.order_by("title")) if can_write else []
    columns = [{"stance": s, "slug": s.name.lower(), "cards": []} for s in Stance]
    for person in stakeholders:
        card = {"stakeholder": person, "form": None}
        if can_write:
            if bound_form is not None and bound_form.stakeholder.pk == person.pk:
                card["form"] = bound_form
            else:
                card["form"] = StanceMoveForm(stakeholder=person, tactics=tactics)
        columns[person.stance - 1]["cards"].append(card)
    return render(
        request,
        "insights/pipeline.html",
        _context(
            request,
            campaign,
            "pipeline",
            columns=columns,
            tactics=tactics,
            bound_pk=bound_form.stakeholder.pk if bound_form else None,
        ),
        status=status,
    )


@login_required
def stance_pipeline(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := _read_only(request):
        return refused
    return _render_pipeline(request, campaign)


@login_required
def stance_move(request, campaign_pk, stakeholder_pk):
    campaign = get_campaign(request, campaign_pk)
    get_in_campaign(campaign, Stakeholder, stakeholder_pk)
    if request.method == "GET":  # a refused move's address, opened again
        pipeline = reverse("stance_pipeline", args=[campaign.pk])
        return redirect(f"{pipeline}#card-{stakeholder_pk}")
    if refused := _post_only(request):
        return refused
    tactics = list(campaign.tactics.order_by("title"))
    with transaction.atomic():
        # Lock the row: two people dragging the same card both get a true
        # "from" stance, and neither move is lost.
        stakeholder = get_in_campaign(
            campaign, Stakeholder.objects.select_for_update(), stakeholder_pk
        )
        form = StanceMoveForm(request.POST, stakeholder=stakeholder, tactics=tactics)
        if form.is_valid():
            people.record_stance_change(
                campaign, stakeholder, form.cleaned_data, request.user
            )
    if not form.is_valid():
        return _render_pipeline(request, campaign, bound_form=form, status=400)
    messages.success(
        request,
        f"{stakeholder.name} is now {stakeholder.get_stance_display().lower()}.",
    )
    return redirect(
        reverse("stance_pipeline", args=[campaign.pk]) + f"#card-{stakeholder.pk}"
    )


# ---- what worked ------------------------------------------------------------


@login_required
def what_worked(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := _read_only(request):
        return refused
    private = request.membership.can_write
    return render(
        request,
        "insights/what_worked.html",
        _context(
            request,
            campaign,
            "what_worked",
            tactics=attribution.tactic_ranking(campaign, private),
            kinds=attribution.playbook_ranking(campaign, private),
            failed=attribution.didnt_work(campaign, private),
        ),
    )


# ---- stance over time -------------------------------------------------------


@login_required
def stance_history(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if refused := _read_only(request):
        return refused
    stakeholders = list(campaign.stakeholders.all())
    weeks = history.weekly_distribution(campaign, stakeholders)
    return render(
        request,
        "insights/history.html",
        _context(
            request,
            campaign,
            "history",
            weeks=weeks,
            chart=history.stacked_bars(weeks),
            stances=STANCE_KEY,
            stakeholder_count=len(stakeholders),
        ),
    )


# ---- contact rhythm ---------------------------------------------------------


@login_required
def stakeholder_contact(request, campaign_pk, stakeholder_pk):
    campaign = get_campaign(request, campaign_pk)
    stakeholder = get_in_campaign(campaign, Stakeholder, stakeholder_pk)
    if request.method == "GET":  # a refused note's address, opened again
        return redirect(stakeholder)
    if refused := _post_only(request):
        return refused
    form = ContactForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "insights/contact_form.html",
            _context(
                request,
                campaign,
                "stakeholders",
                stakeholder=stakeholder,
                form=form,
                next=request.POST.get("next", ""),
            ),
            status=400,
        )
    note = form.cleaned_data["note"]
    today = timezone.localdate()
    stakeholder.last_contacted_on = today
    stakeholder.save(update_fields=["last_contacted_on"])
    Activity.record(
        campaign,
        request.user,
        Activity.Verb.STAKEHOLDER_CONTACTED,
        f"Was in touch with {stakeholder.name}" + (f": {note}" if note else ""),
        stakeholder=stakeholder,
        data={"note": note, "on": today.isoformat()},
    )
    messages.success(request, f"Contact with {stakeholder.name} logged.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(stakeholder)
