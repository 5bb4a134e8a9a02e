"""Logging in by email and password, with the logged-in user read from the
shared cache: every request of a logged-in person needs their user row, and
with sessions in Redis too a plain page then costs no query at all.

Django still checks each request's session against the user's password hash,
so the cached copy must never outlive a change: every save or delete of a
user removes it (campaigns/signals.py), and it expires after a few minutes in
case a removal was lost while Redis was unreachable. Only a cache that every
process shares may hold it (USER_CACHE, on with REDIS_URL): a per-process copy
would keep a session alive in one worker after the password changed in
another.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_CACHE_SECONDS = 5 * 60


def user_key(user_id):
    return f"user:{user_id}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id):
        if not settings.USER_CACHE:
            return super().get_user(user_id)
        key = user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_CACHE_SECONDS)
        return user


def forget_user(user_id):
    cache.delete(user_key(user_id))
