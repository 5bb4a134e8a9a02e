"""Personal access tokens: made, found and revoked.

A key is `adv_` and 43 random URL-safe characters. Only its sha256 is
stored; its first characters are kept as they are, so a person can tell
their tokens apart on the settings page.
"""

import datetime
import hashlib
import secrets

from django.utils import timezone

from ..models import ApiToken

KEY_START = "adv_"
PREFIX_LENGTH = len(KEY_START) + 8
# Written at most this often on use, so reading the API is not a write a
# request.
LAST_USED_EVERY = datetime.timedelta(minutes=1)
# The key just made, kept in the session only until the settings page has
# shown it once.
SHOW_ONCE = "api_token_new_key"


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def create(user, name, read_only=False, expires_at=None):
    """A new token and its key; the key is never stored or shown again."""
    key = KEY_START + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=digest(key),
        read_only=read_only,
        expires_at=expires_at,
    )
    return token, key


def find(key):
    """The active token for `key` with its user, or None (unknown, revoked,
    expired, or its person deactivated)."""
    if not key.startswith(KEY_START) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest(key), user__is_active=True)
        .first()
    )
    if token is None or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(user, token_pk):
    """Revoke one of `user`'s tokens; False if they have no such active one."""
    return bool(
        ApiToken.objects.filter(pk=token_pk, user=user, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def of(user):
    """A person's tokens not revoked, newest first (expired ones too: the
    page says so)."""
    return list(ApiToken.objects.filter(user=user, revoked_at=None))


def show_once(session, token, key):
    session[SHOW_ONCE] = {"id": token.pk, "key": key}


def shown_once(session):
    """The key just made, once: reading it forgets it."""
    return session.pop(SHOW_ONCE, None)
