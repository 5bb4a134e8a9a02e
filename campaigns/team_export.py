"""Everything a team holds, as one JSON document an owner can download.

Rows are read model by model with values(), so the number of queries is fixed
whatever the size of the team. People appear by name and email only: password
hashes and login data never leave the app.
"""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F

from .models import (
    Activity,
    Campaign,
    Evidence,
    Feed,
    Influence,
    Influencer,
    Invitation,
    Membership,
    Milestone,
    Objection,
    PeerMove,
    ProgressReport,
    Stakeholder,
    StanceChange,
    Tactic,
    TacticComment,
    TacticTemplate,
)

FORMAT_VERSION = 1


def _rows(queryset, *fields, **expressions):
    return list(queryset.order_by("pk").values(*fields, **expressions))


def export_team(team):
    """A dict of every row of the team, ready for json.dumps."""
    campaigns = Campaign.objects.filter(team=team)
    in_team = {"campaign__team": team}
    tactics = Tactic.objects.filter(**in_team)
    return {
        "format": FORMAT_VERSION,
        "exported_at": datetime.datetime.now(datetime.UTC),
        "team": {"id": team.pk, "name": team.name, "created_at": team.created_at},
        "members": _rows(
            Membership.objects.filter(team=team),
            "user_id",
            "role",
            "joined_at",
            name=F("user__name"),
            email=F("user__email"),
        ),
        "invitations": _rows(
            Invitation.objects.filter(team=team),
            "id",
            "email",
            "role",
            "created_at",
            "accepted_at",
            "invited_by_id",
        ),
        "tactic_templates": _rows(
            TacticTemplate.objects.filter(team=team),
            "id",
            "title",
            "summary",
            "how_to",
            "risks",
            "milestone_title",
            "milestone_target",
            "milestone_unit",
            "created_by_id",
            "created_at",
        ),
        "campaigns": _rows(
            campaigns,
            "id",
            "name",
            "goal",
            "lead_id",
            "status",
            "starts_on",
            "ends_on",
            "report_every_days",
            "last_reported_on",
            "deciders_needed",
            "wip_limits",
            "created_at",
            "updated_at",
        ),
        "stakeholders": _rows(
            Stakeholder.objects.filter(**in_team),
            "id",
            "campaign_id",
            "name",
            "title",
            "email",
            "power",
            "interest",
            "cares_about",
            "stance",
            "is_decider",
            "relationship_owner_id",
            "last_contacted_on",
            "created_at",
        ),
        "stance_changes": _rows(
            StanceChange.objects.filter(stakeholder__campaign__team=team),
            "id",
            "stakeholder_id",
            "from_stance",
            "to_stance",
            "reason",
            "recorded_by_id",
            "recorded_at",
            "tactic_id",
        ),
        "influencers": _rows(
            Influencer.objects.filter(**in_team),
            "id",
            "campaign_id",
            "name",
            "relationship",
            "notes",
        ),
        "influences": _rows(
            Influence.objects.filter(influencer__campaign__team=team),
            "id",
            "influencer_id",
            "stakeholder_id",
            "strength",
        ),
        "tactics": _rows(
            tactics,
            "id",
            "campaign_id",
            "title",
            "description",
            "status",
            "position",
            "assignee_id",
            "due_on",
            "influencer_id",
            "risk",
            "outcome",
            "playbook_key",
            "is_private",
            "created_by_id",
            "created_at",
            "updated_at",
            "completed_at",
            "repeat",
            "series_id",
            "follows_id",
            "milestone_id",
            "contribution",
        ),
        "feeds": _rows(
            Feed.objects.filter(campaign__team=team),
            "id",
            "campaign_id",
            "url",
            "label",
            "title",
            "created_at",
        ),
        "tactic_targets": _rows(
            Tactic.targets.through.objects.filter(tactic__campaign__team=team),
            "tactic_id",
            "stakeholder_id",
        ),
        "tactic_comments": _rows(
            TacticComment.objects.filter(tactic__campaign__team=team),
            "id",
            "tactic_id",
            "author_id",
            "body",
            "created_at",
        ),
        "milestones": _rows(
            Milestone.objects.filter(**in_team),
            "id",
            "campaign_id",
            "title",
            "target_value",
            "current_value",
            "unit",
            "due_on",
            "reached_at",
        ),
        "objections": _rows(
            Objection.objects.filter(**in_team),
            "id",
            "campaign_id",
            "stakeholder_id",
            "text",
            "details",
            "answered_at",
            "answered_by_id",
            "created_by_id",
            "created_at",
        ),
        "evidence": _rows(
            Evidence.objects.filter(objection__campaign__team=team),
            "id",
            "objection_id",
            "kind",
            "summary",
            "link",
            "happened_on",
            "milestone_id",
            "peer_move_id",
            "created_by_id",
            "created_at",
        ),
        "peer_moves": _rows(
            PeerMove.objects.filter(**in_team),
            "id",
            "campaign_id",
            "organisation",
            "what",
            "link",
            "happened_on",
            "created_by_id",
            "created_at",
        ),
        "progress_reports": _rows(
            ProgressReport.objects.filter(**in_team),
            "id",
            "campaign_id",
            "title",
            "period_start",
            "period_end",
            "sections",
            "status",
            "sent_at",
            "sent_by_id",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
        "activities": _rows(
            Activity.objects.filter(**in_team),
            "id",
            "campaign_id",
            "actor_id",
            "verb",
            "summary",
            "stakeholder_id",
            "tactic_id",
            "milestone_id",
            "data",
            "created_at",
        ),
    }


def export_json(team):
    return json.dumps(export_team(team), cls=DjangoJSONEncoder, indent=1)
