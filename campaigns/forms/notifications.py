"""The email settings form."""

import contextlib
import zoneinfo
from functools import lru_cache
from importlib import resources
from pathlib import Path

from django import forms

from ..models import NotificationPreference


def _zone1970_names():
    """The zones of zone1970.tab, the tz database's list for people to choose
    from: one per region whose clocks have agreed since 1970, with none of
    the old aliases ("US/Eastern", "Asia/Calcutta") that name a zone twice.
    Empty if no copy of the database ships the file."""
    tables = [Path(folder) / "zone1970.tab" for folder in zoneinfo.TZPATH]
    with contextlib.suppress(ModuleNotFoundError):  # the tzdata package
        tables.append(resources.files("tzdata").joinpath("zoneinfo", "zone1970.tab"))
    for table in tables:
        if table.is_file():
            return {
                line.split("\t")[2]
                for line in table.read_text(encoding="utf-8").splitlines()
                if not line.startswith("#") and line.count("\t") >= 2
            }
    return set()


@lru_cache(maxsize=1)
def _zone_names():
    names = _zone1970_names() & zoneinfo.available_timezones()
    if not names:
        # Region/City names only: the legacy aliases ("EST5EDT", "Etc/GMT+3",
        # "posixrules") confuse more than they help.
        names = {
            name
            for name in zoneinfo.available_timezones()
            if "/" in name
            and not name.startswith(("Etc/", "SystemV/", "posix", "right/"))
        }
    return sorted(names)


def time_zone_choices(keep=None):
    """UTC, then the zones people choose from; `keep` (a zone saved earlier
    under an old alias) stays offered so the form shows what is saved."""
    names = _zone_names()
    if keep and keep != "UTC" and keep not in names:
        names = sorted([*names, keep])
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def hour_choices():
    return [(hour, f"{hour:02d}:00") for hour in range(24)]


# One choice per kind of notification (NoticeDelivery), in the order shown.
NOTICE_FIELDS = (
    "mention_delivery",
    "assigned_delivery",
    "due_soon_delivery",
    "stance_delivery",
)


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
            "remind_overdue",
            "remind_report_due",
            *NOTICE_FIELDS,
        ]
        help_texts = {
            "quiet_week_emails": "Otherwise a week with nothing for you sends nothing.",
        }
        widgets = dict.fromkeys(NOTICE_FIELDS, forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # as the app's other forms
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        field.choices = time_zone_choices(keep=self.instance.time_zone)
        if self.instance._state.adding:
            # Never saved: static/js/app.js picks the browser's zone, if it
            # is one of the choices, and says so.
            field.widget.attrs["data-browser-zone"] = "browser-zone-hint"

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
        return [self[name] for name in ("remind_overdue", "remind_report_due")]

    def notice_fields(self):
        return [self[name] for name in NOTICE_FIELDS]
