"""Calendar feeds: a person's private .ics address and a campaign's for its
lead, read back with the icalendar library the way a calendar app reads
them, event by event."""

import datetime
import re

import pytest
from django.urls import resolve, reverse
from django.utils import timezone
from icalendar import Calendar

from campaigns import calendar_feed, recurring
from campaigns.forms.board import TacticForm
from campaigns.models import (
    CalendarFeed,
    CampaignStatus,
    Membership,
    Role,
    Tactic,
    TacticStatus,
)
from tests import factories as f
from tests.queries import count_queries

D = datetime.date
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


def feed_path(feed):
    return reverse("calendar_feed", args=[feed.token])


def fetch(client, feed):
    """The feed as a calendar app gets it: the parsed calendar, and its
    events by UID (each UID once)."""
    response = client.get(feed_path(feed))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    uids = [str(event["UID"]) for event in calendar.events]
    assert len(uids) == len(set(uids)), uids
    return calendar, {str(event["UID"]): event for event in calendar.events}


def check_rfc5545(raw, calendar):
    """What every feed must be, whatever is in it (RFC 5545, 3.1 and 3.6)."""
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == calendar_feed.PRODID
    assert str(calendar["X-WR-CALNAME"]).startswith("Advocacy: ")
    for event in calendar.events:
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL"):
            assert required in event, (required, event)
        start, end = event.start, event.end
        # All-day events: dates, not times, one day long.
        assert type(start) is D and type(end) is D, (start, end)
        assert end == start + DAY
        assert event.DTSTAMP.tzinfo is not None
        assert str(event["TRANSP"]) == "TRANSPARENT"
        url = str(event["URL"])
        assert url.startswith("http"), url
        resolve(re.sub(r"^https?://[^/]+", "", url))  # a page of the app


def read(client, feed):
    raw = client.get(feed_path(feed)).content
    calendar, events = fetch(client, feed)
    check_rfc5545(raw, calendar)
    return events


def uid(kind, pk):
    return f"{kind}-{pk}@{calendar_feed.UID_DOMAIN}"


def edit_data(tactic, **changes):
    """What the card's form sends as loaded, with `changes` typed in."""
    form = TacticForm(instance=tactic, campaign=tactic.campaign)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None and value is not False:
            data[name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def today():
    return timezone.localdate()


# ---- a person's own feed -----------------------------------------------------


def test_my_feed_has_my_tactics_milestones_and_reports_due(
    client, owner, member, campaign, today
):
    mine = f.TacticFactory(
        campaign=campaign,
        title="Lunch with the board chair",
        assignee=owner,
        status=TacticStatus.PLANNED,
        due_on=today + 3 * DAY,
        description="Bring the pilot's numbers.\n\nAnd the rival's blog.",
    )
    done = f.TacticFactory(
        campaign=campaign,
        assignee=owner,
        status=TacticStatus.DONE,
        due_on=today - 5 * DAY,
    )
    f.TacticFactory(campaign=campaign, assignee=owner)  # no due date
    f.TacticFactory(campaign=campaign, assignee=member, due_on=today)  # not mine
    milestone = f.MilestoneFactory(
        campaign=campaign, title="40 staff", due_on=today + 30 * DAY
    )
    f.MilestoneFactory(campaign=campaign)  # no due date
    f.MilestoneFactory(
        campaign=f.CampaignFactory(team=campaign.team, status=CampaignStatus.WON),
        due_on=today,
    )  # a campaign that is over
    feed = calendar_feed.personal_feed(owner)
    events = read(client, feed)

    report = uid("campaign-report", campaign.pk)
    assert set(events) == {
        uid("tactic", mine.pk),
        uid("tactic", done.pk),
        uid("milestone", milestone.pk),
        report,
    }
    event = events[uid("tactic", mine.pk)]
    assert event.start == mine.due_on
    assert str(event["SUMMARY"]) == f"Lunch with the board chair ({campaign.name})"
    assert str(event["DESCRIPTION"]).startswith(f"Planned · {campaign.name} · ")
    assert "Bring the pilot's numbers." in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(
        reverse("tactic_detail", args=[campaign.pk, mine.pk])
    )
    assert event["SEQUENCE"] == mine.version
    assert "RRULE" not in event
    assert events[uid("tactic", done.pk)].start == done.due_on
    assert str(events[uid("tactic", done.pk)]["DESCRIPTION"]).startswith("Done · ")
    assert events[uid("milestone", milestone.pk)].start == milestone.due_on
    assert str(events[uid("milestone", milestone.pk)]["SUMMARY"]).startswith(
        "Milestone: 40 staff"
    )
    assert events[report].start == campaign.report_due_on
    assert events[report]["SEQUENCE"] == campaign.version

    # A teammate who does not lead it: the milestone, no report due.
    events = read(client, calendar_feed.personal_feed(member))
    assert report not in events
    assert uid("milestone", milestone.pk) in events


def test_uids_are_stable_and_an_edit_raises_the_sequence(
    client, client_for, owner, campaign, today
):
    tactic = f.TacticFactory(
        campaign=campaign, assignee=owner, status="planned", due_on=today
    )
    f.MilestoneFactory(campaign=campaign, due_on=today + WEEK)
    feed = calendar_feed.personal_feed(owner)
    first, second = read(client, feed), read(client, feed)
    assert set(first) == set(second)
    for key, event in first.items():
        assert second[key].start == event.start
        assert second[key]["SEQUENCE"] == event["SEQUENCE"]

    # Moved to another day on its card: the same event, a later version.
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    moved = today + 2 * WEEK
    response = client_for(owner).post(url, edit_data(tactic, due_on=moved))
    assert response.status_code == 302
    tactic.refresh_from_db()
    assert tactic.version == 2
    third = read(client, feed)
    assert set(third) == set(first)
    event = third[uid("tactic", tactic.pk)]
    assert event.start == moved
    assert (
        event["SEQUENCE"]
        == tactic.version
        > first[uid("tactic", tactic.pk)]["SEQUENCE"]
    )


def test_a_repeating_tactic_is_one_recurring_event_for_its_series(
    client, client_for, member, campaign, today
):
    session = f.TacticFactory(
        campaign=campaign,
        title="Lunch-and-learn",
        status=TacticStatus.IN_PROGRESS,
        assignee=member,
        due_on=today,
        repeat=recurring.WEEKLY,
    )
    feed = calendar_feed.personal_feed(member)
    events = read(client, feed)
    assert list(events) == [uid("tactic-series", session.pk)]
    event = events[uid("tactic-series", session.pk)]
    assert event.start == today
    assert [rule.to_ical() for rule in event.rrules] == [b"FREQ=WEEKLY"]

    # Closed on the board twice: each closed session is a day of its own,
    # and the series goes on from the open one, under the same UID.
    board = client_for(member)
    for _ in range(2):
        open_one = Tactic.objects.exclude(status=TacticStatus.DONE).get(
            campaign=campaign
        )
        url = reverse("tactic_move", args=[campaign.pk, open_one.pk])
        board.post(url, {"status": TacticStatus.DONE, "position": 0})
    second = Tactic.objects.get(follows=session)
    third = Tactic.objects.get(follows=second)
    assert third.status == TacticStatus.PLANNED and third.due_on == today + 2 * WEEK
    events = read(client, feed)
    assert set(events) == {
        uid("tactic", session.pk),
        uid("tactic", second.pk),
        uid("tactic-series", session.pk),
    }
    assert uid("tactic", third.pk) not in events  # not a second time
    series = events[uid("tactic-series", session.pk)]
    assert series.start == third.due_on
    assert series["SEQUENCE"] == third.version
    assert [rule.to_ical() for rule in series.rrules] == [b"FREQ=WEEKLY"]
    assert series["URL"].endswith(f"/tactics/{third.pk}/")
    for closed in (session, second):
        event = events[uid("tactic", closed.pk)]
        assert event.start == closed.due_on
        assert "RRULE" not in event

    # Stopped: the open one is an ordinary day, the recurring event is gone.
    recurring.stop_series(third, member)
    events = read(client, feed)
    assert uid("tactic-series", session.pk) not in events
    assert "RRULE" not in events[uid("tactic", third.pk)]


@pytest.mark.parametrize(
    "rule, expected",
    [
        (recurring.FORTNIGHTLY, {"FREQ": ["WEEKLY"], "INTERVAL": [2]}),
        (recurring.MONTHLY, {"FREQ": ["MONTHLY"]}),
        ("FREQ=WEEKLY;BYDAY=TU,TH", {"FREQ": ["WEEKLY"], "BYDAY": ["TU", "TH"]}),
    ],
)
def test_each_rule_reaches_the_calendar_as_written(
    client, member, campaign, rule, expected
):
    tactic = f.TacticFactory(
        campaign=campaign, assignee=member, due_on=D(2026, 12, 1), repeat=rule
    )
    events = read(client, calendar_feed.personal_feed(member))
    event = events[uid("tactic-series", tactic.pk)]
    assert event.start == D(2026, 12, 1)
    assert [dict(r) for r in event.rrules] == [expected]


def test_a_counted_series_ends_where_it_would_have(client, member, campaign):
    """COUNT counts from the series' first date; the event starts at the
    open occurrence, so the feed names the last date instead."""
    first = f.TacticFactory(
        campaign=campaign,
        assignee=member,
        status=TacticStatus.DONE,
        due_on=D(2026, 12, 1),
        repeat="FREQ=WEEKLY;COUNT=4",
    )
    now = f.TacticFactory(
        campaign=campaign,
        assignee=member,
        status=TacticStatus.PLANNED,
        due_on=D(2026, 12, 8),
        repeat="FREQ=WEEKLY;COUNT=4",
        series=first,
        follows=first,
    )
    events = read(client, calendar_feed.personal_feed(member))
    series = events[uid("tactic-series", first.pk)]
    assert series.start == now.due_on
    assert [dict(r) for r in series.rrules] == [
        {"FREQ": ["WEEKLY"], "UNTIL": [D(2026, 12, 22)]}
    ]


def test_a_viewer_never_gets_private_tactics(client, campaign, viewer, member):
    # Assigned while a member, say, and then made a viewer.
    quiet = f.TacticFactory(
        campaign=campaign, assignee=viewer, is_private=True, due_on=D(2026, 12, 1)
    )
    open_ = f.TacticFactory(campaign=campaign, assignee=viewer, due_on=D(2026, 12, 2))
    events = read(client, calendar_feed.personal_feed(viewer))
    assert uid("tactic", quiet.pk) not in events
    assert uid("tactic", open_.pk) in events
    # A member's own quiet tactic is theirs to see.
    theirs = f.TacticFactory(
        campaign=campaign, assignee=member, is_private=True, due_on=D(2026, 12, 3)
    )
    assert uid("tactic", theirs.pk) in read(client, calendar_feed.personal_feed(member))


def test_nothing_from_a_team_the_person_left(client, client_for, owner, campaign):
    elsewhere = f.MembershipFactory(role=Role.OWNER)
    left = f.CampaignFactory(team=elsewhere.team, lead=owner, name="Left behind")
    person = f.MembershipFactory(team=elsewhere.team, user=owner, role=Role.MEMBER)
    tactic = f.TacticFactory(campaign=left, assignee=owner, due_on=D(2026, 12, 1))
    milestone = f.MilestoneFactory(campaign=left, due_on=D(2026, 12, 2))
    kept = f.TacticFactory(campaign=campaign, assignee=owner, due_on=D(2026, 12, 3))
    feed = calendar_feed.personal_feed(owner)
    events = read(client, feed)
    assert {uid("tactic", tactic.pk), uid("milestone", milestone.pk)} <= set(events)
    assert uid("campaign-report", left.pk) in events
    client_for(owner).post(reverse("campaign_calendar", args=[left.pk]))
    left_feed = calendar_feed.campaign_feed(owner, left)
    assert client.get(feed_path(left_feed)).status_code == 200

    # Removed from the team by its owner.
    remove = reverse("member_remove", args=[elsewhere.team_id, person.pk])
    assert client_for(elsewhere.user).post(remove).status_code == 302
    assert not Membership.objects.filter(pk=person.pk).exists()
    response = client.get(feed_path(feed))
    assert b"Left behind" not in response.content
    events = read(client, feed)
    assert set(events) == {
        uid("tactic", kept.pk),
        uid("campaign-report", campaign.pk),
    }
    # Still named the lead or not, the campaign's calendar is closed to them.
    assert client.get(feed_path(left_feed)).status_code == 404


def test_a_new_address_revokes_the_old_one(client, client_for, member):
    web = client_for(member)
    page = web.get(reverse("notification_preferences"))
    old = calendar_feed.personal_feed(member)
    assert calendar_feed.feed_url(old) in page.text
    assert f'href="{calendar_feed.webcal_url(old)}"' in page.text
    # Showing it again shows the same address.
    assert web.get(reverse("notification_preferences")).text.count(old.token) == 2
    response = web.post(reverse("calendar_reset"))
    assert response.status_code == 302
    assert response["Location"] == reverse("notification_preferences") + "#calendar"
    new = CalendarFeed.objects.get(user=member, campaign=None)
    assert new.token != old.token
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    page = web.get(response["Location"])
    assert calendar_feed.feed_url(new) in page.text
    assert old.token not in page.text
    assert "The old one no longer works" in page.text
    # Said once, beside the address.
    again = web.get(reverse("notification_preferences")).text
    assert "The old one no longer works" not in again
    # Opened as a page, the reset URL is the page with its button.
    opened = web.get(reverse("calendar_reset"))
    assert opened.status_code == 302
    assert CalendarFeed.objects.get(user=member, campaign=None).token == new.token


# ---- a campaign's feed, for its lead -----------------------------------------


def test_the_campaign_calendar_is_the_leads(
    client, client_for, owner, member, viewer, outsider, campaign
):
    url = reverse("campaign_calendar", args=[campaign.pk])
    edit = reverse("campaign_edit", args=[campaign.pk])
    lead = client_for(owner)
    page = lead.get(edit)
    assert "Campaign calendar" in page.text
    assert 'action="' + url + '"' in page.text
    assert client_for(member).get(edit).text.count("Campaign calendar") == 0
    assert client_for(member).post(url).status_code == 403
    assert client_for(viewer).post(url).status_code == 403
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert not CalendarFeed.objects.exists()

    response = lead.post(url)
    assert response.status_code == 302
    assert response["Location"] == edit + "#calendar"
    feed = CalendarFeed.objects.get(user=owner, campaign=campaign)
    page = lead.get(edit).text
    assert calendar_feed.feed_url(feed) in page
    assert "The campaign calendar is ready" in page
    quiet = f.TacticFactory(
        campaign=campaign,
        assignee=member,
        is_private=True,
        status=TacticStatus.DIDNT_WORK,
        due_on=D(2026, 11, 2),
    )
    someone = f.TacticFactory(campaign=campaign, assignee=member, due_on=D(2026, 11, 3))
    nobody = f.TacticFactory(campaign=campaign, due_on=D(2026, 11, 4))
    f.TacticFactory(campaign=campaign)  # no due date
    milestone = f.MilestoneFactory(campaign=campaign, due_on=D(2026, 12, 1))
    other = f.TacticFactory(assignee=owner, due_on=D(2026, 11, 5))  # elsewhere
    events = read(client, feed)
    assert set(events) == {
        uid("tactic", quiet.pk),
        uid("tactic", someone.pk),
        uid("tactic", nobody.pk),
        uid("milestone", milestone.pk),
        uid("campaign-report", campaign.pk),
    }
    assert uid("tactic", other.pk) not in events
    assert str(events[uid("tactic", someone.pk)]["SUMMARY"]) == someone.title

    # A new address: the old one stops working.
    lead.post(url)
    renewed = CalendarFeed.objects.get(user=owner, campaign=campaign)
    assert renewed.token != feed.token
    assert client.get(feed_path(feed)).status_code == 404
    assert client.get(feed_path(renewed)).status_code == 200

    # Someone else leads it now: the address stops working.
    campaign.lead = member
    campaign.save()
    assert client.get(feed_path(renewed)).status_code == 404


def test_a_lead_who_only_views_gets_no_private_tactics(client, viewer, campaign):
    campaign.lead = viewer
    campaign.save()
    quiet = f.TacticFactory(campaign=campaign, is_private=True, due_on=D(2026, 1, 1))
    shown = f.TacticFactory(campaign=campaign, due_on=D(2026, 1, 2))
    feed = calendar_feed.reset(viewer, campaign)
    events = read(client, feed)
    assert uid("tactic", quiet.pk) not in events
    assert uid("tactic", shown.pk) in events


# ---- the address itself ------------------------------------------------------


def test_an_unknown_address_is_not_found_and_only_get_is_answered(client, member):
    assert client.get("/calendar/nothing-here.ics").status_code == 404
    assert client.get(reverse("calendar_feed", args=["x" * 5000])).status_code == 404
    feed = calendar_feed.personal_feed(member)
    url = feed_path(feed)
    response = client.get(url)
    cache = {p.strip() for p in response["Cache-Control"].split(",")}
    assert "private" in cache and "max-age=300" in cache
    assert client.head(url).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 405, method
    member.is_active = False
    member.save()
    assert client.get(url).status_code == 404


def test_a_personal_feed_is_made_once(member):
    first = calendar_feed.personal_feed(member)
    assert calendar_feed.personal_feed(member) == first
    assert len(first.token) >= 40
    assert CalendarFeed.objects.filter(user=member).count() == 1


def _grow(campaign, user, n):
    for i in range(n):
        f.TacticFactory(campaign=campaign, assignee=user, due_on=D(2026, 12, 1 + i))
        f.TacticFactory(
            campaign=campaign,
            assignee=user,
            status=TacticStatus.PLANNED,
            due_on=D(2026, 12, 1 + i),
            repeat=recurring.WEEKLY,
            series=f.TacticFactory(
                campaign=campaign,
                assignee=user,
                status=TacticStatus.DONE,
                due_on=D(2026, 11, 1 + i),
            ),
        )
        f.MilestoneFactory(campaign=campaign, due_on=D(2026, 12, 1 + i))
        f.CampaignFactory(team=campaign.team, lead=user)


def test_queries_stay_flat_as_the_feeds_grow(
    client, owner, campaign, django_assert_max_num_queries
):
    personal = calendar_feed.personal_feed(owner)
    whole = calendar_feed.reset(owner, campaign)
    _grow(campaign, owner, 1)
    small = [count_queries(client, feed_path(feed)) for feed in (personal, whole)]
    _grow(campaign, owner, 8)
    large = [count_queries(client, feed_path(feed)) for feed in (personal, whole)]
    assert large == small
    for feed in (personal, whole):
        with django_assert_max_num_queries(5):
            client.get(feed_path(feed))
    # Three tactic events, a milestone and a report due per round, and the
    # first campaign's report.
    assert len(read(client, personal)) == 9 * 5 + 1


# ---- in the browser ------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_calendar_address_on_the_email_settings_page(
    browser, live_server, log_in, member, campaign, screenshot, size
):
    from tests.conftest import DESKTOP, PHONE, open_page

    viewport = PHONE if size == "phone" else DESKTOP
    page = open_page(
        browser,
        live_server,
        viewport=viewport,
        permissions=["clipboard-read", "clipboard-write"],
    )
    log_in(page, member)
    page.goto(reverse("notification_preferences"))
    section = page.locator("#calendar")
    section.scroll_into_view_if_needed()
    field = section.get_by_label("Your private calendar address")
    old = field.input_value()
    assert old == calendar_feed.feed_url(calendar_feed.personal_feed(member))
    assert field.get_attribute("readonly") is not None
    width = page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert width, page.evaluate("document.documentElement.scrollWidth")
    box = field.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    # A click in the address selects all of it, ready to copy.
    field.click()
    selected = page.evaluate(
        "() => { const f = document.activeElement;"
        " return f.value.slice(f.selectionStart, f.selectionEnd); }"
    )
    assert selected == old
    section.get_by_role("link", name="open it there").wait_for()
    screenshot(page, f"calendar-settings-{size}")
    # With JavaScript, a Copy button puts it on the clipboard.
    section.get_by_role("button", name="Copy").click()
    section.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == old
    assert section.get_by_role("status").first.text_content() == "Address copied."

    section.get_by_role("button", name="New address").click()
    page.wait_for_url("**/settings/notifications/#calendar")
    page.get_by_text("Your calendar has a new address.").wait_for()
    new = page.locator("#calendar").get_by_label("Your private calendar address")
    assert new.input_value() != old
    assert new.input_value() == calendar_feed.feed_url(
        CalendarFeed.objects.get(user=member, campaign=None)
    )
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, f"calendar-new-address-{size}", full_page=False)
    page.context.close()
    assert not page.console_errors, page.console_errors


@pytest.mark.browser
def test_the_campaign_calendar_on_its_edit_page(
    browser, live_server, log_in, owner, campaign, screenshot
):
    from tests.conftest import PHONE, open_page

    page = open_page(browser, live_server, viewport=PHONE)
    log_in(page, owner)
    page.goto(reverse("campaign_edit", args=[campaign.pk]))
    section = page.locator("#calendar")
    section.get_by_role("button", name="Make a calendar address").click()
    page.wait_for_url("**/edit/#calendar")
    field = section.get_by_label("The campaign's calendar address")
    feed = CalendarFeed.objects.get(user=owner, campaign=campaign)
    assert field.input_value() == calendar_feed.feed_url(feed)
    section.get_by_text("The campaign calendar is ready").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, "calendar-campaign-phone", full_page=False)
    section.get_by_role("button", name="New address").click()
    page.wait_for_url("**/edit/#calendar")
    assert field.input_value() != calendar_feed.feed_url(feed)
    page.context.close()
    assert not page.console_errors, page.console_errors
