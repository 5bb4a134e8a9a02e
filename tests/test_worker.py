"""End to end with a real Celery worker on Redis and a real SMTP server on
loopback: the scheduled run delivers each digest once, survives a worker killed
mid-batch and a mail server that refuses connections for a while.

The worker runs as a subprocess against the test database, so these tests
commit their data (transactional) and need PostgreSQL.
"""

import asyncio
import datetime
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from campaigns import mail
from campaigns.models import DeliveryStatus, EmailDelivery, NotificationPreference
from tests.factories import CampaignFactory, MembershipFactory, TacticFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))
# A database of its own, flushed before and after; another number lets two
# checkouts run these tests at once.
REDIS_DB = int(os.environ.get("TEST_WORKER_REDIS_DB", "5"))
# Monday 23 November 2026, 08:00 UTC: the default digest time.
NOW = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)
TIMEOUT = 60


# ---- a mail server on loopback -------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.SMTP)
        # Kept before answering: a client killed during the delay never learns
        # that its mail arrived, which is exactly the "unknown" case.
        self.messages.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def recipients(self):
        return Counter(m["To"] for m in self.messages)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp(inbox, port):
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


# ---- the worker ----------------------------------------------------------------


def worker_database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


class Worker:
    """`celery -A advocacy worker` in its own process group, logging to a file."""

    def __init__(self, broker, smtp_port, log_dir):
        self.broker = broker
        self.smtp_port = smtp_port
        self.log = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "REDIS_URL": self.broker,
            "DATABASE_URL": worker_database_url(),
            "CONN_MAX_AGE": "0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "TESTS_USE_EMAIL_URL": "1",
            "EMAIL_TIMEOUT": "5",
            "EMAIL_RETRY_BACKOFF_SECONDS": "1",
            "DIGEST_CHUNK_SIZE": "5",
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    CELERY,
                    "-A",
                    "advocacy",
                    "worker",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--without-mingle",
                    "--without-gossip",
                    "--hostname",
                    f"test-{uuid.uuid4().hex[:8]}@%h",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: " ready." in self.output(), "the worker to start", self)
        return self

    def output(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def schedule_results(self):
        """What each finished schedule_digests run returned (people enqueued)."""
        return [
            int(n)
            for n in re.findall(
                r"campaigns\.tasks\.schedule_digests\[[^\]]+\] "
                r"succeeded in [^:]+: (\d+)",
                self.output(),
            )
        ]

    def kill(self):
        """SIGKILL, no goodbyes: the process group dies mid-whatever."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, what, worker=None, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker and worker.process.poll() is not None:
            pytest.fail(
                f"The worker exited while waiting for {what}:\n{worker.output()}"
            )
        time.sleep(0.1)
    log = worker.output()[-4000:] if worker else ""
    pytest.fail(f"Timed out waiting for {what}.\n{log}")


@pytest.fixture
def broker(redis, postgres):
    import redis as redis_client

    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    client = redis_client.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def probe(broker):
    """A bare Celery client that only sends task messages to the broker."""
    app = Celery("probe", broker=broker, set_as_current=False)
    yield app
    app.close()


@pytest.fixture
def workers(broker, tmp_path):
    started = []

    def start(smtp_port):
        worker = Worker(broker, smtp_port, tmp_path)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture
def smtp():
    controllers = []

    def start(inbox, port=None):
        controller = start_smtp(inbox, port or free_port())
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def run_schedule(probe, worker, when):
    """Ask the worker to run the beat task as of `when`; wait until it has."""
    before = len(worker.schedule_results())
    probe.send_task("campaigns.tasks.schedule_digests", args=[when.isoformat()])
    wait_for(
        lambda: len(worker.schedule_results()) > before, "the schedule to run", worker
    )
    return worker.schedule_results()[-1]


def due_people(count, **preference):
    """`count` people with a tactic due this week, so each has a digest."""
    membership = MembershipFactory()
    team = membership.team
    campaign = CampaignFactory(
        team=team,
        lead=membership.user,
        starts_on=NOW.date() - datetime.timedelta(days=3),
        report_every_days=60,
    )
    people = [membership.user] + [
        MembershipFactory(team=team).user for _ in range(count - 1)
    ]
    for person in people:
        TacticFactory(
            campaign=campaign,
            assignee=person,
            due_on=NOW.date() + datetime.timedelta(days=2),
        )
        if preference:
            NotificationPreference.objects.create(user=person, **preference)
    return people


def settled(people):
    """Every person has a claim that is no longer being retried."""
    return EmailDelivery.objects.filter(
        user__in=people,
        status__in=[DeliveryStatus.SENT, DeliveryStatus.SENDING],
    ).count() == len(people)


# ---- the tests ---------------------------------------------------------------------


def test_scheduled_run_delivers_one_digest_per_person_and_a_rerun_none(
    probe, workers, smtp
):
    people = due_people(7)
    inbox = Inbox()
    port = smtp(inbox).port
    worker = workers(port)

    assert run_schedule(probe, worker, NOW) == 7
    wait_for(lambda: len(inbox.messages) >= 7, "7 digests", worker)
    wait_for(lambda: settled(people), "the claims to settle", worker)
    assert run_schedule(probe, worker, NOW + datetime.timedelta(minutes=15)) == 0
    time.sleep(0.5)  # a stray duplicate would show up by now

    assert inbox.recipients() == Counter(p.email for p in people)
    message = inbox.messages[0]
    assert message["List-Unsubscribe"].startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    assert "Due in the next 7 days" in html
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_each_time_zone_gets_its_digest_at_its_own_hour(probe, workers, smtp):
    zones = ["Asia/Tokyo", "Europe/Berlin", "America/New_York"]
    people = {z: due_people(1, time_zone=z, digest_hour=8)[0] for z in zones}
    inbox = Inbox()
    worker = workers(smtp(inbox).port)
    utc = datetime.UTC

    runs = [
        # (UTC moment, who is newly due then)
        (datetime.datetime(2026, 11, 22, 22, 45, tzinfo=utc), []),
        (datetime.datetime(2026, 11, 22, 23, 0, tzinfo=utc), ["Asia/Tokyo"]),
        (datetime.datetime(2026, 11, 23, 7, 0, tzinfo=utc), ["Europe/Berlin"]),
        (datetime.datetime(2026, 11, 23, 7, 15, tzinfo=utc), []),
        (datetime.datetime(2026, 11, 23, 13, 0, tzinfo=utc), ["America/New_York"]),
    ]
    expected = []
    for when, newly in runs:
        assert run_schedule(probe, worker, when) == len(newly), when
        expected += [people[z].email for z in newly]
        count = len(expected)
        wait_for(
            lambda count=count: len(inbox.messages) >= count,
            f"digests at {when}",
            worker,
        )
        assert sorted(inbox.recipients()) == sorted(expected)
    assert all(count == 1 for count in inbox.recipients().values())


def test_worker_killed_mid_batch_never_doubles_and_reports_unknown(
    probe, workers, smtp
):
    people = due_people(30)
    inbox = Inbox(delay=0.15)  # slow enough to kill the worker mid-batch
    port = smtp(inbox).port
    first = workers(port)

    assert run_schedule(probe, first, NOW) == 30
    wait_for(lambda: len(inbox.messages) >= 8, "the batch to get going", first)
    first.kill()
    delivered_before = len(inbox.messages)
    assert delivered_before < 30, "the batch finished before the kill"

    second = workers(port)
    # The beat's next run picks up everyone not yet claimed; chunks left in the
    # queue by the first worker are harmless repeats.
    run_schedule(probe, second, NOW + datetime.timedelta(minutes=15))
    wait_for(lambda: settled(people), "every person to be claimed", second)
    time.sleep(1)  # let any straggling task finish
    run_schedule(probe, second, NOW + datetime.timedelta(minutes=30))
    time.sleep(1)

    received = inbox.recipients()
    assert all(count == 1 for count in received.values()), received
    # A claim left "sending" by the killed worker is reported, not resent.
    later = timezone.now() + datetime.timedelta(minutes=60)
    unknown = {d.user.email for d in mail.report_stale_claims(now=later)}
    assert len(unknown) <= 1
    for person in people:
        assert person.email in received or person.email in unknown, person.email
    statuses = Counter(EmailDelivery.objects.values_list("status", flat=True))
    assert statuses["sent"] + statuses["unknown"] == 30, statuses


def test_refused_smtp_connection_is_retried_and_delivered_once(probe, workers, smtp):
    people = due_people(3)
    port = free_port()  # nothing listens here yet: connections are refused
    worker = workers(port)

    assert run_schedule(probe, worker, NOW) == 3
    wait_for(
        lambda: EmailDelivery.objects.filter(status=DeliveryStatus.FAILED).exists(),
        "a failed send",
        worker,
    )
    # The row is marked failed before the task logs its retry: wait for both.
    wait_for(
        lambda: "will retry after a mail error" in worker.output(),
        "the retry to be logged",
        worker,
    )
    inbox = Inbox()
    smtp(inbox, port)  # the mail server comes back
    wait_for(lambda: len(inbox.messages) >= 3, "the retried digests", worker)
    wait_for(lambda: settled(people), "the claims to settle", worker)
    run_schedule(probe, worker, NOW + datetime.timedelta(minutes=15))
    time.sleep(0.5)

    assert inbox.recipients() == Counter(p.email for p in people)
    retried = EmailDelivery.objects.filter(attempts__gte=2)
    assert retried.exists()
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_report_reaches_each_recipient_once_with_its_pdf(probe, workers, smtp):
    from campaigns import report_mail, reports
    from tests.factories import StakeholderFactory

    membership = MembershipFactory()
    campaign = CampaignFactory(team=membership.team, lead=membership.user)
    teammate = MembershipFactory(team=membership.team).user
    dana = StakeholderFactory(campaign=campaign, email="dana@example.org")
    sam = StakeholderFactory(campaign=campaign, email="sam@example.org")
    end = timezone.localdate()
    report = reports.create_report(
        campaign, end - datetime.timedelta(days=14), end, membership.user
    )
    report_mail.mark_sent(campaign, report, membership.user)
    link = report_mail.create_link(report, membership.user)
    recipients = [
        report_mail.Recipient(dana.email, dana.name).as_list(),
        report_mail.Recipient(sam.email, sam.name).as_list(),
        report_mail.Recipient(teammate.email, str(teammate), teammate.pk).as_list(),
    ]
    inbox = Inbox()
    port = free_port()
    smtp(inbox, port)
    worker = workers(port)

    def finished():
        return worker.output().count("campaigns.tasks.send_report[")

    # The same task twice, as a second click or a redelivery would send it.
    for _ in range(2):
        probe.send_task(
            "campaigns.tasks.send_report", args=[report.pk, link.pk, recipients]
        )
    wait_for(lambda: worker.output().count("succeeded in") >= 2, "both sends", worker)
    assert finished() >= 2
    assert inbox.recipients() == Counter([dana.email, sam.email, teammate.email])
    for message in inbox.messages:
        kinds = [part.get_content_type() for part in message.walk()]
        assert "text/plain" in kinds and "text/html" in kinds
        assert "application/pdf" in kinds
        pdf = next(
            p for p in message.walk() if p.get_content_type() == "application/pdf"
        )
        assert pdf.get_payload(decode=True).startswith(b"%PDF")
        text = message.get_body(("plain",)).get_content()
        token = re.search(r"/shared/reports/([^/\s]+)/", text).group(1)
        assert report_mail.open_link(token) == link
    statuses = EmailDelivery.objects.filter(kind="report").values_list(
        "status", flat=True
    )
    assert sorted(statuses) == ["sent", "sent", "sent"]


def test_the_feed_scan_in_the_worker_stores_each_item_once(probe, workers):
    from campaigns.models import Feed, Mention
    from tests.feeds import FeedServer

    def results(worker):
        pattern = r"campaigns\.tasks\.scan_feeds\[[^\]]+\] succeeded in [^:]+: (\d+)"
        return [int(n) for n in re.findall(pattern, worker.output())]

    campaign = CampaignFactory()
    with FeedServer() as server:
        for path in ("/rss", "/atom", "/malformed", "/missing"):
            Feed.objects.create(campaign=campaign, url=server.url(path))
        worker = workers(free_port())
        for round_ in range(3):
            # Every feed's turn again, as if an hour had passed.
            Feed.objects.update(checked_at=None)
            probe.send_task("campaigns.tasks.scan_feeds")
            wait_for(
                lambda n=round_: len(results(worker)) > n, "the scan to finish", worker
            )
    # Three new the first time, none after: each item stored once.
    assert results(worker) == [3, 0, 0]
    assert Mention.objects.count() == 3
    errors = dict(Feed.objects.values_list("url", "error"))
    assert (
        errors[server.url("/malformed")] == "That address is not an RSS or Atom feed."
    )
    assert errors[server.url("/missing")] == "The server answered 404."
    assert errors[server.url("/rss")] == ""


def test_the_weekly_listening_email_goes_once_through_the_worker(probe, workers, smtp):
    from campaigns import listening_mail
    from campaigns.models import Feed, Mention
    from tests.factories import StakeholderFactory

    campaign = CampaignFactory()
    dana = StakeholderFactory(campaign=campaign, email="dana@example.org")
    listener = listening_mail.sign_up(dana, "Said yes", campaign.lead)
    feed = Feed.objects.create(campaign=campaign, url="https://alerts.example.org/")
    monday = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)
    Mention.objects.create(
        feed=feed,
        campaign=campaign,
        guid="1",
        title="We won an award",
        found_at=monday - datetime.timedelta(days=1),
    )
    inbox = Inbox()
    port = free_port()
    smtp(inbox, port)
    worker = workers(port)
    # Two hourly runs of the same week, as beat and a redelivery would.
    for hour in (0, 1):
        when = monday + datetime.timedelta(hours=hour)
        probe.send_task(
            "campaigns.tasks.send_listening_emails", args=[when.isoformat()]
        )
    pattern = (
        r"campaigns\.tasks\.send_listening_emails\[[^\]]+\] succeeded in [^:]+: (\d+)"
    )
    wait_for(
        lambda: len(re.findall(pattern, worker.output())) == 2, "both runs", worker
    )
    # One sent by the first run, none by the second.
    assert sorted(re.findall(pattern, worker.output())) == ["0", "1"]
    assert inbox.recipients() == Counter(["dana@example.org"])
    [message] = inbox.messages
    assert "We won an award" in message.get_body(("plain",)).get_content()
    token = re.search(r"/listening/unsubscribe/([^/]+)/>", message["List-Unsubscribe"])
    assert listening_mail.subscription_of(token.group(1)) == listener
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_mention_is_emailed_once_by_the_worker(probe, workers, smtp):
    """A comment's @mention, its email task delivered twice (a redelivery):
    one email, through the claim."""
    from campaigns import notices
    from campaigns.models import NoticeKind, Notification, Role, TacticComment
    from tests.factories import UserFactory

    membership = MembershipFactory(role=Role.OWNER)
    campaign = CampaignFactory(team=membership.team, lead=membership.user)
    dana = UserFactory(email="dana.fox@example.org", name="Dana Fox")
    MembershipFactory(team=membership.team, user=dana)
    tactic = TacticFactory(campaign=campaign, title="Lunch and learn")
    comment = TacticComment.objects.create(
        tactic=tactic, author=membership.user, body="Over to @dana.fox"
    )
    assert notices.mentioned(comment.body, campaign.team_id) == [dana]
    # Made as comment_mentions makes it, without queueing from this process
    # (which, with no broker of its own, would send it here at once).
    notice = Notification.objects.create(
        user=dana,
        kind=NoticeKind.MENTION,
        key=f"comment:{comment.pk}",
        campaign=campaign,
        tactic=tactic,
        actor=membership.user,
        text=f"{membership.user} mentioned you: {comment.body}",
    )
    inbox = Inbox()
    port = free_port()
    smtp(inbox, port)
    worker = workers(port)
    for _ in range(2):
        probe.send_task("campaigns.tasks.send_notice_email", args=[notice.pk])
    wait_for(lambda: worker.output().count("succeeded in") >= 2, "both sends", worker)
    assert inbox.recipients() == Counter([dana.email])
    [message] = inbox.messages
    assert "mentioned you" in message["Subject"]
    assert f"/notifications/open/?n={notice.pk}" in (
        message.get_body(("plain",)).get_content()
    )
    [delivery] = EmailDelivery.objects.filter(kind="mentioned")
    assert delivery.status == DeliveryStatus.SENT
