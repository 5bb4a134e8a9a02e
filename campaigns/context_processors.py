from .teams import current_membership, memberships


def teams(request):
    """The current team and the user's teams for the switcher in the header."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "current_membership": current_membership(request),
        "my_memberships": memberships(request),
    }
