"""Every object is reached through the user's teams.

Views call these helpers instead of `get_object_or_404` on a bare model:
another team's object is a 404 (its existence is not revealed), a viewer's
write is a 403, and the membership found is put on the request for templates.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import get_object_or_404

from .models import Campaign, Membership


def get_membership(request, team_pk, *, write=False, owner=False):
    membership = get_object_or_404(
        Membership.objects.select_related("team"), team_id=team_pk, user=request.user
    )
    check_role(membership, write=write, owner=owner)
    request.membership = membership
    return membership


def get_campaign(request, campaign_pk, *, write=False, queryset=None):
    """The campaign if the user is in its team; checks the role for writes.

    One query: the user's membership rides along as annotations (the filter
    on the memberships join comes first, so the annotations read that row).
    Every campaign page runs it, so it joins only the team; a page that shows
    more (the lead) passes a queryset that selects it.
    """
    queryset = queryset if queryset is not None else Campaign.objects.all()
    campaign = get_object_or_404(
        queryset.select_related("team")
        .filter(team__memberships__user=request.user)
        .annotate(
            member_pk=F("team__memberships__pk"),
            member_role=F("team__memberships__role"),
            member_joined_at=F("team__memberships__joined_at"),
        ),
        pk=campaign_pk,
    )
    membership = Membership(
        pk=campaign.member_pk,
        team=campaign.team,
        user=request.user,
        role=campaign.member_role,
        joined_at=campaign.member_joined_at,
    )
    membership._state.adding = False
    check_role(membership, write=write)
    request.membership = membership
    return campaign


def get_in_campaign(campaign, model_or_queryset, pk):
    """An object of `campaign` by primary key, or 404."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset, pk=pk, campaign=campaign)


def check_role(membership, *, write=False, owner=False):
    if owner and not membership.is_owner:
        raise PermissionDenied("Only the team's owners can do this.")
    if write and not membership.can_write:
        raise PermissionDenied("Viewers can read but not change anything.")


def require_write(request):
    """For views that looked up the campaign for reading, then got a POST."""
    check_role(request.membership, write=True)
