"""Counting the queries of a page, for the tests that keep them flat."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url):
    """The queries of a GET of `url` once a first one settled the session
    (the current team), so every size is counted alike."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)
