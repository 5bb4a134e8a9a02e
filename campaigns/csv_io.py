"""CSV files in and out of a campaign: stakeholders, tactics and milestones
go out; stakeholders come in, all or nothing.

The files are meant for spreadsheets, so people, stances and yes/no columns
are written as words a person can edit, and read back the same way.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from .models import Activity, Stakeholder, Stance

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
]
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
MAX_BYTES = 1_000_000
MAX_ROWS = 2000
# Spreadsheets run cells starting with these as formulas; a leading
# apostrophe keeps them text, and the importer takes it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unsafe_cell(text):
    text = (text or "").strip()
    if text.startswith("'") and text[1:2] and text[1:2] in "=+-@":
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
            "; ".join(sorted(s.name for s in t.targets.all())),
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


# ---- import ------------------------------------------------------------


@dataclass
class ImportResult:
    rows: list = field(default_factory=list)  # (row number, cleaned data)
    errors: list = field(default_factory=list)  # (row number or None, message)

    @property
    def ok(self):
        return not self.errors and bool(self.rows)


def read_text(upload):
    """The uploaded file as text, or raises ValueError with a reason."""
    if upload.size > MAX_BYTES:
        raise ValueError("The file is larger than 1 MB.")
    raw = upload.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."
        ) from None


def parse_stakeholders(text, campaign, row_form):
    """Validates every row with `row_form`; rows are numbered as a
    spreadsheet shows them (the header is row 1)."""
    result = ImportResult()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        result.errors.append((None, "The file is empty."))
        return result
    except csv.Error as error:
        result.errors.append((1, f"The file cannot be read as CSV: {error}."))
        return result
    header = [h.strip().lower().replace(" ", "_") for h in header]
    if "name" not in header:
        result.errors.append(
            (1, "The first row must name the columns, including “name”.")
        )
        return result
    unknown = [h for h in header if h and h not in STAKEHOLDER_COLUMNS]
    if unknown:
        result.errors.append(
            (
                1,
                "Unknown column(s): "
                + ", ".join(unknown)
                + ". Expected: "
                + ", ".join(STAKEHOLDER_COLUMNS)
                + ".",
            )
        )
        return result
    existing = {n.lower() for n in campaign.stakeholders.values_list("name", flat=True)}
    seen = {}
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # blank lines are not rows
            if number > MAX_ROWS + 1:
                result.errors.append((number, f"Only {MAX_ROWS} rows at a time."))
                break
            if len(cells) > len(header):
                result.errors.append(
                    (number, f"{len(cells)} cells, but the header names {len(header)}.")
                )
                continue
            data = {h: unsafe_cell(c) for h, c in zip(header, cells, strict=False)}
            form = row_form(data)
            if not form.is_valid():
                for name, messages in form.errors.items():
                    label = name if name != "__all__" else ""
                    for message in messages:
                        result.errors.append(
                            (number, f"{label}: {message}" if label else message)
                        )
                continue
            key = form.cleaned_data["name"].lower()
            if key in existing:
                result.errors.append(
                    (
                        number,
                        f"name: “{form.cleaned_data['name']}” is already a "
                        "stakeholder of this campaign.",
                    )
                )
            elif key in seen:
                result.errors.append(
                    (
                        number,
                        f"name: “{form.cleaned_data['name']}” is also on row "
                        f"{seen[key]}.",
                    )
                )
            else:
                seen[key] = number
                result.rows.append((number, form.cleaned_data))
    except csv.Error as error:
        result.errors.append(
            (reader.line_num, f"The file cannot be read as CSV: {error}.")
        )
    if not result.rows and not result.errors:
        result.errors.append((None, "The file has no rows under its header."))
    return result


def save_stakeholders(campaign, result, actor):
    """Creates every row in one transaction; an IntegrityError (a name taken
    meanwhile) leaves nothing saved."""
    with transaction.atomic():
        created = Stakeholder.objects.bulk_create(
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
                )
                for _, data in result.rows
            ]
        )
        Activity.record(
            campaign,
            actor,
            Activity.Verb.STAKEHOLDERS_IMPORTED,
            f"Imported {len(created)} stakeholder{'s' if len(created) != 1 else ''} "
            "from a CSV file",
            data={"count": len(created)},
        )
    return created


def stance_from(text):
    """A stance from its name ("Skeptical") or number (1–6); None if neither."""
    text = (text or "").strip()
    if not text:
        return Stance.NEUTRAL
    if text.isdigit() and int(text) in Stance.values:
        return int(text)
    by_label = {label.lower(): value for value, label in Stance.choices}
    return by_label.get(text.lower())
