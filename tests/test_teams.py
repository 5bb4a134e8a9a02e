"""The team page: roles, invitations, the last owner, and switching teams."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns import people
from campaigns.models import Invitation, Membership, Role, Team
from campaigns.teams import SESSION_KEY
from tests.factories import InvitationFactory, MembershipFactory, TeamFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def membership_of(user, team):
    return Membership.objects.get(user=user, team=team)


# ---- the page ------------------------------------------------------------------


def test_team_page_lists_members_and_open_invitations(owner_client, team, member):
    InvitationFactory(team=team, email="open@example.org")
    InvitationFactory(
        team=team, email="accepted@example.org", accepted_at=timezone.now()
    )
    response = owner_client.get(reverse("team_detail", args=[team.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert member.email in html
    assert "open@example.org" in html
    assert "accepted@example.org" not in html
    assert "Send invitation" in html  # owners get the invite form
    assert 'id="team-people"' in html


def test_viewer_sees_page_without_owner_forms(client_for, team, viewer, member):
    response = client_for(viewer).get(reverse("team_detail", args=[team.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert member.email in html
    assert "Send invitation" not in html
    assert "Remove" not in html


def test_other_team_page_is_404(owner_client):
    other = TeamFactory()
    assert owner_client.get(reverse("team_detail", args=[other.pk])).status_code == 404


def test_team_page_needs_login(client, team):
    response = client.get(reverse("team_detail", args=[team.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_team_page_queries_do_not_grow_with_people(
    owner_client, team, django_assert_max_num_queries
):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert (
                owner_client.get(reverse("team_detail", args=[team.pk])).status_code
                == 200
            )
        return len(ctx.captured_queries)

    small = count_queries()
    for _ in range(15):
        MembershipFactory(team=team)
        InvitationFactory(team=team, invited_by=MembershipFactory(team=team).user)
    with django_assert_max_num_queries(small):
        assert (
            owner_client.get(reverse("team_detail", args=[team.pk])).status_code == 200
        )


# ---- inviting -----------------------------------------------------------------------


def test_owner_invites_by_email(owner_client, team, owner):
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "Newbie@Example.org", "role": Role.VIEWER},
    )
    assert response.status_code == 302
    assert response.url == reverse("team_detail", args=[team.pk])
    invitation = Invitation.objects.get(team=team)
    assert invitation.email == "newbie@example.org"
    assert invitation.role == Role.VIEWER
    assert invitation.invited_by == owner

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newbie@example.org"]
    assert team.name in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = re.search(r"(https?://\S+/invitations/\S+/)", message.body).group(1)
    assert link.startswith("http")  # absolute, built from SITE_URL
    assert link in html
    assert people.read_token(link.rstrip("/").rsplit("/", 1)[1]) == invitation


def test_reinviting_refreshes_the_same_invitation(owner_client, team):
    old = timezone.now() - datetime.timedelta(days=5)
    invitation = InvitationFactory(
        team=team, email="again@example.org", role=Role.MEMBER, created_at=old
    )
    owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "again@example.org", "role": Role.OWNER},
    )
    assert Invitation.objects.filter(team=team).count() == 1
    invitation.refresh_from_db()
    assert invitation.created_at > old + datetime.timedelta(days=4)
    assert invitation.role == Role.OWNER


def test_invite_errors_keep_input(owner_client, team, member):
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": member.email, "role": Role.VIEWER},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "already in this team" in html
    assert f'value="{member.email}"' in html
    assert re.search(r'<option value="viewer" selected>', html)
    assert not Invitation.objects.exists()

    response = owner_client.post(
        reverse("team_invite", args=[team.pk]), {"email": "not-an-email", "role": "x"}
    )
    assert response.status_code == 400
    assert 'value="not-an-email"' in response.content.decode()
    assert 'id="id_role_error"' in response.content.decode()


def test_invite_with_htmx_returns_the_section(owner_client, team):
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "htmx@example.org", "role": Role.MEMBER},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="team-people"')
    assert "<html" not in html
    assert "Invitation sent to htmx@example.org" in html
    assert "htmx@example.org" in html


def test_invite_rate_limit(owner_client, team):
    for i in range(people.INVITATIONS_PER_HOUR):
        InvitationFactory(team=team, email=f"bulk{i}@example.org")
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "one-more@example.org", "role": Role.MEMBER},
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "invitations in the last hour" in html
    assert 'value="one-more@example.org"' in html
    assert not Invitation.objects.filter(email="one-more@example.org").exists()
    assert mail.outbox == []


def test_invite_rate_limit_is_per_hour_and_per_team(owner_client, team):
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1, minutes=1)
    for i in range(people.INVITATIONS_PER_HOUR):
        InvitationFactory(
            team=team, email=f"old{i}@example.org", created_at=an_hour_ago
        )
        InvitationFactory(email=f"elsewhere{i}@example.org")  # another team
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "fresh@example.org", "role": Role.MEMBER},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1


def test_revoke_invitation(owner_client, team):
    invitation = InvitationFactory(team=team)
    response = owner_client.post(
        reverse("invitation_revoke", args=[team.pk, invitation.pk])
    )
    assert response.status_code == 302
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


# ---- roles and the last owner -------------------------------------------------


def test_owner_changes_a_role(owner_client, team, member):
    m = membership_of(member, team)
    response = owner_client.post(
        reverse("member_role", args=[team.pk, m.pk]), {"role": Role.VIEWER}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.role == Role.VIEWER


def test_owner_removes_a_member(owner_client, team, member):
    m = membership_of(member, team)
    response = owner_client.post(reverse("member_remove", args=[team.pk, m.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=m.pk).exists()


def test_bad_role_is_refused(owner_client, team, member):
    m = membership_of(member, team)
    response = owner_client.post(
        reverse("member_role", args=[team.pk, m.pk]), {"role": "admin"}
    )
    assert response.status_code == 400
    m.refresh_from_db()
    assert m.role == Role.MEMBER


def test_last_owner_cannot_be_demoted(owner_client, team, owner):
    m = membership_of(owner, team)
    response = owner_client.post(
        reverse("member_role", args=[team.pk, m.pk]), {"role": Role.MEMBER}
    )
    assert response.status_code == 400
    assert b"only owner" in response.content
    m.refresh_from_db()
    assert m.role == Role.OWNER


def test_last_owner_cannot_be_removed(owner_client, team, owner):
    m = membership_of(owner, team)
    response = owner_client.post(reverse("member_remove", args=[team.pk, m.pk]), **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert b"only owner" in response.content
    assert b'role="alert"' in response.content
    assert Membership.objects.filter(pk=m.pk).exists()


def test_owner_may_step_down_when_another_owner_exists(owner_client, team, owner):
    MembershipFactory(team=team, role=Role.OWNER)
    m = membership_of(owner, team)
    response = owner_client.post(
        reverse("member_role", args=[team.pk, m.pk]), {"role": Role.MEMBER}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.role == Role.MEMBER


def test_owner_leaving_goes_to_campaigns(owner_client, team, owner):
    MembershipFactory(team=team, role=Role.OWNER)
    m = membership_of(owner, team)
    response = owner_client.post(reverse("member_remove", args=[team.pk, m.pk]))
    assert response.status_code == 302
    assert response.url == reverse("campaign_list")
    assert not Membership.objects.filter(pk=m.pk).exists()


def test_change_role_unit_protects_last_owner(team, owner):
    with pytest.raises(people.LastOwnerError):
        people.change_role(membership_of(owner, team), Role.VIEWER)
    with pytest.raises(people.LastOwnerError):
        people.remove_member(membership_of(owner, team))


# ---- permissions ----------------------------------------------------------------


@pytest.fixture(params=["member", "viewer"])
def non_owner(request, team):
    return request.getfixturevalue(request.param)


def owner_actions(team, target_membership, invitation):
    return [
        (
            reverse("team_invite", args=[team.pk]),
            {"email": "x@example.org", "role": "member"},
        ),
        (
            reverse("member_role", args=[team.pk, target_membership.pk]),
            {"role": "owner"},
        ),
        (reverse("member_remove", args=[team.pk, target_membership.pk]), {}),
        (reverse("invitation_revoke", args=[team.pk, invitation.pk]), {}),
    ]


def test_non_owners_get_403_on_owner_actions(client_for, team, owner, non_owner):
    client = client_for(non_owner)
    invitation = InvitationFactory(team=team)
    target = membership_of(owner, team)
    for url, data in owner_actions(team, target, invitation):
        assert client.post(url, data).status_code == 403, url
    # Nothing changed: the role check comes before anything else.
    assert membership_of(owner, team).role == Role.OWNER
    assert membership_of(non_owner, team).role != Role.OWNER
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_another_teams_ids_are_404(owner_client, team):
    other_owner = MembershipFactory(role=Role.OWNER)
    other_team = other_owner.team
    other_invitation = InvitationFactory(team=other_team)
    # Their team in the URL: the user is not in it.
    for url, data in owner_actions(other_team, other_owner, other_invitation):
        assert owner_client.post(url, data).status_code == 404, url
    # Our team in the URL, their ids in it.
    assert (
        owner_client.post(
            reverse("member_role", args=[team.pk, other_owner.pk]), {"role": "viewer"}
        ).status_code
        == 404
    )
    assert (
        owner_client.post(
            reverse("member_remove", args=[team.pk, other_owner.pk])
        ).status_code
        == 404
    )
    assert (
        owner_client.post(
            reverse("invitation_revoke", args=[team.pk, other_invitation.pk])
        ).status_code
        == 404
    )
    other_owner.refresh_from_db()
    assert other_owner.role == Role.OWNER
    assert Invitation.objects.filter(pk=other_invitation.pk).exists()


def test_owner_actions_are_post_only(owner_client, team, member):
    m = membership_of(member, team)
    # Opened as a page, the URL leads to the team page and removes nobody.
    response = owner_client.get(reverse("member_remove", args=[team.pk, m.pk]))
    assert response.status_code == 302
    assert response.url == reverse("team_detail", args=[team.pk])
    assert Membership.objects.filter(pk=m.pk).exists()


# ---- creating and switching teams -------------------------------------------------


def test_create_team_makes_owner_and_switches(owner_client, owner):
    response = owner_client.post(reverse("team_create"), {"name": "Board allies"})
    new_team = Team.objects.get(name="Board allies")
    assert response.status_code == 302
    assert response.url == reverse("team_detail", args=[new_team.pk])
    assert membership_of(owner, new_team).role == Role.OWNER
    assert owner_client.session[SESSION_KEY] == new_team.pk


def test_create_team_error_is_shown(owner_client):
    response = owner_client.post(reverse("team_create"), {"name": ""})
    assert response.status_code == 400
    assert b'id="id_name_error"' in response.content


def test_switch_team(owner_client, owner, team):
    other = MembershipFactory(user=owner, role=Role.VIEWER).team
    response = owner_client.post(reverse("team_switch", args=[other.pk]))
    assert response.status_code == 302
    assert response.url == reverse("campaign_list")
    assert owner_client.session[SESSION_KEY] == other.pk
    owner_client.post(reverse("team_switch", args=[team.pk]))
    assert owner_client.session[SESSION_KEY] == team.pk


def test_switch_to_a_team_you_are_not_in_is_404(owner_client, team):
    other = TeamFactory()
    assert owner_client.post(reverse("team_switch", args=[other.pk])).status_code == 404
    assert owner_client.session.get(SESSION_KEY) != other.pk


def test_switch_is_post_only(owner_client, team):
    assert owner_client.get(reverse("team_switch", args=[team.pk])).status_code == 405
