"""Forms of the Listening page: following a feed, and what to make of a
mention."""

from django import forms
from django.db.models import Q

from ..models import Feed, Objection, Stakeholder
from .campaigns import NoColonMixin


class FeedForm(NoColonMixin, forms.ModelForm):
    class Meta:
        model = Feed
        fields = ["url", "label"]
        labels = {"url": "Feed address", "label": "It is about"}
        help_texts = {
            "url": "An RSS or Atom address, e.g. the feed of a web alert for "
            "your organisation's name.",
        }
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(
                "Only http and https addresses can be followed."
            )
        if Feed.objects.filter(campaign=self.campaign, url=url).exists():
            raise forms.ValidationError("The campaign follows this feed already.")
        return url


class KeepAsEvidenceForm(NoColonMixin, forms.Form):
    objection = forms.ModelChoiceField(
        label="Evidence for", queryset=Objection.objects.none()
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["objection"]
        field.queryset = Objection.objects.filter(
            campaign=campaign, answered_at__isnull=True
        ).select_related("stakeholder")
        field.label_from_instance = lambda o: f"{o.stakeholder.name}: {o.text}"
        field.empty_label = "Choose an objection"


class PeerMoveFromMentionForm(NoColonMixin, forms.Form):
    organisation = forms.CharField(label="Who made the move", max_length=150)


class ListeningSignupForm(NoColonMixin, forms.Form):
    """Sign a stakeholder up to the weekly "what is being said" email, with
    how they agreed to it."""

    stakeholder = forms.ModelChoiceField(
        label="Who", queryset=Stakeholder.objects.none()
    )
    consent = forms.CharField(
        label="How they agreed",
        max_length=300,
        help_text="For example: said yes when we met on 2 December.",
    )
    agreed = forms.BooleanField(
        label="They agreed to get a weekly email of what is being said",
        error_messages={
            "required": "Sign someone up only once they have agreed to it."
        },
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["stakeholder"]
        field.queryset = (
            Stakeholder.objects.filter(campaign=campaign)
            .exclude(email="")
            # Not listening now: never signed up, or stopped since.
            .filter(
                Q(listening_subscription__isnull=True)
                | Q(listening_subscription__ended_at__isnull=False)
            )
            .order_by("name")
        )
        field.label_from_instance = lambda s: f"{s.name} ({s.email})"
        field.empty_label = "Choose a stakeholder"
