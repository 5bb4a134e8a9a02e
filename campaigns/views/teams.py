"""The team page (people, roles, invitations), creating and switching teams.

Changes to who is in a team are not campaign activity (Activity belongs to a
campaign), so these views record nothing there; the team page itself shows
the current state.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from .. import people
from ..access import check_role, get_membership
from ..forms.teams import InviteForm, RoleForm, TeamForm
from ..models import Invitation, Membership, Role
from ..teams import switch_team


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = people.create_team(form.cleaned_data["name"], request.user)
        switch_team(request, membership)
        messages.success(
            request,
            f"{membership.team.name} is ready. Invite the people you work with.",
        )
        return redirect("team_detail", membership.team_id)
    status = 400 if form.is_bound else 200
    return render(request, "teams/create.html", {"form": form}, status=status)


def _allow(request, membership, method, *, owner=False):
    """After the team (404) check: a wrong method is 405, then the role 403.

    The order means someone outside the team learns nothing, not even which
    methods a URL takes, while a viewer who opens an owner's form URL gets a
    plain 405 rather than a confusing 403.
    """
    if request.method != method:
        return HttpResponseNotAllowed([method])
    check_role(membership, owner=owner)
    return None


@login_required
def team_switch(request, team_pk):
    membership = get_membership(request, team_pk)
    if refusal := _allow(request, membership, "POST"):
        return refusal
    switch_team(request, membership)
    messages.info(request, f"You are now working in {membership.team.name}.")
    return redirect("campaign_list")


# ---- the team page -----------------------------------------------------------


@login_required
def team_detail(request, team_pk):
    membership = get_membership(request, team_pk)
    if refusal := _allow(request, membership, "GET"):
        return refusal
    return _team_page(request, membership)


def _team_page(request, membership, *, status=200, invite_form=None, notice=None):
    """The whole page, or just its people section for an HTMX request.

    `notice` is a (kind, text) pair shown at the top of the section: HTMX
    swaps only the section, so the header's messages would not appear.
    """
    team = membership.team
    members = list(
        team.memberships.select_related("user").order_by("user__name", "user__email")
    )
    invitations = list(
        team.invitations.filter(accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    if membership.is_owner and invite_form is None:
        invite_form = InviteForm(team=team)
    context = {
        "nav": "team",
        "team": team,
        "membership": membership,
        "is_owner": membership.is_owner,
        "members": members,
        "owner_count": sum(m.is_owner for m in members),
        "invitations": invitations,
        "invite_form": invite_form,
        "roles": Role.choices,
        "notice": notice,
    }
    if request.htmx:
        # htmx does not swap 4xx answers, so form errors come back as 200.
        return render(request, "teams/detail.html#people", context)
    return render(request, "teams/detail.html", context, status=status)


def _done(request, membership, text):
    """After a successful change: the fresh section, or redirect back."""
    still_member = Membership.objects.select_related("team").filter(pk=membership.pk)
    membership = still_member.first()
    if membership is None:
        # They removed themselves from the team.
        messages.success(request, text)
        if request.htmx:
            return HttpResponseClientRedirect(reverse("campaign_list"))
        return redirect("campaign_list")
    if request.htmx:
        return _team_page(request, membership, notice=("success", text))
    messages.success(request, text)
    return redirect("team_detail", membership.team_id)


def _refused(request, membership, text, status=400):
    return _team_page(request, membership, status=status, notice=("error", text))


def _member(membership, membership_pk):
    """A membership of the same team, or 404."""
    queryset = Membership.objects.select_related("user")
    return get_object_or_404(queryset, pk=membership_pk, team=membership.team)


@login_required
def invite(request, team_pk):
    membership = get_membership(request, team_pk)
    if request.method == "GET":  # a failed invite's address, opened again
        return redirect("team_detail", membership.team_id)
    if refusal := _allow(request, membership, "POST", owner=True):
        return refusal
    form = InviteForm(request.POST, team=membership.team)
    if not form.is_valid():
        return _team_page(request, membership, invite_form=form, status=400)
    try:
        invitation = people.invite(
            membership.team,
            form.cleaned_data["email"],
            form.cleaned_data["role"],
            request.user,
        )
    except people.TooManyInvitations as error:
        form.add_error(None, str(error))
        return _team_page(request, membership, invite_form=form, status=429)
    if not people.send_invitation_email(invitation):
        form.add_error(
            None,
            "The invitation is saved, but the email could not be sent just now. "
            "Please try again in a few minutes.",
        )
        return _team_page(request, membership, invite_form=form, status=503)
    return _done(request, membership, f"Invitation sent to {invitation.email}.")


@login_required
def revoke_invitation(request, team_pk, invitation_pk):
    membership = get_membership(request, team_pk)
    invitation = get_object_or_404(
        Invitation, pk=invitation_pk, team=membership.team, accepted_at__isnull=True
    )
    if request.method == "GET":
        return redirect("team_detail", membership.team_id)
    if refusal := _allow(request, membership, "POST", owner=True):
        return refusal
    # Deleting the row is what makes the emailed link stop working.
    invitation.delete()
    return _done(
        request, membership, f"The invitation to {invitation.email} is withdrawn."
    )


@login_required
def change_role(request, team_pk, membership_pk):
    membership = get_membership(request, team_pk)
    target = _member(membership, membership_pk)
    if request.method == "GET":  # a refused change's address, opened again
        return redirect("team_detail", membership.team_id)
    if refusal := _allow(request, membership, "POST", owner=True):
        return refusal
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _refused(request, membership, "Choose owner, member or viewer.")
    try:
        people.change_role(target, form.cleaned_data["role"])
    except people.LastOwnerError as error:
        return _refused(request, membership, str(error))
    return _done(
        request,
        membership,
        f"{target.user} is now {target.get_role_display().lower()}.",
    )


@login_required
def remove_member(request, team_pk, membership_pk):
    membership = get_membership(request, team_pk)
    target = _member(membership, membership_pk)
    if request.method == "GET":  # a refused removal's address, opened again
        return redirect("team_detail", membership.team_id)
    if refusal := _allow(request, membership, "POST", owner=True):
        return refusal
    try:
        people.remove_member(target)
    except people.LastOwnerError as error:
        return _refused(request, membership, str(error))
    return _done(request, membership, f"{target.user} has left {membership.team.name}.")
