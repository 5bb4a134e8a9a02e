"""A health check for load balancers and uptime monitors.

Public and cheap. It answers 503 only when the database is unreachable, since
nothing works without it; a Redis outage delays emails but the app still
serves pages, so it is reported as "degraded" with a 200. Errors are named by
type only: the page is public and driver messages can reveal hosts or users.
"""

import logging
import time

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

DATABASE_ALIAS = DEFAULT_DB_ALIAS
DATABASE_TIMEOUT_MS = 2000


def _elapsed_ms(started):
    return round((time.perf_counter() - started) * 1000, 1)


def check_database(alias=DEFAULT_DB_ALIAS):
    started = time.perf_counter()
    try:
        connection = connections[alias]
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Scoped to this transaction, so pooled connections are unchanged.
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(DATABASE_TIMEOUT_MS)],
                )
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # One line, not a traceback: monitors call this every few seconds.
        logger.warning("Health check: database %r failed: %s", alias, exc)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor, "latency_ms": _elapsed_ms(started)}


def check_redis(url):
    if not url:
        return {"configured": False}
    started = time.perf_counter()
    client = None
    try:
        client = redis.Redis.from_url(
            url,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
            # A single attempt: the answer must come quickly, not eventually.
            retry=Retry(NoBackoff(), 0),
        )
        client.ping()
    except Exception as exc:
        logger.warning("Health check: Redis failed: %s", exc)
        return {"configured": True, "ok": False, "error": type(exc).__name__}
    finally:
        if client is not None:
            client.close()
    return {"configured": True, "ok": True, "latency_ms": _elapsed_ms(started)}


@never_cache
@require_safe
def healthz(request):
    database = check_database(DATABASE_ALIAS)
    broker = check_redis(getattr(settings, "REDIS_URL", ""))
    if not database["ok"]:
        status, code = "error", 503
    elif broker.get("ok") is False:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse(
        {"status": status, "database": database, "redis": broker}, status=code
    )
