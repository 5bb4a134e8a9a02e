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
