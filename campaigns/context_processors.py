import functools

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


def unread_notices(request):
    """The bell's unread count, counted only if the page shows the bell (a
    fragment for HTMX does not): one query at most."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from .notices import count_label, unread_count

    @functools.cache
    def count():
        return unread_count(user)

    return {
        "unread_notices": count,
        "unread_notices_label": lambda: count_label(count()),
    }
