"""Counting requests, for actions that send email to an address someone typed
(password resets): a stranger must not be able to flood a mailbox or use the
app as a mailer.

The counts live in the default cache. With Redis (REDIS_URL) every process
shares them. While Redis is unreachable the cache cannot count (django-redis,
told to ignore connection errors, answers None instead of a count), so the
count moves to a row in the database and the limit still holds across
processes. With the embedded per-process cache each process counts on its own,
so the effective limit there is the limit times the processes, unless the
caller asks for a `shared` count (the API's per-token limit), which then
lives in the database.
"""

import datetime
import hashlib
import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import ThrottleWindow

HOUR = 60 * 60


def _key(scope, value):
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


def hit(scope, value, limit, window=HOUR, shared=False):
    """Count one attempt; False once `limit` attempts fell within `window`.

    `shared`: the count holds across processes even without Redis."""
    key = _key(scope, value)
    if shared and not settings.REDIS_CACHE_URL:
        return _hit_in_database(key, limit, window)
    # add() starts the window only if no count exists yet.
    added = cache.add(key, 1, timeout=window)
    if added is None:
        return _hit_in_database(key, limit, window)
    if added:
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        return True
    if count is None:
        return _hit_in_database(key, limit, window)
    return count <= limit


def _hit_in_database(key, limit, window):
    now = timezone.now()
    ends = now + datetime.timedelta(seconds=window)
    with transaction.atomic():
        ThrottleWindow.objects.filter(expires_at__lte=now).delete()
        row, created = ThrottleWindow.objects.select_for_update().get_or_create(
            key=key, defaults={"expires_at": ends}
        )
        if created:
            return True
        row.count += 1
        row.save(update_fields=["count"])
    return row.count <= limit


def hit_in_window(scope, value, limit, window, now=None):
    """Count one request in the fixed window of `window` seconds that `now`
    falls in, shared across processes; 0 while within `limit`, else the
    seconds until the next window starts (for Retry-After)."""
    moment = (now or timezone.now()).timestamp()
    index = int(moment // window)
    if hit(scope, f"{value}:{index}", limit, window, shared=True):
        return 0
    return max(1, math.ceil((index + 1) * window - moment))


def reset(scope, value):
    key = _key(scope, value)
    cache.delete(key)
    ThrottleWindow.objects.filter(key=key).delete()
