"""Forms of progress reports: choosing the period, editing the draft, and
choosing who it is emailed to."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email

from ..models import Stakeholder, User
from ..report_mail import MAX_RECIPIENTS, Recipient
from ..reports import PERIOD_FIRST, PERIOD_LAST, REPORT_SECTION_MAX, SECTIONS, day
from ..versions import VersionedForm
from .campaigns import DateInput, NoColonMixin

SECTION_HELP = {
    "summary": "One or two sentences a busy reader takes away.",
    "done": "One line per tactic, starting with “- ”.",
    "credit": "Name the decision makers whose support made the progress possible.",
}


# Past these the period's day after, and its next steps, leave the calendar.
PERIOD_RANGE = f"Choose a date from {day(PERIOD_FIRST)} to {day(PERIOD_LAST)}."


def _period_date(label):
    return forms.DateField(
        label=label,
        widget=DateInput(
            attrs={"min": PERIOD_FIRST.isoformat(), "max": PERIOD_LAST.isoformat()}
        ),
        validators=[
            MinValueValidator(PERIOD_FIRST, PERIOD_RANGE),
            MaxValueValidator(PERIOD_LAST, PERIOD_RANGE),
        ],
    )


class ReportPeriodForm(NoColonMixin, forms.Form):
    period_start = _period_date("From")
    period_end = _period_date("To")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", "The end of the period cannot be before its start."
            )
        return cleaned


class ReportForm(VersionedForm, NoColonMixin, forms.Form):
    """The title and every generated section, prefilled and editable, saved
    over the report's version."""

    title = forms.CharField(
        max_length=200, error_messages={"required": "Give the report a title."}
    )

    def __init__(self, *args, report, **kwargs):
        kwargs.setdefault("initial", {"title": report.title, **(report.sections or {})})
        super().__init__(*args, record=report, **kwargs)
        for key, heading in SECTIONS:
            self.fields[key] = forms.CharField(
                label=heading,
                required=False,
                max_length=REPORT_SECTION_MAX,
                help_text=SECTION_HELP.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 4 if key != "summary" else 2}),
            )

    def saved_values(self, record):
        sections = record.sections or {}
        return {
            "title": record.title,
            **{key: sections.get(key, "") for key, _ in SECTIONS},
        }

    @property
    def sections(self):
        return {key: self.cleaned_data[key].strip() for key, _ in SECTIONS}


class ReportEmailForm(NoColonMixin, forms.Form):
    """Who a report goes to: stakeholders with an address, teammates, and
    any addresses typed in."""

    stakeholders = forms.ModelMultipleChoiceField(
        label="Stakeholders",
        queryset=Stakeholder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teammates = forms.ModelMultipleChoiceField(
        label="Teammates",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others = forms.CharField(
        label="Other addresses",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or more, separated by commas or new lines.",
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholders"].queryset = (
            Stakeholder.objects.filter(campaign=campaign).exclude(email="")
        ).order_by("name")
        self.fields["stakeholders"].label_from_instance = lambda s: (
            f"{s.name} <{s.email}>"
        )
        self.fields["teammates"].queryset = User.objects.filter(
            memberships__team_id=campaign.team_id, is_active=True
        ).order_by("name", "email")
        self.fields["teammates"].label_from_instance = lambda u: f"{u} <{u.email}>"

    def clean_others(self):
        text = self.cleaned_data["others"]
        addresses = [a.strip() for a in re.split(r"[,;\s]+", text) if a.strip()]
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                "Not an email address: %(bad)s.", params={"bad": ", ".join(bad[:5])}
            )
        return addresses

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        chosen = {}
        for s in cleaned.get("stakeholders", ()):
            chosen.setdefault(s.email.lower(), Recipient(s.email, s.name))
        for u in cleaned.get("teammates", ()):
            chosen[u.email.lower()] = Recipient(u.email, str(u), u.pk)
        for address in cleaned.get("others", ()):
            chosen.setdefault(address.lower(), Recipient(address))
        if not chosen:
            raise ValidationError("Choose at least one person to send it to.")
        if len(chosen) > MAX_RECIPIENTS:
            raise ValidationError(
                f"At most {MAX_RECIPIENTS} people at once: {len(chosen)} chosen."
            )
        cleaned["recipients"] = list(chosen.values())
        return cleaned
