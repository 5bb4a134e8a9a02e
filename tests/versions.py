"""Posting an edit form as a browser does: with the version it was loaded
from (campaigns/versions.py refuses a post without one)."""

import re


def loaded_version(client, url, name="version"):
    """The version in the form at `url`, as the browser would send it."""
    html = client.get(url).content.decode()
    match = re.search(rf'name="{re.escape(name)}" value="(\d+)"', html)
    assert match, f"no {name} field in the form at {url}"
    return match[1]


def version_of(record):
    """The version saved now, for forms that are not on a page of their own."""
    return str(type(record).objects.values_list("version", flat=True).get(pk=record.pk))
