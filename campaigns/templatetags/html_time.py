"""Values for `<time datetime>`: the HTML spec's valid date and global
datetime strings. Django's `date:'c'` adds microseconds when a timestamp has
them, which the spec does not allow (a second's fraction is one to three
digits), so every `<time datetime>` goes through this one filter."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()


def datetime_attr(value):
    """`2026-12-02T10:15:00+00:00` for a datetime (seconds, no fraction; an
    aware one in UTC), `2026-12-02` for a date, "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


register.filter("datetime_attr", datetime_attr)
