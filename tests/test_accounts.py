"""Sign up, log in and out, passwords, invitations and their links."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from campaigns import people
from campaigns.models import Invitation, Membership, Role, User
from campaigns.teams import SESSION_KEY
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

NEW_PASSWORD = "a-much-longer-secret-42"


def logged_in_user(client):
    from django.contrib.auth import get_user

    return get_user(client)


def signup_data(**overrides):
    data = {
        "name": "Ada Lovelace",
        "email": "Ada@Example.org",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "team_name": "Comms team",
    }
    data.update(overrides)
    return data


# ---- sign up -----------------------------------------------------------------


def test_signup_creates_user_team_and_owner_membership_and_logs_in(client, db):
    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 302
    assert response.url == reverse("campaign_list")
    user = User.objects.get(email="ada@example.org")
    assert user.name == "Ada Lovelace"
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert membership.team.name == "Comms team"
    assert membership.role == Role.OWNER
    assert logged_in_user(client) == user
    assert client.session[SESSION_KEY] == membership.team_id


def test_signup_errors_keep_input_but_not_passwords(client, db):
    UserFactory(email="taken@example.org")
    response = client.post(
        reverse("signup"),
        signup_data(email="taken@example.org", password2="something-else-entirely"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "already an account with this email" in html
    assert "don&#x27;t match" in html
    assert 'value="Ada Lovelace"' in html
    assert 'value="taken@example.org"' in html
    assert 'value="Comms team"' in html
    assert NEW_PASSWORD not in html
    # The message sits with its field, announced through aria-describedby.
    assert 'id="id_email_error"' in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="email"', html) or (
        re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', html)
    )
    assert User.objects.count() == 1


def test_signup_rejects_weak_password(client, db):
    response = client.post(
        reverse("signup"), signup_data(password1="12345", password2="12345")
    )
    assert response.status_code == 400
    assert 'id="id_password1_error"' in response.content.decode()
    assert not User.objects.filter(email="ada@example.org").exists()


def test_signup_page_renders(client, db):
    response = client.get(reverse("signup"))
    assert response.status_code == 200
    assert b"Create account" in response.content


# ---- log in and out ----------------------------------------------------------


def test_login_with_email_and_password(client, db):
    user = UserFactory(email="grace@example.org")
    response = client.post(
        reverse("login"), {"username": "Grace@Example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("campaign_list")
    assert logged_in_user(client) == user


def test_login_follows_next(client, db):
    user = UserFactory()
    response = client.post(
        reverse("login") + "?next=/teams/new/",
        {"username": user.email, "password": PASSWORD, "next": "/teams/new/"},
    )
    assert response.status_code == 302
    assert response.url == "/teams/new/"


def test_login_wrong_password_keeps_email(client, db):
    user = UserFactory()
    response = client.post(
        reverse("login"), {"username": user.email, "password": "nope-nope-nope"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "don&#x27;t match an account" in html
    assert f'value="{user.email}"' in html
    assert not logged_in_user(client).is_authenticated


def test_login_page_labels(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert "Log in</button>" in html


def test_lockout_counts_email_case_variants_together(client, db):
    user = UserFactory(email="case@example.org")
    for variant in ["Case@example.org", "CASE@example.org", "case@EXAMPLE.org"] * 2:
        client.post(reverse("login"), {"username": variant, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_repeated_failures_lock_out_with_friendly_page(client, db):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.email, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"Reset your password" in response.content
    assert not logged_in_user(client).is_authenticated


def test_logout_is_a_post(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert not logged_in_user(client).is_authenticated


# ---- passwords ---------------------------------------------------------------


def test_password_change(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Still logged in: the session survives the change.
    assert logged_in_user(client) == user


def test_password_change_wrong_old_password(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-it-at-all",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert b'id="id_old_password_error"' in response.content
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_login(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_reset_email_and_link(client, db):
    user = UserFactory(email="reset@example.org")
    response = client.post(reverse("password_reset"), {"email": "reset@example.org"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reset@example.org"]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = re.search(re.escape(settings.SITE_URL) + r"(/\S+/)", message.body).group(1)
    assert link in html

    response = client.get(link)
    assert response.status_code == 302  # to the same page without the token
    set_password_url = response.url
    response = client.get(set_password_url)
    assert response.status_code == 200
    assert b"Set a new password" in response.content
    response = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link is single use.
    response = client.get(link, follow=True)
    assert b"no longer works" in response.content


def test_password_reset_for_unknown_email_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


# ---- invitations -------------------------------------------------------------


@pytest.fixture
def invitation(team, owner):
    return InvitationFactory(
        team=team, email="newcomer@example.org", role=Role.MEMBER, invited_by=owner
    )


def url_for(invitation):
    return reverse("invitation", args=[people.make_token(invitation)])


def test_new_person_signs_up_through_invitation(client, invitation, team):
    response = client.get(url_for(invitation))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Join {team.name}" in html
    assert 'value="newcomer@example.org"' in html

    response = client.post(
        url_for(invitation),
        {"name": "New Comer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("campaign_list")
    user = User.objects.get(email="newcomer@example.org")
    assert Membership.objects.get(user=user, team=team).role == Role.MEMBER
    assert logged_in_user(client) == user
    assert client.session[SESSION_KEY] == team.pk
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # The new person joins the inviting team only; no team of their own.
    assert Membership.objects.filter(user=user).count() == 1


def test_invitation_signup_errors_keep_name(client, invitation):
    response = client.post(
        url_for(invitation),
        {"name": "New Comer", "password1": NEW_PASSWORD, "password2": "different-1234"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="New Comer"' in html
    assert 'id="id_password2_error"' in html
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_existing_user_logs_in_then_joins(client, team, owner):
    existing = MembershipFactory(role=Role.OWNER).user
    invitation = InvitationFactory(
        team=team, email=existing.email, role=Role.VIEWER, invited_by=owner
    )
    link = url_for(invitation)

    response = client.get(link)
    assert response.status_code == 200
    login_url = re.search(
        r'href="(/accounts/login/\?[^"]+)"', response.content.decode()
    )
    assert login_url
    login_url = login_url.group(1).replace("&amp;", "&")
    assert "next=" in login_url

    # Logging in returns to the invitation link.
    response = client.post(
        login_url, {"username": existing.email, "password": PASSWORD, "next": link}
    )
    assert response.status_code == 302
    assert response.url == link

    response = client.get(link)
    assert b"Join " in response.content
    assert not Membership.objects.filter(team=team, user=existing).exists()
    response = client.post(link)
    assert response.status_code == 302
    assert response.url == reverse("campaign_list")
    assert Membership.objects.get(team=team, user=existing).role == Role.VIEWER
    assert client.session[SESSION_KEY] == team.pk


def test_logged_in_user_with_other_email_can_accept(client, invitation, team):
    other = UserFactory(email="personal@example.org")
    client.force_login(other)
    response = client.get(url_for(invitation))
    assert response.status_code == 200
    assert b"personal@example.org" in response.content
    assert b"newcomer@example.org" in response.content
    client.post(url_for(invitation))
    assert Membership.objects.filter(team=team, user=other).exists()


def test_accepting_when_already_member_keeps_role(client, team, owner):
    member = MembershipFactory(team=team, role=Role.MEMBER).user
    invitation = InvitationFactory(team=team, email=member.email, role=Role.VIEWER)
    client.force_login(member)
    assert b"already in" in client.get(url_for(invitation)).content
    client.post(url_for(invitation))
    assert Membership.objects.get(team=team, user=member).role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_used_invitation_is_gone(client, invitation):
    invitation.accepted_at = timezone.now()
    invitation.save()
    response = client.get(url_for(invitation))
    assert response.status_code == 410
    assert b"already been used" in response.content
    response = client.post(
        url_for(invitation),
        {"name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_invitation_link_cannot_be_used_twice(client, invitation, client_for):
    client.post(
        url_for(invitation),
        {"name": "New Comer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    other = client_for(UserFactory())
    response = other.post(url_for(invitation))
    assert response.status_code == 410
    assert Membership.objects.filter(team=invitation.team).count() == 2


def test_expired_invitation(client, invitation):
    link = url_for(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now()
        - datetime.timedelta(days=settings.INVITATION_MAX_AGE_DAYS, minutes=1)
    )
    response = client.get(link)
    assert response.status_code == 410
    assert b"expired" in response.content


def test_expired_token_signature(client, invitation, monkeypatch):
    link = url_for(invitation)
    later = timezone.now() + datetime.timedelta(
        days=settings.INVITATION_MAX_AGE_DAYS, minutes=1
    )
    monkeypatch.setattr(signing.time, "time", lambda: later.timestamp())
    response = client.get(link)
    assert response.status_code == 410


def test_tampered_token(client, invitation):
    token = people.make_token(invitation)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(reverse("invitation", args=[tampered]))
    assert response.status_code == 400
    assert b"not valid" in response.content
    response = client.get(reverse("invitation", args=["garbage"]))
    assert response.status_code == 400


def test_token_signed_for_something_else_is_refused(client, invitation):
    # Same payload, different salt: must not pass as an invitation.
    token = signing.dumps({"id": invitation.pk})
    response = client.get(reverse("invitation", args=[token]))
    assert response.status_code == 400


def test_link_does_not_carry_the_address(invitation):
    assert "newcomer" not in str(
        signing.b64_decode(people.make_token(invitation).split(":")[0].encode())
    )


def test_well_signed_but_odd_payload_is_400(client, db):
    token = signing.dumps({"id": "1 OR 1=1"}, salt=people.INVITATION_SALT)
    response = client.get(reverse("invitation", args=[token]))
    assert response.status_code == 400


def test_revoked_invitation(client, invitation):
    link = url_for(invitation)
    invitation.delete()
    response = client.get(link)
    assert response.status_code == 404
    assert b"no longer exists" in response.content
