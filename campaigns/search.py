"""Search across every campaign of every team the user belongs to.

Four kinds of hit: tactics (title, description), stakeholders (name, title,
what they care about), objections (wording, details) and lessons (a tactic's
outcome). The work is bounded whatever the number of campaigns: one query
per kind across all of the user's campaigns, each returning at most
`PER_CAMPAIGN` rows per campaign (a window's row number) with the campaign's
full count beside them (a window's count), and at most `MAX_ROWS` rows in
all. Matching is a case-insensitive `icontains`, the same on SQLite and
PostgreSQL.

Quiet tactics (Tactic.is_private) and their lessons stay with the team's
writers: in a team where the user is a viewer they are not searched.
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.html import format_html

from .models import Membership, Objection, Role, Stakeholder, Tactic

Q_MIN = 2
Q_MAX = 100
# Hits shown per kind per campaign; the rest are counted ("and 3 more").
PER_CAMPAIGN = 5
# Rows read per kind in all, so a user in hundreds of campaigns still gets a
# bounded page; past it the page says some campaigns were left out.
MAX_ROWS = 250
# Characters of context either side of the match in a snippet.
CONTEXT = 60
# Control characters other than whitespace, which a page cannot carry.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search your campaigns",
        required=False,
        min_length=Q_MIN,
        max_length=Q_MAX,
        error_messages={
            "min_length": f"Type at least {Q_MIN} characters to search.",
            "max_length": (
                f"Searches are at most {Q_MAX} characters "
                "(this one has %(show_value)d)."
            ),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "search-%s")
        super().__init__(*args, **kwargs)
        widget = self.fields["q"].widget
        widget.input_type = "search"
        # The browser keeps what was typed (a longer search is still shown, to
        # be shortened); the limit is enforced here.
        widget.attrs.pop("minlength", None)

    def clean_q(self):
        # Control characters cannot be written in a page (and match nothing
        # anyone typed into a field), so they are dropped from the search.
        query = CONTROL.sub("", self.cleaned_data["q"]).strip()
        if 0 < len(query) < Q_MIN:
            raise forms.ValidationError(
                self.fields["q"].error_messages["min_length"], code="min_length"
            )
        return query

    def typed(self):
        """What was typed, shown again in the field: control characters (a
        NUL is refused anyway) cannot be written in HTML, so they are left out."""
        value = self["q"].value() or ""
        return CONTROL.sub("", value)


@dataclass
class Hit:
    url: str
    label: str  # safe HTML: the object's name, the match marked if it is there
    snippet: str = ""  # safe HTML: where it matched, when not in the name
    where: str = ""  # which field matched, for the snippet's label
    note: str = ""  # plain text: a status or a role


@dataclass
class KindHits:
    key: str
    label: str
    hits: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total - len(self.hits)


@dataclass
class CampaignHits:
    pk: int
    name: str
    kinds: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(k.total for k in self.kinds.values())

    def kind_list(self):
        return [self.kinds[key] for key, _ in KINDS if key in self.kinds]


@dataclass
class Results:
    query: str
    campaigns: list
    truncated: bool = False

    @property
    def total(self):
        return sum(c.total for c in self.campaigns)


KINDS = [
    ("tactics", "Tactics"),
    ("stakeholders", "Stakeholders"),
    ("objections", "Objections"),
    ("lessons", "Outcomes and lessons"),
]


def highlight(text, query, *, whole=False):
    """`text` escaped, its first case-insensitive match of `query` in <mark>.

    A snippet (`whole=False`) is cut to CONTEXT characters either side of the
    match, at word boundaries where it can be. Everything is escaped by
    format_html; only the <mark> and the ellipses are ours.
    """
    text = text or ""
    found = re.search(re.escape(query), text, re.IGNORECASE)
    if not found:
        # Matched by the database's case folding but not Python's: no mark.
        return format_html("{}", text if whole else _clip(text))
    start, end = found.span()
    if whole:
        return format_html(
            "{}<mark>{}</mark>{}", text[:start], text[start:end], text[end:]
        )
    before_at = max(0, start - CONTEXT)
    after_at = min(len(text), end + CONTEXT)
    before = text[before_at:start]
    after = text[end:after_at]
    if before_at > 0 and " " in before:
        before = before[before.index(" ") + 1 :]
    if after_at < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    return format_html(
        "{}{}<mark>{}</mark>{}{}",
        "… " if before_at > 0 else "",
        before,
        text[start:end],
        after,
        " …" if after_at < len(text) else "",
    )


def _clip(text):
    snippet = text[: 2 * CONTEXT]
    return snippet + (" …" if len(text) > len(snippet) else "")


def _matches(text, query):
    return bool(text) and re.search(re.escape(query), text, re.IGNORECASE)


def _in_my_campaigns(queryset, user):
    return queryset.filter(campaign__team__memberships__user=user)


def _without_quiet_tactics(queryset, user, prefix=""):
    """Leave out quiet tactics of the teams where `user` is a viewer."""
    viewing = Membership.objects.filter(user=user, role=Role.VIEWER).values("team_id")
    return queryset.exclude(
        Q(**{f"{prefix}is_private": True, f"{prefix}campaign__team__in": viewing})
    )


def _capped(queryset, order):
    """At most PER_CAMPAIGN rows per campaign, each with its campaign's count,
    ordered by campaign then `order`; MAX_ROWS + 1 rows at most."""
    return (
        queryset.annotate(
            campaign_name=F("campaign__name"),
            place=Window(RowNumber(), partition_by=[F("campaign_id")], order_by=order),
            campaign_total=Window(Count("pk"), partition_by=[F("campaign_id")]),
        )
        .filter(place__lte=PER_CAMPAIGN)
        .order_by("campaign__name", "campaign_id", "place")[: MAX_ROWS + 1]
    )


def _tactic_rows(user, query):
    tactics = _without_quiet_tactics(_in_my_campaigns(Tactic.objects, user), user)
    matching = tactics.filter(
        Q(title__icontains=query) | Q(description__icontains=query)
    )
    return _capped(
        matching.only("pk", "campaign_id", "title", "description", "status"),
        [F("updated_at").desc(), F("pk").desc()],
    )


def _lesson_rows(user, query):
    tactics = _without_quiet_tactics(_in_my_campaigns(Tactic.objects, user), user)
    return _capped(
        tactics.filter(outcome__icontains=query).only(
            "pk", "campaign_id", "title", "outcome", "status"
        ),
        [F("completed_at").desc(nulls_last=True), F("pk").desc()],
    )


def _stakeholder_rows(user, query):
    return _capped(
        _in_my_campaigns(Stakeholder.objects, user)
        .filter(
            Q(name__icontains=query)
            | Q(title__icontains=query)
            | Q(cares_about__icontains=query)
        )
        .only("pk", "campaign_id", "name", "title", "cares_about"),
        [F("name").asc(), F("pk").asc()],
    )


def _objection_rows(user, query):
    return _capped(
        _in_my_campaigns(Objection.objects, user)
        .filter(Q(text__icontains=query) | Q(details__icontains=query))
        .only("pk", "campaign_id", "stakeholder_id", "text", "details")
        .annotate(stakeholder_name=F("stakeholder__name")),
        [F("created_at").desc(), F("pk").desc()],
    )


def _tactic_hit(tactic, query):
    url = reverse("tactic_detail", args=[tactic.campaign_id, tactic.pk])
    note = tactic.get_status_display()
    if _matches(tactic.title, query) or not _matches(tactic.description, query):
        return Hit(url, highlight(tactic.title, query, whole=True), note=note)
    return Hit(
        url,
        format_html("{}", tactic.title),
        snippet=highlight(tactic.description, query),
        where="Description",
        note=note,
    )


def _lesson_hit(tactic, query):
    return Hit(
        reverse("tactic_detail", args=[tactic.campaign_id, tactic.pk]),
        format_html("{}", tactic.title),
        snippet=highlight(tactic.outcome, query),
        where="Outcome",
        note=tactic.get_status_display(),
    )


def _stakeholder_hit(stakeholder, query):
    url = reverse("stakeholder_detail", args=[stakeholder.campaign_id, stakeholder.pk])
    if _matches(stakeholder.name, query):
        return Hit(
            url, highlight(stakeholder.name, query, whole=True), note=stakeholder.title
        )
    if _matches(stakeholder.title, query) or not _matches(
        stakeholder.cares_about, query
    ):
        return Hit(
            url,
            format_html("{}", stakeholder.name),
            snippet=highlight(stakeholder.title, query),
            where="Role",
        )
    return Hit(
        url,
        format_html("{}", stakeholder.name),
        snippet=highlight(stakeholder.cares_about, query),
        where="Cares about",
        note=stakeholder.title,
    )


def _objection_hit(objection, query):
    url = reverse("objection_detail", args=[objection.campaign_id, objection.pk])
    note = f"Raised by {objection.stakeholder_name}"
    if _matches(objection.text, query) or not _matches(objection.details, query):
        return Hit(url, highlight(objection.text, query, whole=True), note=note)
    return Hit(
        url,
        format_html("{}", objection.text),
        snippet=highlight(objection.details, query),
        where="Details",
        note=note,
    )


SOURCES = {
    "tactics": (_tactic_rows, _tactic_hit),
    "stakeholders": (_stakeholder_rows, _stakeholder_hit),
    "objections": (_objection_rows, _objection_hit),
    "lessons": (_lesson_rows, _lesson_hit),
}


def search(user, query):
    """The user's hits for `query`, grouped by campaign (by name), four
    queries whatever the number of campaigns."""
    labels = dict(KINDS)
    groups = {}
    truncated = False
    for key, (rows, to_hit) in SOURCES.items():
        found = list(rows(user, query))
        if len(found) > MAX_ROWS:
            truncated = True
            # The campaign the limit cuts through is left out whole, not
            # shown short.
            cut = found[MAX_ROWS].campaign_id
            found = [row for row in found[:MAX_ROWS] if row.campaign_id != cut]
        for row in found:
            group = groups.setdefault(
                row.campaign_id, CampaignHits(row.campaign_id, row.campaign_name)
            )
            kind = group.kinds.setdefault(
                key, KindHits(key, labels[key], total=row.campaign_total)
            )
            kind.hits.append(to_hit(row, query))
    campaigns = sorted(groups.values(), key=lambda c: (c.name.casefold(), c.pk))
    return Results(query, campaigns, truncated)
