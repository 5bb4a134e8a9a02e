"""Forms for a team's webhook endpoints and a campaign's chat notifications."""

from django import forms

from .. import fetch
from ..models import ChatHook, HookEvent, WebhookEndpoint
from .campaigns import NoColonMixin

MAX_PER_TEAM = 20
MAX_PER_CAMPAIGN = 10


class HookForm(NoColonMixin, forms.ModelForm):
    events = forms.MultipleChoiceField(
        label="Send when",
        choices=HookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            fetch.check_address(url)
        except fetch.FetchError as error:
            raise forms.ValidationError(str(error)) from error
        return url

    def clean_events(self):
        # In the order of the choices, whatever order the browser sent.
        chosen = set(self.cleaned_data["events"])
        return [value for value in HookEvent.values if value in chosen]


class WebhookEndpointForm(HookForm):
    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events"]
        labels = {"url": "Endpoint address"}
        help_texts = {
            "url": "Where your system receives the events: an https address "
            "on the internet.",
        }
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team

    def clean(self):
        cleaned = super().clean()
        if WebhookEndpoint.objects.filter(team=self.team).count() >= MAX_PER_TEAM:
            raise forms.ValidationError(
                f"A team can have {MAX_PER_TEAM} endpoints; remove one first."
            )
        url = cleaned.get("url")
        if url and WebhookEndpoint.objects.filter(team=self.team, url=url).exists():
            self.add_error("url", "The team sends to this address already.")
        return cleaned


class ChatHookForm(HookForm):
    class Meta:
        model = ChatHook
        fields = ["service", "url", "events"]
        labels = {"service": "Chat service", "url": "Incoming webhook address"}
        help_texts = {
            "url": "Made in the chat service: in Slack an app's incoming "
            "webhook, in Teams a channel's “Post to a channel when a webhook "
            "request is received” workflow, in Mattermost an incoming webhook.",
        }
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["service"].choices = self.fields["service"].choices[1:]

    def clean(self):
        cleaned = super().clean()
        if ChatHook.objects.filter(campaign=self.campaign).count() >= MAX_PER_CAMPAIGN:
            raise forms.ValidationError(
                f"A campaign can have {MAX_PER_CAMPAIGN} chat notifications; "
                "remove one first."
            )
        url = cleaned.get("url")
        if url and ChatHook.objects.filter(campaign=self.campaign, url=url).exists():
            self.add_error("url", "The campaign sends to this address already.")
        return cleaned
