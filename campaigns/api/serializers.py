"""What the API answers: each record as its page shows it. Input is judged
by the web's own forms (views.py), so both give the same messages."""

from rest_framework import serializers

from ..models import (
    Activity,
    Campaign,
    Influence,
    Influencer,
    Milestone,
    Objection,
    ProgressReport,
    Stakeholder,
    StanceChange,
    Tactic,
    TacticStatus,
    Team,
)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.CharField(help_text="Your role in the team.")

    class Meta:
        model = Team
        fields = ["id", "name", "role", "created_at"]


class CampaignSerializer(serializers.ModelSerializer):
    lead = PersonSerializer(allow_null=True)
    report_due_on = serializers.DateField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "team",
            "name",
            "goal",
            "lead",
            "status",
            "starts_on",
            "ends_on",
            "report_every_days",
            "last_reported_on",
            "report_due_on",
            "deciders_needed",
            "wip_limits",
            "board_version",
            "version",
        ]


class StanceChangeSerializer(serializers.ModelSerializer):
    recorded_by = PersonSerializer(allow_null=True)
    tactic = serializers.SerializerMethodField()

    class Meta:
        model = StanceChange
        fields = [
            "id",
            "from_stance",
            "to_stance",
            "reason",
            "recorded_by",
            "recorded_at",
            "tactic",
        ]

    def get_tactic(self, change) -> int | None:
        # A quiet tactic's credit is left out for readers who may not see it.
        hidden = self.context.get("hidden_tactics", set())
        return None if change.tactic_id in hidden else change.tactic_id


class StakeholderSerializer(serializers.ModelSerializer):
    stance_label = serializers.CharField(source="get_stance_display")

    class Meta:
        model = Stakeholder
        fields = [
            "id",
            "name",
            "title",
            "power",
            "interest",
            "cares_about",
            "stance",
            "stance_label",
            "is_decider",
            "relationship_owner",
            "last_contacted_on",
            "email",
            "version",
        ]


class StakeholderDetailSerializer(StakeholderSerializer):
    stance_history = serializers.SerializerMethodField()

    class Meta(StakeholderSerializer.Meta):
        fields = [*StakeholderSerializer.Meta.fields, "stance_history"]

    def get_stance_history(self, stakeholder) -> list[dict]:
        return StanceChangeSerializer(
            stakeholder.history, many=True, context=self.context
        ).data


class InfluenceSerializer(serializers.ModelSerializer):
    stakeholder_name = serializers.CharField(source="stakeholder.name")

    class Meta:
        model = Influence
        fields = ["id", "stakeholder", "stakeholder_name", "strength"]


class InfluencerSerializer(serializers.ModelSerializer):
    links = InfluenceSerializer(source="influences", many=True)

    class Meta:
        model = Influencer
        fields = ["id", "name", "relationship", "notes", "links", "version"]


class TacticSerializer(serializers.ModelSerializer):
    status_label = serializers.SerializerMethodField()
    assignee = PersonSerializer(allow_null=True)

    class Meta:
        model = Tactic
        fields = [
            "id",
            "title",
            "description",
            "status",
            "status_label",
            "position",
            "assignee",
            "due_on",
            "targets",
            "influencer",
            "risk",
            "outcome",
            "is_private",
            "repeat",
            "milestone",
            "contribution",
            "completed_at",
            "updated_at",
            "version",
        ]

    def get_status_label(self, tactic) -> str:
        return TacticStatus(tactic.status).label


class MilestoneSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True, help_text="0 to 100.")

    class Meta:
        model = Milestone
        fields = [
            "id",
            "title",
            "target_value",
            "current_value",
            "unit",
            "percent",
            "due_on",
            "reached_at",
            "version",
        ]


class ObjectionSerializer(serializers.ModelSerializer):
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id",
            "stakeholder",
            "text",
            "details",
            "is_open",
            "answered_at",
            "created_at",
            "version",
        ]


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "title",
            "period_start",
            "period_end",
            "status",
            "sent_at",
            "created_at",
            "version",
        ]


class ReportDetailSerializer(ReportSerializer):
    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "sections"]


class ActivitySerializer(serializers.ModelSerializer):
    actor = PersonSerializer(allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "verb",
            "summary",
            "actor",
            "stakeholder",
            "tactic",
            "milestone",
            "data",
            "created_at",
        ]


# ---- request bodies, for the schema (the web's forms judge them) ----------


class TacticCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=TacticStatus.choices)


class TacticEditSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The version you read: a save over a newer one is a 409."
    )
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    targets = serializers.ListField(child=serializers.IntegerField(), required=False)
    influencer = serializers.IntegerField(required=False, allow_null=True)
    risk = serializers.CharField(required=False, allow_blank=True)
    outcome = serializers.CharField(required=False, allow_blank=True)
    is_private = serializers.BooleanField(required=False)
    milestone = serializers.IntegerField(required=False, allow_null=True)
    contribution = serializers.IntegerField(required=False, allow_null=True)


class MoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=TacticStatus.choices, help_text="The column."
    )
    position = serializers.IntegerField(
        required=False, help_text="The place in the column: 1 is the top."
    )
    board_version = serializers.IntegerField(
        required=False,
        help_text="The board version you read (campaign's board_version): if "
        "the board moved on since, nothing moves and the answer is a 409.",
    )


class MoveResultSerializer(serializers.Serializer):
    tactic = TacticSerializer()
    moved = serializers.BooleanField()
    from_status = serializers.CharField()
    board_version = serializers.IntegerField()
    next_occurrence = serializers.IntegerField(allow_null=True)


class StakeholderCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    title = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(required=False)
    power = serializers.IntegerField(min_value=1, max_value=5)
    interest = serializers.IntegerField(min_value=1, max_value=5)
    cares_about = serializers.CharField(required=False)
    is_decider = serializers.BooleanField(required=False)
    relationship_owner = serializers.IntegerField(required=False, allow_null=True)
    stance = serializers.IntegerField(min_value=1, max_value=6)


class StanceChangeCreateSerializer(serializers.Serializer):
    to_stance = serializers.IntegerField(
        min_value=1, max_value=6, help_text="1 opposed … 6 champion."
    )
    reason = serializers.CharField(help_text="Why it changed.")
    tactic = serializers.IntegerField(
        required=False, allow_null=True, help_text="The tactic that moved them."
    )


class MilestoneCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    target_value = serializers.IntegerField(min_value=1)
    current_value = serializers.IntegerField(min_value=0)
    unit = serializers.CharField(max_length=40, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)


class MilestoneProgressSerializer(serializers.Serializer):
    current_value = serializers.IntegerField(min_value=0)
    version = serializers.IntegerField(
        help_text="The version you read: a save over a newer one is a 409."
    )


class InfluencerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    relationship = serializers.CharField(max_length=150, required=False)
    notes = serializers.CharField(required=False)


class InfluenceCreateSerializer(serializers.Serializer):
    stakeholder = serializers.IntegerField(help_text="A stakeholder's id.")
    strength = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1 (a nudge) to 5 (decisive)."
    )


class ObjectionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=200, help_text="The objection.")
    details = serializers.CharField(required=False)


class CampaignEditSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The version you read: a save over a newer one is a 409."
    )
    name = serializers.CharField(max_length=160, required=False)
    goal = serializers.CharField(required=False)
    lead = serializers.IntegerField(required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=["active", "paused", "won", "lost"], required=False
    )
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True)
    report_every_days = serializers.IntegerField(
        min_value=1, max_value=365, required=False
    )
    deciders_needed = serializers.IntegerField(
        min_value=1, required=False, allow_null=True
    )


def _edit(create):
    """The same fields, all optional, with the version read."""

    class Edit(create):
        version = serializers.IntegerField(
            help_text="The version you read: a save over a newer one is a 409."
        )

        def get_fields(self):
            fields = super().get_fields()
            for name, field in fields.items():
                if name != "version":
                    field.required = False
            return fields

    Edit.__name__ = create.__name__.replace("Create", "Edit")
    return Edit


StakeholderEditSerializer = _edit(StakeholderCreateSerializer)
InfluencerEditSerializer = _edit(InfluencerCreateSerializer)
MilestoneEditSerializer = _edit(MilestoneCreateSerializer)


class ObjectionAnswerSerializer(serializers.Serializer):
    answered = serializers.BooleanField(help_text="false opens it again.")


class ReportCreateSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    fields = serializers.DictField(required=False)
