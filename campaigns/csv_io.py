"""CSV files in and out of a campaign: stakeholders, influencers, tactics and
milestones go out; stakeholders, influencers and tactics come in, all or
nothing.

The files are meant for spreadsheets, so people, stances and yes/no columns
are written as words a person can edit, and read back the same way. Reading
the file itself (encodings, delimiters, quotes) is csv_read's job; this
module checks each row with its row form and saves.
"""

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from . import csv_read
from .board import bottom_ranks, bump_version, lock_campaign
from .models import Activity, Influence, Influencer, Stakeholder, Stance, Tactic

STAKEHOLDER_COLUMNS = [
    "name",
    "title",
    "power",
    "interest",
    "stance",
    "decides",
    "cares_about",
    "relationship_owner",
    "last_contacted_on",
    "email",
]
INFLUENCER_COLUMNS = ["name", "relationship", "notes", "influences"]
TACTIC_COLUMNS = [
    "title",
    "status",
    "assignee",
    "due_on",
    "targets",
    "influencer",
    "risk",
    "outcome",
    "private",
    "completed_at",
]
MILESTONE_COLUMNS = [
    "title",
    "target_value",
    "current_value",
    "unit",
    "due_on",
    "reached_at",
]
MAX_BYTES = csv_read.MAX_BYTES
MAX_ROWS = csv_read.MAX_ROWS
# Spreadsheets run cells starting with these as formulas; a leading
# apostrophe keeps them text, and the importer takes it off again. Text that
# starts with an apostrophe gets a second one, so that it survives too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Lists in one cell: "Dana Reyes; Sam Okafor", an influence's strength after
# the name in brackets: "Dana Reyes (5)".
LIST_SEPARATOR = ";"


def safe_cell(value):
    if value is None:
        return ""
    text = str(value)
    if text.startswith((*FORMULA_STARTS, "'")):
        return "'" + text
    return text


def unsafe_cell(text):
    text = (text or "").strip()
    if text[:1] == "'" and text[1:2] and text[1:2] in "=+-@\t\r'":
        return text[1:]
    return text


def yes_no(value):
    return "yes" if value else "no"


def write(out, header, rows):
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])


def _iso(value):
    return value.isoformat() if value else ""


def stakeholder_rows(campaign):
    for s in campaign.stakeholders.select_related("relationship_owner").order_by(
        "name"
    ):
        yield [
            s.name,
            s.title,
            s.power,
            s.interest,
            s.get_stance_display(),
            yes_no(s.is_decider),
            s.cares_about,
            s.relationship_owner.email if s.relationship_owner else "",
            _iso(s.last_contacted_on),
            s.email,
        ]


def influencer_rows(campaign):
    links = Influence.objects.select_related("stakeholder").order_by(
        "stakeholder__name"
    )
    for i in campaign.influencers.prefetch_related(
        Prefetch("influences", queryset=links)
    ).order_by("name"):
        yield [
            i.name,
            i.relationship,
            i.notes,
            f"{LIST_SEPARATOR} ".join(
                f"{link.stakeholder.name} ({link.strength})"
                for link in i.influences.all()
            ),
        ]


def tactic_rows(campaign, include_private):
    tactics = (
        campaign.tactics.select_related("assignee", "influencer")
        .prefetch_related("targets")
        .order_by("status", "position", "pk")
    )
    if not include_private:
        tactics = tactics.filter(is_private=False)
    for t in tactics:
        yield [
            t.title,
            t.get_status_display(),
            t.assignee.email if t.assignee else "",
            _iso(t.due_on),
            f"{LIST_SEPARATOR} ".join(sorted(s.name for s in t.targets.all())),
            t.influencer.name if t.influencer else "",
            t.risk,
            t.outcome,
            yes_no(t.is_private),
            _iso(t.completed_at),
        ]


def milestone_rows(campaign):
    for m in campaign.milestones.order_by("due_on", "pk"):
        yield [
            m.title,
            m.target_value,
            m.current_value,
            m.unit,
            _iso(m.due_on),
            _iso(m.reached_at),
        ]


# What a lookup returns for a name that fits more than one person, and what
# read_list returns for a list that reads more than one way.
AMBIGUOUS = object()


def read_list(cell, find, span=1):
    """The items of a list cell as (text, what `find` made of it or None).

    A name may hold the separator itself ("Lee; Chen"): up to `span` pieces
    are tried together, longest first, so such a name is found whole. When
    its pieces are names too, the cell reads two ways: AMBIGUOUS.
    """
    pieces = cell.split(LIST_SEPARATOR)
    items, i = [], 0
    while i < len(pieces):
        for j in range(min(len(pieces), i + span), i, -1):
            text = LIST_SEPARATOR.join(pieces[i:j]).strip()
            if text and (found := find(text)) is not None:
                if j - i > 1 and all(find(p.strip()) is not None for p in pieces[i:j]):
                    found = AMBIGUOUS
                items.append((text, found))
                i = j
                break
        else:
            if text := pieces[i].strip():
                items.append((text, None))
            i += 1
    return items


def stance_from(text):
    """A stance from its name ("Skeptical") or number (1–6); None if neither."""
    text = (text or "").strip()
    if not text:
        return Stance.NEUTRAL
    if text.isdigit() and int(text) in Stance.values:
        return int(text)
    by_label = {label.lower(): value for value, label in Stance.choices}
    return by_label.get(text.lower())


# ---- import ------------------------------------------------------------


@dataclass
class ImportResult:
    rows: list = field(default_factory=list)  # (row number, cleaned data)
    errors: list = field(default_factory=list)  # (row number or None, message)

    @property
    def ok(self):
        return not self.errors and bool(self.rows)


def parse(text, kind, campaign, row_form):
    """Every row of `text` checked with `row_form`, and every problem of the
    file, its header and its rows, in row order."""
    table = csv_read.read(text, kind.columns, kind.required)
    result = ImportResult(errors=list(table.errors))
    if not set(kind.required) <= set(table.columns):
        return result  # each row would only repeat the header's problem
    taken = set()
    if kind.unique_name:
        names = kind.model.objects.filter(campaign=campaign).values_list(
            "name", flat=True
        )
        taken = {name.casefold() for name in names}
    seen = {}
    for number, cells in table.rows:
        form = row_form({column: unsafe_cell(cell) for column, cell in cells.items()})
        if not form.is_valid():
            for column, messages in form.errors.items():
                for message in messages:
                    label = "" if column == "__all__" else f"{column}: "
                    result.errors.append((number, label + message))
            continue
        if kind.unique_name:
            name = form.cleaned_data["name"]
            key = name.casefold()
            if key in taken:
                result.errors.append(
                    (
                        number,
                        f"name: “{name}” is already {kind.a_noun} of this campaign.",
                    )
                )
                continue
            if key in seen:
                result.errors.append(
                    (number, f"name: “{name}” is also on row {seen[key]}.")
                )
                continue
            seen[key] = number
        result.rows.append((number, form.cleaned_data))
    result.errors.sort(key=lambda error: error[0] or 0)
    return result


def save(kind, campaign, result, actor):
    """Creates every row in one transaction, or none: an IntegrityError (a
    name taken, or a linked person removed, meanwhile) leaves nothing saved."""
    with transaction.atomic():
        created = kind.save_rows(campaign, [data for _, data in result.rows], actor)
        Activity.record(
            campaign,
            actor,
            kind.verb,
            f"Imported {kind.count(len(created))} from a CSV file",
            data={"count": len(created), "imported": True},
        )
        # bulk_create sends no signals: boards cached under the version
        # would not show the new cards or people in their filters.
        bump_version(campaign.pk)
    return created


def _save_stakeholders(campaign, rows, actor):
    return Stakeholder.objects.bulk_create(
        [
            Stakeholder(
                campaign=campaign,
                name=data["name"],
                title=data["title"],
                power=data["power"],
                interest=data["interest"],
                stance=data["stance"],
                is_decider=data["decides"],
                cares_about=data["cares_about"],
                relationship_owner=data["relationship_owner"],
                last_contacted_on=data["last_contacted_on"],
                email=data["email"],
            )
            for data in rows
        ]
    )


def _save_influencers(campaign, rows, actor):
    created = Influencer.objects.bulk_create(
        [
            Influencer(
                campaign=campaign,
                name=data["name"],
                relationship=data["relationship"],
                notes=data["notes"],
            )
            for data in rows
        ]
    )
    Influence.objects.bulk_create(
        [
            Influence(influencer=influencer, stakeholder=stakeholder, strength=n)
            for influencer, data in zip(created, rows, strict=True)
            for stakeholder, n in data["influences"]
        ]
    )
    return created


def _save_tactics(campaign, rows, actor):
    lock_campaign(campaign.pk)  # ranks at the bottom of each column stay free
    counts = Counter(data["status"] for data in rows)
    ranks = {
        status: iter(bottom_ranks(campaign, status, n)) for status, n in counts.items()
    }
    created = Tactic.objects.bulk_create(
        [
            Tactic(
                campaign=campaign,
                title=data["title"],
                status=data["status"],
                position=next(ranks[data["status"]]),
                assignee=data["assignee"],
                due_on=data["due_on"],
                influencer=data["influencer"],
                risk=data["risk"],
                outcome=data["outcome"],
                is_private=data["private"],
                completed_at=data["completed_at"],
                created_by=actor,
            )
            for data in rows
        ]
    )
    Target = Tactic.targets.through
    Target.objects.bulk_create(
        [
            Target(tactic_id=tactic.pk, stakeholder_id=stakeholder.pk)
            for tactic, data in zip(created, rows, strict=True)
            for stakeholder in data["targets"]
        ]
    )
    return created


@dataclass(frozen=True)
class Kind:
    """What a file holds: its columns, its rule on names, how it is saved."""

    key: str  # the plural, as in URLs: import/<key>/
    noun: str
    columns: list
    required: tuple
    model: type
    unique_name: bool  # a campaign has one of each name (case ignored)
    save_rows: Callable  # (campaign, rows of cleaned data, actor) -> created
    verb: str  # of the Activity that records the import

    @property
    def plural(self):
        return self.key

    @property
    def url_name(self):
        return f"import_{self.key}"

    @property
    def a_noun(self):
        return ("an " if self.noun[0] in "aeiou" else "a ") + self.noun

    def count(self, n):
        return f"{n} {self.noun if n == 1 else self.plural}"


STAKEHOLDERS = Kind(
    key="stakeholders",
    noun="stakeholder",
    columns=STAKEHOLDER_COLUMNS,
    required=("name",),
    model=Stakeholder,
    unique_name=True,
    save_rows=_save_stakeholders,
    verb=Activity.Verb.STAKEHOLDERS_IMPORTED,
)
INFLUENCERS = Kind(
    key="influencers",
    noun="influencer",
    columns=INFLUENCER_COLUMNS,
    required=("name",),
    model=Influencer,
    unique_name=True,
    save_rows=_save_influencers,
    verb=Activity.Verb.INFLUENCER_ADDED,
)
TACTICS = Kind(
    key="tactics",
    noun="tactic",
    columns=TACTIC_COLUMNS,
    required=("title",),
    model=Tactic,
    unique_name=False,
    save_rows=_save_tactics,
    verb=Activity.Verb.TACTIC_CREATED,
)
KINDS = {kind.key: kind for kind in (STAKEHOLDERS, INFLUENCERS, TACTICS)}
