"""The benchmark's bulk data: numbered teams, people, campaigns and tactics
("Scale team 1", user1@scale.example, "Scale campaign 1", "Tactic 1"),
written in a few dozen queries however many rows there are.

    .venv/bin/python -m bench.bulk --teams N --users N --campaigns N --tactics N

Run by bench/run.py; the demo's story is `manage.py seed_demo`. Every count is
a total to top up to: rows are found again by their numbered names, so a
second run with the same numbers adds nothing. The helpers below (insert,
create_users, tactic_rows) are shared with bench/growth.py's own teams.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    # As a script: Django has to be set up before the models are imported.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

    import django

    django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns.models import (  # noqa: E402
    Campaign,
    Membership,
    Role,
    Tactic,
    TacticStatus,
    Team,
    User,
)

DOMAIN = "scale.example"
PASSWORD = "scale-campaign-2026"
BATCH = 2000
TEAM_PREFIX = "Scale team "
CAMPAIGN_PREFIX = "Scale campaign "
GOAL = "Reach more of the people we serve where they already are."


# ---- shared helpers --------------------------------------------------------


def insert(model, rows):
    """Bulk-creates `rows` (any iterable, consumed lazily) BATCH at a time;
    returns how many there were."""
    total = 0
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    model.objects.bulk_create(batch)
    return total + len(batch)


def create_users(emails, names, password):
    """Bulk-creates the missing ones; returns {email: id}."""
    existing = set(
        User.objects.filter(email__in=emails).values_list("email", flat=True)
    )
    missing = [(e, n) for e, n in zip(emails, names, strict=True) if e not in existing]
    if missing:
        # Hashing is deliberately slow, so do it once and share the hash.
        hashed = make_password(password)
        User.objects.bulk_create(
            [User(email=e, name=n, password=hashed) for e, n in missing],
            batch_size=BATCH,
        )
    return dict(User.objects.filter(email__in=emails).values_list("email", "id"))


def tactic_rows(campaign_id, count, people, today, now):
    """Tactic i goes to column i mod 5 at position i div 5, so every column's
    positions run 0..n-1 without gaps; assignees take turns from `people`
    (ids) and due dates are spread around today, one in seven with none."""
    columns = TacticStatus.values
    closed = (TacticStatus.DONE, TacticStatus.DIDNT_WORK)
    for i in range(count):
        status = columns[i % len(columns)]
        yield Tactic(
            campaign_id=campaign_id,
            title=f"Tactic {i + 1}",
            status=status,
            position=i // len(columns),
            assignee_id=people[i % len(people)],
            due_on=None if i % 7 == 6 else today + datetime.timedelta(i % 60 - 20),
            completed_at=now if status in closed else None,
        )


# ---- the scale data --------------------------------------------------------


def seed(teams=0, users=0, campaigns=0, tactics=0):
    """Top up the scale data to the requested counts, in one transaction.

    `tactics` is per new campaign; with tactics and no campaigns, each team
    gets one. Returns what there is now and what was added."""
    if any(n < 0 for n in (teams, users, campaigns, tactics)):
        raise ValueError("Counts cannot be negative.")
    if tactics and not campaigns:
        campaigns = max(teams, 1)
    teams = max(teams, 1)
    with transaction.atomic():
        team_list = seed_teams(teams)
        user_ids = seed_users(users)
        writers = seed_memberships(team_list, user_ids)
        made = seed_campaigns(team_list, campaigns, writers)
        tactic_count = seed_tactics(made, tactics, writers)
    return {
        "teams": len(team_list),
        "users": len(user_ids),
        "new_campaigns": len(made),
        "new_tactics": tactic_count,
    }


def seed_teams(count):
    """Teams 1..N; returns them in that order."""
    names = [f"{TEAM_PREFIX}{n}" for n in range(1, count + 1)]
    scale_teams = Team.objects.filter(name__startswith=TEAM_PREFIX)
    existing = {t.name for t in scale_teams}
    Team.objects.bulk_create(
        [Team(name=name) for name in names if name not in existing],
        batch_size=BATCH,
    )
    by_name = {t.name: t for t in scale_teams.all()}
    return [by_name[name] for name in names]


def seed_users(count):
    """Emails user1..userN; returns their ids in that order."""
    emails = [f"user{n}@{DOMAIN}" for n in range(1, count + 1)]
    names = [f"Scale User {n}" for n in range(1, count + 1)]
    ids = create_users(emails, names, PASSWORD)
    return [ids[email] for email in emails]


def seed_memberships(team_list, user_ids):
    """User n joins team n mod teams, unless already in a scale team; a
    team's first user owns it and every tenth is a viewer. Returns the
    writers' ids per team id."""
    scale = Membership.objects.filter(team__name__startswith=TEAM_PREFIX)
    placed = set(scale.values_list("user_id", flat=True))
    owned = set(scale.filter(role=Role.OWNER).values_list("team_id", flat=True))
    memberships = []
    for n, user_id in enumerate(user_ids):
        if user_id in placed:
            continue
        team = team_list[n % len(team_list)]
        if team.pk not in owned:
            role = Role.OWNER
            owned.add(team.pk)
        elif n % 10 == 9:
            role = Role.VIEWER
        else:
            role = Role.MEMBER
        memberships.append(Membership(team=team, user_id=user_id, role=role))
    Membership.objects.bulk_create(memberships, batch_size=BATCH, ignore_conflicts=True)
    writers = {team.pk: [] for team in team_list}
    for team_id, user_id in (
        scale.exclude(role=Role.VIEWER).order_by("pk").values_list("team_id", "user_id")
    ):
        writers.setdefault(team_id, []).append(user_id)
    return writers


def seed_campaigns(team_list, count, writers):
    """Campaigns 1..N round-robin over the teams; returns the new ones."""
    today = timezone.localdate()
    existing = set(
        Campaign.objects.filter(
            team__name__startswith=TEAM_PREFIX, name__startswith=CAMPAIGN_PREFIX
        ).values_list("name", flat=True)
    )
    new = []
    for n in range(1, count + 1):
        name = f"{CAMPAIGN_PREFIX}{n}"
        if name in existing:
            continue
        team = team_list[(n - 1) % len(team_list)]
        new.append(
            Campaign(
                team=team,
                name=name,
                goal=GOAL,
                lead_id=(writers[team.pk] or [None])[0],
                starts_on=today - datetime.timedelta(days=30),
            )
        )
    Campaign.objects.bulk_create(new, batch_size=BATCH)
    return new


def seed_tactics(campaign_list, per_campaign, writers):
    """`per_campaign` tactics on each of the (new) campaigns; returns how
    many were made."""
    today, now = timezone.localdate(), timezone.now()
    return insert(
        Tactic,
        (
            tactic
            for campaign in campaign_list
            for tactic in tactic_rows(
                campaign.pk,
                per_campaign,
                writers.get(campaign.team_id) or [None],
                today,
                now,
            )
        ),
    )


# ---- command line ----------------------------------------------------------


def count(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("cannot be negative")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.bulk", description="Top up the benchmark's bulk data."
    )
    parser.add_argument("--teams", type=count, default=0, help="teams to create")
    parser.add_argument(
        "--users", type=count, default=0, help="users in total, spread over the teams"
    )
    parser.add_argument(
        "--campaigns",
        type=count,
        default=0,
        help="campaigns in total, spread over the teams",
    )
    parser.add_argument(
        "--tactics",
        type=count,
        default=0,
        help="tactics per new campaign (with no --campaigns, one per team)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    made = seed(args.teams, args.users, args.campaigns, args.tactics)
    print(
        f"Scale data ready in {time.perf_counter() - started:.1f}s: "
        f"{made['teams']} teams, {made['users']} users, "
        f"{made['new_campaigns']} new campaigns, {made['new_tactics']} new tactics."
    )
    if made["users"]:
        print(f"Log in as user1@{DOMAIN} with password {PASSWORD}")


if __name__ == "__main__":
    main()
