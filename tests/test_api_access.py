"""The API's access matrix: every endpoint, every method, for every kind of
caller (the team's owner, member and viewer, another team's token, no token,
a revoked and an expired token, a read-only token). An API URL without a
case here fails the suite.
"""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.api import tokens
from campaigns.models import (
    ApiToken,
    Campaign,
    Influencer,
    Milestone,
    Stakeholder,
    Tactic,
)
from tests.world import World, api_patterns, row_counts

GET = "get"


def _tactic_edit(world):
    tactic = Tactic.objects.get(pk=world.objects["tactic"].pk)
    return {"title": "Renamed by a script", "version": tactic.version}


def _edit(world, model, **fields):
    record = model.objects.get(pk=world.objects[model.__name__.lower()].pk)
    return {**fields, "version": record.version}


def _campaign_edit(world):
    campaign = Campaign.objects.get(pk=world.objects["campaign"].pk)
    return {"status": "paused", "version": campaign.version}


def _milestone_progress(world):
    milestone = Milestone.objects.get(pk=world.objects["milestone"].pk)
    return {"current_value": milestone.current_value + 1, "version": milestone.version}


def _new_link(world):
    # The campaign's other stakeholder, whom the influencer is not linked to.
    return {"stakeholder": world.objects["listener"].stakeholder_id, "strength": 4}


# For each API URL: the writes a writer makes (method, body or a function of
# the world giving it, the status on success). Every URL also takes a GET,
# except those listed in WRITE_ONLY.
WRITES = {
    "api_teams": [],
    "api_team": [],
    "api_campaigns": [],
    "api_campaign": [("patch", _campaign_edit, 200)],
    "api_stakeholders": [
        ("post", {"name": "Ola", "power": 4, "interest": 2, "stance": 3}, 201)
    ],
    "api_stakeholder": [("patch", lambda w: _edit(w, Stakeholder, title="Chair"), 200)],
    "api_stance_change": [("post", {"to_stance": 5, "reason": "Saw the pilot"}, 201)],
    "api_influencers": [("post", {"name": "Pat the treasurer"}, 201)],
    "api_influence_add": [("post", _new_link, 201)],
    "api_influence": [("delete", None, 204)],
    "api_influencer": [("patch", lambda w: _edit(w, Influencer, notes="Ally"), 200)],
    "api_tactics": [("post", {"title": "Added by a script", "status": "planned"}, 201)],
    "api_tactic": [("patch", _tactic_edit, 200)],
    "api_tactic_move": [("post", {"status": "done", "position": 1}, 200)],
    "api_milestones": [
        (
            "post",
            {"title": "Pilot approved", "target_value": 1, "current_value": 0},
            201,
        )
    ],
    "api_milestone": [("patch", lambda w: _edit(w, Milestone, unit="people"), 200)],
    "api_milestone_progress": [("post", _milestone_progress, 200)],
    "api_objections": [],
    "api_objection_create": [("post", {"text": "No budget this year"}, 201)],
    "api_objection_answer": [("post", {"answered": True}, 200)],
    "api_reports": [
        ("post", {"period_start": "2026-01-01", "period_end": "2026-01-31"}, 201)
    ],
    "api_report": [],
    "api_activity": [],
}
WRITE_ONLY = {
    "api_tactic_move",
    "api_stance_change",
    "api_milestone_progress",
    "api_influence_add",
    "api_objection_create",
    "api_objection_answer",
    "api_influence",
}
# Not under a team or campaign: an outsider reads their own (and sees none
# of this team's).
UNSCOPED = {"api_teams", "api_campaigns"}
# What a viewer may not even read in World: its progress report is a draft.
HIDDEN_FROM_VIEWERS = {"api_report"}
ALL_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def world(db):
    return World()


def token_client(user, **options):
    _, key = tokens.create(user, "Tests", **options)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}"), key


def send(client, method, url, body=None):
    if method == GET:
        return client.get(url)
    return client.generic(
        method.upper(),
        url,
        json.dumps(body if body is not None else {}),
        content_type="application/json",
    )


def state():
    """Everything a refused request must leave as it was."""
    return (
        row_counts(),
        sorted(
            Tactic.objects.values_list("pk", "title", "status", "position", "version")
        ),
    )


def body_for(body, world):
    return body(world) if callable(body) else body


def test_every_api_url_has_a_case():
    names = {p.name for p in api_patterns()}
    assert names == set(WRITES), (names - set(WRITES), set(WRITES) - names)
    assert len(names) >= 16


@pytest.mark.parametrize("caller", ["nobody", "revoked", "expired", "garbage"])
def test_without_a_valid_token_every_endpoint_is_a_401(world, caller):
    if caller == "nobody":
        client = Client()
    elif caller == "garbage":
        client = Client(HTTP_AUTHORIZATION="Bearer adv_not-a-real-token")
    else:
        client, key = token_client(world.owner)
        token = ApiToken.objects.get(key_hash=tokens.digest(key))
        if caller == "revoked":
            assert tokens.revoke(world.owner, token.pk)
        else:
            token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
            token.save()
    before = state()
    wrong = []
    for pattern in api_patterns():
        url = world.url(pattern)
        for method in ALL_METHODS:
            response = send(client, method, url, {"status": "done", "title": "x"})
            if response.status_code != 401:
                wrong.append((pattern.name, method, response.status_code))
            elif "detail" not in response.json():
                wrong.append((pattern.name, method, "no message"))
            elif response["WWW-Authenticate"] != 'Bearer realm="api"':
                wrong.append((pattern.name, method, "no WWW-Authenticate"))
    assert not wrong, wrong
    assert state() == before


def test_another_teams_token_finds_nothing_of_this_team(world):
    client, _ = token_client(world.outsider)
    before = state()
    wrong = []
    mine = world.objects
    for pattern in api_patterns():
        url = world.url(pattern)
        for method in ALL_METHODS:
            response = send(client, method, url, {"status": "done", "title": "x"})
            if pattern.name in UNSCOPED:
                expected = 200 if method == GET else 405
            else:
                expected = 404
            if response.status_code != expected:
                wrong.append((pattern.name, method, response.status_code))
            elif expected == 404:
                assert response.json()["detail"].startswith("Not found")
            elif method == GET:
                ids = {row["id"] for row in response.json()["results"]}
                theirs = {mine["team"].pk, mine["campaign"].pk}
                if pattern.name == "api_teams" and mine["team"].pk in ids:
                    wrong.append((pattern.name, "lists the other team"))
                if pattern.name == "api_campaigns" and mine["campaign"].pk in ids:
                    wrong.append((pattern.name, "lists the other campaign", theirs))
    assert not wrong, wrong
    assert state() == before


def test_another_teams_ids_under_my_own_campaign_are_not_found(world):
    """A child id from the other team under my campaign: 404, every method."""
    client, _ = token_client(world.owner)
    before = state()
    wrong = []
    for pattern in api_patterns():
        children = set(pattern.pattern.converters) - {"campaign_pk", "team_pk"}
        if not children:
            continue
        url = world.url(pattern, world.objects, world.foreign)
        for method in ALL_METHODS:
            response = send(client, method, url, {"status": "done"})
            if response.status_code != 404:
                wrong.append((pattern.name, method, response.status_code))
    assert not wrong, wrong
    assert state() == before


@pytest.mark.parametrize("caller", ["viewer", "read_only"])
def test_viewers_and_read_only_tokens_read_but_change_nothing(world, caller):
    if caller == "viewer":
        client, _ = token_client(world.viewer)
    else:
        client, _ = token_client(world.owner, read_only=True)
    before = state()
    wrong = []
    for pattern in api_patterns():
        url = world.url(pattern)
        hidden = caller == "viewer" and pattern.name in HIDDEN_FROM_VIEWERS
        if pattern.name not in WRITE_ONLY:
            response = client.get(url)
            expected = 404 if hidden else 200
            if response.status_code != expected:
                wrong.append((pattern.name, GET, response.status_code))
        for method, body, _ in WRITES[pattern.name]:
            response = send(client, method, url, body_for(body, world))
            if response.status_code != 403:
                wrong.append((pattern.name, method, response.status_code))
            elif not response.json()["detail"]:
                wrong.append((pattern.name, method, "no message"))
        for method in ("put", "delete"):
            response = send(client, method, url)
            if response.status_code not in (404 if hidden else 405, 403):
                wrong.append((pattern.name, method, response.status_code))
    assert not wrong, wrong
    assert state() == before


@pytest.mark.parametrize("role", ["owner", "member"])
def test_writers_read_and_write_every_endpoint(world, role):
    client, _ = token_client(getattr(world, role))
    wrong = []
    for pattern in api_patterns():
        url = world.url(pattern)
        if pattern.name not in WRITE_ONLY:
            response = client.get(url)
            if response.status_code != 200:
                wrong.append((pattern.name, GET, response.status_code))
        else:
            response = client.get(url)
            if response.status_code != 405:
                wrong.append((pattern.name, GET, response.status_code))
        allowed = {method for method, _, _ in WRITES[pattern.name]}
        for method in ("post", "put", "patch", "delete"):
            if method in allowed:
                continue
            before = state()
            response = send(client, method, url)
            if response.status_code != 405:
                wrong.append((pattern.name, method, response.status_code))
            if state() != before:
                wrong.append((pattern.name, method, "changed data"))
        for method, body, status in WRITES[pattern.name]:
            response = send(client, method, url, body_for(body, world))
            if response.status_code != status:
                wrong.append((pattern.name, method, response.status_code))
    assert not wrong, wrong


def test_empty_and_odd_bodies_are_field_errors(world):
    client, _ = token_client(world.member)
    wrong = []
    for pattern in api_patterns():
        url = world.url(pattern)
        for method, _, _ in WRITES[pattern.name]:
            if method == "delete":
                continue  # takes no body
            for body in ({}, [], "text", {"title": {"nested": 1}}):
                before = state()
                response = send(client, method, url, body)
                if response.status_code != 400:
                    wrong.append((pattern.name, method, body, response.status_code))
                elif "detail" not in response.json():
                    wrong.append((pattern.name, method, body, "no detail"))
                if state() != before:
                    wrong.append((pattern.name, method, body, "changed data"))
    assert not wrong, wrong


def test_the_schema_describes_every_api_url(client, world):
    schema = client.get(reverse("api_schema")).json()
    paths = set(schema["paths"])
    for pattern in api_patterns():
        route = "/" + str(pattern.pattern)
        for name in pattern.pattern.converters:
            route = route.replace(f"<id:{name}>", "{" + name + "}")
        assert route in paths, route
