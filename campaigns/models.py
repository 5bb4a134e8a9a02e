"""The campaign domain: teams and their people, campaigns, the people a
campaign must win over, what the team does about it, and what happened."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from .versions import Versioned

# Longest free text a person types: a few paragraphs for a note, a goal or a
# reason, more for a template's steps. Long enough that nobody writing for a
# person hits it; short enough that the pages, cards and reports showing it
# stay bounded. A tactic's description starts as a whole template (summary,
# then the numbered steps), so it has room for one. Django passes a
# TextField's max_length to its form field (a validator and `maxlength`);
# the database does not enforce it.
NOTE_MAX = 2_000
STEPS_MAX = 4_000
DESCRIPTION_MAX = 10_000


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with their email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = UserManager()

    class Meta:
        ordering = ["name", "email"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split()[0] if self.name else self.email

    @property
    def initials(self):
        parts = (self.name or self.email).replace("@", " ").split()
        return "".join(p[0] for p in parts[:2]).upper()


class Team(models.Model):
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


# The roles that may change a team's campaigns; viewers only read.
WRITER_ROLES = (Role.OWNER, Role.MEMBER)


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership"),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def can_write(self):
        return self.role in WRITER_ROLES

    @property
    def is_owner(self):
        return self.role == Role.OWNER


class Invitation(models.Model):
    """An owner's invitation; the emailed link carries a signed token of it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and team; re-inviting refreshes it.
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=Q(accepted_at__isnull=True),
                name="one_open_invitation",
            ),
        ]

    def __str__(self):
        return f"{self.email} to {self.team}"

    @property
    def expires_at(self):
        return self.created_at + datetime.timedelta(
            days=settings.INVITATION_MAX_AGE_DAYS
        )

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Campaign(Versioned, models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=160)
    goal = models.TextField(
        max_length=NOTE_MAX,
        help_text="The change, framed in the decision makers' own goals.",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_campaigns",
    )
    status = models.CharField(
        max_length=10, choices=CampaignStatus, default=CampaignStatus.ACTIVE
    )
    starts_on = models.DateField(default=datetime.date.today)
    ends_on = models.DateField(null=True, blank=True)
    report_every_days = models.PositiveSmallIntegerField(
        "report cadence (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How often the decision makers get a progress report.",
    )
    last_reported_on = models.DateField(null=True, blank=True)
    # The decision count: how many of the stakeholders marked as deciders must
    # agree. Empty means all of them; 1 means a single sponsor is enough.
    deciders_needed = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="How many deciders must agree; leave empty for all of them.",
    )
    # The board: soft work-in-progress limits per column ({status: limit}), and
    # a counter every board change bumps so open boards can poll it cheaply.
    wip_limits = models.JSONField("WIP limits", default=dict, blank=True)
    board_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)
    # Both move only through an UPDATE … + 1: a full save of a campaign read
    # earlier never writes back an old value (Versioned).
    counters = ("board_version", "version")

    class Meta:
        ordering = ["status", "name"]
        indexes = [models.Index(fields=["team", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values),
                name="campaign_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(report_every_days__gte=1, report_every_days__lte=365),
                name="campaign_report_cadence_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("campaign_detail", args=[self.pk])

    @property
    def report_due_on(self):
        since = self.last_reported_on or self.starts_on
        return since + datetime.timedelta(days=self.report_every_days)


class Stance(models.IntegerChoices):
    """The ladder a stakeholder climbs, from opposed to champion."""

    OPPOSED = 1, "Opposed"
    SKEPTICAL = 2, "Skeptical"
    NEUTRAL = 3, "Neutral"
    CURIOUS = 4, "Curious"
    SUPPORTIVE = 5, "Supportive"
    CHAMPION = 6, "Champion"


def _one_to_five():
    return [MinValueValidator(1), MaxValueValidator(5)]


class Stakeholder(Versioned, models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="stakeholders"
    )
    name = models.CharField(max_length=150)
    title = models.CharField("role or title", max_length=150, blank=True)
    power = models.PositiveSmallIntegerField(default=3, validators=_one_to_five())
    interest = models.PositiveSmallIntegerField(default=3, validators=_one_to_five())
    cares_about = models.TextField(
        max_length=NOTE_MAX,
        blank=True,
        help_text="What they care about, in their own words.",
    )
    stance = models.PositiveSmallIntegerField(choices=Stance, default=Stance.NEUTRAL)
    is_decider = models.BooleanField(
        "decides", default=False, help_text="Their yes counts in the decision."
    )
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_stakeholders",
        help_text="The teammate who keeps in touch with them.",
    )
    last_contacted_on = models.DateField(null=True, blank=True)
    # Where progress reports can be sent to them; optional.
    email = models.EmailField(
        "email address",
        blank=True,
        help_text="For sending them progress reports; leave empty if not.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-power", "name"]
        indexes = [models.Index(fields=["campaign", "stance"])]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="unique_stakeholder_name"
            ),
            models.CheckConstraint(
                condition=Q(power__gte=1, power__lte=5), name="stakeholder_power_range"
            ),
            models.CheckConstraint(
                condition=Q(interest__gte=1, interest__lte=5),
                name="stakeholder_interest_range",
            ),
            models.CheckConstraint(
                condition=Q(stance__gte=1, stance__lte=6),
                name="stakeholder_stance_range",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stakeholder_detail", args=[self.campaign_id, self.pk])

    @property
    def stance_slug(self):
        return Stance(self.stance).name.lower()


class StanceChange(models.Model):
    """One move on the stance ladder; the history is the campaign's story."""

    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, related_name="stance_changes"
    )
    from_stance = models.PositiveSmallIntegerField(choices=Stance)
    to_stance = models.PositiveSmallIntegerField(choices=Stance)
    reason = models.TextField(max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)
    tactic = models.ForeignKey(
        "Tactic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stance_changes",
        help_text="The tactic that caused this move, if any.",
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["stakeholder", "-recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stance=models.F("to_stance")),
                name="stance_change_moves",
            ),
        ]

    def __str__(self):
        return f"{self.stakeholder}: {self.from_stance} → {self.to_stance}"

    @property
    def direction(self):
        return "up" if self.to_stance > self.from_stance else "down"


class Influencer(Versioned, models.Model):
    """Someone a stakeholder listens to."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="influencers"
    )
    name = models.CharField(max_length=150)
    relationship = models.CharField(
        max_length=150,
        blank=True,
        help_text="Board member, respected peer, outside adviser, family…",
    )
    notes = models.TextField(max_length=NOTE_MAX, blank=True)
    stakeholders = models.ManyToManyField(
        Stakeholder, through="Influence", related_name="influencers"
    )

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="unique_influencer_name"
            ),
        ]

    def __str__(self):
        return self.name


class Influence(models.Model):
    influencer = models.ForeignKey(
        Influencer, on_delete=models.CASCADE, related_name="influences"
    )
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, related_name="influences"
    )
    strength = models.PositiveSmallIntegerField(
        default=3, validators=_one_to_five(), help_text="1 (a nudge) to 5 (decisive)."
    )

    class Meta:
        ordering = ["-strength"]
        constraints = [
            models.UniqueConstraint(
                fields=["influencer", "stakeholder"], name="one_influence_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(strength__gte=1, strength__lte=5),
                name="influence_strength_range",
            ),
        ]

    def __str__(self):
        return f"{self.influencer} → {self.stakeholder} ({self.strength})"


class TacticStatus(models.TextChoices):
    """The columns of the campaign board, in order."""

    BACKLOG = "backlog", "Backlog"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DIDNT_WORK = "didnt_work", "Didn't work"


class Tactic(Versioned, models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="tactics"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    status = models.CharField(
        max_length=12, choices=TacticStatus, default=TacticStatus.BACKLOG
    )
    # A rank, not a place: cards show in ascending order and there is room
    # between neighbours, so a move writes one row (see board.py).
    position = models.BigIntegerField(
        default=0, help_text="Rank within the column; lower is nearer the top."
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tactics",
    )
    due_on = models.DateField(null=True, blank=True)
    targets = models.ManyToManyField(Stakeholder, blank=True, related_name="tactics")
    influencer = models.ForeignKey(
        Influencer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tactics",
        help_text="The person this tactic goes through, if any.",
    )
    risk = models.TextField("risk note", max_length=NOTE_MAX, blank=True)
    outcome = models.TextField(
        max_length=NOTE_MAX,
        blank=True,
        help_text="What happened, and what was learned.",
    )
    playbook_key = models.CharField(max_length=40, blank=True)
    # A quiet tactic (say, a pilot run under the radar): only the team's
    # writers see it until it is made visible; viewers and reports do not.
    is_private = models.BooleanField("private to the team", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # A repeating tactic (a weekly lunch-and-learn): an iCalendar RRULE such
    # as "FREQ=WEEKLY". Each occurrence is a tactic of its own with its own
    # outcome and comments; closing one puts the next in Planned
    # (campaigns/recurring.py). Empty on a one-off and once a series stops.
    repeat = models.CharField("repeats", max_length=200, blank=True)
    # The series' first occurrence (empty on the first itself), and the one
    # this occurrence came after: at most one next occurrence per occurrence,
    # however many times it is closed or by how many machines at once.
    series = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    follows = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_occurrence",
    )
    # What this tactic adds to a milestone, e.g. the staff who came to one
    # lunch-and-learn: the milestone's value moves by each change of it.
    milestone = models.ForeignKey(
        "Milestone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name="adds to milestone",
    )
    contribution = models.PositiveIntegerField(
        "how many it added",
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
    )

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["status", "position"]
        indexes = [
            models.Index(fields=["campaign", "status", "position"]),
            models.Index(fields=["assignee", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TacticStatus.values),
                name="tactic_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status not in (TacticStatus.DONE, TacticStatus.DIDNT_WORK)

    @property
    def is_overdue(self):
        return bool(self.due_on and self.is_open and self.due_on < timezone.localdate())


class TacticComment(models.Model):
    tactic = models.ForeignKey(
        Tactic, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=NOTE_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment by {self.author} on {self.tactic}"


class Milestone(Versioned, models.Model):
    """A measurable goal, e.g. "40 staff at a lunch-and-learn"."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    target_value = models.PositiveIntegerField(default=1)
    current_value = models.PositiveIntegerField(default=0)
    unit = models.CharField(max_length=40, blank=True, help_text='e.g. "people"')
    due_on = models.DateField(null=True, blank=True)
    reached_at = models.DateTimeField(null=True, blank=True)

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["campaign", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_value__gte=1), name="milestone_target_positive"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def percent(self):
        return min(100, round(100 * self.current_value / self.target_value))

    def set_current_value(self, value):
        """Update progress, stamping (or clearing) the moment it was reached."""
        self.current_value = value
        if value >= self.target_value and not self.reached_at:
            self.reached_at = timezone.now()
        elif value < self.target_value:
            self.reached_at = None


class ActivityQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create skips save(): give every row its campaign's team here,
        # with one query for all of them.
        objs = list(objs)
        missing = {a.campaign_id for a in objs if a.team_id is None}
        if missing:
            teams = dict(
                Campaign.objects.filter(pk__in=missing).values_list("pk", "team_id")
            )
            for activity in objs:
                if activity.team_id is None:
                    activity.team_id = teams[activity.campaign_id]
        return super().bulk_create(objs, *args, **kwargs)

    def actor_ids(self, team):
        """The people who ever acted in the team, as a subquery.

        A loose index scan on (team, actor): one index probe per distinct
        actor instead of a read of every activity the team ever had.
        """
        table = self.model._meta.db_table
        return RawSQL(
            f"""
            WITH RECURSIVE actor(id) AS (
                SELECT MIN(actor_id) FROM {table} WHERE team_id = %s
                UNION ALL
                SELECT (SELECT MIN(actor_id) FROM {table}
                        WHERE team_id = %s AND actor_id > actor.id)
                FROM actor WHERE actor.id IS NOT NULL
            )
            SELECT id FROM actor WHERE id IS NOT NULL
            """,  # noqa: S608 - the table name is ours, the team a parameter
            [team.pk, team.pk],
        )


class Activity(models.Model):
    """One meaningful change in a campaign; digests and audit views read these.

    `team` repeats the campaign's team (a campaign never changes team) so
    that the team's audit log reads one index, newest first, however many
    campaigns and changes the team has.
    """

    class Verb(models.TextChoices):
        CAMPAIGN_CREATED = "campaign_created", "created the campaign"
        CAMPAIGN_UPDATED = "campaign_updated", "updated the campaign"
        STAKEHOLDER_ADDED = "stakeholder_added", "added a stakeholder"
        STAKEHOLDER_UPDATED = "stakeholder_updated", "updated a stakeholder"
        STANCE_CHANGED = "stance_changed", "recorded a stance change"
        STAKEHOLDER_CONTACTED = "stakeholder_contacted", "logged a contact"
        INFLUENCER_ADDED = "influencer_added", "added an influencer"
        INFLUENCE_LINKED = "influence_linked", "linked an influencer"
        TACTIC_CREATED = "tactic_created", "added a tactic"
        TACTIC_MOVED = "tactic_moved", "moved a tactic"
        TACTIC_ASSIGNED = "tactic_assigned", "assigned a tactic"
        TACTIC_DUE_CHANGED = "tactic_due_changed", "changed a due date"
        TACTIC_UPDATED = "tactic_updated", "updated a tactic"
        TACTIC_OUTCOME = "tactic_outcome", "recorded an outcome"
        TACTIC_COMMENTED = "tactic_commented", "commented on a tactic"
        MILESTONE_ADDED = "milestone_added", "added a milestone"
        MILESTONE_PROGRESSED = "milestone_progressed", "updated a milestone"
        MILESTONE_REACHED = "milestone_reached", "reached a milestone"
        OBJECTION_RAISED = "objection_raised", "recorded an objection"
        OBJECTION_ANSWERED = "objection_answered", "answered an objection"
        EVIDENCE_ADDED = "evidence_added", "added evidence"
        PEER_MOVE_LOGGED = "peer_move_logged", "logged a peer move"
        REPORT_DRAFTED = "report_drafted", "drafted a progress report"
        REPORT_SENT = "report_sent", "sent a progress report"
        REPORT_LINK_WITHDRAWN = "report_link_withdrawn", "withdrew a report's link"
        LISTENER_SIGNED_UP = "listener_signed_up", "signed someone up to listen"
        LISTENER_STOPPED = "listener_stopped", "stopped someone's listening email"
        STAKEHOLDERS_IMPORTED = "stakeholders_imported", "imported stakeholders"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="activities"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verb = models.CharField(max_length=30, choices=Verb)
    summary = models.CharField(max_length=300)
    # Loose references so the record survives the object it describes.
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tactic = models.ForeignKey(
        Tactic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["campaign", "-created_at", "-id"]),
            models.Index(fields=["team", "-created_at", "-id"]),
            models.Index(fields=["team", "actor"]),
        ]

    def __str__(self):
        return self.summary

    def save(self, *args, **kwargs):
        if self.team_id is None:
            self.team_id = self.campaign.team_id
        super().save(*args, **kwargs)

    @classmethod
    def record(cls, campaign, actor, verb, summary, **refs):
        return cls.objects.create(
            campaign=campaign, actor=actor, verb=verb, summary=summary[:300], **refs
        )


class Weekday(models.IntegerChoices):
    """ISO-style weekdays as Python counts them (Monday is 0)."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class NoticeDelivery(models.TextChoices):
    """How a person hears of a notification beyond the bell in the header."""

    APP = "app", "In the app only"
    EMAIL = "email", "Email me at once"
    DIGEST = "digest", "In the weekly digest"


class NotificationPreference(models.Model):
    """What email a person wants, and when. A user without a row gets the
    defaults: the digest on Monday at 08:00 in the site's time zone, every
    reminder on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    digest_enabled = models.BooleanField("send me the weekly digest", default=True)
    digest_weekday = models.PositiveSmallIntegerField(
        "day", choices=Weekday, default=Weekday.MONDAY
    )
    digest_hour = models.PositiveSmallIntegerField(
        "hour", default=8, validators=[MaxValueValidator(23)]
    )
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    quiet_week_emails = models.BooleanField(
        "send the digest even in a quiet week", default=False
    )
    remind_overdue = models.BooleanField(
        "a tactic of mine became overdue", default=True
    )
    remind_report_due = models.BooleanField(
        "a progress report is due for a campaign I lead", default=True
    )
    # Per kind of notification: in the app only, also by email at once, or
    # also in the weekly digest (campaigns/notices.py). The bell shows all.
    due_soon_delivery = models.CharField(
        "a tactic of mine is due tomorrow",
        max_length=6,
        choices=NoticeDelivery,
        default=NoticeDelivery.EMAIL,
    )
    assigned_delivery = models.CharField(
        "someone assigns a tactic to me",
        max_length=6,
        choices=NoticeDelivery,
        default=NoticeDelivery.EMAIL,
    )
    mention_delivery = models.CharField(
        "someone mentions me",
        max_length=6,
        choices=NoticeDelivery,
        default=NoticeDelivery.EMAIL,
    )
    stance_delivery = models.CharField(
        "a decider in my campaigns changes stance",
        max_length=6,
        choices=NoticeDelivery,
        # The digest lists every stance change of the week anyway.
        default=NoticeDelivery.APP,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["digest_weekday", "digest_hour"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_weekday__gte=0, digest_weekday__lte=6),
                name="preference_weekday_range",
            ),
            models.CheckConstraint(
                condition=Q(digest_hour__gte=0, digest_hour__lte=23),
                name="preference_hour_range",
            ),
        ]

    def __str__(self):
        return f"Email settings of {self.user}"


class EmailKind(models.TextChoices):
    DIGEST = "digest", "Weekly digest"
    DUE_SOON = "due_soon", "Tactic due tomorrow"
    OVERDUE = "overdue", "Tactic overdue"
    REPORT_DUE = "report_due", "Progress report due"
    ASSIGNED = "assigned", "Tactic assigned"
    MENTIONED = "mentioned", "Mentions of you"
    DECIDER_MOVED = "decider_moved", "Deciders changing stance"
    REPORT = "report", "Progress report"
    LISTENING = "listening", "What is being said"
    HOOK_DISABLED = "hook_disabled", "Webhook or chat notification turned off"


class DeliveryStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (will retry)"
    UNKNOWN = "unknown", "Unknown (interrupted while sending)"
    SKIPPED = "skipped", "Nothing to send"


class EmailDelivery(models.Model):
    """One email to one person, claimed before it is sent.

    The unique (user, kind, key) row is inserted first; whoever inserts it
    sends. A retry or a second scheduler run finds the row and stays quiet, so
    nobody gets a second copy."""

    # A teammate, or, for a report sent to someone without an account (a
    # stakeholder, an address typed in), nobody and the address alone.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    address = models.EmailField(blank=True)
    kind = models.CharField(max_length=20, choices=EmailKind)
    # The period ("2026-W48") or the object ("tactic:12:2026-11-24") it is about.
    key = models.CharField(max_length=120)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus, default=DeliveryStatus.SENDING
    )
    attempts = models.PositiveSmallIntegerField(default=1)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        verbose_name_plural = "email deliveries"
        indexes = [
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["kind", "key"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"], name="one_delivery_per_key"
            ),
            models.UniqueConstraint(
                fields=["address", "kind", "key"],
                condition=Q(user__isnull=True),
                name="one_delivery_per_address_and_key",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(address=""),
                name="delivery_has_a_recipient",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values),
                name="delivery_status_valid",
            ),
        ]

    def __str__(self):
        to = self.user_id or self.address
        return f"{self.get_kind_display()} {self.key} to {to}: {self.status}"


class ThrottleWindow(models.Model):
    """A throttle's count, kept in the database only while the cache cannot
    count (Redis down), so a limit that would otherwise fail open still holds."""

    key = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M}"


# ---- playbook templates, objections and evidence, progress reports ------


class TacticTemplate(Versioned, models.Model):
    """A team's own playbook entry, shown next to the built-in ones."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="tactic_templates"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(
        max_length=NOTE_MAX, help_text="What it is, in a sentence or two."
    )
    how_to = models.TextField(
        "how to do it",
        max_length=STEPS_MAX,
        blank=True,
        help_text="One step per line.",
    )
    risks = models.TextField(
        max_length=NOTE_MAX, blank=True, help_text="What can go wrong."
    )
    milestone_title = models.CharField(
        "suggested milestone",
        max_length=200,
        blank=True,
        help_text='A measurable sign it is working, e.g. "Pilot results presented".',
    )
    milestone_target = models.PositiveIntegerField(
        "milestone target", default=1, validators=[MinValueValidator(1)]
    )
    milestone_unit = models.CharField("milestone unit", max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(milestone_target__gte=1),
                name="template_milestone_target_positive",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def key(self):
        """How forms tell a team template from a built-in playbook key."""
        return f"team-{self.pk}"

    @property
    def steps(self):
        return [line.strip() for line in self.how_to.splitlines() if line.strip()]


class PeerMove(models.Model):
    """Something a peer or rival organisation did, logged once per campaign
    and cited as evidence wherever it helps."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="peer_moves"
    )
    organisation = models.CharField(max_length=150)
    what = models.TextField("what they did", max_length=NOTE_MAX)
    link = models.URLField(max_length=500, blank=True)
    happened_on = models.DateField("when", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-pk"]

    def __str__(self):
        return f"{self.organisation}: {self.what[:60]}"


class Objection(Versioned, models.Model):
    """A stakeholder's reason to say no ("no budget", "loss of control")."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="objections"
    )
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, related_name="objections"
    )
    text = models.CharField("objection", max_length=200)
    details = models.TextField(max_length=NOTE_MAX, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["answered_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "answered_at"])]

    def __str__(self):
        return f"{self.stakeholder}: {self.text}"

    @property
    def is_open(self):
        return self.answered_at is None


class EvidenceKind(models.TextChoices):
    PEER_MOVE = "peer_move", "Competitor or peer move"
    PILOT = "pilot", "Pilot numbers"
    MILESTONE = "milestone", "Milestone reached"
    SURVEY = "survey", "Audience survey"
    MENTION = "mention", "Said outside (a mention)"


class Evidence(models.Model):
    """Something shown in answer to an objection."""

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(max_length=12, choices=EvidenceKind)
    summary = models.TextField(
        max_length=NOTE_MAX,
        help_text="What it shows: the numbers, the finding, the move.",
    )
    link = models.URLField(max_length=500, blank=True)
    happened_on = models.DateField("date", null=True, blank=True)
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence",
    )
    peer_move = models.ForeignKey(
        PeerMove,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary[:60]}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"


class ProgressReport(Versioned, models.Model):
    """What a campaign did and showed in a period, as sent upward.

    The sections are stored as text when the draft is made and can be edited
    until the report is marked as sent; from then on it reads as it was sent,
    whatever happens to the campaign's data later."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="reports"
    )
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    # {section key: text}; the keys and headings are in campaigns/reports.py.
    sections = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=8, choices=ReportStatus, default=ReportStatus.DRAFT
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Counts saves through the edit forms: a form carries the version it was
    # loaded from, and a save over a newer one is refused (campaigns/versions.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-period_end", "-pk"]
        indexes = [models.Index(fields=["campaign", "-period_end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values),
                name="report_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("report_detail", args=[self.campaign_id, self.pk])

    @property
    def is_sent(self):
        return self.status == ReportStatus.SENT


class ReportPdf(models.Model):
    """A progress report rendered to PDF by the worker, once per content.

    `key` is the sha256 of what the PDF is made from (the report's HTML, the
    paper size and the print style sheet): a report that reads differently
    gets a row of its own, one that reads the same reuses its PDF. The bytes
    live here because the database is what every web and worker machine
    shares. The states and claims are in campaigns/report_pdf.py."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Paper(models.TextChoices):
        A4 = "a4", "A4"
        LETTER = "letter", "US Letter"

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="pdfs"
    )
    key = models.CharField(max_length=64)
    paper = models.CharField(max_length=6, choices=Paper, default=Paper.A4)
    status = models.CharField(max_length=7, choices=Status, default=Status.PENDING)
    # The document the worker renders; emptied once the PDF is made.
    html = models.TextField(blank=True)
    content = models.BinaryField(blank=True, default=b"")
    # What the reader is told when it failed.
    error = models.CharField(max_length=300, blank=True)
    # Renders started: a task delivered again after its worker died counts.
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "key"], name="report_pdf_one_per_content"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "ready", "failed"]),
                name="report_pdf_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.report} ({self.get_paper_display()}, {self.status})"


class CalendarFeed(models.Model):
    """A private calendar address: a person's own dates across their
    campaigns (campaign empty), or a whole campaign's for its lead. The token
    is the only key, so a new one revokes the old address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "campaign"], name="calendar_feed_one_per_campaign"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(campaign__isnull=True),
                name="calendar_feed_one_personal",
            ),
        ]

    def __str__(self):
        return f"Calendar of {self.user}" + (
            f" for {self.campaign}" if self.campaign_id else ""
        )


class ReportLink(models.Model):
    """A read-only web copy of a sent report for people without an account.

    The address carries a signature of this row's id (campaigns/report_mail.py);
    the row says until when it works and whether the team revoked it."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Link to {self.report}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class FeedLabel(models.TextChoices):
    ORGANISATION = "organisation", "About us"
    PEER = "peer", "A peer"
    RIVAL = "rival", "A rival"


class Feed(models.Model):
    """An RSS or Atom feed the campaign listens to, such as the alerts a web
    watcher sends for the organisation's name (campaigns/listening.py)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="feeds"
    )
    url = models.URLField("feed address", max_length=500)
    label = models.CharField(
        max_length=12, choices=FeedLabel, default=FeedLabel.ORGANISATION
    )
    title = models.CharField(max_length=200, blank=True)
    # For conditional requests: an unchanged feed answers 304 and costs nothing.
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Why the last fetch failed, for the page; empty when it worked.
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "url"], name="feed_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(label__in=FeedLabel.values), name="feed_label_valid"
            ),
        ]

    def __str__(self):
        return self.title or self.url


class MentionStatus(models.TextChoices):
    NEW = "new", "New"
    DISMISSED = "dismissed", "Dismissed"
    KEPT = "kept", "Kept"


class Mention(models.Model):
    """One item of a feed, stored once (by its id, else its link)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="mentions")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="mentions"
    )
    guid = models.CharField(max_length=500)
    title = models.CharField(max_length=300)
    link = models.URLField(max_length=1000, blank=True)
    summary = models.TextField(max_length=NOTE_MAX, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=MentionStatus, default=MentionStatus.NEW
    )
    # What the team made of it: evidence for an objection, or a peer move.
    evidence = models.ForeignKey(
        "Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    peer_move = models.ForeignKey(
        PeerMove, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-found_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "status", "found_at"])]
        constraints = [
            models.UniqueConstraint(fields=["feed", "guid"], name="mention_once"),
            models.CheckConstraint(
                condition=Q(status__in=MentionStatus.values),
                name="mention_status_valid",
            ),
        ]

    def __str__(self):
        return self.title


class ListeningSubscription(models.Model):
    """A stakeholder who agreed to a weekly email of what is being said about
    the organisation, its peers and rivals (campaigns/listening_mail.py).

    One row per stakeholder: signing them up again after they stopped
    replaces the consent, and the campaign's activity keeps each change."""

    stakeholder = models.OneToOneField(
        Stakeholder, on_delete=models.CASCADE, related_name="listening_subscription"
    )
    consent = models.CharField(
        "how they agreed",
        max_length=300,
        help_text="For example: said yes when we met on 2 December.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Set when it stops: by the team, or by the stakeholder's unsubscribe link.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_recipient = models.BooleanField(default=False)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.stakeholder} listens"

    @property
    def is_active(self):
        return self.ended_at is None


class HookEvent(models.TextChoices):
    """What a webhook endpoint or a chat notification can be told about. Each
    comes from an Activity (campaigns/webhooks.py EVENT_OF)."""

    TACTIC_CREATED = "tactic.created", "A tactic is added"
    TACTIC_MOVED = "tactic.moved", "A tactic moves to another open column"
    TACTIC_ASSIGNED = "tactic.assigned", "A tactic is assigned"
    TACTIC_CLOSED = "tactic.closed", "A tactic is closed (done or didn't work)"
    TACTIC_OUTCOME = "tactic.outcome", "The outcome of a closed tactic is recorded"
    STANCE_CHANGED = "stance.changed", "A stakeholder's stance changes"
    MILESTONE_REACHED = "milestone.reached", "A milestone is reached"
    REPORT_SENT = "report.sent", "A progress report is sent"


class HookTarget(models.Model):
    """What a webhook endpoint and a chat notification share: where to POST,
    which events, and the run of failures that turns it off."""

    url = models.URLField("address", max_length=500)
    events = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the first failed delivery after a success; cleared by a success.
    failing_since = models.DateTimeField(null=True, blank=True)
    # Failing for WEBHOOK_DISABLE_AFTER_HOURS turns it off; an owner turns it
    # back on.
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self):
        return self.disabled_at is None

    def event_labels(self):
        return [HookEvent(e).label for e in self.events if e in HookEvent.values]


class WebhookEndpoint(HookTarget):
    """A team's address that receives every chosen event of all its
    campaigns, signed following the Standard Webhooks specification."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    # "whsec_" and base64 of 32 random bytes. After a rotation the previous
    # secret also signs until previous_secret_until, so a receiver can switch
    # over without missing a delivery.
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.url


class ChatService(models.TextChoices):
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
    MATTERMOST = "mattermost", "Mattermost"


class ChatHook(HookTarget):
    """A campaign's incoming-webhook address of a chat service: short
    messages in that service's own format (campaigns/chat.py)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="chat_hooks"
    )
    service = models.CharField(max_length=12, choices=ChatService)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__in=ChatService.values),
                name="chat_hook_service_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_service_display()} for {self.campaign}"


class HookDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    SENT = "sent", "Delivered"
    FAILED = "failed", "Failed (will retry)"
    UNKNOWN = "unknown", "Unknown (interrupted while sending)"
    GAVE_UP = "gave_up", "Not delivered (turned off)"


class HookDelivery(models.Model):
    """One event for one webhook endpoint or one chat hook, claimed before
    each attempt (campaigns/webhooks.py), so a retry or a second worker never
    sends it twice. The event id is the Standard Webhooks message id: a
    resend keeps it, so the receiver can tell a resend from a new event."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    chat_hook = models.ForeignKey(
        ChatHook,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    event_id = models.CharField(max_length=40)
    event = models.CharField(max_length=20, choices=HookEvent)
    # The JSON body as sent: for an endpoint the event, for a chat hook the
    # service's message.
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=HookDeliveryStatus, default=HookDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "hook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=Q(endpoint__isnull=False),
                name="hook_delivery_once_per_endpoint",
            ),
            models.UniqueConstraint(
                fields=["chat_hook", "event_id"],
                condition=Q(chat_hook__isnull=False),
                name="hook_delivery_once_per_chat_hook",
            ),
            models.CheckConstraint(
                condition=Q(endpoint__isnull=False, chat_hook__isnull=True)
                | Q(endpoint__isnull=True, chat_hook__isnull=False),
                name="hook_delivery_has_one_target",
            ),
            models.CheckConstraint(
                condition=Q(status__in=HookDeliveryStatus.values),
                name="hook_delivery_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.event} {self.event_id}: {self.status}"

    @property
    def target(self):
        return self.endpoint if self.endpoint_id else self.chat_hook


class NoticeKind(models.TextChoices):
    """What a notification under the bell is about."""

    MENTION = "mention", "Mentioned you"
    ASSIGNED = "assigned", "Assigned to you"
    DUE_SOON = "due_soon", "Due tomorrow"
    DECIDER_MOVED = "decider_moved", "A decider moved"


class Notification(models.Model):
    """One thing a person should know about, under the bell in the header
    (campaigns/notices.py makes them). `key` names the event, so the same
    event never makes two for one person, however often it is retried."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=14, choices=NoticeKind)
    key = models.CharField(max_length=120)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="notices"
    )
    tactic = models.ForeignKey(
        Tactic, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"]),
            # The bell's unread count reads only this small index.
            models.Index(
                fields=["user"],
                condition=Q(read_at__isnull=True),
                name="notice_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"], name="notice_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_unread(self):
        return self.read_at is None

    def target_url(self):
        if self.tactic_id:
            return reverse("tactic_detail", args=[self.campaign_id, self.tactic_id])
        if self.stakeholder_id:
            return reverse(
                "stakeholder_detail", args=[self.campaign_id, self.stakeholder_id]
            )
        return reverse("campaign_detail", args=[self.campaign_id])


class ApiToken(models.Model):
    """A personal access token for the JSON API (campaigns/api/).

    The key is shown once when it is made; only its sha256 is kept, with a
    short prefix of the key itself so that a person can tell their tokens
    apart and the API can find the row. A token acts as its person, in
    their teams with their roles, and may be limited to reading."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What it is for.")
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(
        "read only", default=False, help_text="It can read but not change anything."
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @property
    def is_active(self):
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
