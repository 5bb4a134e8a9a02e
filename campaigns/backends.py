"""Logging in by email and password, with the logged-in user read from the
shared cache: every request of a logged-in person needs their user row, and
with sessions in Redis too a plain page then costs no query at all.

Django still checks each request's session against the user's password hash,
so a cached copy must never outlive a change. Each copy is stored with the
user's generation at the time it was read, a token that every save or delete
of the user replaces (campaigns/signals.py), at once and again when the
transaction commits; a copy of another generation is not used. A request on
another server that read the row just before the commit may still store the
old copy, but with the old generation, so no later request takes it. Copies
also expire after a few minutes, in case a new generation was lost while
Redis was unreachable. Only a cache that every process shares may hold them
(USER_CACHE, on with REDIS_URL): a per-process copy would keep a session
alive in one worker after the password changed in another.
"""

import uuid

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

USER_CACHE_SECONDS = 5 * 60


def _generation_key(user_id):
    return f"user-generation:{user_id}"


def user_key(user_id):
    return f"user:{user_id}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id):
        if not settings.USER_CACHE:
            return super().get_user(user_id)
        # One round trip: the current generation and the copy, which counts
        # only if it was stored under that generation.
        key, generation_key = user_key(user_id), _generation_key(user_id)
        found = cache.get_many([key, generation_key])
        generation = found.get(generation_key, "")
        stored_under, user = found.get(key, (None, None))
        if stored_under == generation:
            return user
        user = super().get_user(user_id)
        if user is not None:
            cache.set(key, (generation, user), USER_CACHE_SECONDS)
        return user


def forget_user(user_id):
    def new_generation():
        # Outlives any copy stored under the generation it replaces.
        cache.set(_generation_key(user_id), uuid.uuid4().hex, 2 * USER_CACHE_SECONDS)

    new_generation()
    # Again once the change is visible to other connections: a copy read
    # from the old row in between went under the generation just replaced.
    transaction.on_commit(new_generation)
