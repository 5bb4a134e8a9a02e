"""Forms for objections, the evidence that answers them, and peer moves."""

from django import forms

from ..models import Evidence, EvidenceKind, Objection, PeerMove
from ..versions import VersionedForm
from .campaigns import DateInput, NoColonMixin

COMMON_OBJECTIONS = ["No budget", "Loss of control", "Waste of time"]


class ObjectionForm(VersionedForm, NoColonMixin, forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["text", "details"]
        labels = {"text": "Objection", "details": "In their words (optional)"}
        help_texts = {"text": "E.g. “" + "”, “".join(COMMON_OBJECTIONS) + "”."}
        widgets = {"details": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"text": {"required": "Say what the objection is."}}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "objection_%s")
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["list"] = "common-objections"


class EvidenceForm(NoColonMixin, forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["kind", "summary", "link", "happened_on", "milestone", "peer_move"]
        labels = {
            "kind": "Kind of evidence",
            "summary": "What it shows",
            "happened_on": "Date",
            "milestone": "Milestone reached",
            "peer_move": "Peer or competitor move",
        }
        help_texts = {
            "summary": "The numbers, the finding, the move. Optional when you "
            "choose a milestone or a logged peer move.",
            "peer_move": "Choose a logged move, or give a link and a date.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "happened_on": DateInput(),
        }

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].required = False
        self.fields["milestone"].queryset = campaign.milestones.order_by("title")
        self.fields["milestone"].empty_label = "None"
        self.fields["peer_move"].queryset = campaign.peer_moves.all()
        self.fields["peer_move"].empty_label = "None"

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        milestone, move = cleaned.get("milestone"), cleaned.get("peer_move")
        summary = (cleaned.get("summary") or "").strip()
        if kind == EvidenceKind.MILESTONE and not milestone:
            self.add_error("milestone", "Choose the milestone that was reached.")
        if kind == EvidenceKind.PEER_MOVE and not move:
            if not cleaned.get("link"):
                self.add_error(
                    "link", "Give a link to the move, or choose a logged one."
                )
            if not cleaned.get("happened_on"):
                self.add_error("happened_on", "When did they do it?")
        # Cited records speak for themselves when nothing else is written.
        if not summary and kind == EvidenceKind.MILESTONE and milestone:
            summary = f"Milestone “{milestone.title}”: {milestone.current_value} of "
            summary += f"{milestone.target_value} {milestone.unit}".rstrip()
        if not summary and kind == EvidenceKind.PEER_MOVE and move:
            summary = f"{move.organisation}: {move.what}"
        if not summary and "summary" not in self.errors:
            self.add_error("summary", "Say what the evidence shows.")
        cleaned["summary"] = summary
        return cleaned


class PeerMoveForm(NoColonMixin, forms.ModelForm):
    class Meta:
        model = PeerMove
        fields = ["organisation", "what", "link", "happened_on"]
        labels = {"happened_on": "When"}
        widgets = {
            "what": forms.Textarea(attrs={"rows": 2}),
            "happened_on": DateInput(),
        }
