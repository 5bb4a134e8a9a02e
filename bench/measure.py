"""The parts of the benchmark that run inside Django: preparing the data,
counting queries per page, and building the weekly digests; and the growth
section's steps (bench/growth.py), whose digests go through digest() below.

Run by bench/run.py as `python bench/measure.py <step>` with the benchmark's
environment; prints one JSON object.
"""

import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import growth  # noqa: E402
from campaigns import board as board_logic  # noqa: E402
from campaigns import digests  # noqa: E402
from campaigns.models import (  # noqa: E402
    Activity,
    Campaign,
    Tactic,
    TacticStatus,
    User,
)

BOARD_CAMPAIGN = os.environ.get("BENCH_CAMPAIGN", "Scale campaign 201")
LOGIN = os.environ.get("BENCH_USER", "user1@scale.example")
OPEN_COLUMNS = [TacticStatus.BACKLOG, TacticStatus.PLANNED, TacticStatus.IN_PROGRESS]


def board_campaign():
    return Campaign.objects.get(name=BOARD_CAMPAIGN)


def prepare():
    """A week of history in every scale campaign (what digests report), and
    the cards the move benchmark shuttles between open columns."""
    campaign = board_campaign()
    now = timezone.now()
    # Every run starts from the same history: earlier runs' card moves (all
    # between open columns) would otherwise pile up in the digests.
    Activity.objects.filter(
        campaign=campaign, verb=Activity.Verb.TACTIC_MOVED, data__to__in=OPEN_COLUMNS
    ).delete()
    if not Activity.objects.filter(
        campaign__name__startswith="Scale campaign"
    ).exists():
        tactics = Tactic.objects.filter(campaign__name__startswith="Scale campaign")
        rows = tactics.values_list("pk", "campaign_id", "title", "assignee_id")
        Activity.objects.bulk_create(
            growth.week_of_moves(rows[:20000], now), batch_size=2000
        )
    cards = []
    for i, status in enumerate(OPEN_COLUMNS):
        other = OPEN_COLUMNS[(i + 1) % len(OPEN_COLUMNS)]
        for pk in (
            Tactic.objects.filter(campaign=campaign, status=status)
            .order_by("position")
            .values_list("pk", flat=True)[:30]
        ):
            url = reverse("tactic_move", args=[campaign.pk, pk])
            cards.append([url, status, other])
    return {
        "campaign": campaign.pk,
        "tactics": campaign.tactics.count(),
        "users": User.objects.filter(email__endswith="@scale.example").count(),
        "cards": cards,
        "postgres": connection.cursor().connection.info.parameter_status(
            "server_version"
        ),
    }


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _count(call):
    """(statements, their SQL) of one request; BEGIN/COMMIT are not queries."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code < 400, (response.status_code, response.content[:300])
    sql = [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]
    return len(sql), sql


def queries():
    """SQL statements per request, as the server runs them. `<page>_queries`
    leaves out the session and user lookups that every logged-in request makes
    (the logged-in floor has exactly those); `<page>_queries_total` has all."""
    campaign = board_campaign()
    user = User.objects.get(email=LOGIN)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    tactic = campaign.tactics.filter(status=TacticStatus.BACKLOG).first()
    move_url = reverse("tactic_move", args=[campaign.pk, tactic.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}

    def move(status, **headers):
        def call():
            data = {"status": status, "position": 1}
            if headers:
                # As the board's script posts it: with the version it shows.
                data["v"] = str(campaign.board_version)
            return client.post(move_url, data, **headers)

        return call

    requests = {
        "floor_user": lambda: client.get("/bench/floor/user/"),
        "board": lambda: client.get(reverse("board", args=[campaign.pk])),
        "list": lambda: client.get(reverse("campaign_list")),
        "overview": lambda: client.get(reverse("campaign_detail", args=[campaign.pk])),
        "move": move(TacticStatus.PLANNED, **htmx),
        "move_back": move(TacticStatus.BACKLOG, **htmx),
        "move_plain": move(TacticStatus.PLANNED),
        "move_plain_back": move(TacticStatus.BACKLOG),
    }
    # Warm up: first requests fill caches (content types, templates).
    requests["board"]()
    result = {}
    for name, call in requests.items():
        # Read before counting: a move posts the board version it has seen.
        campaign.refresh_from_db(fields=["board_version"])
        total, sql = _count(call)
        result[f"{name}_queries_total"] = total
        result[f"{name}_sql"] = sql
    floor = result["floor_user_queries_total"]
    for name in requests:
        result[f"{name}_queries"] = result[f"{name}_queries_total"] - floor
    # The move itself, without the request around it.
    with CaptureQueriesContext(connection) as captured:
        board_logic.move_tactic(campaign, tactic.pk, TacticStatus.PLANNED, 0, user)
    board_logic.move_tactic(campaign, tactic.pk, TacticStatus.BACKLOG, 0, user)
    result["move_logic_queries"] = sum(
        1 for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)
    )
    return result


def _digest_chunk(args):
    """Build and render one chunk's digests, as one send_digest_chunk task
    does (without sending); returns counts and this process's peak memory."""
    chunk, now = args
    built = sent = size = 0
    cache = {}
    with CaptureQueriesContext(connection) as queries:
        for one in digests.build_digests(chunk, now):
            built += 1
            if digests.should_send(one):
                email = digests.render(one, cache)
                sent += 1
                size += len(email.html) + len(email.text)
    count = len(queries)
    # Counting keeps each statement's SQL in the connection's log (up to
    # 9,000 of them), which no worker does: dropped so the peak is the app's.
    connection.queries_log.clear()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return built, sent, size, count, peak


def digest(ids=None):
    """The weekly digest of every scale user (or of the people `ids`), in the
    scheduler's chunks.

    BENCH_DIGEST_PROCESSES=n runs the chunks on n processes, as a Celery
    worker with n pool processes does; 1 runs them one after another here.
    Nothing is sent or claimed.
    """
    if ids is None:
        ids = list(
            User.objects.filter(email__endswith="@scale.example")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    now = timezone.now()
    jobs = [(chunk, now) for chunk in digests.chunks(ids)]
    processes = int(os.environ.get("BENCH_DIGEST_PROCESSES", "1"))
    trace = os.environ.get("BENCH_TRACE") == "1"
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    if processes > 1:
        # Each process opens its own connection, like a worker's pool.
        connection.close()
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_digest_chunk, jobs, chunksize=1)
    else:
        parts = [_digest_chunk(job) for job in jobs]
    seconds = time.perf_counter() - started
    built = sum(p[0] for p in parts)
    queries = sum(p[3] for p in parts)
    result = {
        "digest_users": built,
        "digest_emails": sum(p[1] for p in parts),
        "digest_bytes": sum(p[2] for p in parts),
        "digest_processes": processes,
        "digest_s": round(seconds, 2),
        "digest_queries": queries,
        "digest_queries_per_user": round(queries / max(built, 1), 4),
        # Peak resident memory of one process (Python, Django and all).
        "digest_peak_mb": round(max(p[4] for p in parts), 1),
    }
    if trace:
        result["digest_traced_peak_mb"] = round(
            tracemalloc.get_traced_memory()[1] / 2**20, 1
        )
    return result


def growth_digest():
    """The digests of the first BENCH_GROWTH_PEOPLE growth people, one
    process, by digest() above: the median of a few runs after a warm-up of
    one small chunk, and this process's peak memory (a fresh process per
    size, so the peak is that size's)."""
    size = int(os.environ["BENCH_GROWTH_PEOPLE"])
    ids = growth.digest_people(size)
    assert len(ids) == size, (len(ids), size)
    digest(ids[:50])  # templates compiled, URLs resolved
    start_mb = growth.rss_mb()
    reps = growth.DIGEST_REPS[size]
    runs = [digest(ids) for _ in range(reps)]
    seconds = statistics.median(run["digest_s"] for run in runs)
    return {
        "size": size,
        "total_ms": round(seconds * 1000, 1),
        "per_item_us": round(seconds * 1e6 / size, 1),
        "queries": runs[0]["digest_queries"],
        "reps": reps,
        "emails": runs[0]["digest_emails"],
        "peak_mb": growth.rss_mb(),
        "start_mb": start_mb,
    }


if __name__ == "__main__":
    steps = {
        "prepare": prepare,
        "queries": queries,
        "digest": digest,
        "growth_seed": growth.seed,
        "growth_pages": growth.pages,
        "growth_digest": growth_digest,
    }
    print(json.dumps(steps[sys.argv[1]]()))
