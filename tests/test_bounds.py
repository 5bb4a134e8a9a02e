"""Bounded work for every input: an id out of any column's range does not
match a URL, dates at the end of the calendar answer 4xx, and every free-text
field has a maximum length."""

import re

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from campaigns.converters import IdConverter
from campaigns.models import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    Campaign,
    ProgressReport,
    Stakeholder,
    Tactic,
)
from tests.versions import loaded_version
from tests.world import World, all_patterns

BIGINT_MAX = 2**63 - 1
ID_IN_ROUTE = re.compile(r"<(\w+):(\w+)>")


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def owner(world):
    client = Client()
    client.force_login(world.owner)
    return client


# ---- ids in URLs -------------------------------------------------------------


def test_every_id_in_every_url_uses_the_id_converter():
    for pattern in all_patterns():
        for kind, name in ID_IN_ROUTE.findall(str(pattern.pattern)):
            if name.endswith("_pk"):
                assert kind == "id", (pattern.name, name)
                assert isinstance(pattern.pattern.converters[name], IdConverter)


@pytest.mark.parametrize(
    "value", ["0", "00", str(BIGINT_MAX + 1), "99999999999999999999", "9" * 5000]
)
def test_ids_out_of_range_do_not_match(value):
    for path in (
        f"/teams/{value}/audit/",
        f"/teams/{value}/export/",
        f"/teams/1/playbook/templates/{value}/edit/",
        f"/campaigns/{value}/",
        f"/campaigns/1/tactics/{value}/",
        f"/campaigns/1/reports/{value}/pdf/",
    ):
        with pytest.raises(Resolver404):
            resolve(path)


def test_ids_in_range_match():
    match = resolve(f"/teams/{BIGINT_MAX}/audit/")
    assert match.kwargs == {"team_pk": BIGINT_MAX}
    assert resolve("/campaigns/1/").kwargs == {"campaign_pk": 1}


EDGE_IDS = ["0", "-1", str(BIGINT_MAX), str(BIGINT_MAX + 1), "99999999999999999999"]


def test_every_url_with_an_odd_id_is_not_found(world, owner):
    """Each id of each URL in turn replaced by one no row has, the rest the
    owner's own: always 404, for GET and POST alike."""
    wrong = []
    for pattern in all_patterns():
        route = str(pattern.pattern)
        ids = [n for k, n in ID_IN_ROUTE.findall(route) if k == "id"]
        if not ids:
            continue
        kwargs = world.kwargs(pattern, world.objects)
        for name in ids:
            for value in EDGE_IDS:
                values = {**kwargs, name: value}
                path = "/" + ID_IN_ROUTE.sub(
                    lambda m, values=values: str(values[m[2]]), route
                )
                for method in ("get", "post"):
                    status = getattr(owner, method)(path).status_code
                    if status != 404:
                        wrong.append((method, path, status))
    assert not wrong, wrong


# ---- dates at the end of the calendar ----------------------------------------

# Found by the new fuzz strategies; the code that adds the day lives in files
# another change owns, so these stay expected failures until it is fixed there.


def test_report_period_at_the_end_of_the_calendar_is_a_400(world, owner):
    campaign = world.objects["campaign"]
    response = owner.post(
        reverse("report_create", args=[campaign.pk]),
        {"period_start": "9999-12-30", "period_end": "9999-12-31"},
    )
    assert response.status_code == 400
    assert not ProgressReport.objects.filter(period_end__year=9999).exists()


def test_campaign_starting_at_the_end_of_the_calendar_is_a_400(world, owner):
    campaign = world.objects["campaign"]
    url = reverse("campaign_edit", args=[campaign.pk])
    data = {
        "name": campaign.name,
        "goal": "A goal",
        "status": "active",
        "starts_on": "9999-12-31",
        "report_every_days": "365",
        "version": loaded_version(owner, url),
    }
    response = owner.post(url, data)
    assert owner.get(reverse("campaign_detail", args=[campaign.pk])).status_code < 500
    assert response.status_code == 400
    assert "Choose a date from 1 Jan 1900 to 31 Dec 8999." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.starts_on.year < 9000
    # The last day allowed still leaves room for a year's cadence.
    response = owner.post(url, {**data, "starts_on": "8999-12-31"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.report_due_on.year == 9000
    assert owner.get(reverse("campaign_detail", args=[campaign.pk])).status_code < 500


def test_playbook_start_at_the_end_of_the_calendar_is_a_400(world, owner):
    response = owner.post(
        reverse("playbook_start", args=[world.team.pk]),
        {
            "name": "A pilot",
            "decider_name": "Dana",
            "cares_about": "Reach",
            "goal": "Reach",
            "first_step": "Three months",
            "first_step_size": "large",
            "starts_on": "9999-12-31",
        },
    )
    assert response.status_code == 400


# ---- maximum lengths ---------------------------------------------------------


def test_tactic_description_one_over_the_limit(world, owner):
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    data = {"title": "Lunch and learn", "description": "x" * (DESCRIPTION_MAX + 1)}
    data["version"] = loaded_version(owner, url)

    response = owner.post(url, data)
    assert response.status_code == 400
    assert f"at most {DESCRIPTION_MAX} characters" in response.content.decode()
    tactic.refresh_from_db()
    assert len(tactic.description) <= DESCRIPTION_MAX
    assert f'maxlength="{DESCRIPTION_MAX}"' in owner.get(url).content.decode()

    data["description"] = "x" * DESCRIPTION_MAX
    assert owner.post(url, data).status_code == 302
    assert len(Tactic.objects.get(pk=tactic.pk).description) == DESCRIPTION_MAX


def test_stakeholder_cares_about_one_over_the_limit(world, owner):
    campaign = world.objects["campaign"]
    response = owner.post(
        reverse("stakeholder_create", args=[campaign.pk]),
        {
            "name": "Dana Decider",
            "power": "4",
            "interest": "3",
            "stance": "3",
            "cares_about": "x" * (NOTE_MAX + 1),
        },
    )
    assert response.status_code == 400
    assert f"at most {NOTE_MAX} characters" in response.content.decode()
    assert not Stakeholder.objects.filter(name="Dana Decider").exists()


def test_campaign_goal_one_over_the_limit(world, owner):
    response = owner.post(
        reverse("campaign_create"),
        {
            "name": "Too long",
            "goal": "x" * (NOTE_MAX + 1),
            "status": "active",
            "starts_on": "2026-01-05",
            "report_every_days": "14",
        },
    )
    assert response.status_code == 400
    assert not Campaign.objects.filter(name="Too long").exists()


def test_report_body_one_over_the_limit(world, owner):
    campaign, report = world.objects["campaign"], world.objects["report"]
    url = reverse("report_edit", args=[campaign.pk, report.pk])
    response = owner.post(
        url,
        {
            "title": report.title,
            "summary": "x" * 10_001,
            "version": loaded_version(owner, url),
        },
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert len((report.sections or {}).get("summary", "")) <= 10_000
