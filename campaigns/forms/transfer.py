"""Forms for CSV import: the upload, and one row of each kind of file.

A row form reads cells the way the export writes them: people by name or
email, stances and columns by their words, yes/no, ISO dates. Every text
cell is held to its model field's max_length, so a long cell is a row error
and never a database error.
"""

import base64
import binascii
import math
from collections import defaultdict

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import csv_read
from ..csv_io import AMBIGUOUS, LIST_SEPARATOR, read_list, stance_from
from ..models import Influence, Influencer, Stakeholder, Stance, Tactic, TacticStatus
from .campaigns import NoColonMixin, team_writers

YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}
# A strength after a name, as the influencers export writes it: "Dana (5)".
STRENGTH_MIN, STRENGTH_MAX = 1, 5


def text_of(model, name, required=False):
    """A CharField as long as the model's field allows."""
    return forms.CharField(
        max_length=model._meta.get_field(name).max_length, required=required
    )


def iso_date():
    return forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Write the date as YYYY-MM-DD."},
    )


def yes_or_no(value):
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise forms.ValidationError("Write yes or no.")


class Named:
    """A campaign's people (or teammates) by how a cell names them: exactly,
    else ignoring case. A name two people share finds AMBIGUOUS."""

    def __init__(self, people):
        exact, folded = defaultdict(list), defaultdict(list)
        for person in people:
            exact[person.name].append(person)
            folded[person.name.casefold()].append(person)
        self.exact = {k: v[0] if len(v) == 1 else AMBIGUOUS for k, v in exact.items()}
        self.folded = {k: v[0] if len(v) == 1 else AMBIGUOUS for k, v in folded.items()}
        # How many list pieces a name can span (see csv_io.read_list).
        self.span = 1 + max(
            (name.count(LIST_SEPARATOR) for name in self.exact), default=0
        )

    def get(self, name):
        found = self.exact.get(name)
        return found if found is not None else self.folded.get(name.casefold())


class Teammates:
    """The team's owners and members, by email or by name."""

    def __init__(self, users):
        users = list(users)
        self.by_email = {u.email.casefold(): u for u in users}
        self.by_name = Named(users)

    def get(self, text):
        if "@" in text:
            return self.by_email.get(text.casefold())
        return self.by_name.get(text)

    def clean(self, text):
        if not text:
            return None
        user = self.get(text)
        if user is AMBIGUOUS:
            raise forms.ValidationError(
                f"More than one teammate is called “{text}”: write their email."
            )
        if user is None:
            raise forms.ValidationError(
                f"{text} is not an owner or member of this team."
            )
        return user


def _listed(cell, find, span, noun):
    """What `find` made of each item of a list cell, or a ValidationError
    naming every item it could not place."""
    found, unknown, unclear = [], [], []
    for text, item in read_list(cell, find, span):
        if item is None:
            unknown.append(text)
        elif item is AMBIGUOUS:
            unclear.append(text)
        else:
            found.append(item)
    problems = []
    if len(unknown) == 1:
        problems.append(f"{_quoted(unknown)} is not a {noun} of this campaign.")
    elif unknown:
        problems.append(f"{_quoted(unknown)} are not {noun}s of this campaign.")
    if unclear:
        problems.append(
            f"{_quoted(unclear)} could name more than one {noun}: rename one "
            "of them so that each name reads one way."
        )
    if problems:
        raise forms.ValidationError(problems)
    return found


def _quoted(texts):
    return ", ".join(f"“{text}”" for text in texts)


class StakeholderRowForm(forms.Form):
    """One row of a stakeholders file."""

    name = text_of(Stakeholder, "name", required=True)
    title = text_of(Stakeholder, "title")
    power = forms.IntegerField(min_value=1, max_value=5, required=False)
    interest = forms.IntegerField(min_value=1, max_value=5, required=False)
    stance = forms.CharField(required=False)
    decides = forms.CharField(required=False)
    cares_about = text_of(Stakeholder, "cares_about")
    relationship_owner = forms.CharField(required=False)
    last_contacted_on = iso_date()
    email = forms.EmailField(required=False, max_length=254)

    def __init__(self, data, *, writers):
        super().__init__(data)
        self.writers = writers

    def clean_power(self):
        return self.cleaned_data["power"] or 3

    def clean_interest(self):
        return self.cleaned_data["interest"] or 3

    def clean_stance(self):
        stance = stance_from(self.cleaned_data["stance"])
        if stance is None:
            raise forms.ValidationError(
                "Use one of " + ", ".join(Stance.labels) + " (or 1 to 6)."
            )
        return stance

    def clean_decides(self):
        return yes_or_no(self.cleaned_data["decides"])

    def clean_relationship_owner(self):
        return self.writers.clean(self.cleaned_data["relationship_owner"])

    def clean(self):
        cleaned = super().clean()
        if "stance" in cleaned:
            cleaned["stance_label"] = Stance(cleaned["stance"]).label
        return cleaned


class InfluencerRowForm(forms.Form):
    """One row of an influencers file; `influences` lists the stakeholders
    they sway: "Dana Reyes (5); Sam Okafor", strength 1–5, 3 if left out."""

    name = text_of(Influencer, "name", required=True)
    relationship = text_of(Influencer, "relationship")
    notes = text_of(Influencer, "notes")
    influences = forms.CharField(required=False)

    def __init__(self, data, *, stakeholders):
        super().__init__(data)
        self.stakeholders = stakeholders

    def _find(self, text):
        """(stakeholder, strength) for "Dana Reyes (5)". The export always
        writes the strength, so a name ending in "(3)" is only read whole
        when it comes without one."""
        head, _, tail = text.rpartition("(")
        if head and tail.endswith(")") and tail[:-1].strip().isdecimal():
            person = self.stakeholders.get(head.strip())
            if person is not None:
                return person if person is AMBIGUOUS else (person, int(tail[:-1]))
        person = self.stakeholders.get(text)
        if person is None or person is AMBIGUOUS:
            return person
        return person, Influence._meta.get_field("strength").default

    def clean_influences(self):
        links = {}
        found = _listed(
            self.cleaned_data["influences"],
            self._find,
            self.stakeholders.span,
            "stakeholder",
        )
        for person, strength in found:
            if not STRENGTH_MIN <= strength <= STRENGTH_MAX:
                raise forms.ValidationError(
                    f"“{person.name}”: a strength is {STRENGTH_MIN} (a nudge) to "
                    f"{STRENGTH_MAX} (decisive)."
                )
            if links.setdefault(person.pk, (person, strength))[1] != strength:
                raise forms.ValidationError(
                    f"“{person.name}” is listed twice with different strengths."
                )
        return list(links.values())


STATUS_WORDS = {
    **{value: value for value in TacticStatus.values},
    **{label.casefold(): value for value, label in TacticStatus.choices},
}
CLOSED = {TacticStatus.DONE, TacticStatus.DIDNT_WORK}


class TacticRowForm(forms.Form):
    """One row of a tactics file, in the columns of the tactics export."""

    title = text_of(Tactic, "title", required=True)
    status = forms.CharField(required=False)
    assignee = forms.CharField(required=False)
    due_on = iso_date()
    targets = forms.CharField(required=False)
    influencer = forms.CharField(required=False)
    risk = text_of(Tactic, "risk")
    outcome = text_of(Tactic, "outcome")
    private = forms.CharField(required=False)
    completed_at = forms.CharField(required=False)

    def __init__(self, data, *, writers, stakeholders, influencers):
        super().__init__(data)
        self.writers = writers
        self.stakeholders = stakeholders
        self.influencers = influencers

    def clean_status(self):
        # Typed by hand, "Didn’t work" comes with a curly apostrophe.
        word = self.cleaned_data["status"].replace("’", "'").casefold()
        if not word:
            return TacticStatus.BACKLOG
        if word not in STATUS_WORDS:
            raise forms.ValidationError(
                "Use one of " + ", ".join(TacticStatus.labels) + "."
            )
        return STATUS_WORDS[word]

    def clean_assignee(self):
        return self.writers.clean(self.cleaned_data["assignee"])

    def clean_targets(self):
        targets = _listed(
            self.cleaned_data["targets"],
            self.stakeholders.get,
            self.stakeholders.span,
            "stakeholder",
        )
        return list({person.pk: person for person in targets}.values())

    def clean_influencer(self):
        name = self.cleaned_data["influencer"]
        if not name:
            return None
        influencer = self.influencers.get(name)
        if influencer is None or influencer is AMBIGUOUS:
            raise forms.ValidationError(
                f"“{name}” is not an influencer of this campaign."
            )
        return influencer

    def clean_private(self):
        return yes_or_no(self.cleaned_data["private"])

    def clean_completed_at(self):
        text = self.cleaned_data["completed_at"]
        if not text:
            return None
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        # Years near the calendar's ends overflow once moved to UTC.
        if moment is None or not 1900 <= moment.year <= 9998:
            raise forms.ValidationError(
                "Write the time as the export does, e.g. 2026-10-01T14:30:00+00:00."
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status is None:
            return cleaned
        cleaned["status_label"] = TacticStatus(status).label
        if "completed_at" not in cleaned:
            return cleaned
        # As on the board: a closed card has a completion time, an open one
        # none (moving a card out of Done clears it).
        if status in CLOSED:
            cleaned["completed_at"] = cleaned["completed_at"] or timezone.now()
        elif cleaned["completed_at"]:
            self.add_error(
                "completed_at",
                "Only a Done or Didn't work tactic has one: leave it empty.",
            )
        return cleaned


def row_form_for(kind, campaign):
    """A row form factory for `kind` that knows the campaign's people
    (a query for each, once per file)."""
    if kind.key == "stakeholders":
        writers = Teammates(team_writers(campaign.team))
        return lambda data: StakeholderRowForm(data, writers=writers)
    stakeholders = Named(campaign.stakeholders.all())
    if kind.key == "influencers":
        return lambda data: InfluencerRowForm(data, stakeholders=stakeholders)
    writers = Teammates(team_writers(campaign.team))
    influencers = Named(campaign.influencers.all())
    return lambda data: TacticRowForm(
        data, writers=writers, stakeholders=stakeholders, influencers=influencers
    )


# The preview carries the file's own bytes, base64 encoded, so that the post
# that saves reads exactly what the preview showed, under the same limits.
CONTENT_MAX = 4 * math.ceil(csv_read.MAX_BYTES / 3)


class ImportForm(NoColonMixin, forms.Form):
    """A file to preview, or the previewed file coming back to be saved.

    Either way `cleaned_data` ends with `raw` (the bytes) and `text`, and
    every problem with the file is on the file field, next to its input.
    """

    file = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv"}),
    )
    content = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = f"CSV file of {kind.plural}"
        self.fields["file"].help_text = (
            "Comma, semicolon or tab separated, UTF-8 or Windows-1252, up to "
            f"{csv_read.MAX_BYTES // 1_000_000} MB and {csv_read.MAX_ROWS:,} rows."
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            raw = self._raw(cleaned.get("file"), cleaned.get("content"))
            cleaned["text"] = csv_read.decode(raw)
        except csv_read.Unreadable as error:
            self.add_error("file", str(error))
            return cleaned
        cleaned["raw"] = raw
        return cleaned

    @staticmethod
    def _raw(upload, content):
        # Checked before reading or decoding; csv_read.decode checks the bytes.
        if upload:
            if upload.size > csv_read.MAX_BYTES:
                raise csv_read.Unreadable(csv_read.TOO_LARGE)
            return upload.read()
        if content:
            if len(content) > CONTENT_MAX:
                raise csv_read.Unreadable(csv_read.TOO_LARGE)
            try:
                return base64.b64decode(content.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError):
                raise csv_read.Unreadable(
                    "The previewed file came back damaged; upload it again."
                ) from None
        raise csv_read.Unreadable("Choose a CSV file to import.")

    @staticmethod
    def encode(raw):
        return base64.b64encode(raw).decode("ascii")
