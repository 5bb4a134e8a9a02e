from .models import Membership
from .teams import current_membership


def teams(request):
    """The current team and the user's teams for the switcher in the header."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "current_membership": current_membership(request),
        "my_memberships": Membership.objects.filter(user=user)
        .select_related("team")
        .order_by("team__name"),
    }
