"""Notifications under the bell: @mentions, assignments, tactics due
tomorrow and deciders' stance changes; each person's choice per kind (the
bell only, an email at once, the weekly digest); the bell's page and count."""

import datetime
import json

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import digests, notices, reminders
from campaigns.models import (
    EmailDelivery,
    EmailKind,
    NoticeDelivery,
    NoticeKind,
    Notification,
    NotificationPreference,
    Role,
    Stance,
    TacticComment,
)
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    StakeholderFactory,
    TacticFactory,
    UserFactory,
)
from tests.queries import count_queries
from tests.versions import version_of


def writer(team, email, name, role=Role.MEMBER):
    user = UserFactory(email=email, name=name)
    MembershipFactory(team=team, user=user, role=role)
    return user


def choose(user, **choices):
    NotificationPreference.objects.update_or_create(user=user, defaults=choices)


@pytest.fixture
def dana(team):
    return writer(team, "dana.fox@example.org", "Dana Fox")


@pytest.fixture
def tactic(campaign, owner):
    return TacticFactory(campaign=campaign, title="Lunch and learn", assignee=owner)


def comment(web, campaign, tactic, body):
    url = reverse("tactic_comment", args=[campaign.pk, tactic.pk])
    return web.post(url, {"body": body})


# ---- reading @mentions ------------------------------------------------------


def test_mention_names_are_handles_or_addresses_not_emails_in_text():
    text = "Thanks @Dana.Fox, and @sam. Write to lee@example.org or @kim@example.com!"
    assert notices.mention_names(text) == {"dana.fox", "sam", "kim@example.com"}
    assert notices.mention_names("no one here") == set()
    assert notices.mention_names("@") == set()


def test_only_the_teams_writers_are_mentioned_never_the_author(
    team, owner, dana, viewer, outsider, django_assert_num_queries
):
    sam = writer(team, "sam@a.example", "Sam Reyes")
    sam_too = writer(team, "sam@b.example", "Sam Okafor")
    text = (
        f"@dana.fox @dana @{viewer.email.split('@')[0]} "
        f"@{outsider.email.split('@')[0]} @{owner.email.split('@')[0]} "
        "@sam @sam@b.example"
    )
    found = notices.mentioned(text, team.pk, author=owner)
    # Dana by handle and first name (once); the second Sam by address; the
    # shared "sam" handle names nobody; viewers, outsiders and the author never.
    assert {u.pk for u in found} == {dana.pk, sam_too.pk}
    assert sam.pk not in {u.pk for u in found}
    with django_assert_num_queries(0):
        assert notices.mentioned("nothing to see", team.pk) == []


def test_a_shared_first_name_mentions_nobody(team, dana):
    writer(team, "dana.k@example.org", "Dana Kim")
    assert notices.mentioned("@Dana", team.pk) == []
    assert [u.pk for u in notices.mentioned("@dana.k.", team.pk)] != []


def test_handles_fall_back_to_the_address_when_shared(team, owner):
    a = writer(team, "jo@one.example", "Jo One")
    b = writer(team, "jo@two.example", "Jo Two")
    handles = {user.pk: handle for handle, user in notices.handles([a, b])}
    assert handles == {a.pk: "jo@one.example", b.pk: "jo@two.example"}


# ---- a mention in a comment -------------------------------------------------


def test_a_mention_in_a_comment_reaches_the_bell_and_email_once(
    client_for, campaign, tactic, owner, dana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = comment(client_for(owner), campaign, tactic, "Over to @dana.fox")
    assert response.status_code == 302
    [notice] = Notification.objects.all()
    assert (notice.user, notice.kind, notice.actor) == (dana, "mention", owner)
    assert "Over to @dana.fox" in notice.text and notice.tactic == tactic
    [email] = django_mail.outbox
    assert email.to == [dana.email]
    assert "mentioned you" in email.subject
    assert f"/notifications/open/?n={notice.pk}" in email.body
    delivery = EmailDelivery.objects.get()
    assert (delivery.kind, delivery.key) == (EmailKind.MENTIONED, f"notice:{notice.pk}")
    # A retried task or scan sends nothing more.
    assert notices.send_email(notice.pk) == 0
    assert len(django_mail.outbox) == 1
    # The same event again makes no second notification.
    made = notices.comment_mentions(TacticComment.objects.get(), tactic, owner)
    assert made == [] and Notification.objects.count() == 1

    page = client_for(dana).get(reverse("campaign_list"))
    assert 'aria-label="Notifications, 1 unread"' in page.text


def test_in_the_app_only_sends_no_email(
    client_for, campaign, tactic, owner, dana, django_capture_on_commit_callbacks
):
    choose(dana, mention_delivery=NoticeDelivery.APP)
    with django_capture_on_commit_callbacks(execute=True):
        comment(client_for(owner), campaign, tactic, "@Dana what do you think?")
    assert Notification.objects.filter(user=dana).count() == 1
    assert django_mail.outbox == []


def test_digest_only_waits_for_the_weekly_digest(
    client_for, campaign, tactic, owner, dana, django_capture_on_commit_callbacks
):
    choose(dana, mention_delivery=NoticeDelivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        comment(client_for(owner), campaign, tactic, "@dana.fox can you call them?")
    assert django_mail.outbox == []
    [digest] = digests.build_digests([dana.pk], timezone.now())
    [line] = digest.notices
    assert "can you call them?" in line.title
    assert "notification for you" in digests.subject_of(digest)
    email = digests.render(digest)
    assert "For you" in email.html and "can you call them?" in email.text
    # Read under the bell first: not repeated in the digest.
    notices.mark_read(dana)
    [digest] = digests.build_digests([dana.pk], timezone.now())
    assert digest.notices == []


def test_the_digests_notices_cost_one_query_for_any_number_of_people(
    team, campaign, owner
):
    now = timezone.now()

    def count(n):
        people = [writer(team, f"p{n}-{i}@example.org", f"P {i}") for i in range(n)]
        for person in people:
            choose(person, mention_delivery=NoticeDelivery.DIGEST)
            notices.notify([person], NoticeKind.MENTION, "k", campaign, "Hello")
        ids = [p.pk for p in people]
        with CaptureQueriesContext(connection) as ctx:
            built = digests.build_digests(ids, now)
        assert all(d.notices for d in built)
        return len(ctx.captured_queries)

    assert count(2) == count(20) == 8


def test_a_mention_in_an_outcome_tells_the_newly_mentioned_once(
    client_for, campaign, tactic, owner, dana, django_capture_on_commit_callbacks
):
    url = reverse("tactic_outcome", args=[campaign.pk, tactic.pk])
    web = client_for(owner)
    outcome = "The CFO asked for numbers; @dana.fox has them."
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            web.post(
                url, {"outcome": outcome, "version": version_of(tactic)}
            ).status_code
            == 302
        )
    [notice] = Notification.objects.all()
    assert (notice.user, notice.kind) == (dana, NoticeKind.MENTION)
    assert "outcome" in notice.text
    web.post(url, {"outcome": outcome + " Soon.", "version": version_of(tactic)})
    assert Notification.objects.count() == 1
    assert len(django_mail.outbox) == 1


# ---- assignment, due tomorrow, deciders --------------------------------------


def test_assignment_is_under_the_bell_and_emailed_as_chosen(
    client_for, campaign, owner, dana, django_capture_on_commit_callbacks
):
    first = TacticFactory(campaign=campaign, title="Pilot")
    second = TacticFactory(campaign=campaign, title="Survey")
    web = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        web.post(
            reverse("tactic_detail", args=[campaign.pk, first.pk]),
            {"title": "Pilot", "assignee": dana.pk, "version": version_of(first)},
        )
    assert Notification.objects.filter(user=dana, kind="assigned").count() == 1
    assert [m.to for m in django_mail.outbox] == [[dana.email]]
    choose(dana, assigned_delivery=NoticeDelivery.APP)
    with django_capture_on_commit_callbacks(execute=True):
        web.post(
            reverse("tactic_detail", args=[campaign.pk, second.pk]),
            {"title": "Survey", "assignee": dana.pk, "version": version_of(second)},
        )
    assert Notification.objects.filter(user=dana, kind="assigned").count() == 2
    assert len(django_mail.outbox) == 1  # no second email, as chosen


def test_due_tomorrow_is_under_the_bell_once_keyed_like_the_reminder(campaign, dana):
    now = timezone.now().replace(hour=12)
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    tactic = TacticFactory(campaign=campaign, assignee=dana, due_on=tomorrow)
    choose(dana, due_soon_delivery=NoticeDelivery.APP, time_zone="UTC", digest_hour=0)
    reminders.send_due_reminders(now)
    reminders.send_due_reminders(now)
    [notice] = Notification.objects.all()
    assert (notice.kind, notice.key) == (
        NoticeKind.DUE_SOON,
        f"tactic:{tactic.pk}:{tomorrow.isoformat()}",
    )
    # The bell only, as chosen (the lead's report reminder aside).
    assert not [m for m in django_mail.outbox if m.to == [dana.email]]
    # A dry run of the reminders makes none.
    Notification.objects.all().delete()
    reminders.scan(now)
    assert not Notification.objects.exists()


def test_a_deciders_move_tells_the_lead_and_those_with_tactics(
    client_for, team, campaign, owner, dana, member
):
    decider = StakeholderFactory(campaign=campaign, is_decider=True, name="The CFO")
    other = StakeholderFactory(campaign=campaign, is_decider=False)
    TacticFactory(campaign=campaign, assignee=dana)
    web = client_for(member)
    for stakeholder in (decider, other):
        response = web.post(
            reverse("stance_change", args=[campaign.pk, stakeholder.pk]),
            {"to_stance": Stance.CURIOUS, "reason": "Liked the pilot."},
        )
        assert response.status_code == 302
    notified = Notification.objects.filter(kind=NoticeKind.DECIDER_MOVED)
    assert {n.user_id for n in notified} == {owner.pk, dana.pk}
    assert all("The CFO" in n.text and "curious" in n.text for n in notified)
    assert all(n.stakeholder == decider for n in notified)


# ---- the bell's page ------------------------------------------------------------


@pytest.fixture
def mentioned(campaign, tactic, owner, dana):
    made = []
    for i in range(3):
        made += notices.notify(
            [dana],
            NoticeKind.MENTION,
            f"comment:test-{i}",
            campaign,
            f"Mention number {i}",
            actor=owner,
            tactic=tactic,
        )
    return made


def test_the_list_is_newest_first_and_opening_one_marks_it_read(
    client_for, dana, campaign, tactic, mentioned
):
    web = client_for(dana)
    page = web.get(reverse("notice_list"))
    assert page.status_code == 200
    text = page.text
    assert text.index("Mention number 2") < text.index("Mention number 0")
    assert 'aria-label="Notifications, 3 unread"' in text
    response = web.get(reverse("notice_open"), {"n": mentioned[0].pk})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "tactic_detail", args=[campaign.pk, tactic.pk]
    )
    mentioned[0].refresh_from_db()
    assert mentioned[0].read_at is not None
    assert (
        'aria-label="Notifications, 2 unread"' in web.get(reverse("notice_list")).text
    )


def test_mark_one_and_all_read_without_and_with_htmx(client_for, dana, mentioned):
    web = client_for(dana)
    one = web.post(reverse("notice_read"), {"notice": mentioned[1].pk, "page": "1"})
    assert one.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    partial = web.post(
        reverse("notice_read"), {"notice": mentioned[2].pk}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'id="bell"' in partial.text and 'hx-swap-oob="true"' in partial.text
    assert 'aria-label="Notifications, 1 unread"' in partial.text
    assert web.post(reverse("notice_read_all")).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert web.post(reverse("notice_read"), {}).status_code == 400


def test_another_persons_notifications_are_not_found(
    client_for, owner, outsider, dana, mentioned
):
    for user in (owner, outsider):
        web = client_for(user)
        pk = mentioned[0].pk
        assert web.get(reverse("notice_open"), {"n": pk}).status_code == 404
        assert web.post(reverse("notice_read"), {"notice": pk}).status_code == 404
        for odd in ("x", "-1", "0", str(2**64)):
            assert web.get(reverse("notice_open"), {"n": odd}).status_code == 404
        web.post(reverse("notice_read_all"))
        assert "Mention number" not in web.get(reverse("notice_list")).text
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_leaving_the_team_hides_its_notifications(client_for, team, dana, mentioned):
    dana.memberships.filter(team=team).delete()
    web = client_for(dana)
    assert "Mention number" not in web.get(reverse("notice_list")).text
    assert web.get(reverse("notice_open"), {"n": mentioned[0].pk}).status_code == 404
    assert notices.unread_count(dana) == 0


def test_the_list_is_paginated(client_for, campaign, dana):
    for i in range(30):
        notices.notify([dana], NoticeKind.MENTION, f"k{i}", campaign, f"Item {i:02d}")
    web = client_for(dana)
    first = web.get(reverse("notice_list")).text
    assert first.count('class="notice ') == 25
    second = web.get(reverse("notice_list"), {"page": "2"}).text
    assert second.count('class="notice ') == 5
    assert web.get(reverse("notice_list"), {"page": "999"}).status_code == 200
    assert web.get(reverse("notice_list"), {"page": "x"}).status_code == 200


def test_the_bell_costs_one_query_however_many_there_are(client, campaign, dana):
    client.force_login(dana)
    url = reverse("campaign_list")
    none = count_queries(client, url)
    for i in range(150):
        notices.notify([dana], NoticeKind.MENTION, f"k{i}", campaign, "Hello")
    many = count_queries(client, url)
    assert many == none
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    bell = [q for q in ctx.captured_queries if "campaigns_notification" in q["sql"]]
    assert len(bell) == 1 and "LIMIT 100" in bell[0]["sql"]
    assert 'aria-label="Notifications, 99+ unread"' in client.get(url).text


def test_the_board_poll_carries_the_unread_count(
    client_for, campaign, dana, django_assert_max_num_queries
):
    web = client_for(dana)
    url = reverse("board_version", args=[campaign.pk])
    campaign.refresh_from_db()
    v = str(campaign.board_version)
    first = web.get(url, {"v": v})
    assert first.status_code == 204 and first["X-Unread-Notices"] == "0"
    with django_assert_max_num_queries(5):
        web.get(url, {"v": v})
    notices.notify([dana], NoticeKind.MENTION, "k", campaign, "Hello")
    second = web.get(url, {"v": v}, headers={"If-None-Match": first["ETag"]})
    # The count is in the ETag: a new count is never answered "not modified".
    assert second.status_code == 204 and second["X-Unread-Notices"] == "1"


def test_the_writers_to_mention_are_the_teams_writers(
    client_for, team, campaign, owner, dana, viewer, outsider
):
    url = reverse("campaign_writers", args=[campaign.pk])
    response = client_for(owner).get(url)
    assert response.status_code == 200
    people = json.loads(response.content)["writers"]
    assert {"handle": "dana.fox", "name": "Dana Fox"} in people
    handles = {p["handle"] for p in people}
    assert viewer.email.split("@")[0] not in handles
    assert owner.email.split("@")[0] not in handles  # not oneself
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(owner).post(url).status_code == 405
    assert client_for(viewer).get(url).status_code == 200


def test_the_comment_box_says_how_to_mention(client_for, campaign, tactic, owner):
    page = client_for(owner).get(
        reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    )
    assert "data-mentions" in page.text
    assert reverse("campaign_writers", args=[campaign.pk]) in page.text
    assert "@dana.fox" in page.text  # the help text's example


def test_choices_are_saved_and_the_unsubscribe_link_keeps_the_bell(
    client_for, campaign, tactic, owner, dana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment(client_for(owner), campaign, tactic, "@dana.fox look")
    [message] = django_mail.outbox
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    response = Client(enforce_csrf_checks=True).post(
        link.removeprefix(settings.SITE_URL),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    preference = NotificationPreference.objects.get(user=dana)
    assert preference.mention_delivery == NoticeDelivery.APP
    page = client_for(dana).get(reverse("notification_preferences"))
    assert "Someone mentions me" in page.text or "someone mentions me" in page.text


def test_another_teams_campaign_is_never_a_source(team, owner):
    elsewhere = CampaignFactory()
    stranger = writer(elsewhere.team, "zed@example.org", "Zed Stranger")
    assert notices.mentioned("@zed", team.pk, author=owner) == []
    assert stranger.pk
