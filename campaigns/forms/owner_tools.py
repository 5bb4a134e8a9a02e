"""Forms for the owners' tools: filtering the audit log, confirming that a
team is to be deleted."""

from django import forms
from django.db.models import Q

from ..models import Activity, Campaign, User
from .accounts import PlainLabels


class AuditFilterForm(PlainLabels, forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), required=False, empty_label="All campaigns"
    )
    verb = forms.ChoiceField(label="What", required=False)
    person = forms.ModelChoiceField(
        label="Who", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(team=team).only(
            "pk", "name"
        )
        # People who ever acted in the team's campaigns, present members or not.
        actors = Activity.objects.filter(campaign__team=team).values("actor_id")
        self.fields["person"].queryset = (
            User.objects.filter(Q(memberships__team=team) | Q(pk__in=actors))
            .distinct()
            .order_by("name", "email")
        )
        self.fields["verb"].choices = [("", "Anything"), *Activity.Verb.choices]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end comes before the start.")
        return cleaned

    def filter(self, activities):
        """The activities the valid filters allow (all of them if none are)."""
        if not self.is_bound or not self.is_valid():
            return activities
        data = self.cleaned_data
        if data["campaign"]:
            activities = activities.filter(campaign=data["campaign"])
        if data["verb"]:
            activities = activities.filter(verb=data["verb"])
        if data["person"]:
            activities = activities.filter(actor=data["person"])
        if data["since"]:
            activities = activities.filter(created_at__date__gte=data["since"])
        if data["until"]:
            activities = activities.filter(created_at__date__lte=data["until"])
        return activities


class DeleteTeamForm(PlainLabels, forms.Form):
    """Typing the name is the confirmation: a slip of the mouse deletes nothing."""

    name = forms.CharField(label="Type the team's name to confirm", max_length=200)

    def __init__(self, *args, team, **kwargs):
        self.team = team
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if name != self.team.name.strip():
            raise forms.ValidationError(
                "That is not the team's name. Nothing was deleted."
            )
        return name
