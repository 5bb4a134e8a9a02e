"""Forms of the insight pages: moving someone on the stance pipeline (and on
their own page), and logging a contact."""

from django import forms

from ..models import Stance
from .campaigns import StanceChangeForm


class _CreditsTactic:
    """The optional tactic a stance move is credited to, from `tactics`.

    Takes the tactics as an already loaded list (the caller decides which the
    user may see), so a page with a form per person still runs a fixed number
    of queries; a tactic id from elsewhere fails as an invalid choice.
    """

    def _offer_tactics(self, tactics):
        self.tactics = {t.pk: t for t in tactics}
        self.fields["tactic"].choices = [("", "No particular tactic")] + [
            (t.pk, t.title) for t in tactics
        ]

    def clean_tactic(self):
        pk = self.cleaned_data["tactic"]
        return self.tactics[pk] if pk is not None else None


class StanceMoveForm(_CreditsTactic, forms.Form):
    """A move on the stance pipeline, with its reason and maybe its tactic.

    Takes the campaign's tactics as an already loaded list, so a board with a
    form on every card still runs a fixed number of queries; a tactic id from
    elsewhere fails as an invalid choice.
    """

    to_stance = forms.TypedChoiceField(label="Move to", coerce=int)
    reason = forms.CharField(
        label="Why?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What happened: the meeting, the numbers, who talked to them.",
    )
    tactic = forms.TypedChoiceField(
        label="Thanks to tactic", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, stakeholder, tactics, **kwargs):
        kwargs.setdefault("auto_id", f"move-{stakeholder.pk}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.stakeholder = stakeholder
        self.fields["to_stance"].choices = [("", "Move to…")] + [
            (s.value, s.label) for s in Stance if s.value != stakeholder.stance
        ]
        self._offer_tactics(tactics)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the stance changed.")
        return reason

    def clean_to_stance(self):
        to_stance = self.cleaned_data["to_stance"]
        if to_stance == self.stakeholder.stance:
            raise forms.ValidationError(
                f"{self.stakeholder.name} is already {Stance(to_stance).label.lower()}."
            )
        return to_stance


class StakeholderStanceForm(_CreditsTactic, StanceChangeForm):
    """The stakeholder page's stance change, credited like a pipeline move."""

    tactic = forms.TypedChoiceField(
        label="Which tactic moved them?",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Credited to it on What worked.",
    )

    def __init__(self, *args, stakeholder, tactics, **kwargs):
        super().__init__(*args, stakeholder=stakeholder, **kwargs)
        self._offer_tactics(tactics)


class ContactForm(forms.Form):
    # Drawn by templates/insights/_log_contact.html, which keeps it one line.
    note = forms.CharField(label="Note", required=False, max_length=280)

    def clean_note(self):
        return self.cleaned_data["note"].strip()
