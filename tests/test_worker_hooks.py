"""Webhooks through real Celery workers on Redis: a card moved on the board
reaches a loopback endpoint signed (verified with the Standard Webhooks
library), and an endpoint that fails at first is retried with backoff until
it answers, each delivery sent exactly once though two workers run and the
task is queued twice.

Like tests/test_worker.py (whose fixtures these are), the workers run as
subprocesses against the test database, so the data is committed and
PostgreSQL is needed.
"""

import json
import re

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from advocacy import celery_app
from campaigns import webhooks
from campaigns.models import (
    HookDelivery,
    HookDeliveryStatus,
    HookEvent,
    TacticStatus,
    WebhookEndpoint,
)
from tests import factories as f
from tests.hook_server import HookServer
from tests.test_report_pdf_worker import queues_to_redis  # noqa: F401
from tests.test_worker import broker, free_port, wait_for, workers  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def attempts_logged(worker):
    pattern = r"campaigns\.tasks\.send_hook_delivery\[[^\]]+\] (succeeded|retry)"
    return len(re.findall(pattern, worker.output()))


def test_a_moved_card_reaches_both_endpoints_once_the_flaky_one_after_retries(
    client_for,
    queues_to_redis,  # noqa: F811
    workers,  # noqa: F811
):
    membership = f.MembershipFactory()
    campaign = f.CampaignFactory(team=membership.team, lead=membership.user)
    tactic = f.TacticFactory(campaign=campaign, title="Lunch-and-learn")
    web = client_for(membership.user)
    with HookServer({"/flaky": [500, 502, 200]}) as server:
        steady = WebhookEndpoint.objects.create(
            team=campaign.team,
            url=server.url("/steady"),
            events=[HookEvent.TACTIC_MOVED],
            secret=webhooks.new_secret(),
        )
        flaky = WebhookEndpoint.objects.create(
            team=campaign.team,
            url=server.url("/flaky"),
            events=[HookEvent.TACTIC_MOVED, HookEvent.TACTIC_CLOSED],
            secret=webhooks.new_secret(),
        )
        first, second = workers(free_port()), workers(free_port())

        response = web.post(
            reverse("tactic_move", args=[campaign.pk, tactic.pk]),
            {"status": TacticStatus.IN_PROGRESS, "position": "0"},
        )
        assert response.status_code == 302
        deliveries = list(HookDelivery.objects.order_by("pk"))
        assert len(deliveries) == 2
        # Queued a second time, as a lost acknowledgement or the beat sweep
        # would: the claim keeps it to one send.
        for delivery in deliveries:
            celery_app.tasks[webhooks.SEND_TASK].apply_async((delivery.pk,))

        def settled():
            return (
                HookDelivery.objects.filter(status=HookDeliveryStatus.SENT).count() == 2
            )

        wait_for(settled, "both deliveries to be sent", first)
        # Any task still queued finds them sent and sends nothing more.
        wait_for(
            lambda: attempts_logged(first) + attempts_logged(second) >= 6,
            "every queued task to finish",
            second,
        )
        steady_received = server.to("/steady")
        flaky_received = server.to("/flaky")

    [(_, headers, body)] = steady_received
    payload = Webhook(steady.secret).verify(body, headers)
    assert payload["type"] == "tactic.moved"
    assert payload["data"]["tactic"]["id"] == tactic.pk
    assert payload["data"]["to"]["key"] == "in_progress"

    # Two failures, then the success: three tries, one event id, and each try
    # signed afresh with a signature the library accepts.
    assert len(flaky_received) == 3
    assert {h["webhook-id"] for _, h, _ in flaky_received} == {deliveries[1].event_id}
    for _, headers, body in flaky_received:
        assert Webhook(flaky.secret).verify(body, headers) == json.loads(body)
    flaky_delivery = HookDelivery.objects.get(endpoint=flaky)
    assert flaky_delivery.attempts == 3
    assert flaky_delivery.last_status_code == 200
    flaky.refresh_from_db()
    assert flaky.failing_since is None
    assert "retry" in (first.output() + second.output()).lower()
