"""Which team a user is working in right now."""

from .models import Membership

SESSION_KEY = "current_team_id"


def memberships(request):
    """All of the user's memberships with their teams, by team name; one
    query per request (the header's team switcher shows them all)."""
    if not hasattr(request, "_memberships"):
        request._memberships = list(
            Membership.objects.filter(user=request.user)
            .select_related("team")
            .order_by("team__name", "pk")
        )
    return request._memberships


def current_membership(request):
    """The membership of the team the user is working in, or None.

    The choice is kept in the session; if it is missing or stale (the user
    left the team) the user's earliest team is used. Cached on the request.
    """
    if hasattr(request, "_current_membership"):
        return request._current_membership
    chosen = None
    if request.user.is_authenticated:
        mine = memberships(request)
        team_id = request.session.get(SESSION_KEY)
        chosen = next((m for m in mine if m.team_id == team_id), None)
        if chosen is None and mine:
            chosen = min(mine, key=lambda m: (m.joined_at, m.pk))
        if chosen and chosen.team_id != team_id:
            request.session[SESSION_KEY] = chosen.team_id
    request._current_membership = chosen
    return chosen


def switch_team(request, membership):
    request.session[SESSION_KEY] = membership.team_id
    request._current_membership = membership
