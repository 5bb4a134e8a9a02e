"""Outbound webhooks and chat notifications: which activity is which event,
the signed request a loopback receiver gets and verifies with the Standard
Webhooks library, claims that keep a delivery to one send, retries with
backoff, turning a failing target off, and the owners' and writers' pages.

Celery runs eagerly here (no REDIS_URL); tests/test_worker_hooks.py does the
same through a real worker on Redis."""

import datetime
import json

import pytest
from django.core import mail as outbox
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from campaigns import board, chat, csv_io, webhooks
from campaigns.models import (
    Activity,
    ChatHook,
    ChatService,
    EmailDelivery,
    EmailKind,
    HookDelivery,
    HookDeliveryStatus,
    HookEvent,
    Role,
    TacticStatus,
    WebhookEndpoint,
)
from tests import factories as f
from tests.hook_server import HookServer

ALL = list(HookEvent.values)


@pytest.fixture
def server():
    with HookServer() as running:
        yield running


def endpoint_for(team, url, events=ALL):
    return WebhookEndpoint.objects.create(
        team=team, url=url, events=events, secret=webhooks.new_secret()
    )


def move(campaign, tactic, status, actor, capture):
    with capture(execute=True):
        board.move_tactic(campaign, tactic.pk, status, 0, actor)


# ---- which event --------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "event"),
    [
        ("backlog", "planned", HookEvent.TACTIC_MOVED),
        ("in_progress", "done", HookEvent.TACTIC_CLOSED),
        ("planned", "didnt_work", HookEvent.TACTIC_CLOSED),
        ("done", "in_progress", HookEvent.TACTIC_MOVED),  # reopened
        ("done", "didnt_work", HookEvent.TACTIC_MOVED),  # closed already
        ("planned", "planned", None),  # a reorder within the column
    ],
)
def test_a_move_and_a_close_are_different_events(before, after, event):
    activity = Activity(
        verb=Activity.Verb.TACTIC_MOVED, data={"from": before, "to": after}
    )
    assert webhooks.event_of(activity) == event


def test_an_outcome_is_an_event_only_on_a_closed_tactic():
    verb = Activity.Verb.TACTIC_OUTCOME
    closed = Activity(verb=verb, data={"status": "done"})
    open_ = Activity(verb=verb, data={"status": "in_progress"})
    assert webhooks.event_of(closed) == HookEvent.TACTIC_OUTCOME
    assert webhooks.event_of(open_) is None
    assert webhooks.event_of(Activity(verb=Activity.Verb.TACTIC_UPDATED)) is None


# ---- a signed delivery to a loopback endpoint ---------------------------------


def test_a_card_move_reaches_the_endpoint_signed_and_verifiable(
    campaign, owner, server, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(campaign.team, server.url("/hook"))
    tactic = f.TacticFactory(campaign=campaign, title="Lunch-and-learn")
    move(
        campaign,
        tactic,
        TacticStatus.IN_PROGRESS,
        owner,
        django_capture_on_commit_callbacks,
    )

    [(path, headers, body)] = server.to("/hook")
    payload = Webhook(endpoint.secret).verify(body, headers)
    assert payload["type"] == "tactic.moved"
    data = payload["data"]
    assert data["tactic"]["id"] == tactic.pk
    assert data["tactic"]["title"] == "Lunch-and-learn"
    assert data["from"]["key"] == "backlog" and data["to"]["key"] == "in_progress"
    assert data["campaign"]["id"] == campaign.pk
    assert data["url"].endswith(reverse("tactic_detail", args=[campaign.pk, tactic.pk]))
    assert headers["webhook-id"] == HookDelivery.objects.get().event_id
    assert headers["Content-Type"] == "application/json"
    delivery = HookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        HookDeliveryStatus.SENT,
        1,
        204,
    )
    # Another secret does not verify it.
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)


def test_closing_a_card_sends_the_close_with_its_result(
    campaign, owner, server, django_capture_on_commit_callbacks
):
    endpoint_for(campaign.team, server.url("/hook"), [HookEvent.TACTIC_CLOSED])
    tactic = f.TacticFactory(campaign=campaign, status=TacticStatus.IN_PROGRESS)
    move(
        campaign,
        tactic,
        TacticStatus.IN_PROGRESS,
        owner,
        django_capture_on_commit_callbacks,
    )
    move(
        campaign,
        tactic,
        TacticStatus.DIDNT_WORK,
        owner,
        django_capture_on_commit_callbacks,
    )
    [(_, _, body)] = server.to("/hook")
    payload = json.loads(body)
    assert payload["type"] == "tactic.closed"
    assert payload["data"]["result"]["key"] == "didnt_work"


def test_only_the_chosen_events_and_only_the_teams_endpoints(
    campaign, owner, server, django_capture_on_commit_callbacks
):
    endpoint_for(campaign.team, server.url("/mine"), [HookEvent.TACTIC_CREATED])
    endpoint_for(f.TeamFactory(), server.url("/theirs"))
    off = endpoint_for(campaign.team, server.url("/off"))
    off.disabled_at = timezone.now()
    off.save()
    with django_capture_on_commit_callbacks(execute=True):
        tactic = board.create_tactic(campaign, owner, "Pilot", TacticStatus.BACKLOG)
    move(
        campaign,
        tactic,
        TacticStatus.PLANNED,
        owner,
        django_capture_on_commit_callbacks,
    )
    assert [json.loads(b)["type"] for _, _, b in server.to("/mine")] == [
        "tactic.created"
    ]
    assert server.to("/theirs") == [] and server.to("/off") == []


def test_a_rolled_back_change_sends_nothing(campaign, owner, server):
    from django.db import transaction

    endpoint_for(campaign.team, server.url("/hook"))
    tactic = f.TacticFactory(campaign=campaign)
    with pytest.raises(RuntimeError), transaction.atomic():
        board.move_tactic(campaign, tactic.pk, TacticStatus.PLANNED, 0, owner)
        raise RuntimeError
    assert not HookDelivery.objects.exists() and server.received == []


def test_a_csv_import_fires_tactic_created(
    campaign, owner, server, django_capture_on_commit_callbacks
):
    endpoint_for(campaign.team, server.url("/hook"), [HookEvent.TACTIC_CREATED])
    from campaigns.forms.transfer import row_form_for

    kind = csv_io.TACTICS
    result = csv_io.parse(
        "title\nOne\nTwo\n", kind, campaign, row_form_for(kind, campaign)
    )
    assert result.ok, result.errors
    with django_capture_on_commit_callbacks(execute=True):
        csv_io.save(csv_io.TACTICS, campaign, result, owner)
    [(_, _, body)] = server.to("/hook")
    assert json.loads(body)["data"]["imported"] == 2


def test_stance_milestone_and_report_events_carry_their_objects(
    campaign, owner, server, django_capture_on_commit_callbacks
):
    endpoint_for(campaign.team, server.url("/hook"))
    stakeholder = f.StakeholderFactory(campaign=campaign, email="boss@example.org")
    milestone = f.MilestoneFactory(campaign=campaign)
    with django_capture_on_commit_callbacks(execute=True):
        Activity.record(
            campaign,
            owner,
            Activity.Verb.STANCE_CHANGED,
            "Boss: Skeptical → Curious",
            stakeholder=stakeholder,
            data={"from": 2, "to": 4},
        )
        Activity.record(
            campaign,
            owner,
            Activity.Verb.MILESTONE_REACHED,
            "Reached",
            milestone=milestone,
        )
        Activity.record(
            campaign,
            owner,
            Activity.Verb.REPORT_SENT,
            "Sent",
            data={"report": 5, "to": ["boss@example.org"]},
        )
    payloads = [json.loads(b) for _, _, b in server.to("/hook")]
    by_type = {p["type"]: p["data"] for p in payloads}
    assert by_type["stance.changed"]["stakeholder"]["id"] == stakeholder.pk
    assert by_type["stance.changed"]["to"]["label"] == "Curious"
    assert by_type["milestone.reached"]["milestone"]["id"] == milestone.pk
    assert by_type["report.sent"]["report"] == {"id": 5, "recipients": 1}
    # Addresses never leave in a payload.
    assert all("boss@example.org" not in json.dumps(p) for p in payloads)


# ---- claims, retries, giving up --------------------------------------------------


def pending_delivery(endpoint):
    return HookDelivery.objects.create(
        endpoint=endpoint,
        event_id="msg_test_1",
        event=HookEvent.TACTIC_MOVED,
        payload={"type": "tactic.moved", "data": {}},
    )


def test_a_failing_endpoint_is_retried_with_backoff_and_sent_once(team):
    with HookServer({"/flaky": [500, 503, 200]}) as server:
        endpoint = endpoint_for(team, server.url("/flaky"))
        delivery = pending_delivery(endpoint)
        now = timezone.now()
        assert webhooks.attempt(delivery.pk, now) == 1
        # Not due yet: nobody claims it, nothing is sent.
        assert webhooks.attempt(delivery.pk, now) is None
        later = now + datetime.timedelta(seconds=1)
        assert webhooks.attempt(delivery.pk, later) == 2
        delivery.refresh_from_db()
        assert (delivery.status, delivery.last_status_code) == ("failed", 503)
        assert delivery.error == "The server answered 503."
        latest = later + datetime.timedelta(seconds=2)
        assert webhooks.attempt(delivery.pk, latest) is None
        # Sent: trying again sends nothing more.
        assert (
            webhooks.attempt(delivery.pk, latest + datetime.timedelta(hours=1)) is None
        )
        received = server.to("/flaky")
    assert len(received) == 3
    assert {headers["webhook-id"] for _, headers, _ in received} == {"msg_test_1"}
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert endpoint.failing_since is None


def test_two_claims_of_one_delivery_only_one_wins(team):
    delivery = pending_delivery(endpoint_for(team, "https://hooks.example.org/x"))
    now = timezone.now()
    assert webhooks.claim(delivery.pk, now) is True
    assert webhooks.claim(delivery.pk, now) is False


def test_backoff_doubles_up_to_the_cap(settings):
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    settings.WEBHOOK_MAX_BACKOFF_SECONDS = 3600
    assert [webhooks.backoff_seconds(n) for n in (1, 2, 3, 8, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]


def test_private_addresses_and_redirects_are_not_delivered(team, settings):
    endpoint = endpoint_for(team, "http://10.1.2.3/hook")
    delivery = pending_delivery(endpoint)
    webhooks.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "private or local" in delivery.error
    with HookServer({"/moved": [302]}) as server:
        endpoint.url = server.url("/moved")
        endpoint.save()
        HookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now()
        )
        webhooks.attempt(delivery.pk)
        assert len(server.to("/moved")) == 1  # and not to where it pointed
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == ("failed", 302)


def test_failing_for_days_turns_it_off_and_emails_each_owner_once(team, settings):
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 72
    second_owner = f.MembershipFactory(team=team, role=Role.OWNER).user
    f.MembershipFactory(team=team, role=Role.MEMBER)
    endpoint = endpoint_for(team, "http://127.0.0.1:9/down")
    delivery = pending_delivery(endpoint)
    waiting = HookDelivery.objects.create(
        endpoint=endpoint, event_id="msg_test_2", event=HookEvent.TACTIC_MOVED
    )
    now = timezone.now()
    endpoint.failing_since = now - datetime.timedelta(hours=73)
    endpoint.save()
    assert webhooks.attempt(delivery.pk, now) is None
    endpoint.refresh_from_db()
    assert endpoint.disabled_at == now
    assert set(
        HookDelivery.objects.filter(pk__in=[delivery.pk, waiting.pk]).values_list(
            "status", flat=True
        )
    ) == {"gave_up"}
    to = sorted(m.to[0] for m in outbox.outbox)
    owners = team.memberships.filter(role=Role.OWNER).values_list(
        "user__email", flat=True
    )
    assert to == sorted(owners) and second_owner.email in to
    assert "turned off" in outbox.outbox[0].subject
    assert reverse("team_webhooks", args=[team.pk]) in outbox.outbox[0].body
    # Turned off: a resend is refused, the sweep queues nothing for it.
    assert webhooks.resend(delivery) is False
    assert webhooks.send_due(now + datetime.timedelta(days=1)) == 0
    assert webhooks.disable(endpoint, now) is False  # once
    assert len(outbox.outbox) == 2
    kinds = set(EmailDelivery.objects.values_list("kind", flat=True))
    assert kinds == {EmailKind.HOOK_DISABLED}


def test_a_short_failure_does_not_turn_it_off(team):
    endpoint = endpoint_for(team, "http://127.0.0.1:9/down")
    delivery = pending_delivery(endpoint)
    assert webhooks.attempt(delivery.pk) is not None
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.disabled_at is None


def test_the_sweep_queues_due_ones_and_reports_interrupted_sends(team, settings):
    endpoint = endpoint_for(team, "http://127.0.0.1:9/down")
    now = timezone.now()
    stuck = pending_delivery(endpoint)
    HookDelivery.objects.filter(pk=stuck.pk).update(
        status="sending", claimed_at=now - datetime.timedelta(hours=1)
    )
    due = HookDelivery.objects.create(
        endpoint=endpoint,
        event_id="msg_due",
        event=HookEvent.TACTIC_MOVED,
        status="failed",
        next_attempt_at=now - datetime.timedelta(seconds=5),
    )
    HookDelivery.objects.create(
        endpoint=endpoint,
        event_id="msg_later",
        event=HookEvent.TACTIC_MOVED,
        status="failed",
        next_attempt_at=now + datetime.timedelta(hours=1),
    )
    old = HookDelivery.objects.create(
        endpoint=endpoint,
        event_id="msg_old",
        event=HookEvent.TACTIC_MOVED,
        status="sent",
        created_at=now - datetime.timedelta(days=31),
    )
    assert webhooks.send_due(now) == 1
    assert not HookDelivery.objects.filter(pk=old.pk).exists()
    stuck.refresh_from_db()
    due.refresh_from_db()
    assert stuck.status == "unknown"  # not resent: it may have arrived
    assert due.attempts == 1  # tried (eagerly) by the queued task


def test_a_resend_keeps_the_event_id_and_sends_again(
    team, server, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(team, server.url("/hook"))
    delivery = pending_delivery(endpoint)
    webhooks.attempt(delivery.pk)
    delivery.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.resend(delivery) is True
    ids = [headers["webhook-id"] for _, headers, _ in server.to("/hook")]
    assert ids == ["msg_test_1", "msg_test_1"]


# ---- secrets ----------------------------------------------------------------------


def test_a_new_secret_signs_next_to_the_previous_one_for_a_while(team, settings):
    settings.WEBHOOK_PREVIOUS_SECRET_HOURS = 24
    endpoint = endpoint_for(team, "https://hooks.example.org/x")
    old = endpoint.secret
    assert old.startswith("whsec_")
    now = timezone.now()
    webhooks.rotate_secret(endpoint, now)
    assert endpoint.secret != old
    body = b'{"type":"tactic.moved"}'
    headers = webhooks.signed_headers(endpoint, "msg_1", body, now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, endpoint.secret):
        Webhook(secret).verify(body, headers)
    tomorrow = now + datetime.timedelta(hours=25)
    headers = webhooks.signed_headers(endpoint, "msg_1", body, tomorrow)
    assert headers["webhook-signature"].count("v1,") == 1


# ---- chat formats -----------------------------------------------------------------

NOTE = chat.Note(
    headline="Moved “<Pilot> & *co*” to Done (Ana)",
    campaign="Blog pilot",
    url="https://advocacy.example.org/campaigns/1/tactics/2/",
)


def test_slack_message_has_a_fallback_text_and_escaped_mrkdwn_blocks():
    message = chat.slack(NOTE)
    assert set(message) == {"text", "blocks"}
    assert "<Pilot>" in message["text"]  # the plain fallback
    section, context = message["blocks"]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"] == (
        f"<{NOTE.url}|Moved “&lt;Pilot&gt; &amp; *co*” to Done (Ana)>"
    )
    assert context["type"] == "context"
    assert context["elements"] == [{"type": "mrkdwn", "text": "Blog pilot"}]


def test_mattermost_message_is_markdown_text_with_the_link():
    message = chat.mattermost(NOTE)
    assert set(message) == {"text"}
    assert message["text"].startswith(
        "[Moved “\\<Pilot\\> & \\*co\\*” to Done \\(Ana\\)]("
    )
    assert f"]({NOTE.url})" in message["text"]


def test_teams_message_is_one_adaptive_card_attachment():
    message = chat.teams(NOTE)
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] == "1.4"
    assert all(block["type"] == "TextBlock" for block in card["body"])
    assert card["body"][0]["text"] == NOTE.headline
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open in Advocacy", "url": NOTE.url}
    ]


def test_a_long_headline_is_cut_short():
    note = chat.Note(headline="word " * 200, campaign="c", url="https://x.example/")
    assert len(chat.teams(note)["attachments"][0]["content"]["body"][0]["text"]) <= 200


def test_chat_hooks_get_their_services_format_but_never_private_tactics(
    campaign, owner, server, django_capture_on_commit_callbacks
):
    for service in ChatService:
        ChatHook.objects.create(
            campaign=campaign,
            service=service,
            url=server.url(f"/{service.value}"),
            events=[HookEvent.TACTIC_MOVED],
        )
    tactic = f.TacticFactory(campaign=campaign, title="Quiet pilot")
    move(
        campaign,
        tactic,
        TacticStatus.PLANNED,
        owner,
        django_capture_on_commit_callbacks,
    )
    [(_, slack_headers, slack_body)] = server.to("/slack")
    assert "webhook-signature" not in slack_headers
    assert "Quiet pilot" in json.loads(slack_body)["text"]
    [(_, _, teams_body)] = server.to("/teams")
    assert json.loads(teams_body)["attachments"][0]["content"]["type"] == "AdaptiveCard"
    [(_, _, mm_body)] = server.to("/mattermost")
    assert set(json.loads(mm_body)) == {"text"}
    secret = f.TacticFactory(campaign=campaign, is_private=True)
    move(
        campaign,
        secret,
        TacticStatus.PLANNED,
        owner,
        django_capture_on_commit_callbacks,
    )
    assert len(server.received) == 3


# ---- pages ------------------------------------------------------------------------


def test_an_owner_adds_an_endpoint_sees_its_secret_and_rotates_it(
    client_for, owner, team
):
    web = client_for(owner)
    url = reverse("team_webhooks", args=[team.pk])
    response = web.post(
        url,
        {
            "url": "https://hooks.example.org/in",
            "events": ["tactic.moved", "report.sent"],
        },
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get(team=team)
    assert endpoint.events == ["tactic.moved", "report.sent"]
    page = web.get(url).content.decode()
    assert endpoint.secret in page
    web.post(reverse("webhook_rotate", args=[team.pk, endpoint.pk]))
    old = endpoint.secret
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ftp://hooks.example.org/", "Only http and https"),
        ("http://10.0.0.5/hook", "private or local"),
        ("http://192.168.1.1/hook", "private or local"),
        ("https://user:pw@hooks.example.org/", "user name or password"),
    ],
)
def test_a_bad_address_is_refused_next_to_the_field(
    client_for, owner, team, address, message
):
    response = client_for(owner).post(
        reverse("team_webhooks", args=[team.pk]),
        {"url": address, "events": ["tactic.moved"]},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert address.split("//")[1].split("/")[0] in response.content.decode()  # kept
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_an_event(client_for, owner, team):
    response = client_for(owner).post(
        reverse("team_webhooks", args=[team.pk]), {"url": "https://hooks.example.org/"}
    )
    assert response.status_code == 400
    assert "Choose at least one event." in response.content.decode()


def test_the_pages_show_only_the_newest_deliveries_in_few_queries(
    client_for, owner, team, campaign, django_assert_max_num_queries
):
    for n in range(3):
        endpoint = endpoint_for(team, f"https://hooks.example.org/{n}")
        hook = ChatHook.objects.create(
            campaign=campaign, service="slack", url=f"https://h.example/{n}", events=ALL
        )
        for i in range(15):
            for target in ({"endpoint": endpoint}, {"chat_hook": hook}):
                HookDelivery.objects.create(
                    **target, event_id=f"msg_{i}", event=HookEvent.TACTIC_MOVED
                )
    web = client_for(owner)
    web.get(reverse("team_webhooks", args=[team.pk]))
    with django_assert_max_num_queries(12):
        page = web.get(reverse("team_webhooks", args=[team.pk])).content.decode()
    assert page.count("msg_14") == 3 and "msg_4<" not in page
    with django_assert_max_num_queries(12):
        page = web.get(reverse("chat_hooks", args=[campaign.pk])).content.decode()
    assert page.count("msg_14") == 3 and "msg_4<" not in page


def test_members_cannot_see_the_webhooks_page(client_for, member, team):
    assert (
        client_for(member).get(reverse("team_webhooks", args=[team.pk])).status_code
        == 403
    )


def test_an_owner_resends_a_delivery_and_turns_an_endpoint_back_on(
    client_for, owner, team, server, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(team, server.url("/hook"))
    delivery = pending_delivery(endpoint)
    HookDelivery.objects.filter(pk=delivery.pk).update(status="gave_up")
    endpoint.disabled_at = endpoint.failing_since = timezone.now()
    endpoint.save()
    web = client_for(owner)
    page = web.get(reverse("team_webhooks", args=[team.pk])).content.decode()
    assert "Turned off" in page and "Turn it on again" in page
    web.post(reverse("webhook_enable", args=[team.pk, endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is None and endpoint.failing_since is None
    with django_capture_on_commit_callbacks(execute=True):
        web.post(reverse("webhook_resend", args=[team.pk, delivery.pk]))
    assert len(server.to("/hook")) == 1
    page = web.get(reverse("team_webhooks", args=[team.pk])).content.decode()
    assert "HTTP 204" in page and "Delivered" in page


def test_a_writer_connects_a_chat_channel_and_a_viewer_cannot(
    client_for, member, viewer, campaign
):
    url = reverse("chat_hooks", args=[campaign.pk])
    data = {
        "service": "teams",
        "url": "https://example.webhook.office.com/workflows/abc",
        "events": ["tactic.closed", "milestone.reached"],
    }
    assert client_for(viewer).post(url, data).status_code == 403
    assert client_for(viewer).get(url).status_code == 302
    assert client_for(member).post(url, data).status_code == 302
    hook = ChatHook.objects.get()
    assert (hook.service, hook.events) == (
        "teams",
        ["tactic.closed", "milestone.reached"],
    )
    page = client_for(member).get(url).content.decode()
    assert "Microsoft Teams" in page and "Nothing sent yet." in page
    edit = client_for(member).get(reverse("campaign_edit", args=[campaign.pk]))
    assert url in edit.content.decode()
    remove = reverse("chat_hook_remove", args=[campaign.pk, hook.pk])
    assert client_for(viewer).post(remove).status_code == 403
    assert client_for(member).post(remove).status_code == 302
    assert not ChatHook.objects.exists()


def test_export_never_holds_a_secret(client_for, owner, team, campaign):
    endpoint = endpoint_for(team, "https://hooks.example.org/in")
    ChatHook.objects.create(
        campaign=campaign,
        service=ChatService.SLACK,
        url="https://hooks.slack.com/services/T0/B0/SECRETPART",
        events=ALL,
    )
    text = (
        client_for(owner).get(reverse("team_export", args=[team.pk])).content.decode()
    )
    assert endpoint.secret not in text and "SECRETPART" not in text
    data = json.loads(text)
    assert data["webhook_endpoints"][0]["url"] == "https://hooks.example.org/in"
    assert data["chat_hooks"][0]["service"] == "slack"
