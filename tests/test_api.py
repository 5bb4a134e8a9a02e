"""The JSON API's behaviour: tokens made and revoked on the settings page,
moves and edits through the board's own logic, what viewers do not see,
pages and filters, CSRF, rate limits and the docs page."""

import datetime
import json
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns import board as logic
from campaigns.api import tokens
from campaigns.models import (
    Activity,
    ApiToken,
    ProgressReport,
    ReportStatus,
    Tactic,
    TacticStatus,
    ThrottleWindow,
)
from tests import factories as f
from tests.markup import assert_valid
from tests.world import World, api_patterns

JSON = "application/json"


@pytest.fixture
def world(db):
    return World()


def api(user, **options):
    _, key = tokens.create(user, "Tests", **options)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type=JSON)


def tactics_url(campaign):
    return reverse("api_tactics", args=[campaign.pk])


def move_url(tactic):
    return reverse("api_tactic_move", args=[tactic.campaign_id, tactic.pk])


# ---- tokens on the settings page ---------------------------------------------


def test_a_token_is_shown_once_and_stored_hashed(client_for, world):
    web = client_for(world.member)
    settings_page = reverse("notification_preferences")
    response = web.post(
        reverse("api_token_create"),
        {"name": "Board export", "lifetime": "30", "read_only": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == settings_page + "#api-tokens"
    page = web.get(settings_page).text
    [key] = re.findall(r'id="new-token-key"[^>]*value="(adv_[^"]+)"', page)
    assert "Copy it now" in page
    # Never again, and never stored as it is.
    again = web.get(settings_page).text
    assert key not in again
    assert "Board export" in again
    token = ApiToken.objects.get(user=world.member)
    assert token.key_hash == tokens.digest(key) and key not in token.key_hash
    assert key.startswith(token.prefix) and token.prefix in again
    assert token.read_only
    days = (token.expires_at - timezone.now()).days
    assert 29 <= days <= 30
    # It works, as its person, read only.
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(reverse("api_teams")).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    response = post(client, tactics_url(world.objects["campaign"]), {"title": "x"})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_a_token_without_expiry_works_until_revoked(client_for, world):
    web = client_for(world.owner)
    web.post(reverse("api_token_create"), {"name": "Sync", "lifetime": "never"})
    page = web.get(reverse("notification_preferences")).text
    [key] = re.findall(r'value="(adv_[^"]+)"', page)
    token = ApiToken.objects.get(user=world.owner)
    assert token.expires_at is None and not token.read_only
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(reverse("api_campaigns")).status_code == 200
    # Someone else cannot revoke it.
    other = client_for(world.member)
    assert (
        other.post(reverse("api_token_revoke"), {"token": token.pk}).status_code == 400
    )
    assert client.get(reverse("api_campaigns")).status_code == 200
    response = web.post(reverse("api_token_revoke"), {"token": token.pk})
    assert response.status_code == 302
    assert client.get(reverse("api_campaigns")).status_code == 401
    page = web.get(reverse("notification_preferences")).text
    assert "Revoked “Sync”" in page and "You have no tokens." in page
    assert "Revoked “Sync”" not in web.get(reverse("notification_preferences")).text


def test_a_bad_token_form_says_what_is_wrong_and_keeps_what_was_typed(
    client_for, world
):
    web = client_for(world.member)
    response = web.post(reverse("api_token_create"), {"name": "", "lifetime": "9"})
    assert response.status_code == 400
    assert "Say what the token is for." in response.text
    assert_valid(response.text, "token form errors")
    response = web.post(
        reverse("api_token_create"), {"name": "x" * 101, "lifetime": "90"}
    )
    assert response.status_code == 400
    assert 'value="' + "x" * 101 in response.text
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused(world):
    token, key = tokens.create(
        world.owner, "Old", expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get(reverse("api_teams"))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_deactivated_persons_token_is_refused(world):
    client = api(world.member)
    world.member.is_active = False
    world.member.save()
    assert client.get(reverse("api_teams")).status_code == 401


# ---- the board through the API -------------------------------------------------


def test_a_move_is_the_boards_move(world, client_for):
    campaign = world.objects["campaign"]
    first = world.objects["tactic"]
    second = f.TacticFactory(campaign=campaign, status=TacticStatus.PLANNED)
    logic.move_tactic(campaign, first.pk, TacticStatus.PLANNED, 1, world.owner)
    campaign.refresh_from_db()
    version = campaign.board_version
    client = api(world.member)
    response = post(
        client,
        move_url(first),
        {"status": "planned", "position": 1, "board_version": version},
    )
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["moved"] and answer["tactic"]["status"] == "planned"
    assert answer["board_version"] == version + 1
    # Top of Planned, above the card that was there.
    order = list(
        Tactic.objects.filter(campaign=campaign, status="planned")
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    assert order == [first.pk, second.pk]
    activity = Activity.objects.filter(tactic=first).first()
    assert (
        activity.verb == Activity.Verb.TACTIC_MOVED and activity.actor == world.member
    )
    assert activity.summary == f"Reordered “{first.title}” in Planned"
    # The board in the browser shows it where the API put it.
    board = client_for(world.owner).get(reverse("board", args=[campaign.pk])).text
    planned = board[board.index('id="col-planned"') :]
    assert planned.index(f'id="tactic-{first.pk}"') < planned.index(
        f'id="tactic-{second.pk}"'
    )


def test_a_move_over_a_newer_board_is_refused(world):
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    campaign.refresh_from_db()
    stale = campaign.board_version
    logic.create_tactic(campaign, world.owner, "Meanwhile", TacticStatus.BACKLOG)
    response = post(
        api(world.member), move_url(tactic), {"status": "done", "board_version": stale}
    )
    assert response.status_code == 409
    assert "changed meanwhile" in response.json()["detail"]
    assert response.json()["current"]["board_version"] == stale + 1
    tactic.refresh_from_db()
    assert tactic.status == TacticStatus.BACKLOG


def test_closing_a_repeating_tactic_plans_the_next(world):
    campaign = world.objects["campaign"]
    weekly = f.TacticFactory(
        campaign=campaign,
        status=TacticStatus.PLANNED,
        repeat="FREQ=WEEKLY",
        due_on=timezone.localdate(),
    )
    response = post(api(world.member), move_url(weekly), {"status": "done"})
    assert response.status_code == 200
    following = response.json()["next_occurrence"]
    assert Tactic.objects.get(pk=following).status == TacticStatus.PLANNED
    weekly.refresh_from_db()
    assert weekly.completed_at is not None


def test_a_bad_move_says_which_field(world):
    response = post(
        api(world.member), move_url(world.objects["tactic"]), {"status": "later"}
    )
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_an_edit_over_a_newer_version_is_a_409_and_an_assignment_emails(
    world, django_capture_on_commit_callbacks
):
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    url = reverse("api_tactic", args=[campaign.pk, tactic.pk])
    client = api(world.owner)
    loaded = client.get(url).json()["version"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            url,
            {"assignee": world.member.pk, "version": loaded},
            method="patch",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"]["id"] == world.member.pk
    assert response.json()["version"] == loaded + 1
    assert [m.to for m in mail.outbox] == [[world.member.email]]
    assert Activity.objects.filter(
        tactic=tactic, verb=Activity.Verb.TACTIC_ASSIGNED
    ).exists()
    # The same version again: someone saved meanwhile.
    response = post(
        client, url, {"title": "Other title", "version": loaded}, method="patch"
    )
    assert response.status_code == 409
    body = response.json()
    assert "newer version" in body["detail"]
    assert body["current"]["version"] == loaded + 1
    assert "title" in body["fields"]
    tactic.refresh_from_db()
    assert tactic.title != "Other title"
    # Without a version nothing is saved either.
    response = post(client, url, {"title": "No version"}, method="patch")
    assert response.status_code == 400
    assert "version" in response.json()["fields"]


def test_a_card_added_through_the_api_is_on_top_of_its_column(world):
    campaign = world.objects["campaign"]
    response = post(
        api(world.member), tactics_url(campaign), {"title": "New", "status": "backlog"}
    )
    assert response.status_code == 201
    top = (
        Tactic.objects.filter(campaign=campaign, status="backlog")
        .order_by("position")
        .first()
    )
    assert top.pk == response.json()["id"] and top.created_by == world.member
    response = post(api(world.member), tactics_url(campaign), {"status": "backlog"})
    assert response.json()["fields"]["title"] == ["Give the tactic a title."]


def test_a_draft_report_through_the_api(world):
    campaign = world.objects["campaign"]
    url = reverse("api_reports", args=[campaign.pk])
    response = post(
        api(world.member),
        url,
        {"period_start": "2026-02-01", "period_end": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "period_end" in response.json()["fields"]
    response = post(
        api(world.member),
        url,
        {"period_start": "2026-01-01", "period_end": "2026-02-01"},
    )
    assert response.status_code == 201
    report = ProgressReport.objects.get(pk=response.json()["id"])
    assert report.status == ReportStatus.DRAFT and report.created_by == world.member
    assert set(response.json()["sections"]) == set(report.sections)
    assert Activity.objects.filter(verb=Activity.Verb.REPORT_DRAFTED).exists()


def test_stakeholders_added_and_moved_through_the_api(world):
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    client = api(world.member)
    url = reverse("api_stakeholders", args=[campaign.pk])
    body = {"name": "Ola Berg", "power": 5, "interest": 2, "stance": 2}
    response = post(client, url, body)
    assert response.status_code == 201, response.json()
    ola = response.json()["id"]
    assert Activity.objects.filter(
        stakeholder_id=ola, verb=Activity.Verb.STAKEHOLDER_ADDED
    ).exists()
    # The same name again is a field error, as on the page.
    response = post(client, url, body)
    assert response.status_code == 400
    assert "name" in response.json()["fields"]
    stance = reverse("api_stance_change", args=[campaign.pk, ola])
    response = post(client, stance, {"to_stance": 2, "reason": "No change"})
    assert response.status_code == 400
    assert "to_stance" in response.json()["fields"]
    response = post(
        client, stance, {"to_stance": 5, "reason": "Saw the pilot", "tactic": tactic.pk}
    )
    assert response.status_code == 201
    [change] = response.json()["stance_history"]
    assert (change["from_stance"], change["to_stance"]) == (2, 5)
    assert change["tactic"] == tactic.pk
    assert change["recorded_by"]["id"] == world.member.pk
    assert response.json()["stance"] == 5
    moved = Activity.objects.get(stakeholder_id=ola, verb=Activity.Verb.STANCE_CHANGED)
    assert moved.summary == "Ola Berg: Skeptical → Supportive"


def test_milestones_added_and_moved_through_the_api(world):
    campaign = world.objects["campaign"]
    client = api(world.member)
    response = post(
        client,
        reverse("api_milestones", args=[campaign.pk]),
        {"title": "Staff at lunch-and-learns", "target_value": 40, "current_value": 0},
    )
    assert response.status_code == 201, response.json()
    milestone = response.json()
    url = reverse("api_milestone_progress", args=[campaign.pk, milestone["id"]])
    body = {"current_value": 40, "version": milestone["version"]}
    response = post(client, url, body)
    assert response.status_code == 200, response.json()
    assert response.json()["percent"] == 100 and response.json()["reached_at"]
    assert Activity.objects.filter(
        milestone_id=milestone["id"], verb=Activity.Verb.MILESTONE_REACHED
    ).exists()
    # The same version again: a newer one was saved meanwhile.
    response = post(client, url, {**body, "current_value": 12})
    assert response.status_code == 409
    assert response.json()["current"]["current_value"] == 40
    response = post(client, url, {"current_value": -1, "version": 2})
    assert response.status_code == 400
    assert "current_value" in response.json()["fields"]


def test_influencers_added_and_linked_through_the_api(world):
    campaign, stakeholder = world.objects["campaign"], world.objects["stakeholder"]
    client = api(world.member)
    response = post(
        client,
        reverse("api_influencers", args=[campaign.pk]),
        {"name": "Pat", "relationship": "Treasurer"},
    )
    assert response.status_code == 201, response.json()
    pat = response.json()["id"]
    url = reverse("api_influence_add", args=[campaign.pk, pat])
    response = post(client, url, {"stakeholder": stakeholder.pk, "strength": 5})
    assert response.status_code == 201, response.json()
    [link] = response.json()["links"]
    assert (link["stakeholder"], link["strength"]) == (stakeholder.pk, 5)
    assert Activity.objects.filter(verb=Activity.Verb.INFLUENCE_LINKED).exists()
    response = post(client, url, {"stakeholder": stakeholder.pk, "strength": 2})
    assert response.status_code == 400
    assert response.json()["fields"]["stakeholder"]
    theirs = world.foreign["stakeholder"].pk
    response = post(client, url, {"stakeholder": theirs, "strength": 2})
    assert response.status_code == 400
    unlink = reverse("api_influence", args=[campaign.pk, pat, link["id"]])
    assert client.delete(unlink).status_code == 204
    assert client.delete(unlink).status_code == 404
    assert (
        client.get(reverse("api_influencer", args=[campaign.pk, pat])).json()["links"]
        == []
    )


def test_an_objection_recorded_through_the_api(world):
    campaign, stakeholder = world.objects["campaign"], world.objects["stakeholder"]
    url = reverse("api_objection_create", args=[campaign.pk, stakeholder.pk])
    client = api(world.member)
    response = post(client, url, {"text": "Nobody reads the blog", "details": "Q3"})
    assert response.status_code == 201, response.json()
    assert (
        response.json()["is_open"] and response.json()["stakeholder"] == stakeholder.pk
    )
    raised = Activity.objects.get(verb=Activity.Verb.OBJECTION_RAISED)
    assert raised.summary == f"{stakeholder.name} objects: “Nobody reads the blog”"
    listed = client.get(reverse("api_objections", args=[campaign.pk]), {"open": "true"})
    assert response.json()["id"] in {o["id"] for o in listed.json()["results"]}
    assert post(client, url, {"text": ""}).status_code == 400
    answer = reverse("api_objection_answer", args=[campaign.pk, response.json()["id"]])
    for _ in range(2):
        response = post(client, answer, {"answered": True})
        assert response.status_code == 200 and not response.json()["is_open"]
    assert Activity.objects.filter(verb=Activity.Verb.OBJECTION_ANSWERED).count() == 1
    response = post(client, answer, {"answered": False})
    assert response.json()["is_open"]
    assert post(client, answer, {"answered": "maybe"}).status_code == 400


def test_a_campaign_edited_through_the_api(world):
    campaign = world.objects["campaign"]
    url = reverse("api_campaign", args=[campaign.pk])
    client = api(world.owner)
    loaded = client.get(url).json()
    body = {"status": "won", "version": loaded["version"]}
    response = post(client, url, body, method="patch")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "won"
    assert response.json()["goal"] == loaded["goal"]  # the rest as it was
    updated = Activity.objects.get(verb=Activity.Verb.CAMPAIGN_UPDATED)
    assert updated.summary == "Updated status" and updated.actor == world.owner
    response = post(client, url, {**body, "status": "lost"}, method="patch")
    assert response.status_code == 409
    assert response.json()["current"]["status"] == "won"
    response = post(
        client,
        url,
        {"ends_on": "2000-01-01", "version": loaded["version"] + 1},
        method="patch",
    )
    assert response.status_code == 400
    assert "ends_on" in response.json()["fields"]


def test_stakeholder_influencer_and_milestone_edits(world):
    campaign = world.objects["campaign"]
    stakeholder, milestone = world.objects["stakeholder"], world.objects["milestone"]
    client = api(world.member)
    url = reverse("api_stakeholder", args=[campaign.pk, stakeholder.pk])
    loaded = client.get(url).json()
    response = post(
        client, url, {"title": "Board chair", "version": loaded["version"]}, "patch"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Board chair"
    assert response.json()["name"] == loaded["name"]
    updated = Activity.objects.get(verb=Activity.Verb.STAKEHOLDER_UPDATED)
    assert updated.data["fields"] == ["title"]
    response = post(
        client, url, {"title": "Treasurer", "version": loaded["version"]}, "patch"
    )
    assert response.status_code == 409
    assert response.json()["current"]["title"] == "Board chair"
    # A name another stakeholder has is a field error.
    other = world.objects["listener"].stakeholder.name
    response = post(
        client, url, {"name": other, "version": loaded["version"] + 1}, "patch"
    )
    assert response.status_code == 400 and "name" in response.json()["fields"]

    url = reverse("api_milestone", args=[campaign.pk, milestone.pk])
    loaded = client.get(url).json()
    response = post(
        client,
        url,
        {"current_value": loaded["target_value"], "version": loaded["version"]},
        "patch",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["reached_at"]
    assert Activity.objects.filter(
        milestone=milestone, verb=Activity.Verb.MILESTONE_REACHED
    ).exists()

    influencer = world.objects["influencer"]
    url = reverse("api_influencer", args=[campaign.pk, influencer.pk])
    loaded = client.get(url).json()
    response = post(
        client,
        url,
        {"notes": "Sits on the board", "version": loaded["version"]},
        "patch",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["notes"] == "Sits on the board"
    assert response.json()["links"] == loaded["links"]


# ---- what viewers see -----------------------------------------------------------


def test_viewers_see_no_quiet_tactics_and_no_drafts(world):
    campaign = world.objects["campaign"]
    stakeholder = world.objects["stakeholder"]
    quiet = f.TacticFactory(campaign=campaign, is_private=True, title="Quiet pilot")
    logic.move_tactic(campaign, quiet.pk, TacticStatus.PLANNED, 0, world.owner)
    f.StanceChangeFactory(stakeholder=stakeholder, tactic=quiet)
    viewer, member = api(world.viewer), api(world.member)
    listed = viewer.get(tactics_url(campaign)).json()["results"]
    assert quiet.pk not in {t["id"] for t in listed}
    assert quiet.pk in {
        t["id"] for t in member.get(tactics_url(campaign)).json()["results"]
    }
    detail = reverse("api_tactic", args=[campaign.pk, quiet.pk])
    assert viewer.get(detail).status_code == 404
    assert member.get(detail).status_code == 200
    activity = reverse("api_activity", args=[campaign.pk])
    assert quiet.pk not in {a["tactic"] for a in viewer.get(activity).json()["results"]}
    assert quiet.pk in {a["tactic"] for a in member.get(activity).json()["results"]}
    history_url = reverse("api_stakeholder", args=[campaign.pk, stakeholder.pk])
    [change] = viewer.get(history_url).json()["stance_history"]
    assert change["tactic"] is None
    [change] = member.get(history_url).json()["stance_history"]
    assert change["tactic"] == quiet.pk
    reports = reverse("api_reports", args=[campaign.pk])
    assert viewer.get(reports).json()["results"] == []
    assert len(member.get(reports).json()["results"]) == 1


# ---- pages and filters ----------------------------------------------------------


def test_pages_are_bounded(world):
    campaign = world.objects["campaign"]
    Tactic.objects.bulk_create(
        Tactic(campaign=campaign, title=f"Card {n}", position=n) for n in range(205)
    )
    client = api(world.member)
    page = client.get(tactics_url(campaign), {"page_size": 1000}).json()
    assert page["count"] == 206 and len(page["results"]) == 200
    assert page["next"]
    page = client.get(tactics_url(campaign), {"page_size": 5, "page": 2}).json()
    assert len(page["results"]) == 5 and page["previous"]
    response = client.get(tactics_url(campaign), {"page": 999})
    assert response.status_code == 404 and response.json()["detail"]


def test_the_boards_filters(world):
    campaign = world.objects["campaign"]
    stakeholder = world.objects["stakeholder"]
    mine = world.objects["tactic"]  # the owner's
    late = f.TacticFactory(
        campaign=campaign,
        title="Lunch and learn",
        status=TacticStatus.PLANNED,
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    late.targets.add(stakeholder)
    client = api(world.owner)

    def ids(**query):
        response = client.get(tactics_url(campaign), query)
        assert response.status_code == 200, response.json()
        return [t["id"] for t in response.json()["results"]]

    assert ids() == [mine.pk, late.pk]  # Backlog, then Planned
    assert ids(q="lunch") == [late.pk]
    assert ids(assignee="mine") == [mine.pk]
    assert ids(assignee=str(world.owner.pk)) == [mine.pk]
    assert ids(overdue="on") == [late.pk]
    assert ids(stakeholder=str(stakeholder.pk)) == [late.pk]
    assert ids(status="planned") == [late.pk]
    response = client.get(
        tactics_url(campaign), {"status": "someday", "stakeholder": "nope"}
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"status", "stakeholder"}


def test_activity_by_time_with_a_cursor(world):
    campaign = world.objects["campaign"]
    now = timezone.now()
    for days in range(5):
        f.ActivityFactory(
            campaign=campaign,
            summary=f"{days} days ago",
            created_at=now - datetime.timedelta(days=days, hours=1),
        )
    client = api(world.member)
    url = reverse("api_activity", args=[campaign.pk])
    since = (now - datetime.timedelta(days=3)).isoformat()
    until = (now - datetime.timedelta(days=1)).isoformat()
    found = client.get(url, {"since": since, "until": until}).json()["results"]
    assert [a["summary"] for a in found] == ["1 days ago", "2 days ago"]
    first = client.get(url, {"page_size": 2}).json()
    assert [a["summary"] for a in first["results"]] == ["0 days ago", "1 days ago"]
    second = client.get(first["next"]).json()
    assert [a["summary"] for a in second["results"]] == ["2 days ago", "3 days ago"]
    response = client.get(url, {"since": "last tuesday", "verb": "shouted"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"since", "verb"}


# ---- CSRF and rate limits ---------------------------------------------------------


def test_csrf_applies_to_the_session_not_to_tokens(world):
    campaign = world.objects["campaign"]
    body = {"title": "From the browser", "status": "backlog"}
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.member)
    response = post(browser, tactics_url(campaign), body)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    # The session reads without a CSRF token; a write needs one.
    assert browser.get(tactics_url(campaign)).status_code == 200
    browser.get(reverse("notification_preferences"))
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(
        tactics_url(campaign),
        json.dumps(body),
        content_type=JSON,
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201
    _, key = tokens.create(world.member, "Script")
    script = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert post(script, tactics_url(campaign), body).status_code == 201


def test_each_token_has_its_own_rate_limit_kept_in_the_database(world, settings):
    settings.API_RATE_LIMIT = 3
    first, second = api(world.member), api(world.member)
    url = reverse("api_teams")
    for _ in range(3):
        assert first.get(url).status_code == 200
    cache.clear()  # another process: the count is not in this one's memory
    response = first.get(url)
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= settings.API_RATE_WINDOW_SECONDS
    assert (
        "Retry" in response.json()["detail"] or "throttled" in response.json()["detail"]
    )
    assert ThrottleWindow.objects.exists()
    assert second.get(url).status_code == 200


def test_an_unknown_api_address_is_a_json_404(world):
    client = api(world.member)
    for path in ("/api/v1/nothing/", "/api/v1/campaigns/0/", "/api/v1/campaigns/x/"):
        response = client.post(path)
        assert response.status_code == 404, path
        assert "/api/v1/docs/" in response.json()["detail"]
    # Without the final slash a GET is sent to the address with it.
    response = client.get("/api/v1/teams", {"page": "1"})
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/teams/?page=1"


def test_lists_take_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    campaign, stakeholder = world.objects["campaign"], world.objects["stakeholder"]
    client = api(world.member)
    urls = [
        tactics_url(campaign),
        reverse("api_influencers", args=[campaign.pk]),
        reverse("api_activity", args=[campaign.pk]),
        reverse("api_campaigns"),
    ]
    for url in urls:
        client.get(url)  # the token's last use is written once a minute
        with django_assert_max_num_queries(12) as few:
            client.get(url)
        for n in range(10):
            tactic = f.TacticFactory(campaign=campaign, assignee=world.member)
            tactic.targets.add(stakeholder)
            f.InfluenceFactory(
                influencer=f.InfluencerFactory(campaign=campaign),
                stakeholder=stakeholder,
            )
            f.ActivityFactory(campaign=campaign, actor=world.owner, summary=str(n))
            f.CampaignFactory(team=world.team, lead=world.owner)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url)


# ---- the docs --------------------------------------------------------------------


def test_the_docs_page_lists_every_endpoint(client, world):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    assert_valid(response.text, "API docs")
    assert "<script>" not in response.text and "style=" not in response.text
    for pattern in api_patterns():
        route = "/" + str(pattern.pattern)
        for name in pattern.pattern.converters:
            route = route.replace(f"<id:{name}>", "{" + name + "}")
        assert f"<code>{route}</code>" in response.text, route
    schema = client.get(reverse("api_schema"))
    assert schema["Content-Type"].startswith("application/vnd.oai.openapi+json")
    spec = schema.json()
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
