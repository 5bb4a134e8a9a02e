"""Counting requests in the cache, for actions that send email to an address
someone typed (password resets): a stranger must not be able to flood a
mailbox or use the app as a mailer.

The counts live in the default cache; with a per-process cache each worker
counts on its own, so the effective limit is the limit times the workers.
"""

import hashlib

from django.core.cache import cache

HOUR = 60 * 60


def _key(scope, value):
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


def hit(scope, value, limit, window=HOUR):
    """Count one attempt; False once `limit` attempts fell within `window`."""
    key = _key(scope, value)
    # add() starts the window only if no count exists yet.
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit


def reset(scope, value):
    cache.delete(_key(scope, value))
