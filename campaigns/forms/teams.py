"""Forms for teams: naming one, inviting people and changing their role."""

from django import forms

from ..models import Membership, Role, Team
from .accounts import PlainLabels


class TeamForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]
        labels = {"name": "Team name"}


class InviteForm(PlainLabels, forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text="Owners manage the team, members change campaigns, "
        "viewers only read.",
    )

    def __init__(self, *args, team, **kwargs):
        self.team = team
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(
            team=self.team, user__email__iexact=email
        ).exists():
            raise forms.ValidationError(f"{email} is already in this team.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
