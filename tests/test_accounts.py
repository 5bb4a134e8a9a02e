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
        "team_name": "Comms team",
    }
    data.update(overrides)
    return data


def emailed_link(message):
    return re.search(re.escape(settings.SITE_URL) + r"(/\S+/)", message.body).group(1)


def finish_signup(client, message, password=NEW_PASSWORD):
    """Follow the emailed link and choose the password, as a person would."""
    response = client.get(emailed_link(message))
    assert response.status_code == 302  # to the same page without the token
    set_password_url = response.url
    response = client.get(set_password_url)
    assert response.status_code == 200
    assert b"Choose your password" in response.content
    return client.post(
        set_password_url, {"new_password1": password, "new_password2": password}
    )


# ---- sign up -----------------------------------------------------------------


def test_signup_emails_a_link_and_the_link_makes_the_account(client, db):
    response = client.post(reverse("signup"), signup_data())

    # Not usable yet: only whoever holds the mailbox can finish it.
    assert response.status_code == 200
    assert b"Check your email to finish" in response.content
    user = User.objects.get(email="ada@example.org")
    assert user.name == "Ada Lovelace"
    assert not user.is_active
    assert not user.has_usable_password()
    assert not logged_in_user(client).is_authenticated
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert message.subject == "Finish signing up for Advocacy"
    assert emailed_link(message) in message.alternatives[0][0]

    response = finish_signup(client, message)
    assert response.status_code == 302
    assert response.url == reverse("campaign_list")
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert membership.team.name == "Comms team"
    assert membership.role == Role.OWNER
    assert logged_in_user(client) == user
    assert client.session[SESSION_KEY] == membership.team_id
    # The link is single use.
    response = client.get(emailed_link(message), follow=True)
    assert b"no longer works" in response.content


def test_signup_does_not_tell_whether_an_address_has_an_account(client, db):
    """A taken address gets the same page and status as a new one; its owner
    gets a note instead of a link, and nothing about the account changes."""
    taken = UserFactory(email="taken@example.org", name="Tam Taken")
    new = client.post(reverse("signup"), signup_data(email="new@example.org"))
    again = client.post(reverse("signup"), signup_data(email="Taken@example.org"))

    assert new.status_code == again.status_code == 200
    page = "registration/signup_done.html"
    assert page in {t.name for t in new.templates}
    assert page in {t.name for t in again.templates}

    def without_address(response, address):
        html = response.content.decode()
        # Per-response values: the CSP nonce and the masked CSRF token.
        html = re.sub(r'nonce="[^"]+"', "", html)
        html = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"\w+"', "", html)
        return html.replace(address, "")

    assert without_address(new, "new@example.org") == without_address(
        again, "taken@example.org"
    )

    to_new, to_taken = mail.outbox
    assert to_new.to == ["new@example.org"]
    assert "/accounts/password/reset/" in to_new.body
    assert to_taken.to == ["taken@example.org"]
    assert to_taken.subject == "Someone tried to sign up with your address"
    assert settings.SITE_URL + reverse("login") in to_taken.body
    assert settings.SITE_URL + reverse("password_reset") in to_taken.body
    assert emailed_link(to_new) not in to_taken.body
    html = to_taken.alternatives[0][0]
    assert settings.SITE_URL + reverse("login") in html
    taken.refresh_from_db()
    assert taken.name == "Tam Taken"
    assert taken.check_password(PASSWORD)
    assert not Membership.objects.filter(user=taken).exists()
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1


def test_signing_up_again_before_finishing_sends_a_fresh_link(client, db):
    client.post(reverse("signup"), signup_data(team_name="Typo tem"))
    client.post(reverse("signup"), signup_data(name="Ada L.", team_name="Typo team"))
    first, second = mail.outbox
    assert second.subject == first.subject == "Finish signing up for Advocacy"
    assert finish_signup(client, second).status_code == 302
    user = User.objects.get(email="ada@example.org")
    assert user.name == "Ada L."
    assert Membership.objects.get(user=user).team.name == "Typo team"


def test_signups_never_finished_are_forgotten_once_their_link_expires(client, db):
    client.post(reverse("signup"), signup_data())
    pending = User.objects.get(email="ada@example.org")
    team = Membership.objects.get(user=pending).team
    finished = MembershipFactory(role=Role.OWNER)
    # Another pending sign-up whose team someone has joined meanwhile: the
    # team stays for them.
    client.post(reverse("signup"), signup_data(email="bo@example.org"))
    shared = Membership.objects.get(user__email="bo@example.org").team
    MembershipFactory(team=shared, role=Role.MEMBER)

    link_life = datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    assert people.forget_unfinished_signups(timezone.now()) == 0
    assert people.forget_unfinished_signups(timezone.now() + link_life * 2) == 2
    assert not User.objects.filter(pk=pending.pk).exists()
    assert not type(team).objects.filter(pk=team.pk).exists()
    assert type(team).objects.filter(pk=shared.pk).exists()
    assert User.objects.filter(pk=finished.user_id).exists()
    assert type(team).objects.filter(pk=finished.team_id).exists()


def test_signing_up_again_restarts_the_links_day(client, db):
    client.post(reverse("signup"), signup_data())
    user = User.objects.get(email="ada@example.org")
    User.objects.filter(pk=user.pk).update(
        date_joined=timezone.now() - datetime.timedelta(days=30)
    )
    client.post(reverse("signup"), signup_data())
    assert people.forget_unfinished_signups() == 0
    assert finish_signup(client, mail.outbox[-1]).status_code == 302


def test_unfinished_signup_cannot_log_in(client, db):
    client.post(reverse("signup"), signup_data())
    response = client.post(
        reverse("login"), {"username": "ada@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert not logged_in_user(client).is_authenticated


def test_signup_emails_are_throttled_per_address(client, db):
    for _ in range(5):
        response = client.post(reverse("signup"), signup_data())
        assert response.status_code == 200
    assert len(mail.outbox) == 3


def test_finishing_signup_rejects_weak_password(client, db):
    client.post(reverse("signup"), signup_data())
    response = finish_signup(client, mail.outbox[0], password="12345")
    assert response.status_code == 400
    assert 'id="id_new_password2_error"' in response.content.decode()
    assert not User.objects.get(email="ada@example.org").is_active


def test_signup_errors_keep_input(client, db):
    response = client.post(reverse("signup"), signup_data(email="not-an-address"))

    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Ada Lovelace"' in html
    assert 'value="not-an-address"' in html
    assert 'value="Comms team"' in html
    # The message sits with its field, announced through aria-describedby.
    assert 'id="id_email_error"' in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="email"', html) or (
        re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', html)
    )
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_invitation_finishes_an_unfinished_signup(client, team, owner):
    client.post(reverse("signup"), signup_data(email="newcomer@example.org"))
    invitation = InvitationFactory(
        team=team, email="newcomer@example.org", role=Role.MEMBER, invited_by=owner
    )
    response = client.post(
        url_for(invitation),
        {"name": "New Comer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.org")
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user, team=team).role == Role.MEMBER


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


def test_owner_invitation_refuses_another_address(client, team, owner):
    invitation = InvitationFactory(
        team=team, email="newcomer@example.org", role=Role.OWNER, invited_by=owner
    )
    other = UserFactory(email="personal@example.org")
    client.force_login(other)
    for method in ("get", "post"):
        response = getattr(client, method)(url_for(invitation))
        assert response.status_code == 403
        html = response.content.decode()
        assert "only be accepted by the address it was sent to" in html
        assert "newcomer@example.org" in html
    assert not Membership.objects.filter(team=team, user=other).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_owner_invitation_is_accepted_by_its_address(client, team, owner):
    invited = UserFactory(email="newcomer@example.org")
    invitation = InvitationFactory(
        team=team, email="Newcomer@example.org", role=Role.OWNER, invited_by=owner
    )
    client.force_login(invited)
    assert client.get(url_for(invitation)).status_code == 200
    client.post(url_for(invitation))
    assert Membership.objects.get(team=team, user=invited).role == Role.OWNER


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
