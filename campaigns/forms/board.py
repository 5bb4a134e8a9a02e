"""Forms of the campaign board: quick-add, moves, the card, comments, filters."""

import functools

from django import forms
from django.db.models import Q
from django.utils import timezone

from .. import recurring
from ..models import (
    Influencer,
    Milestone,
    Stakeholder,
    Tactic,
    TacticComment,
    TacticStatus,
)
from ..versions import VersionedForm
from .campaigns import team_writers
from .widgets import LongSelect

# The "Repeats" choice that reads the rule from its own field.
CUSTOM = "custom"

# Where a teammate can be @mentioned (campaigns/notices.py); static/js/
# notices.js offers the team's writers as one types the @.
MENTION_HELP = (
    "Write @ and a teammate's handle, the part of their email before the @ "
    "(e.g. @dana.fox), or a first name no other teammate shares, to notify them."
)
MENTIONS = {"data-mentions": ""}


class QuickAddForm(forms.Form):
    title = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=TacticStatus.choices, widget=forms.HiddenInput)

    def __init__(self, *args, status=None, **kwargs):
        # One form per column: ids stay unique on the page.
        kwargs.setdefault("auto_id", f"add-{status or 'x'}-%s")
        kwargs.setdefault("initial", {"status": status})
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs.update(
            {"placeholder": "Add a tactic…", "autocomplete": "off"}
        )
        self.fields["title"].error_messages["required"] = "Give the tactic a title."


class MoveForm(forms.Form):
    """Where a card goes: a column and a place in it (1 = top, clamped)."""

    status = forms.ChoiceField(label="Column", choices=TacticStatus.choices)
    position = forms.IntegerField(label="Place (1 = top)", required=False)

    def clean_position(self):
        position = self.cleaned_data.get("position")
        # Out-of-range places are clamped by the move; "empty" means the top.
        return max(0, (position or 1) - 1)


class TacticForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Tactic
        fields = [
            "title",
            "description",
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
        ]
        labels = {
            "due_on": "Due date",
            "contribution": "How many it added",
            "targets": "Target stakeholders",
            "is_private": "Private to the team",
        }
        help_texts = {
            "is_private": "Viewers and progress reports do not see it until you "
            "untick this, e.g. for a pilot run under the radar.",
            "contribution": "E.g. the staff who came to this session: the "
            "milestone adds up what each tactic added.",
        }
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "targets": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "risk": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.Textarea(attrs={"rows": 3, **MENTIONS}),
            "contribution": forms.NumberInput(attrs={"min": 0}),
        }

    # The repeat rule is picked from a few common ones, or written out.
    repeat = forms.ChoiceField(
        label="Repeats",
        required=False,
        choices=[
            ("", "Does not repeat"),
            *recurring.PRESETS.items(),
            (CUSTOM, "Custom rule"),
        ],
    )
    custom_rule = forms.CharField(
        label="Custom rule",
        required=False,
        max_length=200,
        help_text='An iCalendar RRULE, e.g. "FREQ=WEEKLY;BYDAY=TU,TH" or '
        '"FREQ=MONTHLY;BYDAY=1MO". Used when Repeats is "Custom rule".',
    )

    def __init__(self, *args, campaign, **kwargs):
        kwargs.setdefault("label_suffix", "")  # as the app's other forms
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_writers(campaign.team_id)
        self.fields["assignee"].empty_label = "Nobody yet"
        self.fields["targets"].queryset = Stakeholder.objects.filter(
            campaign=campaign
        ).order_by("name")
        self.fields["influencer"].queryset = Influencer.objects.filter(
            campaign=campaign
        )
        self.fields["influencer"].empty_label = "Nobody in particular"
        self.fields["milestone"].queryset = Milestone.objects.filter(campaign=campaign)
        self.fields["milestone"].empty_label = "None"
        rule = self.instance.repeat
        if rule and rule not in recurring.PRESETS:
            self.initial["repeat"] = CUSTOM
            self.initial.setdefault("custom_rule", rule)
        self.fields[
            "outcome"
        ].help_text = f"{self.fields['outcome'].help_text} {MENTION_HELP}"
        self.overdue = False
        if not self.is_bound:
            self._hint_if_overdue(self.instance.due_on)

    def clean_due_on(self):
        # A date that has passed is allowed (the card was late before it was
        # written down); the form only says what it means.
        due = self.cleaned_data.get("due_on")
        self._hint_if_overdue(due)
        return due

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("repeat")
        if choice == CUSTOM:
            rule = cleaned.get("custom_rule", "").strip()
            if not rule:
                self.add_error("custom_rule", "Write the rule, or pick one above.")
                return cleaned
            try:
                recurring.parse(rule, cleaned.get("due_on") or timezone.localdate())
            except recurring.InvalidRule as error:
                self.add_error("custom_rule", str(error))
                return cleaned
            cleaned["repeat"] = recurring.normalise(rule)
        return cleaned

    def saved_values(self, record):
        # The rule as this form shows it: a preset, or "Custom rule" and its text.
        values = super().saved_values(record)
        rule = record.repeat
        custom = bool(rule) and rule not in recurring.PRESETS
        values["repeat"] = CUSTOM if custom else rule
        values["custom_rule"] = rule if custom else ""
        return values

    def _hint_if_overdue(self, due):
        self.overdue = bool(
            due and self.instance.is_open and due < timezone.localdate()
        )
        if self.overdue:
            field = self.fields["due_on"]
            field.help_text = OVERDUE_HINT
            field.widget.attrs["data-overdue"] = ""


OVERDUE_HINT = "This date has passed: the tactic shows as overdue until it is done."


class OutcomeForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Tactic
        fields = ["outcome", "contribution"]
        labels = {
            "outcome": "What happened, and what was learned?",
            "contribution": "How many it added",
        }
        help_texts = {"outcome": MENTION_HELP}
        widgets = {
            "outcome": forms.Textarea(attrs={"rows": 4, "autofocus": True, **MENTIONS}),
            "contribution": forms.NumberInput(attrs={"min": 0}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        milestone = self.instance.milestone
        if milestone is None:
            del self.fields["contribution"]
        else:
            unit = milestone.unit or "towards it"
            self.fields["contribution"].help_text = (
                f"Adds to “{milestone.title}” ({milestone.current_value} of "
                f"{milestone.target_value} {unit} so far)."
            )


class CommentForm(forms.ModelForm):
    class Meta:
        model = TacticComment
        fields = ["body"]
        labels = {"body": "Add a comment"}
        help_texts = {"body": MENTION_HELP}
        widgets = {"body": forms.Textarea(attrs={"rows": 2, **MENTIONS})}
        error_messages = {"body": {"required": "Write something first."}}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class BoardFilterForm(forms.Form):
    """Filters live in the URL so a filtered board can be shared."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    assignee = forms.ChoiceField(label="Assignee", required=False, widget=LongSelect)
    stakeholder = forms.ModelChoiceField(
        label="Stakeholder",
        queryset=Stakeholder.objects.none(),
        required=False,
        empty_label="Any stakeholder",
        widget=LongSelect,
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args, campaign, **kwargs):
        # Its own ids: the card panel on the same page has an "assignee" too.
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        stakeholders = Stakeholder.objects.filter(campaign=campaign).order_by("name")
        self.fields["stakeholder"].queryset = stakeholders

        # Both lists are read once, and only when the form is shown or checked
        # (a board answered from the cache, or a column, needs neither); the
        # stakeholders as plain rows, since the model iterator would open a
        # server-side cursor (three round trips) for a short list.
        @functools.cache
        def assignee_choices():
            writers = team_writers(campaign.team_id).values_list("pk", "name", "email")
            return [
                ("", "Anyone"),
                ("mine", "Me"),
                *((str(pk), name or email) for pk, name, email in writers),
            ]

        @functools.cache
        def stakeholder_choices():
            return [("", "Any stakeholder"), *stakeholders.values_list("pk", "name")]

        self.fields["assignee"].choices = assignee_choices
        self.fields["stakeholder"].choices = stakeholder_choices

    def filter(self, tactics, user):
        """Apply the valid filters; an invalid one is ignored (and shown)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        if data.get("q"):
            text = data["q"]
            tactics = tactics.filter(
                Q(title__icontains=text) | Q(description__icontains=text)
            )
        assignee = data.get("assignee")
        if assignee == "mine":
            tactics = tactics.filter(assignee=user)
        elif assignee:
            tactics = tactics.filter(assignee_id=int(assignee))
        if data.get("stakeholder"):
            tactics = tactics.filter(targets=data["stakeholder"])
        if data.get("overdue"):
            tactics = tactics.filter(
                due_on__lt=timezone.localdate(),
                status__in=[
                    TacticStatus.BACKLOG,
                    TacticStatus.PLANNED,
                    TacticStatus.IN_PROGRESS,
                ],
            )
        return tactics

    @property
    def active(self):
        return bool(
            self.is_bound
            and any(
                self.data.get(k) for k in ("q", "assignee", "stakeholder", "overdue")
            )
        )


class WipLimitsForm(VersionedForm, forms.Form):
    """A soft limit per column: the board flags a column that exceeds it.

    Saved over the campaign's version, as its edit form is."""

    def __init__(self, *args, campaign, **kwargs):
        kwargs.setdefault("auto_id", "limit-%s")
        super().__init__(*args, record=campaign, **kwargs)
        limits = campaign.wip_limits or {}
        for status, label in TacticStatus.choices:
            self.fields[status] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=999,
                initial=limits.get(status),
            )

    def saved_values(self, record):
        limits = record.wip_limits or {}
        return {status: limits.get(status) for status in TacticStatus.values}

    def limits(self):
        return {
            k: self.cleaned_data[k] for k in TacticStatus.values if self.cleaned_data[k]
        }
