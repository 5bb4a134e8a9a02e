"""The app behind PgBouncer in transaction mode (DATABASE_PGBOUNCER=true).

In transaction mode PgBouncer gives a client's server connection back to its
pool at the end of every transaction, so two transactions of one Django
connection may run in two different PostgreSQL sessions. Whatever a session
keeps between transactions is then lost: prepared statements, session
settings, advisory locks, and the server-side cursors Django declares (WITH
HOLD, outside a transaction) for QuerySet.iterator() and for every rendered
ModelChoiceField, and then fetches from in later transactions.
DATABASE_PGBOUNCER=true turns those cursors off; Django's psycopg backend
binds parameters on the client and prepares nothing.

The fixture runs a real pgbouncer on a spare loopback port in front of the
test database, with two server connections handed out round robin: each
transaction of a client runs on the other session than its last one, the
worst case of a busy pool on purpose and every time. Through it run the
production settings: gunicorn with three workers (more clients than server
connections) under four threads of requests, and the digest command. The
last test is the control: without the setting the same pgbouncer breaks a
page that renders a model choice list.
"""

import contextlib
import datetime
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from campaigns.models import (
    Activity,
    Campaign,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    NotificationPreference,
    Tactic,
    TacticStatus,
    User,
)
from tests import test_drills
from tests.conftest import require_service
from tests.factories import PASSWORD, TacticFactory
from tests.test_drills import (
    ERROR_PAGE,
    ROOT,
    Http,
    Process,
    _postgres_user_exists,
    app_env,
    database_url,
    free_port,
    start_gunicorn,
    usable_password,
    wait_for,
)
from tests.world import World, private_patterns

pytestmark = pytest.mark.django_db(transaction=True)

# The drills' fixtures, under their own names.
collected_static = test_drills.collected_static
processes = test_drills.processes
smtp = test_drills.smtp

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
SERVER_CONNECTIONS = 2
WORKERS = 3  # gunicorn's: each holds its own client connection to pgbouncer
THREADS = 4
REQUESTS_PER_THREAD = 20
# The pages every user of a campaign opens; the walk must find them all.
MAIN_PAGES = {
    "campaign_list",
    "campaign_detail",
    "board",
    "tactic_detail",
    "stakeholder_list",
    "stakeholder_detail",
    "influencer_list",
    "milestone_list",
    "objection_list",
    "report_list",
    "report_detail",
    "team_detail",
    "my_tactics",
}
COLUMNS = [TacticStatus.BACKLOG, TacticStatus.PLANNED, TacticStatus.IN_PROGRESS]


class PgBouncer:
    def __init__(self, port, process, pidfile):
        self.port = port
        self.process = process
        self.pidfile = pidfile
        self.database = connection.settings_dict["NAME"]
        self.url = database_url(port=port)

    def connect(self, dbname=None, **kwargs):
        db = connection.settings_dict
        credentials = {"password": db["PASSWORD"]} if db["PASSWORD"] else {}
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=db["USER"],
            dbname=dbname or self.database,
            autocommit=True,
            # psycopg's own default prepares a query run five times, which
            # transaction mode cannot carry to the next server connection.
            prepare_threshold=None,
            connect_timeout=5,
            **credentials,
            **kwargs,
        )

    def open_both(self):
        """Both server connections, opened at once: one client holds the first
        in a transaction while another needs one. (min_pool_size alone tops
        the pool up only while a client happens to be connected.)"""
        try:
            with (
                self.connect() as first,
                self.connect() as second,
                first.transaction(),
            ):
                first.execute("SELECT 1")
                second.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def takes_turns(self):
        """Both server connections are open and one client's consecutive
        transactions run on different ones."""
        try:
            with self.connect() as conn:
                first, second = (
                    conn.execute("SELECT pg_backend_pid()").fetchone()[0]
                    for _ in range(2)
                )
        except psycopg.OperationalError:
            return False
        return first != second

    def show(self, what):
        """SHOW CLIENTS, SERVERS, … of the admin console, for our database."""
        # The console speaks only the simple query protocol.
        with self.connect("pgbouncer", cursor_factory=psycopg.ClientCursor) as conn:
            cursor = conn.execute(f"SHOW {what}")
            names = [column.name for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return [row for row in rows if row.get("database") == self.database]

    def stop(self):
        """SIGTERM to pgbouncer itself, so su exits with it (su signalled
        instead waits two seconds before it kills its child)."""
        with contextlib.suppress(OSError, ValueError, subprocess.TimeoutExpired):
            os.kill(int(self.pidfile.read_text()), signal.SIGTERM)
            self.process.process.wait(timeout=10)
        self.process.stop()


@pytest.fixture
def pgbouncer(postgres, processes, tmp_path):
    """A private pgbouncer in transaction mode in front of the test database,
    run as the postgres user (it refuses root), stopped after the test."""
    require_service(
        "pgbouncer", os.access(PGBOUNCER, os.X_OK), "apt-get install pgbouncer"
    )
    require_service("the postgres system user", _postgres_user_exists())
    db = connection.settings_dict
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix=f"pgbouncer-{port}-"))
    bouncer = None
    try:
        users = home / "userlist.txt"
        users.write_text(f'"{db["USER"]}" "{db["PASSWORD"] or ""}"\n')
        config, pidfile = home / "pgbouncer.ini", home / "pgbouncer.pid"
        config.write_text(
            f"""\
[databases]
{db["NAME"]} = host={db["HOST"] or "127.0.0.1"} port={db["PORT"] or 5432} \
dbname={db["NAME"]}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir = {home}
auth_type = trust
auth_file = {users}
admin_users = {db["USER"]}
pool_mode = transaction
default_pool_size = {SERVER_CONNECTIONS}
min_pool_size = {SERVER_CONNECTIONS}
max_client_conn = 50
server_round_robin = 1
pidfile = {pidfile}
"""
        )
        for path in (home, users, config):
            shutil.chown(path, "postgres", "postgres")
        process = Process(
            f"pgbouncer-{port}",
            ["su", "postgres", "-c", shlex.join(["exec", PGBOUNCER, str(config)])],
            dict(os.environ),
            tmp_path,
        )
        processes.append(process)
        bouncer = PgBouncer(port, process, pidfile)
        wait_for(bouncer.open_both, "pgbouncer to answer", logs=[process])
        wait_for(
            bouncer.takes_turns,
            "pgbouncer's two server connections, taken in turn",
            logs=[process],
        )
        yield bouncer
    finally:
        if bouncer:
            bouncer.stop()
        shutil.rmtree(home, ignore_errors=True)


def pgbouncer_env(pgbouncer, *, setting="true", **extra):
    return app_env(pgbouncer.url, DATABASE_PGBOUNCER=setting, **extra)


# ---- pages and moves from several threads ------------------------------------


def test_pages_and_moves_under_load_through_pgbouncer(
    pgbouncer, processes, tmp_path, collected_static
):
    world = World()
    owner = usable_password(world.owner)
    campaign = world.objects["campaign"]
    # Two cards for each thread, so every move changes a column and is recorded.
    cards = [
        [
            TacticFactory(campaign=campaign, status=TacticStatus.BACKLOG).pk
            for _ in range(2)
        ]
        for _ in range(THREADS)
    ]
    port, server = start_gunicorn(
        processes, pgbouncer_env(pgbouncer), tmp_path, workers=WORKERS
    )
    web = Http(port).login(owner.email, PASSWORD)

    # Every page of the owner's team once, one after the other: none fails.
    # (GET on an action answers 405 or redirects; a fragment is no page.)
    pages = {}
    for pattern in private_patterns():
        url = world.url(pattern)
        status, body, _ = web.get(url)
        assert status < 500, (url, status, server.output()[-3000:])
        if status == 200 and body.lstrip().lower().startswith("<!doctype html>"):
            pages[pattern.name] = url
    assert pages.keys() >= MAIN_PAGES, MAIN_PAGES - pages.keys()
    paths = sorted(set(pages.values()))

    version_before = Campaign.objects.get(pk=campaign.pk).board_version
    moved_before = Activity.objects.filter(
        campaign=campaign, verb="tactic_moved"
    ).count()
    results = []  # (kind, path, status, body)
    placed = {}  # card: the column its last answered move put it in

    def user(n):
        web = Http(port).login(owner.email, PASSWORD)
        mine = dict.fromkeys(cards[n], 0)  # card: index of its column
        moves = 0
        for i in range(REQUESTS_PER_THREAD):
            if i % 3 == 0:
                pk = cards[n][moves % 2]
                mine[pk] = (mine[pk] + 1) % len(COLUMNS)
                path = f"/campaigns/{campaign.pk}/tactics/{pk}/move/"
                form = {"status": COLUMNS[mine[pk]], "position": str(moves % 3)}
                kind = "move"
                moves += 1
            else:
                path, form, kind = paths[(n * 7 + i) % len(paths)], None, "page"
            try:
                if form is None:
                    status, body, _ = web.get(path)
                else:
                    status, body, _ = web.post(path, form)
            except OSError as error:
                status, body, kind = None, repr(error), "broken"
            results.append((kind, path, status, body[:2000]))
            if kind == "move" and status == 302:
                placed[pk] = COLUMNS[mine[pk]]

    threads = [threading.Thread(target=user, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    assert len(results) == THREADS * REQUESTS_PER_THREAD
    failed = [
        (kind, path, status)
        for kind, path, status, _ in results
        if status not in (200, 302) or (kind == "move" and status != 302)
    ]
    assert not failed, (failed[:5], server.output()[-3000:])
    assert server.alive()

    # Every answered move (each changed a column) is in the database once,
    # and the board is whole.
    answered = sum(1 for kind, *_ in results if kind == "move")
    assert answered == THREADS * len(range(0, REQUESTS_PER_THREAD, 3))
    moved = Activity.objects.filter(campaign=campaign, verb="tactic_moved").count()
    assert moved - moved_before == answered
    version = Campaign.objects.get(pk=campaign.pk).board_version
    assert version - version_before == answered
    assert dict(Tactic.objects.filter(pk__in=placed).values_list("pk", "status")) == (
        placed
    )
    for status in COLUMNS:
        ranks = list(
            Tactic.objects.filter(campaign=campaign, status=status)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert ranks == sorted(set(ranks)), status

    # The three workers shared two server connections.
    clients, servers = pgbouncer.show("CLIENTS"), pgbouncer.show("SERVERS")
    assert len(servers) <= SERVER_CONNECTIONS < len(clients), (clients, servers)


# ---- the digest command ------------------------------------------------------------


def test_digest_command_through_pgbouncer(pgbouncer, smtp):
    World()
    now = timezone.now().replace(microsecond=0)
    readers = list(User.objects.filter(is_active=True).order_by("pk"))
    assert len(readers) >= 5
    for reader in readers:
        # Due at `now`: today, from midnight, even in a quiet week.
        NotificationPreference.objects.update_or_create(
            user=reader,
            defaults={
                "digest_weekday": now.weekday(),
                "digest_hour": 0,
                "time_zone": "UTC",
                "quiet_week_emails": True,
            },
        )
    env = pgbouncer_env(pgbouncer, smtp_port=smtp.port)

    def send_digests(moment, *args):
        done = subprocess.run(
            [sys.executable, "manage.py", "send_digests", "--now", moment.isoformat()]
            + list(args),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = send_digests(now, "--dry-run")
    assert f"{len(readers)} digests would be sent" in listed, listed
    for reader in readers:
        assert reader.email in listed
    assert smtp.messages == []
    assert not EmailDelivery.objects.exists()

    report = send_digests(now)
    assert f"{len(readers)} people due, {len(readers)} digests sent." in report
    for reader in readers:
        assert len(smtp.digests_to(reader.email)) == 1, reader.email
    sent = EmailDelivery.objects.filter(kind=EmailKind.DIGEST)
    assert sent.count() == len(readers)
    assert set(sent.values_list("status", flat=True)) == {DeliveryStatus.SENT}

    # Run again, as cron would a quarter of an hour later: nothing more.
    later = now + datetime.timedelta(minutes=15)
    assert "0 people due, 0 digests sent." in send_digests(later)
    assert len(smtp.messages) == len(readers)


# ---- the control ------------------------------------------------------------------


def test_without_the_setting_a_model_choice_list_breaks_behind_pgbouncer(
    pgbouncer, processes, tmp_path, collected_static
):
    """The tactic page renders the assignee list, a ModelChoiceField, which
    reads its queryset with .iterator(): a server-side cursor declared in one
    transaction and fetched from in the next, so on the other server
    connection."""
    world = World()
    owner = usable_password(world.owner)
    tactic = world.objects["tactic"]
    page = reverse("tactic_detail", args=[tactic.campaign_id, tactic.pk])

    port, server = start_gunicorn(
        processes, pgbouncer_env(pgbouncer, setting="false"), tmp_path, workers=1
    )
    web = Http(port).login(owner.email, PASSWORD)
    status, body, _ = web.get(page)
    assert status == 500 and ERROR_PAGE in body
    log = server.output()
    assert "InvalidCursorName" in log and 'cursor "_django_curs_' in log, log[-3000:]
    server.stop()

    # The same page, server and pgbouncer, with the setting: fine.
    port, server = start_gunicorn(
        processes, pgbouncer_env(pgbouncer), tmp_path, workers=1
    )
    web = Http(port).login(owner.email, PASSWORD)
    status, body, _ = web.get(page)
    assert status == 200, server.output()[-3000:]
    assert tactic.title in body
