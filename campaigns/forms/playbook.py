"""Forms of the playbook: the team's own templates, adding templates to a
board, and starting a campaign from the playbook."""

import datetime

from django import forms
from django.utils import dateformat, timezone

from ..models import NOTE_MAX, Campaign, Stance, TacticTemplate
from ..versions import VersionedForm
from .campaigns import DateInput, NoColonMixin


class TacticTemplateForm(VersionedForm, NoColonMixin, forms.ModelForm):
    class Meta:
        model = TacticTemplate
        fields = [
            "title",
            "summary",
            "how_to",
            "risks",
            "milestone_title",
            "milestone_target",
            "milestone_unit",
        ]
        labels = {"how_to": "How to do it", "risks": "Risks"}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "how_to": forms.Textarea(attrs={"rows": 5}),
            "risks": forms.Textarea(attrs={"rows": 2}),
            "milestone_target": forms.NumberInput(attrs={"min": 1}),
        }
        help_texts = {"milestone_unit": 'e.g. "people", "reports"'}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "Give the template a title."
        self.fields["summary"].error_messages["required"] = "Say what the tactic is."

    def clean_milestone_target(self):
        target = self.cleaned_data["milestone_target"]
        if target is not None and target < 1:
            raise forms.ValidationError("The target must be at least 1.")
        return target


class TemplatePicker(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Tactics from the playbook")
        super().__init__(**kwargs)


def _templates_by_key(templates):
    return {t.key: t for t in templates}


class AddToBoardForm(NoColonMixin, forms.Form):
    """Chosen playbook templates become Backlog cards of one campaign."""

    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(),
        label="Campaign",
        empty_label="Choose a campaign",
    )
    templates = TemplatePicker(
        error_messages={"required": "Choose at least one tactic to add."}
    )

    def __init__(self, *args, team, templates, **kwargs):
        kwargs.setdefault("auto_id", "add_%s")
        super().__init__(*args, **kwargs)
        self.by_key = _templates_by_key(templates)
        self.fields["campaign"].queryset = Campaign.objects.filter(team=team)
        self.fields["templates"].choices = [(t.key, t.title) for t in templates]

    def clean_templates(self):
        return [self.by_key[key] for key in self.cleaned_data["templates"]]


SIZE_CHOICES = [
    ("small", "Small: a few weeks, within what we are already allowed to do"),
    ("medium", "Medium: a pilot of about three months"),
    ("large", "Large: an ongoing programme"),
]
SIZE_DAYS = {"small": 30, "medium": 90, "large": 180}
# How far ahead a campaign from the playbook may start. Its first step falls
# due up to SIZE_DAYS after the start and its reports every few weeks from
# it, so an unbounded date would run those sums past the end of the calendar.
START_WITHIN_YEARS = 5


def latest_start(today=None):
    """The last day a campaign from the playbook may start on."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + START_WITHIN_YEARS)
    except ValueError:  # 29 February, and no such day that year
        return today.replace(year=today.year + START_WITHIN_YEARS, day=28)


class StartCampaignForm(NoColonMixin, forms.Form):
    """The playbook wizard: a few questions, then the campaign and its board."""

    name = forms.CharField(
        label="Campaign name",
        max_length=160,
        help_text="The change you want approved, e.g. “A pilot of a company blog”.",
        error_messages={"required": "Give the campaign a name."},
    )
    decider_name = forms.CharField(
        label="Their name",
        max_length=150,
        error_messages={"required": "Name the person who decides."},
    )
    decider_title = forms.CharField(
        label="Their role or title", max_length=150, required=False
    )
    # Where they stand before the campaign: their starting point on the
    # ladder, not a move (no stance change is recorded for it). A post made
    # without this page's form starts them at the model's default.
    decider_stance = forms.TypedChoiceField(
        label="Where do they stand today?",
        choices=Stance.choices,
        coerce=int,
        required=False,
        empty_value=Stance.NEUTRAL,
        initial=Stance.NEUTRAL,
        help_text="Their starting point. Moves from here are the campaign's story.",
    )
    cares_about = forms.CharField(
        label="What do they care about?",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In their own words: the goals they will be judged on.",
    )
    goal = forms.CharField(
        label="Goal, in their terms",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How this change gets them what they already want.",
    )
    first_step = forms.CharField(
        label="The first step you will ask for",
        max_length=160,
        help_text="Small and measurable, e.g. “Three months of a staff blog”.",
    )
    first_step_size = forms.ChoiceField(
        label="How big is that first step?",
        choices=SIZE_CHOICES,
        initial="small",
        widget=forms.RadioSelect,
    )
    starts_on = forms.DateField(label="Starts on", widget=DateInput())
    templates = TemplatePicker(
        required=False,
        help_text="Each becomes a Backlog card with its suggested milestone.",
    )

    def __init__(self, *args, team, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.by_key = _templates_by_key(templates)
        self.fields["templates"].choices = [(t.key, t.title) for t in templates]
        self.fields["starts_on"].initial = timezone.localdate
        self.latest_start = latest_start()
        self.fields["starts_on"].widget.attrs["max"] = self.latest_start.isoformat()

    def clean_starts_on(self):
        starts_on = self.cleaned_data["starts_on"]
        if starts_on > self.latest_start:
            raise forms.ValidationError(
                f"Choose a start within {START_WITHIN_YEARS} years: "
                f"{dateformat.format(self.latest_start, 'j M Y')} at the latest."
            )
        return starts_on

    def clean_templates(self):
        return [self.by_key[key] for key in self.cleaned_data["templates"]]

    @property
    def first_step_due(self):
        starts_on = self.cleaned_data["starts_on"]
        return starts_on + datetime.timedelta(
            days=SIZE_DAYS[self.cleaned_data["first_step_size"]]
        )
