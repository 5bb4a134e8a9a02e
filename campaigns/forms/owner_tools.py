"""Forms for the owners' tools: filtering the audit log, confirming that a
team is to be deleted."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

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
        actors = Activity.objects.actor_ids(team)
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
        # Whole days in the site's time zone, as bounds the index can use.
        # Dates far outside any history bound nothing (and cannot overflow).
        if data["since"] and data["since"] > EARLIEST:
            activities = activities.filter(created_at__gte=_day_start(data["since"]))
        if data["until"] and data["until"] < LATEST:
            next_day = data["until"] + datetime.timedelta(days=1)
            activities = activities.filter(created_at__lt=_day_start(next_day))
        return activities


EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(9000, 1, 1)


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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
