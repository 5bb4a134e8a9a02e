"""Forms for a campaign and the people in it: stakeholders, stance changes,
influencers and their links, and milestones."""

import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from ..models import (
    NOTE_MAX,
    WRITER_ROLES,
    Campaign,
    Influence,
    Influencer,
    Milestone,
    Stakeholder,
    Stance,
    User,
)
from ..versions import VersionedForm


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # ISO format is what <input type="date"> reads and sends.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class NoColonMixin:
    """Labels read as plain words ("Name", "Why did it change?")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def team_writers(team):
    """The team's owners and members: people who can lead or keep in touch."""
    return User.objects.filter(
        memberships__team=team, memberships__role__in=WRITER_ROLES
    ).order_by("name", "email")


def _unique_name_error(model, campaign, name, instance, noun):
    """The campaign's unique-name rule as a field message, not an IntegrityError."""
    others = model.objects.filter(campaign=campaign, name__iexact=name)
    if instance.pk:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        return f"This campaign already has {noun} called “{name}”."
    return None


# A campaign's dates stay well inside the calendar: its report falls due up to
# a year after the start, and pages count days from there.
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(8999, 12, 31)
DATE_RANGE = "Choose a date from 1 Jan 1900 to 31 Dec 8999."


class CampaignForm(VersionedForm, NoColonMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "goal",
            "lead",
            "status",
            "starts_on",
            "ends_on",
            "report_every_days",
            "deciders_needed",
        ]
        labels = {
            "deciders_needed": "Deciders who must agree",
            "goal": "Goal, in the decision makers' terms",
            "starts_on": "Starts on",
            "ends_on": "Ends on",
        }
        help_texts = {
            "goal": "What the decision makers already want, and how this change "
            "gets them there.",
            "ends_on": "Optional.",
            "report_every_days": "Days between progress reports to the decision "
            "makers.",
            "deciders_needed": "Leave empty if every stakeholder marked as "
            "deciding must agree.",
        }
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "deciders_needed": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people who can act in the team may lead its campaign.
        self.fields["lead"].queryset = team_writers(team)
        self.fields["lead"].empty_label = "No lead yet"
        for name in ("starts_on", "ends_on"):
            self.fields[name].validators += [
                MinValueValidator(FIRST_DAY, DATE_RANGE),
                MaxValueValidator(LAST_DAY, DATE_RANGE),
            ]
            self.fields[name].widget.attrs.update(
                min=FIRST_DAY.isoformat(), max=LAST_DAY.isoformat()
            )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The end date cannot be before the start date.")
        return cleaned


class StakeholderForm(VersionedForm, NoColonMixin, forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = [
            "name",
            "title",
            "email",
            "power",
            "interest",
            "cares_about",
            "is_decider",
            "relationship_owner",
            "stance",
        ]
        labels = {
            "is_decider": "Decides",
            "relationship_owner": "Relationship owner",
            "power": "Power (1–5)",
            "interest": "Interest (1–5)",
            "cares_about": "Cares about",
            "stance": "Stance today",
        }
        # The scale is explained once under both fields (see the templates).
        help_texts = {
            "power": "",
            "interest": "",
            "is_decider": "Their yes counts in the decision.",
            "relationship_owner": "The teammate who keeps in touch with them.",
        }
        widgets = {
            "power": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "interest": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "cares_about": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["relationship_owner"].queryset = team_writers(campaign.team)
        self.fields["relationship_owner"].empty_label = "Nobody yet"
        if self.instance.pk:
            # A stance moves only through a stance change, which keeps its reason.
            del self.fields["stance"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        error = _unique_name_error(
            Stakeholder, self.campaign, name, self.instance, "a stakeholder"
        )
        if error:
            raise forms.ValidationError(error)
        return name

    def save(self, commit=True):
        self.instance.campaign = self.campaign
        return super().save(commit=commit)


class StanceChangeForm(NoColonMixin, forms.Form):
    to_stance = forms.TypedChoiceField(
        label="New stance", choices=Stance.choices, coerce=int
    )
    reason = forms.CharField(
        label="Why did it change?",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened: the meeting, the numbers, the person who talked "
        "to them.",
    )

    def __init__(self, *args, stakeholder, **kwargs):
        super().__init__(*args, **kwargs)
        self.stakeholder = stakeholder

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the stance changed.")
        return reason

    def clean_to_stance(self):
        to_stance = self.cleaned_data["to_stance"]
        if to_stance == self.stakeholder.stance:
            raise forms.ValidationError(
                f"{self.stakeholder.name} is already "
                f"{Stance(to_stance).label.lower()}: choose a different stance."
            )
        return to_stance


class InfluencerForm(VersionedForm, NoColonMixin, forms.ModelForm):
    class Meta:
        model = Influencer
        fields = ["name", "relationship", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        error = _unique_name_error(
            Influencer, self.campaign, name, self.instance, "an influencer"
        )
        if error:
            raise forms.ValidationError(error)
        return name

    def save(self, commit=True):
        self.instance.campaign = self.campaign
        return super().save(commit=commit)


class InfluenceForm(NoColonMixin, forms.Form):
    """Links an influencer to one of the same campaign's stakeholders.

    Takes the stakeholders as an already loaded list so that a page showing
    one of these forms per influencer still runs a fixed number of queries;
    an id outside the list fails as an invalid choice.
    """

    stakeholder = forms.TypedChoiceField(label="Stakeholder", coerce=int)
    strength = forms.IntegerField(
        label="Strength",
        min_value=1,
        max_value=5,
        initial=3,
        help_text="1 (a nudge) to 5 (decisive).",
    )

    def __init__(self, *args, influencer, stakeholders, **kwargs):
        super().__init__(*args, **kwargs)
        self.influencer = influencer
        self.stakeholders = {s.pk: s for s in stakeholders}
        self.fields["stakeholder"].choices = [("", "Choose a stakeholder")] + [
            (s.pk, s.name) for s in stakeholders
        ]

    def clean_stakeholder(self):
        return self.stakeholders[self.cleaned_data["stakeholder"]]

    def clean(self):
        cleaned = super().clean()
        stakeholder = cleaned.get("stakeholder")
        if (
            stakeholder
            and Influence.objects.filter(
                influencer=self.influencer, stakeholder=stakeholder
            ).exists()
        ):
            self.add_error(
                "stakeholder",
                f"{self.influencer.name} is already linked to {stakeholder.name}.",
            )
        return cleaned

    def save(self):
        return Influence.objects.create(
            influencer=self.influencer,
            stakeholder=self.cleaned_data["stakeholder"],
            strength=self.cleaned_data["strength"],
        )


class MilestoneForm(VersionedForm, NoColonMixin, forms.ModelForm):
    # save() stamps or clears it to match the values entered.
    also_saves = ("reached_at",)

    class Meta:
        model = Milestone
        fields = ["title", "target_value", "current_value", "unit", "due_on"]
        labels = {
            "target_value": "Target",
            "current_value": "Current value",
            "due_on": "Due on",
        }
        widgets = {
            "target_value": forms.NumberInput(attrs={"min": 1}),
            "current_value": forms.NumberInput(attrs={"min": 0}),
            "due_on": DateInput(),
        }

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["target_value"].validators.append(_at_least_one)

    def save(self, commit=True):
        milestone = super().save(commit=False)
        milestone.campaign = self.campaign
        # Stamps or clears reached_at to match the values just entered.
        milestone.set_current_value(self.cleaned_data["current_value"])
        if commit:
            milestone.save()
        return milestone


def _at_least_one(value):
    if value is not None and value < 1:
        raise forms.ValidationError("The target must be at least 1.")


class MilestoneProgressForm(VersionedForm, NoColonMixin, forms.Form):
    """The quick update on the list: it saves the current value over a version
    as the edit form does, so neither writes over the other (`record`: the
    milestone)."""

    # The column's range (a PostgreSQL integer), as the edit form has it from
    # the model field.
    current_value = forms.IntegerField(
        label="Current value", min_value=0, max_value=2**31 - 1
    )
