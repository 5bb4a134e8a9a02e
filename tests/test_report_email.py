"""Sending a progress report upward: chosen recipients get it once each, as
HTML and text with the PDF attached and a link to a read-only web copy that
works without an account until it expires or the team withdraws it."""

import datetime
import re

import pytest
from django.core import mail as outbox
from django.urls import reverse
from django.utils import timezone

from campaigns import report_mail
from campaigns.models import (
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    ReportLink,
    ReportStatus,
    Role,
)
from tests import factories as f


@pytest.fixture
def report(campaign, owner):
    from campaigns import reports

    start = timezone.localdate() - datetime.timedelta(days=14)
    return reports.create_report(campaign, start, timezone.localdate(), owner)


@pytest.fixture
def people(campaign):
    return [
        f.StakeholderFactory(
            campaign=campaign, name="Dana Okafor", email="dana@example.org"
        ),
        f.StakeholderFactory(
            campaign=campaign, name="Sam Reyes", email="sam@example.org"
        ),
        f.StakeholderFactory(campaign=campaign, name="No Address"),
    ]


def email_url(report):
    return reverse("report_email", args=[report.campaign_id, report.pk])


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Post the email form; the emails go when its transaction commits."""

    def post(client, report, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(email_url(report), data)

    return post


def link_in(message):
    return re.search(r"http://\S+/shared/reports/[^/\s]+/", message.body).group(0)


def test_a_report_goes_to_two_stakeholders_and_a_teammate_once_each(
    send, client_for, owner, member, report, people
):
    client = client_for(owner)
    response = send(
        client,
        report,
        stakeholders=[people[0].pk, people[1].pk],
        teammates=[member.pk],
        others="DANA@example.org",  # the same person again, typed
    )
    assert response.status_code == 302
    assert sorted(m.to[0].lower() for m in outbox.outbox) == sorted(
        ["dana@example.org", "sam@example.org", member.email.lower()]
    )
    message = outbox.outbox[0]
    assert report.title in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and report.title in html
    [(name, content, kind)] = message.attachments
    assert kind == "application/pdf" and content.startswith(b"%PDF")
    assert name.endswith(".pdf")
    assert "List-Unsubscribe" not in message.extra_headers
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.sent_by == owner
    deliveries = EmailDelivery.objects.filter(kind=EmailKind.REPORT)
    assert deliveries.count() == 3
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # Sending again to the same people sends nothing twice; a new one gets it.
    send(client, report, stakeholders=[people[0].pk], others="new@example.org")
    assert len(outbox.outbox) == 4 and outbox.outbox[-1].to == ["new@example.org"]
    # The report page says who got it.
    page = client.get(reverse("report_detail", args=[report.campaign_id, report.pk]))
    text = page.content.decode()
    for address in ("dana@example.org", "sam@example.org", "new@example.org"):
        assert address in text
    assert "Who it went to" in text


def test_the_link_opens_without_an_account_until_withdrawn(
    send, client, client_for, owner, report, people
):
    send(client_for(owner), report, stakeholders=[people[0].pk])
    url = link_in(outbox.outbox[0])
    path = url.split("127.0.0.1:8000", 1)[-1]
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert report.title in html and "shared with you" in html
    assert response["Referrer-Policy"] == "no-referrer"
    # Revalidated on every use, so a withdrawn link stops at once.
    assert "no-cache" in response["Cache-Control"]
    # Only this report: no links into the campaign for a reader without an account.
    assert f"/campaigns/{report.campaign_id}/" not in html
    link = ReportLink.objects.get()
    revoke = reverse(
        "report_link_revoke", args=[report.campaign_id, report.pk, link.pk]
    )
    assert client_for(owner).post(revoke).status_code == 302
    assert client.get(path).status_code == 404


def test_an_expired_or_forged_link_opens_nothing(
    send, client, client_for, owner, report, people
):
    send(client_for(owner), report, stakeholders=[people[0].pk])
    path = "/" + link_in(outbox.outbox[0]).split("/", 3)[3]
    ReportLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(path).status_code == 404
    ReportLink.objects.update(expires_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get(path).status_code == 200
    token = path.rstrip("/").rsplit("/", 1)[1]
    for bad in (token[:-2] + "xx", "1", "x" * 300, token.replace(":", "")):
        assert client.get(reverse("report_shared", args=[bad])).status_code == 404
    # A link names its own report only: another report's id cannot be signed.
    other = ReportLink.objects.create(
        report=report, expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert report_mail.open_link(report_mail.link_token(other)).report == report
    assert client.post(path).status_code == 405


def test_the_form_explains_what_is_wrong_and_keeps_what_was_typed(
    send, client_for, owner, report
):
    response = send(
        client_for(owner), report, others="dana@example.org, not-an-address"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not an email address: not-an-address." in html
    assert "dana@example.org, not-an-address" in html
    none = send(client_for(owner), report)
    assert "Choose at least one person to send it to." in none.content.decode()
    many = ", ".join(f"p{n}@example.org" for n in range(26))
    assert (
        "At most 25 people at once"
        in send(client_for(owner), report, others=many).content.decode()
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not outbox.outbox


def test_only_writers_send_and_other_teams_see_nothing(
    send, client_for, viewer, outsider, report, people
):
    assert send(client_for(viewer), report, others="a@example.org").status_code == 403
    assert client_for(viewer).get(email_url(report)).status_code == 302
    assert client_for(outsider).get(email_url(report)).status_code == 404
    assert send(client_for(outsider), report, others="a@example.org").status_code == 404
    assert not outbox.outbox
    # Another team's stakeholder cannot be picked.
    theirs = f.StakeholderFactory(email="theirs@example.org")
    owner = f.MembershipFactory(team=report.campaign.team, role=Role.OWNER).user
    response = send(client_for(owner), report, stakeholders=[theirs.pk])
    assert response.status_code == 400 and not outbox.outbox


def test_a_failed_address_is_shown_on_the_report(send, client_for, owner, report):
    report_mail.mark_sent(report.campaign, report, owner)
    EmailDelivery.objects.create(
        address="gone@example.org",
        kind=EmailKind.REPORT,
        key=report_mail.delivery_key(report),
        status=DeliveryStatus.FAILED,
        error="SMTPRecipientsRefused: 550 no such user",
    )
    page = client_for(owner).get(
        reverse("report_detail", args=[report.campaign_id, report.pk])
    )
    html = page.content.decode()
    assert "gone@example.org" in html and "Failed: send it again" in html
    assert "550 no such user" in html
    # Sending again takes the failed claim over, once.
    send(client_for(owner), report, others="gone@example.org")
    delivery = EmailDelivery.objects.get(address="gone@example.org")
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(outbox.outbox) == 1


def test_a_broker_outage_keeps_each_address_as_failed(
    send, client_for, owner, report, people, monkeypatch
):
    from advocacy import celery_app

    task = celery_app.tasks[report_mail.SEND_TASK]

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(task, "apply_async", down)
    response = send(client_for(owner), report, stakeholders=[people[0].pk])
    assert response.status_code == 302
    delivery = EmailDelivery.objects.get(kind=EmailKind.REPORT)
    assert delivery.status == DeliveryStatus.FAILED and "Not queued" in delivery.error


def test_mark_as_sent_stays_for_reports_sent_another_way(client_for, owner, report):
    url = reverse("report_send", args=[report.campaign_id, report.pk])
    assert client_for(owner).post(url).status_code == 302
    report.refresh_from_db()
    assert report.is_sent and not outbox.outbox


def test_a_stakeholder_has_an_optional_address(client_for, owner, campaign):
    url = reverse("stakeholder_create", args=[campaign.pk])
    data = {"name": "Lee", "power": 3, "interest": 3, "stance": 3}
    response = client_for(owner).post(url, {**data, "email": "nope"})
    assert "Enter a valid email address." in response.content.decode()
    client_for(owner).post(url, {**data, "email": "lee@example.org"})
    client_for(owner).post(url, {**data, "name": "Kim"})
    emails = dict(campaign.stakeholders.values_list("name", "email"))
    assert emails == {"Lee": "lee@example.org", "Kim": ""}


def test_private_tactics_reach_neither_the_email_nor_the_web_copy(
    send, client, client_for, owner, campaign, people
):
    from campaigns import reports
    from campaigns.models import TacticStatus

    end = timezone.localdate()
    for title, private in (("Quiet pilot with IT", True), ("Open lunch talk", False)):
        f.TacticFactory(
            campaign=campaign,
            title=title,
            status=TacticStatus.DONE,
            is_private=private,
            completed_at=timezone.now() - datetime.timedelta(days=1),
        )
    report = reports.create_report(
        campaign, end - datetime.timedelta(days=14), end, owner
    )
    send(client_for(owner), report, stakeholders=[people[0].pk])
    [message] = outbox.outbox
    path = "/" + link_in(message).split("/", 3)[3]
    page = client.get(path).content.decode()
    for text in (message.body, message.alternatives[0][0], page):
        assert "Open lunch talk" in text
        assert "Quiet pilot" not in text
