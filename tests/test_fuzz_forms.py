"""Every form on every page, one field at a time at its limits.

The hand-written fuzz tests (tests/test_fuzz.py) know each form; this one
knows none. It opens every page an owner can see, reads each form the page
offers, and posts it back with one field replaced by a value at or past its
edge: text one over its `maxlength` (or a megabyte where none is given), NUL
bytes, numbers beyond every integer column, dates at the ends of the calendar,
choices that are not offered. A new form or field is covered the day it is
added. Whatever is posted, the answer is never a server error.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import reverse

from tests.world import PUBLIC, World, all_patterns

TEXT_TYPES = {"text", "search", "email", "url", "tel", "password", "textarea"}
NUMBERS = ["-1", "0", str(2**31), str(2**63), "-" + str(2**63), "1e400", "NaN"]
DATES = ["9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30"]
DATETIMES = ["9999-12-31T23:59", "0001-01-01T00:00", "10000-01-01T00:00"]
MEGABYTE = "x" * 1_000_000


class Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, type, value,
    maxlength, the offered choices)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": []}
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            checked = "checked" in attrs
            if kind in ("checkbox", "radio") and not checked:
                self._add(attrs, kind, None)
                return
            self._add(attrs, kind, attrs.get("value") or ("on" if checked else ""))
        elif tag == "textarea":
            self._textarea = self._add(attrs, "textarea", "")
        elif tag == "select":
            self._select = self._add(attrs, "select", None)
            self._select["choices"] = []
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select["choices"].append(value)
            if self._select["value"] is None or "selected" in attrs:
                self._select["value"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _add(self, attrs, kind, value):
        field = {
            "name": attrs["name"],
            "type": kind,
            "value": value,
            "maxlength": int(attrs["maxlength"]) if "maxlength" in attrs else None,
        }
        self._form["fields"].append(field)
        return field


def edge_values(field):
    kind = field["type"]
    if kind in TEXT_TYPES:
        over = "x" * (field["maxlength"] + 1) if field["maxlength"] else MEGABYTE
        return [over, "a\x00b", "\u202e" + "y" * 50]
    if kind in ("number", "range", "hidden"):
        return NUMBERS
    if kind == "date":
        return DATES
    if kind == "datetime-local":
        return DATETIMES
    if kind in ("select", "checkbox", "radio"):
        return [str(2**63), "not-a-choice"]
    return []


def base_data(form):
    data = {}
    for field in form["fields"]:
        if field["value"] is not None:
            data.setdefault(field["name"], []).append(field["value"])
    return data


@pytest.fixture
def owner(db):
    world = World()
    # A server error is recorded as a 500 and the walk goes on, so one run
    # lists every failing field.
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    return world, client


def page_forms(world, client):
    """Every distinct form (by action and field names) on the owner's pages."""
    logout = reverse("logout")
    seen = {}
    for pattern in all_patterns():
        if pattern.name in PUBLIC:
            continue
        url = world.url(pattern)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response["Content-Type"]:
            continue
        parser = Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = urlsplit(urljoin(url, form["action"] or url)).path
            if action == logout:
                continue
            key = (action, tuple(sorted(f["name"] for f in form["fields"])))
            seen.setdefault(key, (url, action, form))
    return list(seen.values())


def test_every_field_of_every_form_at_its_edges(owner):
    world, client = owner
    forms = page_forms(world, client)
    # The pages offer dozens of forms; finding few means the walk broke.
    assert len(forms) > 30, [action for _, action, _ in forms]
    failures, posts = [], 0
    for page, action, form in forms:
        base = base_data(form)
        for field in form["fields"]:
            for value in edge_values(field):
                data = {**base, field["name"]: [value]}
                # Each post is undone, so a delete or a leave does not take
                # the rest of the walk's objects with it.
                with transaction.atomic():
                    response = client.post(action, data)
                    transaction.set_rollback(True)
                posts += 1
                if response.status_code >= 500:
                    failures.append((page, action, field["name"], value[:40]))
                client.force_login(world.owner)
    assert posts > 300
    assert not failures, failures[:20]


def test_every_free_text_field_has_a_maximum_length(owner):
    world, client = owner
    unbounded = sorted(
        {
            (action, field["name"])
            for _, action, form in page_forms(world, client)
            for field in form["fields"]
            if field["type"] in TEXT_TYPES and not field["maxlength"]
        }
    )
    assert not unbounded


# Written by the app, never typed: a delivery's error, a rendered document.
NOT_TYPED = {"EmailDelivery.error", "ReportPdf.html"}


def test_every_text_column_has_a_maximum_length():
    # The forms take their limits from the model fields; a TextField without
    # one would let a form built from it accept a megabyte.
    unbounded = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("campaigns").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and not field.max_length
    ]
    assert sorted(set(unbounded) - NOT_TYPED) == []
