"""Weekly digests, built as plain functions (Celery tasks only wrap them).

A person's digest period is their local ISO week ("2026-W48"); it is sent on
their chosen weekday once their chosen local hour has come. Digests are built
for a chunk of people at once in a fixed number of queries: everything the
chunk needs is fetched in bulk and grouped in Python.
"""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import mail
from .models import (
    Activity,
    Campaign,
    CampaignStatus,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    Milestone,
    NotificationPreference,
    Role,
    StanceChange,
    Tactic,
    TacticStatus,
    User,
)

LOOKAHEAD_DAYS = 7  # tactics and reports due this soon are listed
MILESTONE_LOOKAHEAD_DAYS = 14
# "Since the last digest", but never further back than this.
MAX_LOOKBACK = datetime.timedelta(days=14)
DEFAULT_LOOKBACK = datetime.timedelta(days=7)
CLOSED = (TacticStatus.DONE, TacticStatus.DIDNT_WORK)
OPEN = tuple(s for s in TacticStatus.values if s not in CLOSED)
MOVED_VERBS = (Activity.Verb.TACTIC_MOVED, Activity.Verb.TACTIC_OUTCOME)
MILESTONE_VERBS = (
    Activity.Verb.MILESTONE_PROGRESSED,
    Activity.Verb.MILESTONE_REACHED,
)


@lru_cache(maxsize=1024)
def zone(name):
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def period_of(local):
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def short_date(value):
    """ "Mon 23 Nov": cheaper than the template filter, which adds up over
    thousands of digests."""
    return f"{value:%a} {value.day} {value:%b}" if value else ""


def long_date(value):
    return f"{value:%A} {value.day} {value:%B}" if value else ""


def _defaults():
    return NotificationPreference()


# ---- who is due ------------------------------------------------------------


def due_user_ids(now):
    """Active people whose digest time has come at `now` and who have not had
    this week's digest (a failed one is due again)."""
    default = _defaults()
    rows = User.objects.filter(is_active=True).values_list(
        "pk",
        "notification_preference__digest_enabled",
        "notification_preference__digest_weekday",
        "notification_preference__digest_hour",
        "notification_preference__time_zone",
    )
    candidates = {}
    local_by_zone = {}
    for pk, enabled, weekday, hour, tz in rows:
        if enabled is None:  # no saved settings: the defaults
            enabled, weekday, hour, tz = (
                default.digest_enabled,
                default.digest_weekday,
                default.digest_hour,
                default.time_zone,
            )
        if not enabled:
            continue
        local = local_by_zone.get(tz)
        if local is None:
            local = local_by_zone[tz] = now.astimezone(zone(tz))
        # The rest of the chosen day counts, so a late scan still sends.
        if local.weekday() == weekday and local.hour >= hour:
            candidates[pk] = period_of(local)
    if not candidates:
        return []
    done = set(
        EmailDelivery.objects.filter(
            kind=EmailKind.DIGEST, key__in=set(candidates.values())
        )
        .exclude(status=DeliveryStatus.FAILED)
        .values_list("user_id", "key")
    )
    return sorted(pk for pk, key in candidates.items() if (pk, key) not in done)


# ---- what a digest holds ---------------------------------------------------


@dataclass
class Line:
    """One entry in a digest: a title, a link into the app and details."""

    title: str
    url: str
    detail: str = ""
    note: str = ""
    badge: str = ""
    when: datetime.datetime | None = None
    due_on: datetime.date | None = None

    @cached_property
    def due_label(self):
        # Formatted once per line, however many people's digests show it.
        return short_date(self.due_on)


@dataclass
class CampaignDigest:
    campaign: Campaign
    url: str
    board_url: str
    overdue: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    stance_changes: list = field(default_factory=list)
    milestones_moved: list = field(default_factory=list)
    upcoming_milestones: list = field(default_factory=list)
    report_due_on: datetime.date | None = None
    report_overdue: bool = False
    report_url: str = ""
    # The shared sections, rendered once for everyone who sees the same ones.
    news_html: str = ""
    news_text: str = ""

    @property
    def report_due_label(self):
        return long_date(self.report_due_on)

    @property
    def has_news(self):
        return bool(self.finished or self.stance_changes or self.milestones_moved)

    @property
    def is_empty(self):
        return not (
            self.overdue
            or self.due_soon
            or self.has_news
            or self.upcoming_milestones
            or self.report_due_on
        )


@dataclass
class Digest:
    user: User
    period: str
    since: datetime.datetime
    local_today: datetime.date
    quiet_week_emails: bool
    campaigns: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.campaigns

    @property
    def since_label(self):
        return long_date(self.since)

    def counts(self):
        return {
            "overdue": sum(len(c.overdue) for c in self.campaigns),
            "due_soon": sum(len(c.due_soon) for c in self.campaigns),
            "news": sum(
                len(c.finished) + len(c.stance_changes) + len(c.milestones_moved)
                for c in self.campaigns
            ),
            "reports": sum(1 for c in self.campaigns if c.report_due_on),
        }


@dataclass
class _CampaignNews:
    """What happened in one campaign, shared by everyone in it."""

    finished: list = field(default_factory=list)
    # Finished tactics minus quiet ones (Tactic.is_private), for viewers.
    finished_public: list = field(default_factory=list)
    stance_changes: list = field(default_factory=list)
    milestones_moved: list = field(default_factory=list)
    milestones_open: list = field(default_factory=list)


def _url(name, *args):
    return mail.absolute_url(reverse(name, args=args))


def build_digests(user_ids, now):
    """Digests of the given people at `now`, one per active person (possibly
    empty), in six queries however many people there are."""
    last_sent = EmailDelivery.objects.filter(
        user=OuterRef("pk"), kind=EmailKind.DIGEST, status=DeliveryStatus.SENT
    ).order_by("-claimed_at")
    users = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .select_related("notification_preference")
        .annotate(last_digest_at=Subquery(last_sent.values("claimed_at")[:1]))
    )
    if not users:
        return []

    since_of = {}
    for user in users:
        last = user.last_digest_at
        fresh = last and now - MAX_LOOKBACK <= last < now
        since_of[user.pk] = last if fresh else now - DEFAULT_LOOKBACK
    earliest = min(since_of.values())
    ids = [user.pk for user in users]

    # The active campaigns of each person's teams: one row per (campaign, person).
    campaigns = {}
    campaigns_of = defaultdict(list)
    viewing = set()  # (person, campaign) where the person is a viewer
    for campaign in (
        Campaign.objects.filter(
            status=CampaignStatus.ACTIVE, team__memberships__user_id__in=ids
        )
        .annotate(
            member_id=F("team__memberships__user_id"),
            member_role=F("team__memberships__role"),
        )
        .only(
            "pk",
            "name",
            "team_id",
            "lead_id",
            "starts_on",
            "last_reported_on",
            "report_every_days",
        )
        .order_by("name", "pk")
    ):
        campaigns.setdefault(campaign.pk, campaign)
        campaigns_of[campaign.member_id].append(campaign.pk)
        if campaign.member_role == Role.VIEWER:
            viewing.add((campaign.member_id, campaign.pk))
    if not campaigns:
        return [_digest(user, now, since_of[user.pk]) for user in users]
    campaign_ids = list(campaigns)
    horizon = now.date() + datetime.timedelta(days=LOOKAHEAD_DAYS + 1)

    # Each tactic's latest move to a closed column or recorded outcome.
    moved_at = {}
    progressed_at = {}
    for activity in Activity.objects.filter(
        campaign_id__in=campaign_ids,
        created_at__gte=earliest,
        verb__in=MOVED_VERBS + MILESTONE_VERBS,
    ).only("verb", "tactic_id", "milestone_id", "created_at"):
        if activity.verb in MOVED_VERBS and activity.tactic_id:
            times = moved_at
            key = activity.tactic_id
        elif activity.milestone_id:
            times = progressed_at
            key = activity.milestone_id
        else:
            continue
        if key not in times or times[key] < activity.created_at:
            times[key] = activity.created_at

    news = defaultdict(_CampaignNews)
    open_tactics = defaultdict(list)  # (person, campaign) -> tactics
    for tactic in (
        Tactic.objects.filter(campaign_id__in=campaign_ids)
        .filter(
            Q(
                assignee_id__in=ids,
                status__in=OPEN,
                due_on__isnull=False,
                due_on__lte=horizon,
            )
            | Q(status__in=CLOSED, completed_at__gte=earliest)
            | Q(status__in=CLOSED, pk__in=list(moved_at))
        )
        .select_related("assignee")
        .only(
            "pk",
            "campaign_id",
            "title",
            "status",
            "due_on",
            "outcome",
            "completed_at",
            "assignee__name",
            "assignee__email",
            "is_private",
        )
        .order_by("due_on", "pk")
    ):
        url = _url("tactic_detail", tactic.campaign_id, tactic.pk)
        if tactic.status in CLOSED:
            when = max(t for t in (tactic.completed_at, moved_at.get(tactic.pk)) if t)
            line = Line(
                title=tactic.title,
                url=url,
                detail=tactic.outcome,
                note=str(tactic.assignee) if tactic.assignee else "",
                badge=tactic.get_status_display(),
                when=when,
            )
            news[tactic.campaign_id].finished.append(line)
            if not tactic.is_private:
                news[tactic.campaign_id].finished_public.append(line)
        else:
            open_tactics[(tactic.assignee_id, tactic.campaign_id)].append(
                Line(title=tactic.title, url=url, due_on=tactic.due_on)
            )

    for change in (
        StanceChange.objects.filter(
            stakeholder__campaign_id__in=campaign_ids, recorded_at__gte=earliest
        )
        .select_related("stakeholder", "recorded_by")
        .only(
            "from_stance",
            "to_stance",
            "reason",
            "recorded_at",
            "stakeholder__id",
            "stakeholder__name",
            "stakeholder__campaign_id",
            "recorded_by__name",
            "recorded_by__email",
        )
        .order_by("recorded_at", "pk")
    ):
        stakeholder = change.stakeholder
        news[stakeholder.campaign_id].stance_changes.append(
            Line(
                title=stakeholder.name,
                url=_url("stakeholder_detail", stakeholder.campaign_id, stakeholder.pk),
                detail=change.reason,
                note=(
                    f"{change.get_from_stance_display()} → "
                    f"{change.get_to_stance_display()}"
                ),
                badge="up" if change.direction == "up" else "down",
                when=change.recorded_at,
            )
        )

    milestone_horizon = now.date() + datetime.timedelta(
        days=MILESTONE_LOOKAHEAD_DAYS + 1
    )
    for milestone in (
        Milestone.objects.filter(campaign_id__in=campaign_ids)
        .filter(
            Q(reached_at__gte=earliest)
            | Q(reached_at__isnull=True, due_on__lte=milestone_horizon)
            | Q(pk__in=list(progressed_at))
        )
        .only(
            "pk",
            "campaign_id",
            "title",
            "target_value",
            "current_value",
            "unit",
            "due_on",
            "reached_at",
        )
        .order_by("due_on", "pk")
    ):
        url = _url("milestone_list", milestone.campaign_id)
        value = f"{milestone.current_value} of {milestone.target_value}"
        if milestone.unit:
            value += f" {milestone.unit}"
        campaign_news = news[milestone.campaign_id]
        reached = milestone.reached_at
        if reached and reached >= earliest:
            campaign_news.milestones_moved.append(
                Line(milestone.title, url, note=value, badge="Reached", when=reached)
            )
        elif milestone.pk in progressed_at and not reached:
            campaign_news.milestones_moved.append(
                Line(
                    milestone.title,
                    url,
                    note=f"{value} ({milestone.percent}%)",
                    badge="Progress",
                    when=progressed_at[milestone.pk],
                )
            )
        if not reached and milestone.due_on:
            campaign_news.milestones_open.append(
                Line(
                    milestone.title,
                    url,
                    note=f"{value} ({milestone.percent}%)",
                    due_on=milestone.due_on,
                )
            )

    # Links are the same for everyone in a campaign.
    links = {
        pk: (_url("campaign_detail", pk), _url("board", pk)) for pk in campaign_ids
    }
    digests = []
    for user in users:
        digest = _digest(user, now, since_of[user.pk])
        for campaign_pk in campaigns_of.get(user.pk, ()):
            campaign = campaigns[campaign_pk]
            campaign_digest = _campaign_digest(
                campaign,
                links[campaign_pk],
                user,
                digest,
                _news_for(news.get(campaign_pk), (user.pk, campaign_pk) in viewing),
                open_tactics.get((user.pk, campaign_pk), ()),
            )
            if not campaign_digest.is_empty:
                digest.campaigns.append(campaign_digest)
        digests.append(digest)
    return digests


def _news_for(news, viewer):
    """A campaign's news as one person may read it: viewers get no quiet tactics."""
    if news is None:
        return _CampaignNews()
    if viewer:
        return replace(news, finished=news.finished_public)
    return news


def _digest(user, now, since):
    preference = mail.preference_for(user)
    local = now.astimezone(zone(preference.time_zone))
    return Digest(
        user=user,
        period=period_of(local),
        since=since,
        local_today=local.date(),
        quiet_week_emails=preference.quiet_week_emails,
    )


def _campaign_digest(campaign, links, user, digest, news, tactics):
    today = digest.local_today
    soon = today + datetime.timedelta(days=LOOKAHEAD_DAYS)
    since = digest.since
    result = CampaignDigest(campaign=campaign, url=links[0], board_url=links[1])
    for line in tactics:
        if line.due_on < today:
            result.overdue.append(line)
        elif line.due_on <= soon:
            result.due_soon.append(line)
    result.finished = [line for line in news.finished if line.when >= since]
    result.stance_changes = [line for line in news.stance_changes if line.when >= since]
    result.milestones_moved = [
        line for line in news.milestones_moved if line.when >= since
    ]
    milestone_soon = today + datetime.timedelta(days=MILESTONE_LOOKAHEAD_DAYS)
    result.upcoming_milestones = [
        line for line in news.milestones_open if line.due_on <= milestone_soon
    ]
    if campaign.lead_id == user.pk:
        due_on = campaign.report_due_on
        if due_on <= soon:
            result.report_due_on = due_on
            result.report_overdue = due_on < today
            result.report_url = _url("report_create", campaign.pk)
    return result


# ---- rendering and sending ---------------------------------------------------


def should_send(digest):
    return not digest.is_empty or digest.quiet_week_emails


def subject_of(digest):
    counts = digest.counts()
    parts = []
    if counts["overdue"]:
        parts.append(f"{counts['overdue']} overdue")
    if counts["due_soon"]:
        parts.append(f"{counts['due_soon']} due this week")
    if counts["news"]:
        parts.append(f"{counts['news']} update{'s' if counts['news'] != 1 else ''}")
    if counts["reports"]:
        parts.append("a progress report due")
    summary = ", ".join(parts) if parts else "a quiet week"
    return f"Your week in advocacy: {summary}"


@lru_cache(maxsize=4)
def _fixed_urls(site_url):
    return {
        "campaigns_url": _url("campaign_list"),
        "my_tactics_url": _url("my_tactics"),
        "preferences_url": _url("notification_preferences"),
    }


def _render_news(digest, cache):
    """Render each campaign's shared sections, reusing what an earlier person
    in the same chunk already saw (same lines, same day)."""
    for c in digest.campaigns:
        key = (
            c.campaign.pk,
            digest.local_today,
            # The lines are shared objects within one build; identity is enough.
            tuple(map(id, c.finished)),
            tuple(map(id, c.stance_changes)),
            tuple(map(id, c.milestones_moved)),
            tuple(map(id, c.upcoming_milestones)),
        )
        if key not in cache:
            context = {"c": c, "today": digest.local_today}
            cache[key] = (
                render_to_string("emails/_digest_news.html", context),
                render_to_string("emails/_digest_news.txt", context),
            )
        c.news_html, c.news_text = cache[key]


def render(digest, cache=None):
    """The digest as an Email (plain text and HTML). Pass the same `cache`
    dict for digests of one build_digests() call, and only for those."""
    _render_news(digest, {} if cache is None else cache)
    user = digest.user
    unsubscribe = mail.unsubscribe_url(user.pk, EmailKind.DIGEST)
    context = {
        "digest": digest,
        "user": user,
        "counts": digest.counts(),
        "site_url": settings.SITE_URL,
        **_fixed_urls(settings.SITE_URL),
        "unsubscribe_url": unsubscribe,
    }
    subject = subject_of(digest)
    context["subject"] = subject
    return mail.Email(
        user_id=user.pk,
        kind=EmailKind.DIGEST,
        key=digest.period,
        to=user.email,
        subject=subject,
        text=render_to_string("emails/digest.txt", context),
        html=render_to_string("emails/digest.html", context),
        unsubscribe_url=unsubscribe,
    )


def deliver_digests(user_ids, now):
    """Build, claim and send the digests of these people; returns the number
    sent. People with nothing to hear about are recorded as skipped."""
    emails = []
    cache = {}
    for digest in build_digests(user_ids, now):
        if should_send(digest):
            emails.append(render(digest, cache))
        else:
            mail.record_skipped(digest.user.pk, EmailKind.DIGEST, digest.period)
    return mail.deliver(emails)


def preview(now, user_ids=None):
    """(digest, subject) of everyone due at `now` who would get an email; sends
    nothing and claims nothing."""
    ids = due_user_ids(now) if user_ids is None else user_ids
    size = settings.DIGEST_CHUNK_SIZE
    for start in range(0, len(ids), size):
        for digest in build_digests(ids[start : start + size], now):
            if should_send(digest):
                yield digest, subject_of(digest)


def chunks(ids, size=None):
    size = size or settings.DIGEST_CHUNK_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def aware(value):
    """A datetime from a string or datetime; naive values are taken as UTC."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value
