"""Teams and the people in them: starting a team, roles, and invitations.

The Invitation row is the source of truth. The emailed link only carries a
signed token naming the row; revoking deletes the row, accepting stamps
`accepted_at`, and re-inviting an address refreshes `created_at`.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Invitation, Membership, Role, Team, User

logger = logging.getLogger(__name__)

# A distinct salt so no other signed value of the app can pass as an invitation.
INVITATION_SALT = "campaigns.invitation"
# Invitations are emails sent in the team's name: cap them so a compromised
# or careless owner account cannot turn the app into a mailer.
INVITATIONS_PER_HOUR = 20


def pending_accounts():
    """Accounts signed up for but not finished from the emailed link: not
    active and without a password yet (an account an administrator turned
    off keeps its password, so it never counts as pending)."""
    return User.objects.filter(
        is_active=False, password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


def is_pending(user):
    return not user.is_active and not user.has_usable_password()


def forget_unfinished_signups(now=None):
    """Delete sign-ups whose link has expired unused, with the teams made for
    them that nobody else has joined since. Returns how many accounts went.

    Nobody has shown that such an address is theirs, so nothing of it is
    worth keeping; signing up again starts afresh."""
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    with transaction.atomic():
        users = list(
            pending_accounts()
            .filter(date_joined__lt=expired)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not users:
            return 0
        Team.objects.filter(memberships__user__in=users).exclude(
            memberships__user__in=User.objects.exclude(pk__in=users)
        ).delete()
        User.objects.filter(pk__in=users).delete()
    logger.info("Forgot %d unfinished sign-ups", len(users))
    return len(users)


class LastOwnerError(Exception):
    """The change would leave the team without an owner."""


class TooManyInvitations(Exception):
    pass


class InvalidInvitation(Exception):
    """A link that cannot be used; `status` is the HTTP status to answer with."""

    def __init__(self, status, title, message):
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


# ---- teams and roles -------------------------------------------------------


@transaction.atomic
def create_team(name, owner):
    team = Team.objects.create(name=name)
    return Membership.objects.create(team=team, user=owner, role=Role.OWNER)


def _other_owners_exist(membership):
    # Lock the team's owner rows so two owners demoting each other at the
    # same moment cannot both succeed and leave the team ownerless.
    owners = Membership.objects.select_for_update().filter(
        team_id=membership.team_id, role=Role.OWNER
    )
    return any(pk != membership.pk for pk in owners.values_list("pk", flat=True))


@transaction.atomic
def change_role(membership, role):
    demoting = membership.is_owner and role != Role.OWNER
    if demoting and not _other_owners_exist(membership):
        raise LastOwnerError(
            f"{membership.user} is the team's only owner. Make someone else "
            "an owner first, so the team always has one."
        )
    membership.role = role
    membership.save(update_fields=["role"])


@transaction.atomic
def remove_member(membership):
    if membership.is_owner and not _other_owners_exist(membership):
        raise LastOwnerError(
            f"{membership.user} is the team's only owner and cannot be removed. "
            "Make someone else an owner first."
        )
    membership.delete()


# ---- invitations -----------------------------------------------------------


def invitation_max_age():
    return datetime.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


def make_token(invitation):
    # Only the row's id: the signature stops forgery, and an address in the
    # link would end up in every proxy and browser history along the way.
    return signing.dumps({"id": invitation.pk}, salt=INVITATION_SALT)


def invitation_url(invitation):
    # Emails have no request to build links from, hence SITE_URL.
    return settings.SITE_URL + reverse("invitation", args=[make_token(invitation)])


def read_token(token):
    """The open invitation a token names, or InvalidInvitation."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=invitation_max_age())
    except signing.SignatureExpired:
        raise _expired() from None
    except signing.BadSignature:
        raise InvalidInvitation(
            400,
            "This invitation link is not valid",
            "The link may have been cut short or changed when it was copied. "
            "Open it straight from the email, or ask for a new invitation.",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise InvalidInvitation(400, "This invitation link is not valid", "")
    invitation = (
        Invitation.objects.select_related("team", "invited_by")
        .filter(pk=data["id"])
        .first()
    )
    if invitation is None:
        raise InvalidInvitation(
            404,
            "This invitation no longer exists",
            "It was withdrawn by the team. Ask a team owner to invite you again.",
        )
    if invitation.accepted_at:
        raise InvalidInvitation(
            410,
            "This invitation has already been used",
            "Log in to reach the team, or ask a team owner for a new invitation.",
        )
    if invitation.is_expired:
        raise _expired()
    return invitation


def _expired():
    return InvalidInvitation(
        410,
        "This invitation has expired",
        f"Invitations work for {settings.INVITATION_MAX_AGE_DAYS} days. "
        "Ask a team owner to send you a new one.",
    )


def invitations_in_last_hour(team):
    since = timezone.now() - datetime.timedelta(hours=1)
    return Invitation.objects.filter(team=team, created_at__gte=since).count()


@transaction.atomic
def invite(team, email, role, invited_by):
    """Create the open invitation for `email`, or refresh the existing one."""
    # Lock the team row so concurrent invites count against the same limit.
    Team.objects.select_for_update().filter(pk=team.pk).first()
    if invitations_in_last_hour(team) >= INVITATIONS_PER_HOUR:
        raise TooManyInvitations(
            f"This team has sent {INVITATIONS_PER_HOUR} invitations in the last "
            "hour, the most allowed. Please try again later."
        )
    invitation, _ = Invitation.objects.update_or_create(
        team=team,
        email=email.lower(),
        accepted_at__isnull=True,
        defaults={"role": role, "invited_by": invited_by, "created_at": timezone.now()},
    )
    return invitation


def send_invitation_email(invitation):
    """Send the invitation; False if the mail server refused it."""
    context = {
        "invitation": invitation,
        "team": invitation.team,
        "inviter": invitation.invited_by,
        "url": invitation_url(invitation),
        "site_url": settings.SITE_URL,
        "max_age_days": settings.INVITATION_MAX_AGE_DAYS,
    }
    subject = "".join(
        render_to_string("emails/invitation_subject.txt", context).splitlines()
    )
    message = EmailMultiAlternatives(
        subject,
        render_to_string("emails/invitation.txt", context),
        to=[invitation.email],
        reply_to=[invitation.invited_by.email] if invitation.invited_by else None,
    )
    message.attach_alternative(
        render_to_string("emails/invitation.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:
        logger.exception("Could not send invitation %s", invitation.pk)
        return False
    return True


@transaction.atomic
def accept(invitation, user):
    """Add `user` to the team (keeping an existing role) and use up the link.

    Returns the membership and whether it is new.
    """
    # Re-read under a lock: two clicks on the same link must not both count.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvalidInvitation(
            410, "This invitation has already been used", "Log in to reach the team."
        )
    membership, joined = Membership.objects.select_related("team").get_or_create(
        team_id=invitation.team_id, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership, joined
