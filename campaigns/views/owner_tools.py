"""The owners' tools for a team: the audit log, an export of everything,
deleting the team, and leaving it (which every member may do).

The audit log is for owners only: it lists who did what across every
campaign, which is the team's administration record, and it includes the
history of private tactics that viewers must not see. Members and viewers see
the same changes where they happen, on the campaign pages and in digests.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify

from .. import keyset, people
from ..access import get_membership
from ..forms.owner_tools import AuditFilterForm, DeleteTeamForm
from ..models import Activity, Campaign, Membership, Tactic
from ..team_export import export_json
from ..teams import SESSION_KEY

AUDIT_PAGE_SIZE = 50


def _only(request, *methods):
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


@login_required
def team_audit(request, team_pk):
    membership = get_membership(request, team_pk, owner=True)
    if wrong := _only(request, "GET"):
        return wrong
    team = membership.team
    query = request.GET.copy()
    before, after = query.pop("before", [None])[-1], query.pop("after", [None])[-1]
    form = AuditFilterForm(query or None, team=team)
    activities = form.filter(
        Activity.objects.filter(team=team).select_related("campaign", "actor")
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    try:
        page = keyset.page(activities, size=AUDIT_PAGE_SIZE, before=before, after=after)
    except keyset.BadCursor:
        # A mangled page link: say so, and show the newest page.
        messages.error(request, "That page link is not valid; here are the newest.")
        page, status = keyset.page(activities, size=AUDIT_PAGE_SIZE), 400
    return render(
        request,
        "teams/audit.html",
        {
            "team": team,
            "nav": "team",
            "form": form,
            "page": page,
            "filter_query": query.urlencode(),
        },
        status=status,
    )


@login_required
def team_export(request, team_pk):
    membership = get_membership(request, team_pk, owner=True)
    if wrong := _only(request, "GET"):
        return wrong
    team = membership.team
    response = HttpResponse(export_json(team), content_type="application/json")
    name = slugify(team.name) or "team"
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


def _team_counts(team):
    campaigns = Campaign.objects.filter(team=team)
    return {
        "campaigns": campaigns.count(),
        "tactics": Tactic.objects.filter(campaign__team=team).count(),
        "members": Membership.objects.filter(team=team).count(),
    }


@login_required
def team_delete(request, team_pk):
    membership = get_membership(request, team_pk, owner=True)
    if wrong := _only(request, "GET", "POST"):
        return wrong
    team = membership.team
    form = DeleteTeamForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        name = team.name
        with transaction.atomic():
            team.delete()
        request.session.pop(SESSION_KEY, None)
        messages.success(request, f"{name} and all its campaigns were deleted.")
        return redirect("campaign_list")
    return render(
        request,
        "teams/delete.html",
        {"team": team, "nav": "team", "form": form, "counts": _team_counts(team)},
        status=400 if form.is_bound else 200,
    )


@login_required
def team_leave(request, team_pk):
    membership = get_membership(request, team_pk)
    if wrong := _only(request, "GET", "POST"):
        return wrong
    team = membership.team
    error = None
    if request.method == "POST":
        try:
            people.remove_member(membership)
        except people.LastOwnerError:
            error = (
                "You are this team's only owner, so you cannot leave it. Make "
                "someone else an owner first, or delete the team."
            )
        else:
            if request.session.get(SESSION_KEY) == team.pk:
                request.session.pop(SESSION_KEY)
            messages.success(request, f"You left {team.name}.")
            return redirect("campaign_list")
    return render(
        request,
        "teams/leave.html",
        {"team": team, "nav": "team", "membership": membership, "error": error},
        status=400 if error else 200,
    )
