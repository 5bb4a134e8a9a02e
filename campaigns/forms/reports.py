"""Forms of progress reports: choosing the period, and editing the draft."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

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
