"""Forms of progress reports: choosing the period, and editing the draft."""

from django import forms

from ..reports import SECTIONS
from .campaigns import DateInput, NoColonMixin

SECTION_HELP = {
    "summary": "One or two sentences a busy reader takes away.",
    "done": "One line per tactic, starting with “- ”.",
    "credit": "Name the decision makers whose support made the progress possible.",
}


class ReportPeriodForm(NoColonMixin, forms.Form):
    period_start = forms.DateField(label="From", widget=DateInput())
    period_end = forms.DateField(label="To", widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", "The end of the period cannot be before its start."
            )
        return cleaned


class ReportForm(NoColonMixin, forms.Form):
    """The title and every generated section, prefilled and editable."""

    title = forms.CharField(
        max_length=200, error_messages={"required": "Give the report a title."}
    )

    def __init__(self, *args, report, **kwargs):
        kwargs.setdefault("initial", {"title": report.title, **(report.sections or {})})
        super().__init__(*args, **kwargs)
        for key, heading in SECTIONS:
            self.fields[key] = forms.CharField(
                label=heading,
                required=False,
                help_text=SECTION_HELP.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 4 if key != "summary" else 2}),
            )

    @property
    def sections(self):
        return {key: self.cleaned_data[key].strip() for key, _ in SECTIONS}
