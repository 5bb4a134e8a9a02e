"""The weekly "what is being said" email to stakeholders who agreed to it:
signing up with consent, what each week's email holds, sending it once, and
the one-click unsubscribe."""

import datetime
import re

import pytest
from django.core import mail as outbox
from django.test import Client
from django.urls import reverse

from campaigns import listening_mail
from campaigns.models import (
    Activity,
    DeliveryStatus,
    EmailDelivery,
    Feed,
    FeedLabel,
    ListeningSubscription,
    Mention,
    MentionStatus,
)
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 08:00 UTC: after the default hour (7).
MONDAY = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def dana(campaign):
    return StakeholderFactory(campaign=campaign, name="Dana", email="dana@example.org")


@pytest.fixture
def listener(dana, owner):
    return listening_mail.sign_up(dana, "Said yes at the board meeting", owner)


def heard(campaign, title, found_at, label=FeedLabel.ORGANISATION, **fields):
    feed, _ = Feed.objects.get_or_create(
        campaign=campaign,
        url=f"https://alerts.example.org/{label}.rss",
        defaults={"label": label, "title": f"Alerts: {label}"},
    )
    return Mention.objects.create(
        feed=feed,
        campaign=campaign,
        guid=title,
        title=title,
        link=f"https://news.example.org/{len(title)}",
        found_at=found_at,
        **fields,
    )


# ---- signing up ------------------------------------------------------------------


def test_signing_up_records_who_agreed_how_and_who_recorded_it(
    client_for, owner, campaign, dana
):
    response = client_for(owner).post(
        reverse("listener_signup", args=[campaign.pk]),
        {"stakeholder": dana.pk, "consent": "Said yes on the phone", "agreed": "on"},
    )
    assert response.status_code == 302
    listener = ListeningSubscription.objects.get(stakeholder=dana)
    assert listener.consent == "Said yes on the phone"
    assert listener.recorded_by == owner and listener.is_active
    line = Activity.objects.get(verb=Activity.Verb.LISTENER_SIGNED_UP)
    assert "Dana" in line.summary and "Said yes on the phone" in line.summary
    page = client_for(owner).get(reverse("listening", args=[campaign.pk]))
    assert "Said yes on the phone" in page.content.decode()


def test_without_agreement_nothing_is_recorded_and_nothing_typed_is_lost(
    client_for, owner, campaign, dana
):
    response = client_for(owner).post(
        reverse("listener_signup", args=[campaign.pk]),
        {"stakeholder": dana.pk, "consent": "Probably fine"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sign someone up only once they have agreed to it." in html
    assert 'value="Probably fine"' in html
    assert not ListeningSubscription.objects.exists()


def test_only_the_campaigns_stakeholders_with_an_address_can_be_signed_up(
    client_for, owner, campaign, listener
):
    no_address = StakeholderFactory(campaign=campaign, email="")
    elsewhere = StakeholderFactory(email="elsewhere@example.org")
    for stakeholder in (no_address, elsewhere, listener.stakeholder):
        response = client_for(owner).post(
            reverse("listener_signup", args=[campaign.pk]),
            {"stakeholder": stakeholder.pk, "consent": "Yes", "agreed": "on"},
        )
        assert response.status_code == 400, stakeholder
    assert ListeningSubscription.objects.count() == 1


def test_a_viewer_sees_who_listens_but_cannot_sign_anyone_up(
    client_for, viewer, campaign, listener
):
    page = client_for(viewer).get(reverse("listening", args=[campaign.pk]))
    html = page.content.decode()
    assert "Dana" in html and "Sign them up" not in html and "Stop sending" not in html
    response = client_for(viewer).post(
        reverse("listener_stop", args=[campaign.pk, listener.pk])
    )
    assert response.status_code == 403
    listener.refresh_from_db()
    assert listener.is_active


def test_the_team_stops_it_and_signing_up_again_needs_new_consent(
    client_for, member, campaign, listener
):
    url = reverse("listener_stop", args=[campaign.pk, listener.pk])
    assert client_for(member).post(url).status_code == 302
    listener.refresh_from_db()
    assert not listener.is_active and not listener.ended_by_recipient
    # A second stop (another tab) changes nothing.
    client_for(member).post(url)
    assert Activity.objects.filter(verb=Activity.Verb.LISTENER_STOPPED).count() == 1
    page = client_for(member).get(reverse("listening", args=[campaign.pk]))
    assert "Stopped by the team" in page.content.decode()

    client_for(member).post(
        reverse("listener_signup", args=[campaign.pk]),
        {
            "stakeholder": listener.stakeholder.pk,
            "consent": "Asked again",
            "agreed": "1",
        },
    )
    listener.refresh_from_db()
    assert listener.is_active and listener.consent == "Asked again"
    assert listener.recorded_by == member


# ---- the weekly email -------------------------------------------------------------


def test_the_email_holds_the_weeks_mentions_by_label_but_not_the_dismissed(
    campaign, listener
):
    heard(campaign, "We won an award", MONDAY - 2 * DAY)
    heard(campaign, "Rival launches a blog", MONDAY - 6 * DAY, label=FeedLabel.RIVAL)
    heard(campaign, "Kept as evidence", MONDAY - DAY, status=MentionStatus.KEPT)
    heard(campaign, "Noise", MONDAY - DAY, status=MentionStatus.DISMISSED)
    heard(campaign, "Last month", MONDAY - 20 * DAY)
    heard(campaign, "After the email went", MONDAY + DAY)
    heard(StakeholderFactory().campaign, "Another campaign's", MONDAY - DAY)

    [email] = listening_mail.build_emails(MONDAY)
    assert email.to == "dana@example.org" and email.user_id is None
    assert email.subject == "What is being said: 3 new mentions this week"
    for body in (email.text, email.html):
        assert "We won an award" in body and "Rival launches a blog" in body
        assert "Kept as evidence" in body
        for absent in ("Noise", "Last month", "After the email", "Another campaign"):
            assert absent not in body
        assert email.unsubscribe_url in body
    assert email.text.index("About the organisation") < email.text.index("Rivals")
    assert "recorded by" in email.text


def test_it_goes_once_a_week_with_one_click_unsubscribe_headers(campaign, listener):
    heard(campaign, "We won an award", MONDAY - DAY)
    assert listening_mail.build_emails(MONDAY - datetime.timedelta(hours=2)) == []
    assert listening_mail.send_due(MONDAY) == 1
    # The hourly run goes on all week; the week's email has gone.
    assert listening_mail.send_due(MONDAY + datetime.timedelta(hours=1)) == 0
    assert listening_mail.send_due(MONDAY + 3 * DAY) == 0
    [message] = outbox.outbox
    assert message.to == ["dana@example.org"]
    header = message.extra_headers["List-Unsubscribe"]
    token = re.fullmatch(r"<https?://[^/]+/listening/unsubscribe/([^/]+)/>", header)
    assert listening_mail.subscription_of(token.group(1)) == listener
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    delivery = EmailDelivery.objects.get(kind="listening")
    assert delivery.address == "dana@example.org" and delivery.user is None
    assert delivery.status == DeliveryStatus.SENT
    # Next week is a new email.
    heard(campaign, "More news", MONDAY + 2 * DAY)
    assert listening_mail.send_due(MONDAY + 7 * DAY) == 1


def test_a_quiet_week_sends_nothing_and_is_not_looked_at_again(
    campaign, listener, django_assert_num_queries
):
    heard(campaign, "Two weeks ago", MONDAY - 10 * DAY)
    assert listening_mail.send_due(MONDAY) == 0
    assert EmailDelivery.objects.get().status == DeliveryStatus.SKIPPED
    # Later runs that week: the subscriptions and this week's claims, no more.
    with django_assert_num_queries(2):
        assert listening_mail.build_emails(MONDAY + DAY) == []
    assert outbox.outbox == []


def test_no_email_after_they_stop_or_lose_their_address(campaign, listener, owner):
    heard(campaign, "We won an award", MONDAY - DAY)
    other = listening_mail.sign_up(
        StakeholderFactory(campaign=campaign, email="sam@example.org"), "Yes", owner
    )
    listening_mail.stop(listener)
    type(other.stakeholder).objects.filter(pk=other.stakeholder.pk).update(email="")
    assert listening_mail.build_emails(MONDAY) == []


def test_a_failed_send_is_sent_by_the_next_run(campaign, listener, settings):
    heard(campaign, "We won an award", MONDAY - DAY)
    [email] = listening_mail.build_emails(MONDAY)
    EmailDelivery.objects.create(
        address=email.to,
        kind=email.kind,
        key=email.key,
        status=DeliveryStatus.FAILED,
        error="Connection refused",
    )
    assert listening_mail.send_due(MONDAY + datetime.timedelta(hours=1)) == 1
    assert EmailDelivery.objects.get().status == DeliveryStatus.SENT


def test_the_task_sends_them(campaign, listener):
    from campaigns import tasks

    heard(campaign, "We won an award", MONDAY - DAY)
    assert tasks.send_listening_emails.delay(MONDAY.isoformat()).get() == 1
    assert len(outbox.outbox) == 1


# ---- unsubscribing -----------------------------------------------------------------


def test_the_link_asks_first_then_unsubscribes_without_an_account(listener):
    url = reverse(
        "listening_unsubscribe", args=[listening_mail.unsubscribe_token(listener)]
    )
    page = Client().get(url)
    assert page.status_code == 200 and b"Unsubscribe?" in page.content
    listener.refresh_from_db()
    assert listener.is_active
    response = Client().post(url)
    assert b"You are unsubscribed" in response.content
    listener.refresh_from_db()
    assert not listener.is_active and listener.ended_by_recipient
    line = Activity.objects.get(verb=Activity.Verb.LISTENER_STOPPED)
    assert line.summary.startswith("Dana unsubscribed") and line.actor is None
    # The link keeps saying so.
    assert b"You are unsubscribed" in Client().get(url).content


def test_one_click_unsubscribe_needs_no_csrf_token(listener):
    url = reverse(
        "listening_unsubscribe", args=[listening_mail.unsubscribe_token(listener)]
    )
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    listener.refresh_from_db()
    assert not listener.is_active


def test_a_tampered_or_foreign_token_is_refused(listener):
    from django.core import signing

    token = listening_mail.unsubscribe_token(listener)
    other_salt = signing.dumps(listener.pk, salt="campaigns.report-link")
    for bad in (token[:-2] + "xx", other_salt, signing.dumps(10**9, salt="x")):
        url = reverse("listening_unsubscribe", args=[bad])
        response = Client().post(url)
        assert response.status_code == 400
    missing = signing.dumps(10**9, salt=listening_mail.UNSUBSCRIBE_SALT)
    url = reverse("listening_unsubscribe", args=[missing])
    assert Client().post(url).status_code == 400
    listener.refresh_from_db()
    assert listener.is_active


def test_a_teammates_unsubscribe_token_cannot_name_this_kind(member):
    """Teammates' unsubscribe links switch settings; a listening email is no
    setting of theirs, so such a token is refused rather than failing."""
    from campaigns import mail

    token = mail.unsubscribe_token(member.pk, "listening")
    assert Client().post(reverse("unsubscribe", args=[token])).status_code == 400
