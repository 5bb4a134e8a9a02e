"""Teammates moving cards at the same moment: no two cards of a column ever
share a rank and no card is lost or duplicated. Only PostgreSQL has the row
locks that make this true, so the test runs there."""

import random
import threading

from django.db import connections

from campaigns import board as logic
from campaigns.models import Activity, Tactic, TacticStatus
from tests.factories import TacticFactory

THREADS = 6
MOVES_EACH = 25


def run_in_threads(work):
    barrier = threading.Barrier(THREADS)
    errors = []

    def runner(n):
        try:
            barrier.wait(timeout=10)
            work(n)
        except Exception as error:  # reported below with the thread's number
            errors.append((n, repr(error)))
        finally:
            # Each thread opened its own connection; close it before the test
            # database is flushed.
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a mover hung"
    assert not errors, errors


def assert_ranked(campaign):
    """Every column's ranks strictly increase: one order, no ties."""
    for status in TacticStatus.values:
        ranks = list(
            Tactic.objects.filter(campaign=campaign, status=status)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert ranks == sorted(set(ranks)), (status, ranks)


def test_simultaneous_moves_keep_one_order_per_column(
    postgres, transactional_db, campaign, owner
):
    pks = [
        TacticFactory(campaign=campaign, status=status, position=i).pk
        for status in TacticStatus.values
        for i in range(6)
    ]
    campaign.refresh_from_db()
    version_before = campaign.board_version

    def work(n):
        rng = random.Random(n)
        for _ in range(MOVES_EACH):
            logic.move_tactic(
                campaign,
                rng.choice(pks),
                rng.choice(TacticStatus.values),
                rng.randint(-2, 12),  # out of range on purpose: clamped
                owner,
            )

    run_in_threads(work)

    assert_ranked(campaign)
    assert sorted(
        Tactic.objects.filter(campaign=campaign).values_list("pk", flat=True)
    ) == sorted(pks)
    campaign.refresh_from_db()
    moved = Activity.objects.filter(campaign=campaign, verb=Activity.Verb.TACTIC_MOVED)
    # Every real move bumped the version exactly once: none was lost.
    assert campaign.board_version - version_before == moved.count() > 0


def test_moves_and_quick_adds_at_once(postgres, transactional_db, campaign, owner):
    pks = [
        TacticFactory(campaign=campaign, status=TacticStatus.PLANNED, position=i).pk
        for i in range(8)
    ]

    def work(n):
        rng = random.Random(100 + n)
        for i in range(10):
            if n % 2:
                logic.create_tactic(
                    campaign, owner, f"Added {n}-{i}", TacticStatus.PLANNED
                )
            else:
                logic.move_tactic(
                    campaign,
                    rng.choice(pks),
                    rng.choice([TacticStatus.PLANNED, TacticStatus.IN_PROGRESS]),
                    rng.randint(0, 20),
                    owner,
                )

    run_in_threads(work)

    assert_ranked(campaign)
    added = Tactic.objects.filter(campaign=campaign, title__startswith="Added")
    assert added.count() == (THREADS // 2) * 10
    assert Tactic.objects.filter(campaign=campaign).count() == 8 + added.count()
