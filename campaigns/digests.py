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

from . import mail, notices
from .models import (
    Activity,
    Campaign,
    CampaignStatus,
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    Mention,
    MentionStatus,
    Milestone,
    NoticeDelivery,
    Notification,
    NotificationPreference,
    Role,
    Stance,
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
    # A quiet tactic (Tactic.is_private): never shown to a viewer.
    private: bool = False
    # For the subject line: a short phrase and how notable it is.
    phrase: str = ""
    weight: tuple = ()

    @cached_property
    def due_label(self):
        # Formatted once per line, however many people's digests show it.
        return short_date(self.due_on)


@dataclass
class CampaignDigest:
    campaign: Campaign
    url: str
    board_url: str
    # The person's own tactics (assigned to them).
    overdue: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)
    in_progress: list = field(default_factory=list)
    # What happened in the campaign since the last digest.
    stance_changes: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    moved: list = field(default_factory=list)
    milestones_moved: list = field(default_factory=list)
    upcoming_milestones: list = field(default_factory=list)
    # New mentions in the feeds the campaign follows (listening.py).
    mentions: list = field(default_factory=list)
    report_due_on: datetime.date | None = None
    report_overdue: bool = False
    report_url: str = ""
    # The shared sections, rendered once for everyone who sees the same ones.
    news_html: str = ""
    news_text: str = ""

    @property
    def finished(self):
        """Outcomes recorded (closed tactics among them); the older name."""
        return self.outcomes

    @property
    def report_due_label(self):
        return long_date(self.report_due_on)

    @property
    def has_mine(self):
        return bool(self.overdue or self.due_soon or self.in_progress)

    @property
    def has_news(self):
        return bool(
            self.stance_changes
            or self.outcomes
            or self.moved
            or self.milestones_moved
            or self.mentions
        )

    @property
    def is_empty(self):
        return not (
            self.has_mine
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
    # Unread notifications the person chose to hear of here (notices.py).
    notices: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not (self.campaigns or self.notices)

    @property
    def since_label(self):
        return long_date(self.since)

    def counts(self):
        def total(name):
            return sum(len(getattr(c, name)) for c in self.campaigns)

        return {
            "overdue": total("overdue"),
            "due_soon": total("due_soon"),
            "in_progress": total("in_progress"),
            "stance_changes": total("stance_changes"),
            "outcomes": total("outcomes"),
            "moved": total("moved"),
            "milestones": total("milestones_moved"),
            "news": sum(
                total(name)
                for name in ("stance_changes", "outcomes", "moved", "milestones_moved")
            ),
            "reports": sum(1 for c in self.campaigns if c.report_due_on),
        }

    def notable_stance_change(self):
        """The biggest move of the week (then the most powerful person, a rise
        before a fall, the latest), or None."""
        changes = [line for c in self.campaigns for line in c.stance_changes]
        return max(changes, key=lambda line: line.weight, default=None)


@dataclass
class _CampaignNews:
    """What happened in one campaign, shared by everyone in it."""

    stance_changes: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    moved: list = field(default_factory=list)
    milestones_moved: list = field(default_factory=list)
    milestones_open: list = field(default_factory=list)
    mentions: list = field(default_factory=list)

    @cached_property
    def public(self):
        """The same news for a viewer: no quiet tactics (Tactic.is_private)."""
        return replace(
            self,
            outcomes=[line for line in self.outcomes if not line.private],
            moved=[line for line in self.moved if not line.private],
        )


@dataclass
class _People:
    users: list
    since_of: dict  # person -> start of their digest period

    @property
    def ids(self):
        return [user.pk for user in self.users]

    @property
    def earliest(self):
        return min(self.since_of.values())


@dataclass
class _Campaigns:
    by_pk: dict = field(default_factory=dict)
    of_person: dict = field(default_factory=lambda: defaultdict(list))
    viewing: set = field(default_factory=set)  # (person, campaign) as a viewer


@dataclass
class _TacticActivity:
    """The period's board activity, by tactic and milestone."""

    touched_at: dict = field(default_factory=dict)  # latest move or outcome
    outcome_at: dict = field(default_factory=dict)  # latest outcome recorded
    column_move: dict = field(default_factory=dict)  # latest change of column
    progressed_at: dict = field(default_factory=dict)  # milestones


def _url(name, *args):
    return mail.absolute_url(reverse(name, args=args))


def _latest(times, key, when, value=None):
    if key not in times or times[key][0] < when:
        times[key] = (when, value)


def build_digests(user_ids, now):
    """Digests of the given people at `now`, one per active person (possibly
    empty), in seven queries however many people there are, eight when someone
    chose to hear of a kind of notification in the digest."""
    people = _load_people(user_ids, now)  # 1
    if not people.users:
        return []
    notice_lines = _load_notices(people)  # 2
    campaigns = _load_campaigns(people.ids)  # 3
    if not campaigns.by_pk:
        return [
            _digest(user, now, people.since_of[user.pk], notice_lines)
            for user in people.users
        ]
    campaign_ids = list(campaigns.by_pk)
    news = defaultdict(_CampaignNews)
    activity = _load_activity(campaign_ids, people.earliest)  # 4
    mine = _load_tactics(campaign_ids, people, now, activity, news)  # 5
    _load_stance_changes(campaign_ids, people.earliest, news)  # 6
    _load_milestones(campaign_ids, people.earliest, now, activity, news)  # 7
    _load_mentions(campaign_ids, people.earliest, news)  # 8
    return _assemble(people, campaigns, now, news, mine, notice_lines)


def _load_people(user_ids, now):
    """The active people, each with the start of their digest period: the
    last digest sent, if recent, else a week ago."""
    last_sent = EmailDelivery.objects.filter(
        user=OuterRef("pk"), kind=EmailKind.DIGEST, status=DeliveryStatus.SENT
    ).order_by("-claimed_at")
    users = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .select_related("notification_preference")
        .annotate(last_digest_at=Subquery(last_sent.values("claimed_at")[:1]))
    )
    since_of = {}
    for user in users:
        last = user.last_digest_at
        fresh = last and now - MAX_LOOKBACK <= last < now
        since_of[user.pk] = last if fresh else now - DEFAULT_LOOKBACK
    return _People(users, since_of)


def _load_notices(people):
    """Each person's unread notifications of their digest period, of the
    kinds they chose to hear of in the digest, as lines; one query."""
    wanted = defaultdict(set)  # person -> kinds
    for user in people.users:
        preference = mail.preference_for(user)
        for kind, name in notices.PREFERENCE_OF_KIND.items():
            if getattr(preference, name) == NoticeDelivery.DIGEST:
                wanted[user.pk].add(kind)
    if not wanted:
        return {}
    result = defaultdict(list)
    open_url = _url("notice_open")
    for notice in (
        Notification.objects.filter(
            user_id__in=list(wanted),
            read_at__isnull=True,
            created_at__gte=people.earliest,
            campaign__team__memberships__user_id=F("user_id"),
        )
        .select_related("campaign")
        .only("user_id", "kind", "text", "created_at", "campaign__name")
        .order_by("created_at", "pk")
    ):
        mine = result[notice.user_id]
        if (
            notice.kind in wanted[notice.user_id]
            and notice.created_at >= people.since_of[notice.user_id]
            and len(mine) < NOTICES_SHOWN
        ):
            mine.append(
                Line(
                    notice.text,
                    f"{open_url}?n={notice.pk}",
                    note=f"{notice.get_kind_display()}, {notice.campaign.name}",
                    when=notice.created_at,
                )
            )
    return result


# A digest lists this many notifications at most; the bell has them all.
NOTICES_SHOWN = 20


def _load_campaigns(ids):
    """The active campaigns of each person's teams, and where they only view."""
    result = _Campaigns()
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
        result.by_pk.setdefault(campaign.pk, campaign)
        result.of_person[campaign.member_id].append(campaign.pk)
        if campaign.member_role == Role.VIEWER:
            result.viewing.add((campaign.member_id, campaign.pk))
    return result


def _load_activity(campaign_ids, earliest):
    """Cards moved, outcomes recorded and milestones progressed in the period."""
    result = _TacticActivity()
    for activity in (
        Activity.objects.filter(
            campaign_id__in=campaign_ids,
            created_at__gte=earliest,
            verb__in=MOVED_VERBS + MILESTONE_VERBS,
        )
        .select_related("actor")
        .only(
            "verb",
            "tactic_id",
            "milestone_id",
            "created_at",
            "data",
            "actor__name",
            "actor__email",
        )
    ):
        when = activity.created_at
        if activity.verb in MOVED_VERBS and activity.tactic_id:
            key = activity.tactic_id
            actor = str(activity.actor) if activity.actor else ""
            _latest(result.touched_at, key, when)
            if activity.verb == Activity.Verb.TACTIC_OUTCOME:
                _latest(result.outcome_at, key, when, actor)
                continue
            data = activity.data if isinstance(activity.data, dict) else {}
            source, target = data.get("from"), data.get("to")
            if source is None or source != target:  # not a reorder
                _latest(result.column_move, key, when, (source, target, actor))
        elif activity.verb in MILESTONE_VERBS and activity.milestone_id:
            _latest(result.progressed_at, activity.milestone_id, when)
    return result


def _status_label(value):
    try:
        return TacticStatus(value).label
    except ValueError:
        return ""


def _load_tactics(campaign_ids, people, now, activity, news):
    """The people's own open tactics, by (person, campaign); outcomes and
    moved cards go to each campaign's news."""
    ids = people.ids
    horizon = now.date() + datetime.timedelta(days=LOOKAHEAD_DAYS + 1)
    mine = defaultdict(list)
    for tactic in (
        Tactic.objects.filter(campaign_id__in=campaign_ids)
        .filter(
            Q(
                assignee_id__in=ids,
                status__in=OPEN,
                due_on__isnull=False,
                due_on__lte=horizon,
            )
            | Q(assignee_id__in=ids, status=TacticStatus.IN_PROGRESS)
            | Q(status__in=CLOSED, completed_at__gte=people.earliest)
            | Q(pk__in=list(activity.touched_at))
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
        campaign_news = news[tactic.campaign_id]
        private = tactic.is_private
        assignee = str(tactic.assignee) if tactic.assignee else ""
        touched = activity.touched_at.get(tactic.pk, (None,))[0]
        # An outcome: a tactic closed this period, or an open one whose
        # outcome was recorded in it.
        outcome_at = None
        if tactic.status in CLOSED:
            outcome_at = max(t for t in (tactic.completed_at, touched) if t)
        elif tactic.pk in activity.outcome_at and tactic.outcome:
            outcome_at, _ = activity.outcome_at[tactic.pk]
        if outcome_at:
            campaign_news.outcomes.append(
                Line(
                    title=tactic.title,
                    url=url,
                    detail=tactic.outcome,
                    note=assignee,
                    badge=tactic.get_status_display(),
                    when=outcome_at,
                    private=private,
                )
            )
        if tactic.status in CLOSED:
            continue
        if tactic.pk in activity.column_move:
            when, (source, target, actor) = activity.column_move[tactic.pk]
            target_label = _status_label(target) or tactic.get_status_display()
            source_label = _status_label(source)
            campaign_news.moved.append(
                Line(
                    title=tactic.title,
                    url=url,
                    note=(
                        f"{source_label} → {target_label}"
                        if source_label
                        else f"to {target_label}"
                    ),
                    detail=f"by {actor}" if actor else "",
                    badge=target_label,
                    when=when,
                    private=private,
                )
            )
        if tactic.assignee_id in ids and (
            tactic.status == TacticStatus.IN_PROGRESS
            or (tactic.due_on and tactic.due_on <= horizon)
        ):
            mine[(tactic.assignee_id, tactic.campaign_id)].append(
                Line(
                    title=tactic.title,
                    url=url,
                    due_on=tactic.due_on,
                    badge=tactic.get_status_display(),
                    private=private,
                )
            )
    return mine


def _stance_phrase(name, stance):
    label = stance.label.lower()
    if stance == Stance.CHAMPION:
        label = "a champion"
    return f"{' '.join(name.split())} is now {label}"


def _load_stance_changes(campaign_ids, earliest, news):
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
            "stakeholder__power",
            "stakeholder__campaign_id",
            "recorded_by__name",
            "recorded_by__email",
        )
        .order_by("recorded_at", "pk")
    ):
        stakeholder = change.stakeholder
        up = change.direction == "up"
        news[stakeholder.campaign_id].stance_changes.append(
            Line(
                title=stakeholder.name,
                url=_url("stakeholder_detail", stakeholder.campaign_id, stakeholder.pk),
                detail=change.reason,
                note=(
                    f"{change.get_from_stance_display()} → "
                    f"{change.get_to_stance_display()}"
                ),
                badge="up" if up else "down",
                when=change.recorded_at,
                phrase=_stance_phrase(stakeholder.name, Stance(change.to_stance)),
                weight=(
                    abs(change.to_stance - change.from_stance),
                    stakeholder.power,
                    up,
                    change.recorded_at,
                ),
            )
        )


def _load_milestones(campaign_ids, earliest, now, activity, news):
    milestone_horizon = now.date() + datetime.timedelta(
        days=MILESTONE_LOOKAHEAD_DAYS + 1
    )
    progressed_at = activity.progressed_at
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
                    when=progressed_at[milestone.pk][0],
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


# A digest names the newest few mentions of each campaign; the page has the rest.
MENTIONS_SHOWN = 5


def _load_mentions(campaign_ids, earliest, news):
    """New mentions found in the period, newest first, a few per campaign."""
    for mention in (
        Mention.objects.filter(
            campaign_id__in=campaign_ids,
            status=MentionStatus.NEW,
            found_at__gte=earliest,
        )
        .select_related("feed")
        .only(
            "campaign_id",
            "title",
            "link",
            "found_at",
            "published_at",
            "feed__label",
            "feed__title",
            "feed__url",
        )
        .order_by("-found_at", "-pk")
    ):
        lines = news[mention.campaign_id].mentions
        if len(lines) < MENTIONS_SHOWN * 4:
            lines.append(
                Line(
                    mention.title,
                    mention.link or _url("listening", mention.campaign_id),
                    note=mention.feed.get_label_display(),
                    detail=str(mention.feed),
                    when=mention.found_at,
                )
            )


def _assemble(people, campaigns, now, news, mine, notice_lines):
    """Each person's digest from the shared pieces, in Python."""
    # Links are the same for everyone in a campaign.
    links = {
        pk: (_url("campaign_detail", pk), _url("board", pk)) for pk in campaigns.by_pk
    }
    empty = _CampaignNews()
    digests = []
    for user in people.users:
        digest = _digest(user, now, people.since_of[user.pk], notice_lines)
        for campaign_pk in campaigns.of_person.get(user.pk, ()):
            viewer = (user.pk, campaign_pk) in campaigns.viewing
            campaign_news = news.get(campaign_pk, empty)
            tactics = mine.get((user.pk, campaign_pk), ())
            if viewer:
                campaign_news = campaign_news.public
                tactics = [line for line in tactics if not line.private]
            campaign_digest = _campaign_digest(
                campaigns.by_pk[campaign_pk],
                links[campaign_pk],
                user,
                digest,
                campaign_news,
                tactics,
            )
            if not campaign_digest.is_empty:
                digest.campaigns.append(campaign_digest)
        digests.append(digest)
    return digests


def _digest(user, now, since, notice_lines):
    preference = mail.preference_for(user)
    local = now.astimezone(zone(preference.time_zone))
    return Digest(
        user=user,
        period=period_of(local),
        since=since,
        local_today=local.date(),
        quiet_week_emails=preference.quiet_week_emails,
        notices=notice_lines.get(user.pk, []),
    )


def _campaign_digest(campaign, links, user, digest, news, tactics):
    today = digest.local_today
    soon = today + datetime.timedelta(days=LOOKAHEAD_DAYS)
    since = digest.since
    result = CampaignDigest(campaign=campaign, url=links[0], board_url=links[1])
    for line in tactics:
        if line.due_on and line.due_on < today:
            result.overdue.append(line)
        elif line.due_on and line.due_on <= soon:
            result.due_soon.append(line)
        elif line.badge == TacticStatus.IN_PROGRESS.label:
            result.in_progress.append(line)

    def recent(lines):
        return [line for line in lines if line.when >= since]

    result.stance_changes = recent(news.stance_changes)
    result.outcomes = recent(news.outcomes)
    result.moved = recent(news.moved)
    result.milestones_moved = recent(news.milestones_moved)
    result.mentions = recent(news.mentions)[:MENTIONS_SHOWN]
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


SUBJECT_MAX = 78
QUIET_SUBJECT = "Your week in advocacy: a quiet week"


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def subject_of(digest):
    """What is inside, most personal first: the person's own overdue and due
    tactics, then the most notable stance change, then whatever else there
    is, in at most SUBJECT_MAX characters ("3 due this week · Dana is now
    curious")."""
    counts = digest.counts()
    parts = []
    if counts["overdue"]:
        parts.append(f"{counts['overdue']} overdue")
    if counts["due_soon"]:
        parts.append(f"{counts['due_soon']} due this week")
    notable = digest.notable_stance_change()
    if notable:
        room = SUBJECT_MAX - len(" · ".join([*parts, ""]))
        phrase = notable.phrase
        if len(phrase) > room:
            # Shorten the name, keep "is now …".
            name, _, rest = phrase.rpartition(" is now ")
            keep = max(room - len(rest) - len(" is now ") - 1, 1)
            phrase = f"{name[:keep].rstrip()}… is now {rest}"
        parts.append(phrase)
    extras = []
    if digest.notices:
        extras.append(_plural(len(digest.notices), "notification") + " for you")
    if counts["reports"]:
        extras.append("progress report due")
    if counts["in_progress"]:
        extras.append(f"{counts['in_progress']} in progress")
    if counts["outcomes"]:
        extras.append(_plural(counts["outcomes"], "outcome") + " recorded")
    if counts["moved"]:
        extras.append(_plural(counts["moved"], "card") + " moved")
    if counts["milestones"]:
        extras.append(_plural(counts["milestones"], "milestone") + " moved")
    if digest.campaigns and not (parts or extras):
        extras.append("upcoming milestones")
    for extra in extras:
        if len(parts) >= 3:
            break
        if len(" · ".join([*parts, extra])) <= SUBJECT_MAX:
            parts.append(extra)
    if not parts:
        return QUIET_SUBJECT
    subject = " · ".join(parts)
    return subject[0].upper() + subject[1:]


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
            tuple(map(id, c.stance_changes)),
            tuple(map(id, c.outcomes)),
            tuple(map(id, c.moved)),
            tuple(map(id, c.milestones_moved)),
            tuple(map(id, c.upcoming_milestones)),
            tuple(map(id, c.mentions)),
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
