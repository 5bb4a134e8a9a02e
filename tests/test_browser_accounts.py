"""Signing up, logging out and in again, and the team page, in a real browser."""

import re
from urllib.parse import urlsplit

import pytest

from campaigns import people
from campaigns.models import Membership, Role, User
from tests.conftest import browser_login
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory


@pytest.mark.browser
def test_signup_logout_login(page, screenshot, transactional_db, mailoutbox):
    page.goto("/accounts/signup/")
    screenshot(page, "accounts-signup")
    page.get_by_label("Your name").fill("Rosa Parks")
    page.get_by_label("Email").fill("not an address")
    page.get_by_label("Team name").fill("Library friends")
    page.get_by_role("button", name="Create account").click()

    # A mistake keeps what was typed.
    page.get_by_text("Enter a valid email address.").wait_for()
    assert page.get_by_label("Your name").input_value() == "Rosa Parks"
    assert page.get_by_label("Team name").input_value() == "Library friends"
    screenshot(page, "accounts-signup-errors")

    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email to finish").wait_for()
    screenshot(page, "accounts-signup-done")

    # The password is chosen from the emailed link.
    (message,) = mailoutbox
    assert message.to == ["rosa@example.org"]
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(
        0
    )
    page.goto(urlsplit(link).path)
    page.get_by_role("heading", name="Choose your password").wait_for()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm new password").fill(PASSWORD)
    screenshot(page, "accounts-signup-password")
    page.get_by_role("button", name="Finish signing up").click()
    page.wait_for_url("**/campaigns/")
    page.get_by_text("Your team is ready.").wait_for()

    user = User.objects.get(email="rosa@example.org")
    assert user.is_active
    assert Membership.objects.get(user=user).role == Role.OWNER

    # Log out from the account menu of a page that surely has the header.
    page.goto("/accounts/password/")
    page.locator("summary", has_text="Account menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    page.get_by_text("You have logged out.").wait_for()
    screenshot(page, "accounts-login")

    browser_login(page, user)
    assert page.url.endswith("/campaigns/")


@pytest.mark.browser
def test_team_page_and_invitation(page, screenshot, transactional_db):
    owner = MembershipFactory(role=Role.OWNER, user__name="Olu Owner")
    team = owner.team
    team.name = "Library friends"
    team.save()
    MembershipFactory(team=team, role=Role.MEMBER, user__name="Mia Member")
    MembershipFactory(team=team, role=Role.VIEWER, user__name="Vic Viewer")
    invitation = InvitationFactory(
        team=team, email="new@example.org", invited_by=owner.user
    )

    browser_login(page, owner.user)
    page.goto(f"/teams/{team.pk}/")
    page.get_by_label("Email").fill("another@example.org")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to another@example.org").wait_for()
    page.get_by_role("button", name="Change role of Mia Member").wait_for()
    screenshot(page, "teams-detail")

    # The invited person opens their link in a fresh session.
    context = page.context.browser.new_context(base_url=page.url.split("/teams")[0])
    guest = context.new_page()
    # A link damaged in copying gets a friendly page (status 400).
    guest.goto(f"/invitations/{people.make_token(invitation)}x/")
    guest.get_by_role("heading", name="This invitation link is not valid").wait_for()
    screenshot(guest, "teams-invitation-invalid")

    guest.goto(f"/invitations/{people.make_token(invitation)}/")
    screenshot(guest, "teams-invitation-signup")
    guest.get_by_label("Your name").fill("Nia New")
    guest.get_by_label("Password", exact=True).fill(PASSWORD)
    guest.get_by_label("Confirm password").fill(PASSWORD)
    guest.get_by_role("button", name="Create account and join").click()
    guest.wait_for_url("**/campaigns/")
    context.close()
    assert Membership.objects.get(team=team, user__email="new@example.org").role == (
        Role.MEMBER
    )
