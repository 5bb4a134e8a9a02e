"""Fault drills on real services: Redis stopped, PostgreSQL restarted under
load, and the production-like stack (gunicorn, Celery worker and beat, SMTP).

A drill that stops a server starts its own instance on a spare loopback port
and never touches the shared ones. The app runs as real processes with the
production settings (bench/settings.py: advocacy.settings plus collected
static files), so these tests commit their data and need PostgreSQL; locally
they skip without PostgreSQL or Redis, in CI they must run.
"""

import contextlib
import email
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

import psycopg
import pytest
from celery import Celery
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from campaigns.models import (
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    NotificationPreference,
    Role,
    Tactic,
    TacticStatus,
)
from tests.conftest import require_service
from tests.factories import (
    PASSWORD,
    CampaignFactory,
    MembershipFactory,
    TacticFactory,
)
from tests.versions import version_of

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
STACK_REDIS_DB = 11  # the shared Redis, a database of its own
ERROR_PAGE = "Something went wrong on our side"


# ---- processes ----------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what, timeout=30, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tails = "\n".join(p.output()[-3000:] for p in logs)
    pytest.fail(f"Timed out waiting for {what}.\n{tails}")


class Process:
    """A command in its own process group, its output in a log file."""

    def __init__(self, name, command, env, log_dir):
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def processes():
    """Everything a drill starts; always stopped, whatever happened."""
    started = []
    yield started
    for process in reversed(started):
        process.stop()


def database_url(settings_dict=None, port=None, name=None):
    db = settings_dict or connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{name or db['NAME']}"


def app_env(database, redis_url="", smtp_port=None, **extra):
    """The production settings, on loopback and plain HTTP."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "drill-" + "s" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}" if smtp_port else "consolemail://",
        "EMAIL_TIMEOUT": "5",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.fixture(scope="session")
def collected_static():
    """The hashed static files the production settings serve."""
    env = app_env("sqlite:///unused.sqlite3")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_gunicorn(processes, env, tmp_path, workers=2):
    port = free_port()
    server = Process(
        f"gunicorn-{port}",
        [
            str(BIN / "gunicorn"),
            "advocacy.wsgi",
            "-c",
            "python:advocacy.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "30",
        ],
        env,
        tmp_path,
    )
    processes.append(server)

    def up():
        try:
            return Http(port).get("/healthz")[0] in (200, 503)
        except OSError:
            return False

    wait_for(up, "gunicorn to answer", logs=[server])
    return port, server


# ---- a browser without the browser -----------------------------------------


class Http:
    """Cookies, CSRF and forms over plain HTTP on loopback."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None, headers=None, timeout=15):
        conn = HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, text, time.monotonic() - started

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, form, **kwargs):
        return self.request("POST", path, form=form, **kwargs)

    def login(self, email_address, password):
        status, page, _ = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, _, _ = self.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": email_address,
                "password": password,
            },
        )
        assert status == 302 and "sessionid" in self.cookies, status
        return self


def usable_password(user):
    """The production settings do not know the tests' fast hasher."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "drillsalt1234")
    user.save(update_fields=["password"])
    return user


# ---- mail and Redis -------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.SMTP)
        )
        return "250 Message accepted for delivery"

    def to(self, address, subject_part=""):
        return [
            m
            for m in self.messages
            if m["To"] == address and subject_part in str(m["Subject"])
        ]

    def digests_to(self, address):
        """The weekly digests `address` got: their subject says what is in
        them, so they are told by how their text starts."""
        return [
            m
            for m in self.to(address)
            if m.get_body(("plain",)).get_content().startswith("Your week, ")
        ]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


class RedisServer:
    """A private redis-server that a drill may stop and start again."""

    def __init__(self, log_dir):
        self.port = free_port()
        self.log_dir = log_dir
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = Process(
            f"redis-{self.port}",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            dict(os.environ),
            self.log_dir,
        )
        wait_for(self.answers, "the private Redis")

    def keys(self, database=0):
        import redis as redis_client

        client = redis_client.Redis(port=self.port, db=database)
        try:
            return client.keys("*")
        finally:
            client.close()

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process:
            self.process.stop()
            self.process = None


@pytest.fixture
def private_redis(redis, tmp_path):
    require_service("redis-server", shutil.which("redis-server"))
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


# ---- drill 1: Redis stopped ------------------------------------------------------


def test_redis_outage_degrades_nothing_and_loses_no_email(
    postgres, private_redis, smtp, processes, tmp_path, collected_static
):
    owner_membership = MembershipFactory(role=Role.OWNER)
    team, owner = owner_membership.team, usable_password(owner_membership.user)
    member = usable_password(MembershipFactory(team=team, role=Role.MEMBER).user)
    # No report due and no dates: the only email in play is the assignment.
    campaign = CampaignFactory(
        team=team, lead=None, last_reported_on=timezone.localdate()
    )
    tactic = TacticFactory(
        campaign=campaign, assignee=None, due_on=None, status=TacticStatus.PLANNED
    )
    env = app_env(database_url(), private_redis.url, smtp.port)
    port, _ = start_gunicorn(processes, env, tmp_path)
    web = Http(port).login(owner.email, PASSWORD)
    pages = [
        "/campaigns/",
        f"/campaigns/{campaign.pk}/",
        f"/campaigns/{campaign.pk}/board/",
        f"/campaigns/{campaign.pk}/tactics/{tactic.pk}/",
        f"/teams/{team.pk}/",
    ]
    normal = {}
    for path in pages:
        web.get(path)  # warm up
        status, _, normal[path] = web.get(path)
        assert status == 200, path
    status, body, _ = web.get("/healthz")
    assert json.loads(body)["status"] == "ok"
    # The session and the board are cached in Redis, the cache's database.
    cached = private_redis.keys(database=1)
    assert any(b"sessions" in k for k in cached) and any(b"board" in k for k in cached)

    private_redis.stop()

    # Still logged in (the session comes from the database now), and no page
    # waits on Redis. The bounds are hang checks, far above a normal answer.
    for path in pages:
        status, _, elapsed = web.get(path)
        assert status == 200, path
        assert elapsed < max(10 * normal[path], 3), (path, elapsed, normal[path])
    status, body, elapsed = web.get("/healthz")
    health = json.loads(body)
    assert status == 200 and health["status"] == "degraded"
    assert health["redis"]["ok"] is False and health["database"]["ok"] is True
    assert elapsed < 5  # a hang check: Redis's timeout is a fraction of this

    # Assigning a tactic queues an email: with no broker it is kept.
    status, _, elapsed = web.post(
        f"/campaigns/{campaign.pk}/tactics/{tactic.pk}/",
        {
            "title": tactic.title,
            "description": "",
            "assignee": member.pk,
            "risk": "",
            "outcome": "",
            "version": version_of(tactic),
        },
    )
    assert status == 302
    assert elapsed < 10  # a hang check: the broker is given up on quickly
    assert Tactic.objects.get(pk=tactic.pk).assignee_id == member.pk
    kept = EmailDelivery.objects.get(user=member, kind=EmailKind.ASSIGNED)
    assert kept.status == DeliveryStatus.FAILED
    assert smtp.to(member.email) == []

    # Logging in works without Redis too: the session is kept in the database.
    late = Http(port).login(member.email, PASSWORD)
    assert late.get("/campaigns/")[0] == 200

    # Redis is back, empty: both sessions still stand.
    private_redis.start()
    assert web.get(f"/campaigns/{campaign.pk}/board/")[0] == 200
    assert late.get("/campaigns/")[0] == 200

    # A worker runs the next reminder scan, as beat would.
    worker = Process(
        "worker",
        [
            str(BIN / "celery"),
            "-A",
            "advocacy",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        env,
        tmp_path,
    )
    processes.append(worker)
    wait_for(lambda: " ready." in worker.output(), "the worker", logs=[worker])
    probe = Celery("probe", broker=private_redis.url, set_as_current=False)
    try:
        probe.send_task("campaigns.tasks.send_reminders")
        wait_for(
            lambda: smtp.to(member.email, "assigned you"),
            "the kept assignment email",
            logs=[worker],
        )
        # A second scan sends nothing more.
        probe.send_task("campaigns.tasks.send_reminders")
        wait_for(
            lambda: worker.output().count("send_reminders[") >= 4,
            "the second scan",
            logs=[worker],
        )
    finally:
        probe.close()
    time.sleep(0.5)
    assert len(smtp.to(member.email, "assigned you")) == 1
    kept.refresh_from_db()
    assert kept.status == DeliveryStatus.SENT


# ---- drill 2: PostgreSQL restarted under load -----------------------------------


class PrivatePostgres:
    """A throwaway cluster run by the postgres user on a spare port."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(f"/tmp/drill-pg-{self.port}")
        self.data = self.dir / "data"

    def _as_postgres(self, *command):
        quoted = " ".join(f"'{part}'" for part in command)
        subprocess.run(
            ["su", "postgres", "-c", quoted],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def create(self):
        self.dir.mkdir()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
        )
        self.start()
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE advocacy")

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self, mode="fast"):
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"
        )

    def url(self, name="advocacy"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres(postgres):
    has_tools = (PG_BIN / "initdb").exists() and shutil.which("su")
    require_service("PostgreSQL server binaries", has_tools, f"need {PG_BIN}/initdb")
    require_service("the postgres system user", _postgres_user_exists())
    server = PrivatePostgres()
    try:
        server.create()
        yield server
    finally:
        server.destroy()


def _postgres_user_exists():
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return os.geteuid() == 0


@pytest.mark.parametrize(
    "connections",
    [
        pytest.param({}, id="persistent"),
        # A psycopg pool per process, as a threaded server would use.
        pytest.param({"DATABASE_POOL_MAX_SIZE": "2"}, id="pool"),
    ],
)
def test_postgres_restart_under_load(
    private_postgres, processes, tmp_path, collected_static, connections
):
    from campaigns.management.commands.seed_demo import (
        DEMO_CAMPAIGN,
        DEMO_EMAIL,
        DEMO_PASSWORD,
    )

    env = app_env(
        private_postgres.url().replace("postgresql://", "postgres://"), **connections
    )
    for command in (["migrate", "--no-input"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def sql(query, *args):
        with psycopg.connect(private_postgres.url()) as conn:
            return conn.execute(query, args).fetchall()

    campaign = sql("SELECT id FROM campaigns_campaign WHERE name = %s", DEMO_CAMPAIGN)[
        0
    ][0]
    cards = [
        (pk, status)
        for pk, status in sql(
            "SELECT id, status FROM campaigns_tactic WHERE campaign_id = %s "
            "AND status IN ('backlog', 'planned') ORDER BY id",
            campaign,
        )
    ]
    assert cards

    def moves_recorded():
        return sql(
            "SELECT c.board_version, (SELECT count(*) FROM campaigns_activity a "
            "WHERE a.campaign_id = c.id AND a.verb = 'tactic_moved') "
            "FROM campaigns_campaign c WHERE c.id = %s",
            campaign,
        )[0]

    port, server = start_gunicorn(processes, env, tmp_path)
    version_before, moved_before = moves_recorded()

    # (answered at, kind, status, body, sent at). A request sent during the
    # outage may be answered (with the error page) after the recovery, so
    # what counts as "after" goes by when a request was sent.
    results = []
    # Workers with a page answered: a first page saves the session (the team
    # chosen), and a save cut off by the outage is not what this drill tests.
    served = set()
    stop = threading.Event()

    def load(worker):
        try:
            web = Http(port).login(DEMO_EMAIL, DEMO_PASSWORD)
        except AssertionError as failed:
            # Recorded (with the server's log) so the checks below report it.
            now = time.monotonic()
            results.append((now, "login", failed, server.output(), now))
            return
        n = worker
        while not stop.is_set():
            pk, home = cards[n % len(cards)]
            other = "planned" if home == "backlog" else "backlog"
            target = other if (n // len(cards)) % 2 == 0 else home
            sent = time.monotonic()
            try:
                if n % 2:
                    status, body, _ = web.get(f"/campaigns/{campaign}/board/")
                    kind = "board"
                else:
                    status, body, _ = web.post(
                        f"/campaigns/{campaign}/tactics/{pk}/move/",
                        {"status": target, "position": "1"},
                    )
                    kind = "move"
            except OSError as error:
                status, body, kind = None, repr(error), "broken"
            results.append((time.monotonic(), kind, status, body[:3000], sent))
            if status in (200, 302):
                served.add(worker)
            n += 2

    threads = [threading.Thread(target=load, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    try:
        # Both threads logged in and moving cards before the outage (logging
        # in hashes a password, which a busy machine may take seconds over).
        wait_for(
            lambda: (
                (
                    len(served) == 2
                    and len([r for r in results if r[2] in (200, 302)]) >= 10
                )
                or any(r[1] == "login" for r in results)
            ),
            "the load to start",
            timeout=60,
            logs=[server],
        )
        down_at = time.monotonic()
        private_postgres.stop()
        time.sleep(1)
        status, body, elapsed = Http(port).get("/healthz")
        health_during = (status, json.loads(body), elapsed)
        time.sleep(2)
        private_postgres.start()
        up_at = time.monotonic()

        # Recovered once every server process answers again: persistent
        # connections at the next request, a pool after its reconnection
        # backoff (a few seconds).
        def recovered():
            recent = results[-8:]
            return (
                len(recent) == 8
                and min(r[4] for r in recent) > up_at
                and all(r[2] in (200, 302) for r in recent)
            )

        wait_for(recovered, "the app to recover", timeout=60, logs=[server])
        recovered_at = time.monotonic()
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    # The health check says so, quickly.
    status, health, elapsed = health_during
    assert status == 503 and health["database"]["ok"] is False
    # A hang check: the database's connect timeout (5 s) plus a wide margin.
    assert elapsed < 15
    ok = {200, 302}
    before = [r for r in results if r[0] < down_at]
    during = [r for r in results if down_at + 0.5 < r[0] < up_at]
    after = [r for r in results if r[4] > recovered_at]
    assert before and all(r[2] in ok for r in before), before[:3]
    # During the outage: the styled error page, never a hang or a reset.
    assert during, "no requests during the outage"
    assert not [r for r in during if r[1] == "broken"], during[:3]
    failures = [r for r in during if r[2] not in ok]
    assert failures
    for _, kind, status, body, _ in failures:
        assert status in (500, 503), (kind, status, body[:1500])
        assert ERROR_PAGE in body
    # Recovered without a restart of the app.
    assert server.alive()
    assert after, "no requests after recovery"
    assert all(r[2] in ok for r in after), [r[1:4] for r in after if r[2] not in ok][:3]

    # Nothing half-written: every committed move bumped the version once and
    # recorded one activity, and no two cards of a column share a rank.
    version_after, moved_after = moves_recorded()
    assert version_after - version_before == moved_after - moved_before
    # Every answered move was recorded, except that a move refused during the
    # outage leaves its card where it was, so that card's next planned move
    # may find it already in place: a no-op, answered but not recorded.
    answered = sum(1 for r in results if r[1] == "move" and r[2] == 302)
    refused = sum(1 for r in results if r[1] == "move" and r[2] != 302)
    assert moved_after - moved_before >= answered - refused
    for (status,) in sql(
        "SELECT DISTINCT status FROM campaigns_tactic WHERE campaign_id = %s", campaign
    ):
        ranks = [
            p
            for (p,) in sql(
                "SELECT position FROM campaigns_tactic WHERE campaign_id = %s "
                "AND status = %s ORDER BY position",
                campaign,
                status,
            )
        ]
        assert ranks == sorted(set(ranks)), status


# ---- drill 3: the production-like stack ------------------------------------------


@pytest.fixture
def stack_broker(redis, postgres):
    import redis as redis_client

    url = f"redis://127.0.0.1:6379/{STACK_REDIS_DB}"
    client = redis_client.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def test_the_stack_moves_a_card_and_mails_the_digest(
    stack_broker, smtp, processes, tmp_path, collected_static
):
    owner_membership = MembershipFactory(role=Role.OWNER)
    team, owner = owner_membership.team, usable_password(owner_membership.user)
    campaign = CampaignFactory(team=team, lead=owner, name="Pilot the staff blog")
    tactic = TacticFactory(
        campaign=campaign, title="Lunch-and-learn", status=TacticStatus.BACKLOG
    )
    # The digest is due now: today, from midnight, even in a quiet week.
    NotificationPreference.objects.create(
        user=owner,
        digest_weekday=timezone.now().weekday(),
        digest_hour=0,
        time_zone="UTC",
        quiet_week_emails=True,
    )
    env = app_env(database_url(), stack_broker, smtp.port)
    # The commands of docker-compose.yml's web, worker and beat services.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    port, web_server = start_gunicorn(processes, env, tmp_path, workers=3)
    worker = Process(
        "worker",
        [str(BIN / "celery"), "-A", "advocacy", "worker", "--loglevel", "INFO"],
        env,
        tmp_path,
    )
    beat = Process(
        "beat",
        [
            str(BIN / "celery"),
            "-A",
            "advocacy",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(tmp_path / "celerybeat-schedule"),
        ],
        env,
        tmp_path,
    )
    processes.extend([worker, beat])
    wait_for(lambda: " ready." in worker.output(), "the worker", 60, [worker])
    wait_for(lambda: "beat: Starting" in beat.output(), "beat", 60, [beat])

    web = Http(port).login(owner.email, PASSWORD)
    status, board, _ = web.get(f"/campaigns/{campaign.pk}/board/")
    assert status == 200 and "Lunch-and-learn" in board
    status, _, _ = web.post(
        f"/campaigns/{campaign.pk}/tactics/{tactic.pk}/move/",
        {"status": "in_progress", "position": "1"},
        headers={"HX-Request": "true"},
    )
    assert status == 200
    assert Tactic.objects.get(pk=tactic.pk).status == TacticStatus.IN_PROGRESS

    # What beat runs every quarter hour, sent now through the broker.
    probe = Celery("probe", broker=stack_broker, set_as_current=False)
    try:
        probe.send_task("campaigns.tasks.schedule_digests")
        wait_for(
            lambda: smtp.digests_to(owner.email),
            "the digest by SMTP",
            60,
            [worker],
        )
    finally:
        probe.close()
    (digest,) = smtp.digests_to(owner.email)
    html = digest.get_body(("html",)).get_content()
    assert "Pilot the staff blog" in html
    assert digest["List-Unsubscribe"]
    assert web_server.alive() and worker.alive() and beat.alive()
    # The worker marks the claim sent just after the server has the message.
    wait_for(
        lambda: EmailDelivery.objects.filter(
            user=owner, kind=EmailKind.DIGEST, status=DeliveryStatus.SENT
        ).exists(),
        "the delivery marked sent",
        30,
        [worker],
    )
    assert EmailDelivery.objects.filter(user=owner, kind=EmailKind.DIGEST).count() == 1


# ---- drill 4: two web servers, one truth -------------------------------------------

TWO_SERVERS_REDIS_DB = 12  # the broker's; the cache takes the next one


@pytest.fixture
def shared_redis(redis, postgres):
    import redis as redis_client

    url = f"redis://127.0.0.1:6379/{TWO_SERVERS_REDIS_DB}"
    clients = [
        redis_client.Redis.from_url(f"redis://127.0.0.1:6379/{n}")
        for n in (TWO_SERVERS_REDIS_DB, TWO_SERVERS_REDIS_DB + 1)
    ]
    for client in clients:
        client.flushdb()
    yield url, clients[1]
    for client in clients:
        client.flushdb()
        client.close()


def column_of(board_html, tactic_pk):
    """The status of the column a card is drawn in."""
    card = board_html.index(f'id="tactic-{tactic_pk}"')
    columns = re.findall(r'<section id="col-(\w+)"', board_html[:card])
    return columns[-1]


def csrf_ready(web):
    """An anonymous visitor with the CSRF cookie a form post needs."""
    status, _, _ = web.get("/accounts/login/")
    assert status == 200 and "csrftoken" in web.cookies
    return web


def test_two_servers_share_sessions_boards_limits_and_digests(
    shared_redis, smtp, processes, tmp_path, collected_static
):
    broker, cache_db = shared_redis
    owner_membership = MembershipFactory(role=Role.OWNER)
    team, owner = owner_membership.team, usable_password(owner_membership.user)
    campaign = CampaignFactory(team=team, lead=owner, name="Pilot the staff blog")
    tactic = TacticFactory(
        campaign=campaign, title="Lunch-and-learn", status=TacticStatus.BACKLOG
    )
    # Behind one balancer: both servers trust one proxy hop, so the client
    # address is what the balancer put in X-Forwarded-For.
    env = app_env(database_url(), broker, smtp.port, TRUSTED_PROXY_HOPS="1")
    port_a, server_a = start_gunicorn(processes, env, tmp_path)
    port_b, server_b = start_gunicorn(processes, env, tmp_path)

    # Logged in through A is logged in on B, and the session is in Redis.
    a = Http(port_a).login(owner.email, PASSWORD)
    b = Http(port_b)
    b.cookies = dict(a.cookies)
    status, page, _ = b.get("/campaigns/")
    assert status == 200 and "Pilot the staff blog" in page
    assert any(b"sessions" in key for key in cache_db.keys("*"))

    # A card moved through A is in its new column on B's board at once,
    # though B had just drawn (and cached) the board with the card before.
    board = f"/campaigns/{campaign.pk}/board/"
    status, html, _ = b.get(board)
    assert status == 200 and column_of(html, tactic.pk) == "backlog"
    assert any(b"board" in key for key in cache_db.keys("*"))
    status, _, _ = a.post(
        f"/campaigns/{campaign.pk}/tactics/{tactic.pk}/move/",
        {"status": "in_progress", "position": "1"},
    )
    assert status == 302
    status, html, _ = b.get(board)
    assert status == 200 and column_of(html, tactic.pk) == "in_progress"

    # A password changed through B ends the user's other session on A at
    # once, though A had just read (and cached) the user for it.
    mover = usable_password(MembershipFactory(team=team).user)
    on_a, on_b = Http(port_a).login(mover.email, PASSWORD), Http(port_b)
    on_b.login(mover.email, PASSWORD)
    assert on_a.get("/campaigns/")[0] == 200 and on_b.get("/campaigns/")[0] == 200
    assert any(b"user:" in key for key in cache_db.keys("*"))
    status, _, _ = on_b.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-passphrase-2026",
            "new_password2": "a-new-passphrase-2026",
        },
    )
    assert status == 302
    assert on_b.get("/campaigns/")[0] == 200
    assert on_a.get("/campaigns/")[0] == 302  # to the login page

    # The login lockout counts failures on both servers together, per client.
    victim = usable_password(MembershipFactory(team=team).user)
    attacker = {"X-Forwarded-For": "203.0.113.50"}
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit):
        web = csrf_ready(Http(port_a if n % 2 else port_b))
        status, _, _ = web.post(
            "/accounts/login/",
            {"username": victim.email, "password": "wrong"},
            headers=attacker,
        )
        # The form again with its error, until the last allowed failure.
        assert status == (429 if n == limit - 1 else 400), n
    for port in (port_a, port_b):
        web = csrf_ready(Http(port))
        status, _, _ = web.post(
            "/accounts/login/",
            {"username": victim.email, "password": PASSWORD},
            headers=attacker,
        )
        assert status == 429, port
    # The victim, from their own address behind the same balancer, gets in.
    web = csrf_ready(Http(port_a))
    status, _, _ = web.post(
        "/accounts/login/",
        {"username": victim.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert status == 302

    # The password-reset limit for one address counts on both servers.
    from campaigns.views.accounts import RESETS_PER_EMAIL

    for n in range(RESETS_PER_EMAIL * 2):
        web = csrf_ready(Http(port_a if n % 2 else port_b))
        status, _, _ = web.post(
            "/accounts/password/reset/",
            {"email": victim.email},
            headers={"X-Forwarded-For": f"198.51.100.{n + 10}"},
        )
        assert status == 302
    resets = [m for m in smtp.to(victim.email) if "password" in str(m["Subject"])]
    assert len(resets) == RESETS_PER_EMAIL

    # A digest run started twice, once on each side (a scan on the broker,
    # as beat would, and the command an operator runs), mails everyone once.
    readers = [owner] + [
        usable_password(MembershipFactory(team=team).user) for _ in range(5)
    ]
    for reader in readers:
        NotificationPreference.objects.update_or_create(
            user=reader,
            defaults={
                "digest_weekday": timezone.now().weekday(),
                "digest_hour": 0,
                "time_zone": "UTC",
                "quiet_week_emails": True,
            },
        )
    worker = Process(
        "worker",
        [str(BIN / "celery"), "-A", "advocacy", "worker", "--loglevel", "INFO"],
        env,
        tmp_path,
    )
    processes.append(worker)
    wait_for(lambda: " ready." in worker.output(), "the worker", 60, [worker])
    probe = Celery("probe", broker=broker, set_as_current=False)
    try:
        probe.send_task("campaigns.tasks.schedule_digests")
        command = subprocess.run(
            [sys.executable, "manage.py", "send_digests"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        probe.close()
    assert command.returncode == 0, command.stderr
    wait_for(
        lambda: (
            EmailDelivery.objects.filter(
                kind=EmailKind.DIGEST, status=DeliveryStatus.SENT
            ).count()
            == len(readers)
        ),
        "every digest marked sent",
        60,
        [worker],
    )
    # Both runs are over: the scan has finished, and so has every chunk it
    # handed the worker (a chunk run late finds the claims and sends nothing).

    def worker_idle():
        log = worker.output()
        chunks = re.compile(r"send_digest_chunk\[[^\]]+\] (received|succeeded)")
        states = [m.group(1) for m in chunks.finditer(log)]
        scanned = re.search(r"schedule_digests\[[^\]]+\] succeeded", log)
        return scanned and states.count("received") == states.count("succeeded")

    wait_for(worker_idle, "the scan and its chunks", 60, [worker])
    time.sleep(1)
    for reader in readers:
        assert len(smtp.digests_to(reader.email)) == 1, reader.email
    assert server_a.alive() and server_b.alive() and worker.alive()


# ---- drill 5: forwarded headers reach only as far as the settings allow ----------


@pytest.mark.parametrize(("hops", "answer"), [("0", 301), ("1", 200)])
def test_gunicorn_believes_a_forwarded_https_header_only_behind_trusted_proxies(
    postgres, processes, tmp_path, collected_static, hops, answer
):
    """A client on loopback sends X-Forwarded-Proto itself. Unless the
    settings name a proxy hop, neither gunicorn nor Django believe it, so
    the HTTPS redirect still applies."""
    env = app_env(database_url(), SECURE_SSL_REDIRECT="true", TRUSTED_PROXY_HOPS=hops)
    port, _ = start_gunicorn(processes, env, tmp_path, workers=1)
    status, _, _ = Http(port).get(
        "/accounts/login/", headers={"X-Forwarded-Proto": "https"}
    )
    assert status == answer
