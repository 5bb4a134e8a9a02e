"""The email settings form."""

import zoneinfo
from functools import lru_cache

from django import forms

from ..models import NotificationPreference


@lru_cache(maxsize=1)
def time_zone_choices():
    # Region/City names only: the legacy aliases ("EST5EDT", "Etc/GMT+3",
    # "posixrules") confuse more than they help.
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix", "right/"))
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def hour_choices():
    return [(hour, f"{hour:02d}:00") for hour in range(24)]


class NotificationPreferenceForm(forms.ModelForm):
    digest_hour = forms.TypedChoiceField(
        label="Time",
        choices=hour_choices,
        coerce=int,
    )
    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)

    class Meta:
        model = NotificationPreference
        fields = [
            "digest_enabled",
            "digest_weekday",
            "digest_hour",
            "time_zone",
            "quiet_week_emails",
            "remind_due_soon",
            "remind_overdue",
            "remind_report_due",
            "remind_assigned",
        ]
        help_texts = {
            "quiet_week_emails": "Otherwise a week with nothing for you sends nothing.",
        }

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise forms.ValidationError("Choose a time zone from the list.") from error
        return name

    def digest_fields(self):
        return [self[name] for name in ("digest_weekday", "digest_hour", "time_zone")]

    def reminder_fields(self):
        return [
            self[name]
            for name in (
                "remind_due_soon",
                "remind_overdue",
                "remind_report_due",
                "remind_assigned",
            )
        ]
