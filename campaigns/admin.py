from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import models


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "password1", "password2"],
            },
        )
    ]


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(models.Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "team", "role", "created_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "team__name"]
    raw_id_fields = ["team", "invited_by"]


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "lead", "status", "starts_on"]
    list_filter = ["status"]
    search_fields = ["name", "team__name"]
    raw_id_fields = ["team", "lead"]


class StanceChangeInline(admin.TabularInline):
    model = models.StanceChange
    extra = 0
    raw_id_fields = ["recorded_by", "tactic"]


@admin.register(models.Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "campaign", "stance", "power", "interest"]
    list_filter = ["stance"]
    search_fields = ["name", "title", "campaign__name"]
    raw_id_fields = ["campaign"]
    inlines = [StanceChangeInline]


class InfluenceInline(admin.TabularInline):
    model = models.Influence
    extra = 0
    raw_id_fields = ["stakeholder"]


@admin.register(models.Influencer)
class InfluencerAdmin(admin.ModelAdmin):
    list_display = ["name", "relationship", "campaign"]
    search_fields = ["name", "campaign__name"]
    raw_id_fields = ["campaign"]
    inlines = [InfluenceInline]


@admin.register(models.Tactic)
class TacticAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "status", "position", "assignee", "due_on"]
    list_filter = ["status"]
    search_fields = ["title", "campaign__name"]
    raw_id_fields = ["campaign", "assignee", "influencer", "created_by", "targets"]


@admin.register(models.Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "current_value", "target_value", "due_on"]
    search_fields = ["title", "campaign__name"]
    raw_id_fields = ["campaign"]


@admin.register(models.Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "campaign", "actor", "verb", "summary"]
    list_filter = ["verb"]
    search_fields = ["summary", "campaign__name"]
    raw_id_fields = ["campaign", "actor", "stakeholder", "tactic", "milestone"]
    date_hierarchy = "created_at"


@admin.register(models.NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "digest_enabled",
        "digest_weekday",
        "digest_hour",
        "time_zone",
    ]
    search_fields = ["user__email", "user__name"]
    raw_id_fields = ["user"]


@admin.register(models.EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Deliveries whose outcome is unknown are listed here for a person to check."""

    list_display = [
        "claimed_at",
        "user",
        "kind",
        "key",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["user__email", "key"]
    raw_id_fields = ["user"]
    date_hierarchy = "claimed_at"


@admin.register(models.ThrottleWindow)
class ThrottleWindowAdmin(admin.ModelAdmin):
    """Counts kept while Redis was down; deleting one lifts that limit early."""

    list_display = ["key", "count", "expires_at"]
    search_fields = ["key"]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "team__name"]
    raw_id_fields = ["team", "user"]


@admin.register(models.StanceChange)
class StanceChangeAdmin(admin.ModelAdmin):
    list_display = [
        "recorded_at",
        "stakeholder",
        "from_stance",
        "to_stance",
        "tactic",
        "recorded_by",
    ]
    list_filter = ["to_stance"]
    search_fields = ["stakeholder__name", "reason", "stakeholder__campaign__name"]
    raw_id_fields = ["stakeholder", "recorded_by", "tactic"]
    date_hierarchy = "recorded_at"


@admin.register(models.Influence)
class InfluenceAdmin(admin.ModelAdmin):
    list_display = ["influencer", "stakeholder", "strength"]
    list_filter = ["strength"]
    search_fields = ["influencer__name", "stakeholder__name"]
    raw_id_fields = ["influencer", "stakeholder"]


@admin.register(models.TacticComment)
class TacticCommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "tactic", "author"]
    search_fields = ["body", "tactic__title", "author__email"]
    raw_id_fields = ["tactic", "author"]
    date_hierarchy = "created_at"


@admin.register(models.TacticTemplate)
class TacticTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "milestone_title", "created_by", "created_at"]
    search_fields = ["title", "summary", "team__name"]
    raw_id_fields = ["team", "created_by"]


@admin.register(models.PeerMove)
class PeerMoveAdmin(admin.ModelAdmin):
    list_display = ["organisation", "campaign", "happened_on", "created_by"]
    search_fields = ["organisation", "what", "campaign__name"]
    raw_id_fields = ["campaign", "created_by"]


class EvidenceInline(admin.TabularInline):
    model = models.Evidence
    extra = 0
    raw_id_fields = ["milestone", "peer_move", "created_by"]


@admin.register(models.Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["text", "stakeholder", "campaign", "created_at", "answered_at"]
    list_filter = [("answered_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "stakeholder__name", "campaign__name"]
    raw_id_fields = ["campaign", "stakeholder", "answered_by", "created_by"]
    inlines = [EvidenceInline]


@admin.register(models.Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["kind", "objection", "happened_on", "created_at"]
    list_filter = ["kind"]
    search_fields = ["summary", "objection__text", "objection__campaign__name"]
    raw_id_fields = ["objection", "milestone", "peer_move", "created_by"]


@admin.register(models.ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "period_start", "period_end", "status"]
    list_filter = ["status"]
    search_fields = ["title", "campaign__name"]
    raw_id_fields = ["campaign", "sent_by", "created_by"]
    date_hierarchy = "period_end"


@admin.register(models.ReportPdf)
class ReportPdfAdmin(admin.ModelAdmin):
    list_display = ["report", "paper", "status", "requested_at", "finished_at"]
    list_filter = ["status", "paper"]
    search_fields = ["report__title"]
    raw_id_fields = ["report"]
    # The bytes and the HTML they were made from are not for reading here.
    exclude = ["content", "html"]


@admin.register(models.ReportLink)
class ReportLinkAdmin(admin.ModelAdmin):
    list_display = ["report", "created_by", "created_at", "expires_at", "revoked_at"]
    search_fields = ["report__title"]
    raw_id_fields = ["report", "created_by"]


@admin.register(models.CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "campaign", "created_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "campaign"]
    # The token is the address's only key.
    exclude = ["token"]


@admin.register(models.Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["url", "campaign", "label", "checked_at", "error"]
    list_filter = ["label"]
    search_fields = ["url", "title"]
    raw_id_fields = ["campaign", "created_by"]


@admin.register(models.Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "status", "found_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    raw_id_fields = ["feed", "campaign", "evidence", "peer_move"]


@admin.register(models.ListeningSubscription)
class ListeningSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["stakeholder", "recorded_at", "recorded_by", "ended_at"]
    list_filter = ["ended_by_recipient"]
    search_fields = ["stakeholder__name", "stakeholder__email"]
    raw_id_fields = ["stakeholder", "recorded_by"]


@admin.register(models.WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "team", "created_at", "failing_since", "disabled_at"]
    search_fields = ["url", "team__name"]
    raw_id_fields = ["team", "created_by"]
    # The signing secrets stay on the owners' page.
    exclude = ["secret", "previous_secret"]


@admin.register(models.ChatHook)
class ChatHookAdmin(admin.ModelAdmin):
    list_display = ["campaign", "service", "created_at", "failing_since", "disabled_at"]
    list_filter = ["service"]
    search_fields = ["campaign__name"]
    raw_id_fields = ["campaign", "created_by"]
    # The address is the key to the channel.
    exclude = ["url"]


@admin.register(models.HookDelivery)
class HookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "event", "status", "attempts", "last_status_code"]
    list_filter = ["status", "event"]
    search_fields = ["event_id"]
    raw_id_fields = ["endpoint", "chat_hook"]


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "campaign", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "text"]
    raw_id_fields = ["user", "campaign", "tactic", "stakeholder", "actor"]


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "read_only", "created_at", "revoked_at"]
    list_filter = ["read_only"]
    search_fields = ["name", "user__email", "prefix"]
    raw_id_fields = ["user"]
    # Only a hash, but still nothing to show or edit by hand.
    exclude = ["key_hash"]
