"""Making a personal access token for the API, and revoking one."""

import datetime

from django import forms
from django.utils import timezone

from ..models import ApiToken
from .campaigns import NoColonMixin

# How long a new token works: a choice, so every token has a bounded life
# unless its person chooses otherwise.
LIFETIMES = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "A year"),
    ("never", "Until I revoke it"),
]


class ApiTokenForm(NoColonMixin, forms.Form):
    name = forms.CharField(
        label="What it is for",
        max_length=100,
        help_text="E.g. “Weekly board export”, so you can tell your tokens apart.",
        error_messages={"required": "Say what the token is for."},
    )
    lifetime = forms.ChoiceField(label="Works for", choices=LIFETIMES, initial="90")
    read_only = forms.BooleanField(
        label="Read only",
        required=False,
        help_text="It can read your teams' campaigns but not change anything.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "token-%s")
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def expires_at(self):
        lifetime = self.cleaned_data["lifetime"]
        if lifetime == "never":
            return None
        return timezone.now() + datetime.timedelta(days=int(lifetime))


class ApiTokenRevokeForm(forms.Form):
    token = forms.ModelChoiceField(
        queryset=ApiToken.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose a token to revoke.",
            "invalid_choice": "That token is not one of yours, or was revoked already.",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].queryset = ApiToken.objects.filter(
            user=user, revoked_at=None
        )
