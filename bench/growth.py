"""The growth section of `make bench`: the same pages and the digests at three
sizes each, to see whether the cost per item stays put as the data grows.

Run inside Django by bench/measure.py (steps growth_seed, growth_pages and
growth_digest). Its data lives in teams of its own ("Growth …", people
@growth.example), so the rest of the benchmark (the 500-card board, the
10,000 digests of the scale teams) sees none of it. Seeding is in bulk and
tops up: a second run adds nothing but refreshes the digests' week.
"""

import datetime
import resource
import statistics
import sys
import time

from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench import bulk
from campaigns.models import (
    Activity,
    Campaign,
    Membership,
    Role,
    Tactic,
    TacticStatus,
    Team,
    User,
)
from campaigns.teams import SESSION_KEY

DOMAIN = "growth.example"
OWNER = f"growth-owner@{DOMAIN}"
PASSWORD = "growth-campaign-2026"
BATCH = bulk.BATCH
BOARD_SIZES = (50, 500, 5_000)  # cards on one board
DIGEST_SIZES = (1_000, 10_000, 50_000)  # people
ACTIVITY_SIZES = (100, 10_000, 100_000)  # activities of one campaign and team
LIST_SIZES = (10, 100, 1_000)  # campaigns of one team
TEAM_SIZE = 100  # digest people per team, as in the scale data
CAMPAIGNS_PER_TEAM = 2
TACTICS_PER_CAMPAIGN = 20
LIST_TACTICS = 10  # tactics of each campaign in the campaign lists
# Repetitions (the median is kept), fewer at the largest sizes.
PAGE_REPS = (7, 5, 3)
DIGEST_REPS = {1_000: 3, 10_000: 3, 50_000: 1}
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def say(message):
    # stderr: bench/measure.py prints its JSON on stdout.
    print(f"[growth {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr)


# ---- seeding ---------------------------------------------------------------


def week_of_moves(rows, now):
    """A week of finished tactics, what digests report: every fourth of the
    (pk, campaign_id, title, assignee_id) rows moved to Done, spread over the
    last 150 hours."""
    for n, (pk, campaign_id, title, assignee_id) in enumerate(rows):
        if n % 4 == 0:
            yield Activity(
                campaign_id=campaign_id,
                actor_id=assignee_id,
                verb=Activity.Verb.TACTIC_MOVED,
                summary=f"Moved “{title}” to Done",
                tactic_id=pk,
                data={"from": "in_progress", "to": "done", "position": 0},
                created_at=now - datetime.timedelta(hours=n % 150),
            )


def _team(name, members):
    """A team with `members` [(user id, role)]; returns it."""
    team = Team.objects.create(name=name)
    Membership.objects.bulk_create(
        [Membership(team=team, user_id=u, role=r) for u, r in members],
        batch_size=BATCH,
    )
    return team


def _campaign(team, name, lead_id, today):
    return Campaign.objects.create(
        team=team,
        name=name,
        goal="Reach more of the people we serve where they already are.",
        lead_id=lead_id,
        starts_on=today - datetime.timedelta(days=30),
    )


def seed_owner():
    """The growth owner (who reads every page) and nine teammates."""
    emails = [OWNER] + [f"growth-member-{n}@{DOMAIN}" for n in range(1, 10)]
    names = ["Growth Owner"] + [f"Growth Member {n}" for n in range(1, 10)]
    ids = bulk.create_users(emails, names, PASSWORD)
    return [ids[e] for e in emails]


def seed_board(people, today, now):
    """One team with a campaign of each board size."""
    for size in BOARD_SIZES:
        name = f"Growth board {size}"
        if Campaign.objects.filter(name=name, team__name="Growth board team").exists():
            continue
        with transaction.atomic():
            team = Team.objects.filter(name="Growth board team").first()
            if team is None:
                members = [(people[0], Role.OWNER)]
                members += [(p, Role.MEMBER) for p in people[1:]]
                team = _team("Growth board team", members)
            campaign = _campaign(team, name, people[0], today)
            bulk.insert(Tactic, bulk.tactic_rows(campaign.pk, size, people, today, now))
        say(f"seeded {name}")


def seed_activity(people, today, now):
    """A team per size with one campaign of 20 tactics and that many
    activities, newest first one minute apart."""
    verbs = [
        (Activity.Verb.TACTIC_MOVED, "Moved “{}” to In progress"),
        (Activity.Verb.TACTIC_COMMENTED, "Commented on “{}”"),
        (Activity.Verb.TACTIC_UPDATED, "Updated “{}”"),
        (Activity.Verb.TACTIC_ASSIGNED, "Assigned “{}”"),
    ]
    for size in ACTIVITY_SIZES:
        team_name = f"Growth activity team {size}"
        name = f"Growth activity {size}"
        campaign = Campaign.objects.filter(name=name, team__name=team_name).first()
        if campaign and campaign.activities.count() == size:
            continue
        with transaction.atomic():
            if campaign is None:
                members = [(people[0], Role.OWNER)]
                members += [(p, Role.MEMBER) for p in people[1:]]
                team = _team(team_name, members)
                campaign = _campaign(team, name, people[0], today)
                bulk.insert(
                    Tactic, bulk.tactic_rows(campaign.pk, 20, people, today, now)
                )
            campaign.activities.all().delete()
            tactics = list(campaign.tactics.values_list("pk", "title"))

            def rows(campaign=campaign, tactics=tactics, size=size):
                for n in range(size):
                    verb, summary = verbs[n % len(verbs)]
                    pk, title = tactics[n % len(tactics)]
                    yield Activity(
                        campaign_id=campaign.pk,
                        actor_id=people[n % len(people)],
                        verb=verb,
                        summary=summary.format(title),
                        tactic_id=pk,
                        data={"from": "planned", "to": "in_progress", "position": 0},
                        created_at=now - datetime.timedelta(minutes=n),
                    )

            bulk.insert(Activity, rows())
        say(f"seeded {name}: {size} activities")


def seed_lists(people, today, now):
    """A team per size with that many campaigns of 10 tactics each."""
    for size in LIST_SIZES:
        team_name = f"Growth list team {size}"
        if Team.objects.filter(name=team_name).exists():
            continue
        with transaction.atomic():
            members = [(people[0], Role.OWNER)]
            members += [(p, Role.MEMBER) for p in people[1:]]
            team = _team(team_name, members)
            Campaign.objects.bulk_create(
                [
                    Campaign(
                        team=team,
                        name=f"Growth list {size} campaign {n}",
                        goal="Reach more of the people we serve.",
                        lead_id=people[n % len(people)],
                        starts_on=today - datetime.timedelta(days=30),
                    )
                    for n in range(1, size + 1)
                ],
                batch_size=BATCH,
            )
            bulk.insert(
                Tactic,
                (
                    tactic
                    for pk in team.campaigns.values_list("pk", flat=True)
                    for tactic in bulk.tactic_rows(pk, LIST_TACTICS, people, today, now)
                ),
            )
        say(f"seeded {team_name}: {size} campaigns")


def _digest_teams():
    return Team.objects.filter(name__startswith="Growth digest team ")


def seed_digest_people(today, now):
    """Up to the largest size: person n is in team (n - 1) div 100, in pk
    order, as people join a team one after another; the team's first person
    owns it and every tenth is a viewer. Each team has two campaigns of 20
    tactics, as the scale teams do."""
    people = max(DIGEST_SIZES)
    teams = people // TEAM_SIZE
    if _digest_teams().count() == teams:
        return
    with transaction.atomic():
        # All or nothing: an interrupted seed is started again.
        _digest_teams().delete()
        emails = [f"person{n}@{DOMAIN}" for n in range(1, people + 1)]
        names = [f"Growth Person {n}" for n in range(1, people + 1)]
        ids = bulk.create_users(emails, names, PASSWORD)
        Team.objects.bulk_create(
            [Team(name=f"Growth digest team {k}") for k in range(1, teams + 1)],
            batch_size=BATCH,
        )
        by_name = dict(_digest_teams().values_list("name", "pk"))
        memberships = []
        writers = {}
        for n, email in enumerate(emails):
            team_id = by_name[f"Growth digest team {n // TEAM_SIZE + 1}"]
            role = Role.MEMBER
            if n % TEAM_SIZE == 0:
                role = Role.OWNER
            elif n % 10 == 9:
                role = Role.VIEWER
            memberships.append(
                Membership(team_id=team_id, user_id=ids[email], role=role)
            )
            if role != Role.VIEWER:
                writers.setdefault(team_id, []).append(ids[email])
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        Campaign.objects.bulk_create(
            [
                Campaign(
                    team_id=team_id,
                    name=f"Growth digest campaign {k}-{c}",
                    goal="Reach more of the people we serve where they already are.",
                    lead_id=writers[team_id][0],
                    starts_on=today - datetime.timedelta(days=30),
                )
                for k, team_id in sorted(
                    (int(n.rsplit(" ", 1)[1]), pk) for n, pk in by_name.items()
                )
                for c in range(1, CAMPAIGNS_PER_TEAM + 1)
            ],
            batch_size=BATCH,
        )
        bulk.insert(
            Tactic,
            (
                tactic
                for pk, team_id in Campaign.objects.filter(
                    team__in=_digest_teams()
                ).values_list("pk", "team_id")
                for tactic in bulk.tactic_rows(
                    pk, TACTICS_PER_CAMPAIGN, writers[team_id], today, now
                )
            ),
        )
    say(f"seeded {people} digest people in {teams} teams")


def refresh_digest_week(today, now):
    """Every run digests the same week, as bench/measure.py's prepare does
    for the scale teams: closed tactics were closed now, due dates are spread
    around today again, and a quarter of the tactics moved to Done in the
    last 150 hours."""
    campaigns = Campaign.objects.filter(team__in=_digest_teams())
    tactics = Tactic.objects.filter(campaign__in=campaigns)
    with transaction.atomic():
        tactics.filter(status__in=(TacticStatus.DONE, TacticStatus.DIDNT_WORK)).update(
            completed_at=now
        )
        # Tactic i ("Tactic i+1") is due as bulk.tactic_rows() set it on the day
        # of the seed, counted from today.
        index = "(split_part(title, ' ', 2)::int - 1)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Tactic._meta.db_table} SET due_on = CASE"  # noqa: S608
                f" WHEN {index} %% 7 = 6 THEN NULL"
                f" ELSE %s::date + ({index} %% 60 - 20) END"
                " WHERE campaign_id IN (SELECT id FROM"
                f" {Campaign._meta.db_table} WHERE name LIKE %s)",
                [today, "Growth digest campaign %"],
            )
        Activity.objects.filter(campaign__in=campaigns).delete()
        rows = tactics.order_by("pk").values_list(
            "pk", "campaign_id", "title", "assignee_id"
        )
        bulk.insert(Activity, week_of_moves(rows, now))


def seed():
    started = time.perf_counter()
    today, now = timezone.localdate(), timezone.now()
    people = seed_owner()
    seed_board(people, today, now)
    seed_activity(people, today, now)
    seed_lists(people, today, now)
    seed_digest_people(today, now)
    refresh_digest_week(today, now)
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would have them in a while.
        for model in (User, Team, Membership, Campaign, Tactic, Activity):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {
        "growth_seed_s": round(time.perf_counter() - started, 1),
        "digest_sizes": list(DIGEST_SIZES),
    }


# ---- pages -----------------------------------------------------------------


def _queries(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return sum(1 for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL))


def _time(call, reps, before=None):
    """Median milliseconds of `reps` calls; `before` runs untimed ahead of
    each."""
    times = []
    for _ in range(reps):
        if before:
            before()
        started = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000


def _row(size, ms, queries, reps):
    return {
        "size": size,
        "total_ms": round(ms, 1),
        "per_item_us": round(ms * 1000 / size, 1),
        "queries": queries,
        "reps": reps,
    }


def pages():
    """The board, the campaign overview, the team's audit log and the
    campaign list at each size, as the growth owner, in-process with the
    test client. Queries leave out the session and user lookups, as the
    main table's do."""
    owner = User.objects.get(email=OWNER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    floor = _queries(lambda: client.get("/bench/floor/user/"))
    result = {}

    def measure(name, sizes, url_of, before_of=lambda size: None):
        # Every size once first, so the smallest pays no first-request costs;
        # then per size one counted request and the timed ones.
        for size in sizes:
            if before := before_of(size):
                before()
            client.get(url_of(size))
        rows = []
        for size, reps in zip(sizes, PAGE_REPS, strict=True):
            url, before = url_of(size), before_of(size)

            def call(url=url):
                return client.get(url)

            if before:
                before()
            queries = _queries(call) - floor
            rows.append(_row(size, _time(call, reps, before), queries, reps))
            say(f"{name} {size}: {rows[-1]['total_ms']} ms")
        result[name] = rows

    # The board: its whole-board cache is keyed on the board version, so a
    # new version before each request makes every render a real one.
    boards = {
        size: Campaign.objects.get(
            name=f"Growth board {size}", team__name="Growth board team"
        )
        for size in BOARD_SIZES
    }

    def new_version(size):
        def bump():
            Campaign.objects.filter(pk=boards[size].pk).update(
                board_version=F("board_version") + 1
            )

        return bump

    measure(
        "board",
        BOARD_SIZES,
        lambda size: reverse("board", args=[boards[size].pk]),
        new_version,
    )
    activity = {
        size: Campaign.objects.select_related("team").get(
            name=f"Growth activity {size}", team__name=f"Growth activity team {size}"
        )
        for size in ACTIVITY_SIZES
    }
    measure(
        "overview",
        ACTIVITY_SIZES,
        lambda size: reverse("campaign_detail", args=[activity[size].pk]),
    )
    measure(
        "audit",
        ACTIVITY_SIZES,
        lambda size: reverse("team_audit", args=[activity[size].team_id]),
    )
    lists = {
        size: Team.objects.get(name=f"Growth list team {size}") for size in LIST_SIZES
    }

    def choose_team(size):
        session = client.session
        session[SESSION_KEY] = lists[size].pk
        session.save()

    measure(
        "list",
        LIST_SIZES,
        lambda size: reverse("campaign_list"),
        lambda size: lambda: choose_team(size),
    )
    return result


# ---- digests ---------------------------------------------------------------


def digest_people(count):
    """The first `count` digest people (whole teams, in pk order)."""
    return list(
        User.objects.filter(email__startswith="person", email__endswith=f"@{DOMAIN}")
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )


def rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
