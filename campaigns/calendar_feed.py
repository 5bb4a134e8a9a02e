"""Private calendar feeds (iCalendar, RFC 5545) that calendar apps subscribe to.

A person's own feed has the due dates of their tactics, the milestones of
their teams' active campaigns and the report due dates of the campaigns they
lead. A campaign's feed, for its lead, has every dated tactic of the
campaign, its milestones and its next report. Everything is read through the
feed owner's memberships as they are now: someone who left a team gets
nothing of it, and a campaign's feed is gone once its owner no longer leads.

Every date is an all-day event. UIDs name the record, not the feed or the
host, so a calendar app updates an event when it changes rather than adding
another; a repeating tactic is one recurring event for its whole series.
"""

import datetime
import re
import secrets
from itertools import islice

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from icalendar import Calendar, Event, vRecur
from icalendar.enums import TRANSP

from . import mail, recurring
from .board import CLOSED
from .models import (
    WRITER_ROLES,
    CalendarFeed,
    Campaign,
    CampaignStatus,
    Membership,
    Milestone,
    Tactic,
    TacticStatus,
)

PRODID = "-//Advocacy//Campaign calendar//EN"
# The right-hand side of every UID. Fixed rather than the site's host, so a
# change of address does not make every subscriber's events new ones.
UID_DOMAIN = "calendar.advocacy"
# How often calendar apps are asked to look again; most choose their own.
REFRESH = datetime.timedelta(hours=1)
DESCRIPTION_CHARS = 300
# Dates of a counted series looked through to find where it ends.
COUNT_LIMIT = 5000


# What new_token() makes (token_urlsafe's alphabet); anything else in the
# address is not looked up at all.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_token():
    return secrets.token_urlsafe(32)


def _feed(user, campaign):
    return CalendarFeed.objects.filter(user=user, campaign=campaign).first()


def _make(user, campaign):
    """The feed, made with a fresh token if there is none; a second request
    racing this one finds the row the first made."""
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(
                user=user, campaign=campaign, token=new_token()
            )
    except IntegrityError:
        return CalendarFeed.objects.get(user=user, campaign=campaign)


def personal_feed(user):
    """The person's own feed, made the first time it is asked for."""
    return _feed(user, None) or _make(user, None)


def campaign_feed(user, campaign):
    """The campaign's feed of `user`, or None if they never made one."""
    return _feed(user, campaign)


def reset(user, campaign=None):
    """A new address for the feed (made if there was none): the old one
    stops working at once."""
    feed = _feed(user, campaign)
    if feed is None:
        return _make(user, campaign)
    feed.token = new_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed


def feed_url(feed):
    return _absolute("calendar_feed", feed.token)


def webcal_url(feed):
    """The same address for the "subscribe" link calendar apps open."""
    return "webcal://" + feed_url(feed).split("://", 1)[1]


# ---- building the .ics ------------------------------------------------------


def _absolute(name, *args):
    return mail.absolute_url(reverse(name, args=args))


def _uid(kind, pk):
    return f"{kind}-{pk}@{UID_DOMAIN}"


def _event(uid, day, summary, description, url, sequence, stamp):
    return Event.new(
        uid=uid,
        start=day,
        end=day + datetime.timedelta(days=1),
        summary=summary,
        description=description,
        url=url,
        sequence=sequence,
        stamp=stamp,
        # A due date is not a meeting: it never makes anyone look busy.
        transparency=TRANSP.TRANSPARENT,
    )


def _rule(tactic):
    """The series' rule for the calendar starting at this occurrence, or None
    when there is no rule left to follow."""
    try:
        rule = vRecur.from_ical(tactic.repeat)
    except ValueError:
        return None
    if "COUNT" in rule:
        # COUNT counts from the series' first date, but the event starts at
        # this occurrence: say where the series ends instead.
        first = tactic.series or tactic
        try:
            parsed = recurring.parse(tactic.repeat, first.due_on or tactic.due_on)
        except recurring.InvalidRule:
            return None
        dates = list(islice(parsed, COUNT_LIMIT + 1))
        if len(dates) > COUNT_LIMIT:
            return rule  # it ends beyond any calendar's view; left as written
        last = dates[-1].date() if dates else None
        if last is None or last < tactic.due_on:
            return None
        del rule["COUNT"]
        rule["UNTIL"] = [last]
    return rule


def _tactic_event(tactic, with_campaign, stands_for_series):
    campaign = tactic.campaign
    status = TacticStatus(tactic.status).label
    summary = f"{tactic.title} ({campaign.name})" if with_campaign else tactic.title
    lines = [f"{status} · {campaign.name}"]
    if tactic.assignee_id:
        lines[0] += f" · {tactic.assignee.name or tactic.assignee.email}"
    if tactic.description:
        lines.append(Truncator(tactic.description).chars(DESCRIPTION_CHARS))
    rule = _rule(tactic) if stands_for_series else None
    uid = (
        _uid("tactic-series", tactic.series_id or tactic.pk)
        if rule
        else _uid("tactic", tactic.pk)
    )
    event = _event(
        uid,
        tactic.due_on,
        summary,
        "\n\n".join(lines),
        _absolute("tactic_detail", campaign.pk, tactic.pk),
        tactic.version,
        tactic.updated_at,
    )
    if rule:
        event.add("rrule", rule)
    return event


def _tactic_events(tactics, with_campaign):
    """One event per tactic; the open occurrence of a repeating series is
    the series' recurring event. Should a series have more than one open
    occurrence, the latest stands for it and the others are single events."""
    heads = {}
    for tactic in tactics:
        if tactic.repeat and tactic.status not in CLOSED:
            root = tactic.series_id or tactic.pk
            best = heads.get(root)
            if best is None or (tactic.due_on, tactic.pk) > (best.due_on, best.pk):
                heads[root] = tactic
    series = {tactic.pk for tactic in heads.values()}
    for tactic in tactics:
        yield _tactic_event(tactic, with_campaign, tactic.pk in series)


def _milestone_event(milestone, with_campaign, stamp):
    campaign = milestone.campaign
    title = f"Milestone: {milestone.title}"
    if with_campaign:
        title += f" ({campaign.name})"
    progress = f"{milestone.current_value} of {milestone.target_value}"
    if milestone.unit:
        progress += f" {milestone.unit}"
    if milestone.reached_at:
        progress += ", reached"
    return _event(
        _uid("milestone", milestone.pk),
        milestone.due_on,
        title,
        f"{progress} · {campaign.name}",
        _absolute("milestone_list", campaign.pk),
        milestone.version,
        stamp,
    )


def _report_event(campaign, with_campaign):
    title = "Progress report due"
    if with_campaign:
        title += f" ({campaign.name})"
    return _event(
        _uid("campaign-report", campaign.pk),
        campaign.report_due_on,
        title,
        f"Every {campaign.report_every_days} days · {campaign.name}",
        _absolute("report_list", campaign.pk),
        campaign.version,
        campaign.updated_at,
    )


def _calendar(feed, name, events):
    calendar = Calendar.new(
        prodid=PRODID, name=name, uid=_uid("calendar", feed.pk), calscale="GREGORIAN"
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # Outlook's name for the same
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def _dated_tactics():
    return (
        Tactic.objects.filter(due_on__isnull=False)
        .select_related("campaign", "assignee", "series")
        .order_by("due_on", "pk")
    )


def _personal(feed, now):
    user = feed.user
    roles = dict(Membership.objects.filter(user=user).values_list("team_id", "role"))
    teams = list(roles)
    writing = [team for team, role in roles.items() if role in WRITER_ROLES]
    tactics = list(
        _dated_tactics()
        .filter(assignee=user, campaign__team_id__in=teams)
        # Quiet tactics stay hidden in the teams the person only views.
        .filter(Q(is_private=False) | Q(campaign__team_id__in=writing))
    )
    milestones = (
        Milestone.objects.filter(
            campaign__team_id__in=teams,
            campaign__status=CampaignStatus.ACTIVE,
            due_on__isnull=False,
        )
        .select_related("campaign")
        .order_by("due_on", "pk")
    )
    led = Campaign.objects.filter(
        team_id__in=teams, lead=user, status=CampaignStatus.ACTIVE
    ).order_by("pk")
    events = [
        *_tactic_events(tactics, with_campaign=True),
        *(_milestone_event(m, True, now) for m in milestones),
        *(_report_event(c, True) for c in led),
    ]
    return _calendar(feed, "Advocacy: my dates", events)


def _campaign(feed, now):
    campaign = feed.campaign
    role = (
        Membership.objects.filter(team_id=campaign.team_id, user_id=feed.user_id)
        .values_list("role", flat=True)
        .first()
    )
    if role is None or campaign.lead_id != feed.user_id:
        raise Http404("This calendar address no longer works.")
    tactics = _dated_tactics().filter(campaign=campaign)
    if role not in WRITER_ROLES:
        tactics = tactics.filter(is_private=False)
    milestones = campaign.milestones.filter(due_on__isnull=False).order_by(
        "due_on", "pk"
    )
    events = [
        *_tactic_events(list(tactics), with_campaign=False),
        *(_milestone_event(m, False, now) for m in milestones),
    ]
    if campaign.status == CampaignStatus.ACTIVE:
        events.append(_report_event(campaign, with_campaign=False))
    return _calendar(feed, f"Advocacy: {campaign.name}", events)


def render(token, now=None):
    """The feed's .ics bytes, or Http404 for an address that does not work
    (unknown, replaced, or no longer the feed owner's to see)."""
    feed = None
    if TOKEN.fullmatch(token):
        feed = (
            CalendarFeed.objects.select_related("user", "campaign")
            .filter(token=token, user__is_active=True)
            .first()
        )
    if feed is None:
        raise Http404("No calendar at this address.")
    now = now or timezone.now()
    if feed.campaign_id:
        return _campaign(feed, now)
    return _personal(feed, now)
