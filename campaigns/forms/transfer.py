"""Forms for CSV import: the upload, and one row of a stakeholders file."""

import base64
import binascii

from django import forms

from ..csv_io import stance_from
from ..models import Stance
from .campaigns import NoColonMixin, team_writers

YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


class StakeholderRowForm(forms.Form):
    """One CSV row, written the way the export writes it."""

    name = forms.CharField(max_length=150)
    title = forms.CharField(max_length=150, required=False)
    power = forms.IntegerField(min_value=1, max_value=5, required=False)
    interest = forms.IntegerField(min_value=1, max_value=5, required=False)
    stance = forms.CharField(required=False)
    decides = forms.CharField(required=False)
    cares_about = forms.CharField(required=False)
    relationship_owner = forms.EmailField(required=False)
    last_contacted_on = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Write the date as YYYY-MM-DD."},
    )

    def __init__(self, data, *, writers):
        super().__init__(data)
        self.writers = writers  # {email: user}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A name is required.")
        return name

    def clean_power(self):
        return self.cleaned_data["power"] or 3

    def clean_interest(self):
        return self.cleaned_data["interest"] or 3

    def clean_stance(self):
        stance = stance_from(self.cleaned_data["stance"])
        if stance is None:
            raise forms.ValidationError(
                "Use one of " + ", ".join(Stance.labels) + " (or 1 to 6)."
            )
        return stance

    def clean_decides(self):
        value = self.cleaned_data["decides"].strip().lower()
        if value in YES:
            return True
        if value in NO:
            return False
        raise forms.ValidationError("Write yes or no.")

    def clean(self):
        cleaned = super().clean()
        if "stance" in cleaned:
            cleaned["stance_label"] = Stance(cleaned["stance"]).label
        return cleaned

    def clean_relationship_owner(self):
        email = self.cleaned_data["relationship_owner"].strip().lower()
        if not email:
            return None
        if email not in self.writers:
            raise forms.ValidationError(
                f"{email} is not an owner or member of this team."
            )
        return self.writers[email]


def row_form_for(campaign):
    """A StakeholderRowForm factory that knows the team's writers (one query)."""
    writers = {u.email.lower(): u for u in team_writers(campaign.team)}
    return lambda data: StakeholderRowForm(data, writers=writers)


class ImportForm(NoColonMixin, forms.Form):
    """A file to preview, or the previewed file's text coming back to save."""

    file = forms.FileField(
        label="CSV file of stakeholders",
        required=False,
        help_text="The same columns as the stakeholders export; only name is required.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    content = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_content(self):
        content = self.cleaned_data["content"]
        if not content:
            return ""
        try:
            return base64.b64decode(content.encode(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise forms.ValidationError(
                "The previewed file came back damaged; upload it again."
            ) from None

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("content") and not self.errors:
            self.add_error("file", "Choose a CSV file to import.")
        return cleaned

    @staticmethod
    def encode(text):
        return base64.b64encode(text.encode("utf-8")).decode()
