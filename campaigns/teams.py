"""Which team a user is working in right now."""

from .models import Membership

SESSION_KEY = "current_team_id"


def current_membership(request):
    """The membership of the team the user is working in, or None.

    The choice is kept in the session; if it is missing or stale (the user
    left the team) the user's earliest team is used. Cached on the request.
    """
    if hasattr(request, "_current_membership"):
        return request._current_membership
    chosen = None
    if request.user.is_authenticated:
        memberships = Membership.objects.filter(user=request.user).select_related(
            "team"
        )
        team_id = request.session.get(SESSION_KEY)
        if team_id:
            chosen = memberships.filter(team_id=team_id).first()
        chosen = chosen or memberships.order_by("joined_at", "pk").first()
        if chosen and chosen.team_id != team_id:
            request.session[SESSION_KEY] = chosen.team_id
    request._current_membership = chosen
    return chosen


def switch_team(request, membership):
    request.session[SESSION_KEY] = membership.team_id
    request._current_membership = membership
