"""No silent overwrites when teammates edit the same record.

Every edit form of a shared record carries the version it was loaded from
(VersionedForm). A save first moves the row on to the next version with one
UPDATE … WHERE version = <loaded> (claim): of two saves made from the same
version only the first finds the row, in whichever process or on whichever
machine they run, and the row stays locked until the winner's transaction
ends. The second gets its form back (409) with everything it typed, the value
now saved beside each field that differs, and the new version, so that saving
again once the person has merged goes through.

Only the edit forms move the version. A full save() from anywhere else writes
every other field but never the version it read (Versioned), and the edit
forms write only their own fields, so a card's move or a stance changed
meanwhile is never written back as it was.
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.db.models import F
from django.forms.boundfield import BoundField
from django.forms.models import model_to_dict
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.functional import cached_property

# A version column is an integer: bigger numbers are no version of ours.
VERSION_MAX = 2**31 - 1
JUST_NOW = datetime.timedelta(minutes=1)
MISSING = (
    "This form came without the version it was loaded from (an old page, or a "
    "form from elsewhere), so nothing was saved."
)


class Versioned:
    """Model mixin: a full save() of a row read earlier leaves its counters
    alone; only UPDATE … + 1 moves them (claim() below; the board's moves for
    Campaign.board_version)."""

    counters = ("version",)

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()  # not loaded: left as they are
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key
                and f.name not in self.counters
                and f.attname not in deferred
            ]
        super().save(*args, **kwargs)


def claim(record, loaded, **still):
    """Move `record`'s row on from version `loaded` (and only while it matches
    `still`); False when it has moved on already. In a transaction the row
    stays locked until it ends."""
    moved = (
        type(record)
        ._default_manager.filter(pk=record.pk, version=loaded, **still)
        .update(version=F("version") + 1)
    )
    if moved:
        record.version = loaded + 1
    return bool(moved)


@dataclass
class Conflict:
    """Why a save was refused, for templates/campaigns/_conflict.html."""

    current: object  # the record as saved now
    fields: list = field(default_factory=list)  # bound fields that differ
    saved: dict = field(default_factory=dict)  # their saved values, as shown
    by: object = None  # who saved the version now saved, if known
    at: datetime.datetime | None = None  # and when
    missing: bool = False  # the form came without a version

    @property
    def just_now(self):
        # "0 minutes ago" reads oddly.
        return bool(self.at) and timezone.now() - self.at < JUST_NOW


class ConflictBoundField(BoundField):
    """A field that, after a refused save, shows the value saved now beside
    what was typed (and is described by it for screen readers)."""

    @property
    def in_conflict(self):
        conflict = self.form.conflict
        return conflict is not None and self.name in conflict.saved

    @property
    def aria_describedby(self):
        described = super().aria_describedby
        if described is None or not self.in_conflict or not self.auto_id:
            return described
        return f"{described} {self.auto_id}_saved".strip()

    @property
    def conflict_note(self):
        if not self.in_conflict:
            return ""
        return render_to_string(
            "campaigns/_conflict.html#saved",
            {"field": self, "saved": self.form.conflict.saved[self.name]},
        )

    def as_field_group(self):
        group = super().as_field_group()
        return group + self.conflict_note if self.in_conflict else group


class VersionedForm:
    """Form mixin: the hidden version of the record edited (`record`, by
    default a ModelForm's instance), checked by save() below.

    A new record has no version: there is nothing to overwrite.
    """

    bound_field_class = ConflictBoundField
    conflict = None

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record if record is not None else self.instance
        if self.record.pk is None:
            return
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput,
            initial=self.record.version,
            min_value=1,
            max_value=VERSION_MAX,
            error_messages=dict.fromkeys(
                ("required", "invalid", "min_value", "max_value"), MISSING
            ),
        )

    @cached_property
    def changed_data(self):
        # What the person changed; a version that moved on is not a change.
        return [name for name in super().changed_data if name != "version"]

    def clean(self):
        cleaned = super().clean()
        if "version" in self.errors:
            # A stale page or another site's form: refused (400), with the
            # version saved now and what differs from it, so that saving
            # again after a look goes through.
            self.show_conflict(self.record, missing=True)
        return cleaned

    def saved_values(self, record):
        """{field name: value} of what the form edits, as `record` has it."""
        names = [name for name in self.fields if name != "version"]
        if isinstance(self, forms.BaseModelForm):
            return model_to_dict(record, fields=names)
        return {name: getattr(record, name) for name in names}

    def show_conflict(self, current, missing=False):
        """Set `conflict` against the record as saved now, and carry its
        version from here on. True if anything sent differs from it (a form
        with nothing to compare always does)."""
        saved = self.saved_values(current)
        differing = {
            name: value
            for name, value in saved.items()
            if not self.fields[name].disabled
            and _differs(self.fields[name], value, self[name].data)
        }
        by, at = (None, None) if missing else saved_by(current)
        self.conflict = Conflict(
            current=current,
            fields=[self[name] for name in differing],
            saved={
                name: _shown(self.fields[name], value)
                for name, value in differing.items()
            },
            by=by,
            at=at,
            missing=missing,
        )
        for form_field in self.fields.values():
            # The message at the top takes the focus.
            form_field.widget.attrs.pop("autofocus", None)
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = str(current.version)
        return bool(differing) or not saved


class VersionForm(VersionedForm, forms.Form):
    """Just the version: for an action on a record that types nothing."""


def status(form, invalid=400):
    """The status of a form sent back: 409 after a newer version was saved,
    else the view's own for invalid input."""
    return 409 if form.conflict and not form.conflict.missing else invalid


def save_fields(form):
    """Save a ModelForm's own fields (and the row's auto_now stamps) only.

    A full save would write back every other field as this request read it,
    over a move or a stance change made meanwhile. `also_saves` on the form
    names fields its save() sets besides its own (a milestone's reached_at).
    """
    instance = form.save(commit=False)
    written = set(form.fields) | set(getattr(form, "also_saves", ()))
    instance.save(
        update_fields=[
            f.name
            for f in instance._meta.concrete_fields
            if f.name in written or getattr(f, "auto_now", False)
        ]
    )
    form.save_m2m()


def save(form, write=None, **still):
    """Run `write` (by default save_fields) in one transaction, if the record
    is still at the version the form was loaded from (and matches `still`).

    Returns the record, or None with `form.conflict` set. A newer version
    that holds exactly what was sent is no conflict: nothing typed is lost,
    so the save goes on from it.
    """
    record = form.record
    if record.pk is None:
        with transaction.atomic():
            (write or form.save)()
        return record
    write = write or (lambda: save_fields(form))
    loaded = form.cleaned_data["version"]
    for _ in range(2):
        with transaction.atomic():
            if claim(record, loaded, **still):
                write()
                return record
        current = type(record)._default_manager.filter(pk=record.pk).first()
        if current is None:
            raise Http404("It was deleted meanwhile.")
        if form.show_conflict(current):
            return None
        form.conflict, loaded = None, current.version
    return None


def saved_by(record):
    """Who saved the record's present version and when: from the activity
    log, which notes the version for the records it follows, else only when
    (a record's updated_at), else nothing."""
    from .models import Activity, Campaign, Milestone, Stakeholder, Tactic

    follows = {
        Campaign: {"campaign": record, "verb": Activity.Verb.CAMPAIGN_UPDATED},
        Stakeholder: {"stakeholder": record},
        Tactic: {"tactic": record},
        Milestone: {"milestone": record},
    }
    if type(record) in follows:
        activity = (
            Activity.objects.filter(
                **follows[type(record)], data__version=record.version
            )
            .select_related("actor")
            .first()
        )
        if activity is not None:
            return activity.actor, activity.created_at
    return None, getattr(record, "updated_at", None)


def _differs(form_field, saved, sent):
    if isinstance(saved, str) and isinstance(sent, str):
        # Browsers send a textarea's line breaks as CR LF; drafts have LF.
        saved, sent = saved.replace("\r\n", "\n"), sent.replace("\r\n", "\n")
    return form_field.has_changed(saved, sent)


def _shown(form_field, value):
    """A saved value as the person reads it: a choice's label, Yes or No, a
    date as the pages write it, the text."""
    if isinstance(form_field, forms.ChoiceField):
        values = value if isinstance(value, (list, tuple)) else [value]
        wanted = {"" if v is None else str(form_field.prepare_value(v)) for v in values}
        return ", ".join(
            str(label) for key, label in form_field.choices if str(key) in wanted
        )
    if isinstance(form_field, forms.BooleanField):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j M Y")
    return "" if value is None else str(value)
