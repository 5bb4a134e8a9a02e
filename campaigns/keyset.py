"""Newest-first pages that cost the same on the first page and the
thousandth: keyset ("seek") paging on (created_at, pk).

Page numbers make the database count and skip every row before the page;
here a page link carries the position of the row it continues from, and the
page is read from an index starting there. A long history is browsed with
Newer and Older, and the total is counted only up to COUNT_CAP.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q

COUNT_CAP = 1000
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


class BadCursor(ValueError):
    """A page link that is not one this module wrote."""


@dataclass
class Page:
    object_list: list
    newer: str | None  # the cursor of the page before, if there is one
    older: str | None  # the cursor of the page after, if there is one
    total: int  # rows in all, at most COUNT_CAP + 1
    is_first: bool

    count_cap = COUNT_CAP

    @property
    def total_is_capped(self):
        return self.total > COUNT_CAP


def cursor(row):
    microseconds = (row.created_at - EPOCH) // MICROSECOND
    return f"{microseconds}-{row.pk}"


def _position(text):
    try:
        microseconds, pk = (int(part) for part in text.split("-"))
        created_at = EPOCH + microseconds * MICROSECOND
    except (ValueError, OverflowError) as error:
        raise BadCursor(text) from error
    return created_at, pk


def page(rows, *, size, before=None, after=None):
    """The page of `rows` (a queryset of objects with created_at) that ends
    just older than `before`, starts just newer than `after`, or, given
    neither, the newest page. Raises BadCursor for a link we did not write."""
    total = rows[: COUNT_CAP + 1].count()
    if after:
        created_at, pk = _position(after)
        # The first condition bounds the index scan; the second breaks ties.
        found = list(
            rows.filter(created_at__gte=created_at)
            .filter(Q(created_at__gt=created_at) | Q(pk__gt=pk))
            .order_by("created_at", "pk")[: size + 1]
        )
        if len(found) > size:
            shown = found[:size][::-1]
            return Page(shown, cursor(shown[0]), cursor(shown[-1]), total, False)
        # Fewer than a page is newer: that is the newest page itself.
        before = None
    elif before:
        created_at, pk = _position(before)
        rows = rows.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(pk__lt=pk)
        )
    found = list(rows.order_by("-created_at", "-pk")[: size + 1])
    shown = found[:size]
    newer = cursor(shown[0]) if before and shown else None
    older = cursor(shown[-1]) if len(found) > size else None
    return Page(shown, newer, older, total, not before)
