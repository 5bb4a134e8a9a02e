"""The owners' tools: audit log, export, deleting and leaving a team."""

import datetime
import json
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Activity, Campaign, Membership, Role, Tactic, Team
from tests import factories as f
from tests.queries import count_queries
from tests.world import World, row_counts


@pytest.fixture
def world(db):
    return World()


def test_audit_log_lists_the_teams_activity_only(client_for, world):
    mine = f.ActivityFactory(campaign=world.objects["campaign"], summary="Ours moved")
    f.ActivityFactory(campaign=world.foreign["campaign"], summary="Theirs moved")
    response = client_for(world.owner).get(reverse("team_audit", args=[world.team.pk]))
    assert response.status_code == 200
    assert mine.summary in response.text
    assert "Theirs moved" not in response.text


def test_audit_log_filters(client_for, world):
    campaign = world.objects["campaign"]
    other = f.CampaignFactory(team=world.team, name="Second front")
    old = timezone.now() - datetime.timedelta(days=40)
    f.ActivityFactory(
        campaign=campaign,
        actor=world.owner,
        verb=Activity.Verb.TACTIC_MOVED,
        summary="Owner moved a card",
    )
    f.ActivityFactory(
        campaign=other,
        actor=world.member,
        verb=Activity.Verb.STANCE_CHANGED,
        summary="Member shifted a stance",
    )
    f.ActivityFactory(
        campaign=campaign, actor=world.member, summary="Long ago", created_at=old
    )
    owner = client_for(world.owner)
    url = reverse("team_audit", args=[world.team.pk])

    def shown(**query):
        text = owner.get(url, query).text
        return {
            s
            for s in ("Owner moved a card", "Member shifted a stance", "Long ago")
            if s in text
        }

    assert shown(campaign=other.pk) == {"Member shifted a stance"}
    assert shown(verb="tactic_moved") == {"Owner moved a card"}
    assert shown(person=world.member.pk) == {"Member shifted a stance", "Long ago"}
    assert shown(until=(old + datetime.timedelta(days=1)).date().isoformat()) == {
        "Long ago"
    }
    assert shown(since=timezone.localdate().isoformat()) == {
        "Owner moved a card",
        "Member shifted a stance",
    }
    # A campaign of another team is not a valid choice: the field says so.
    response = owner.get(url, {"campaign": world.foreign["campaign"].pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def _audit_rows(html):
    return re.findall(r"<td><span class=\"badge\">[^<]*</span> ([^<]*)</td>", html)


def _link(html, rel):
    found = re.search(rf'<a href="\?([^"]*)" rel="{rel}">', html)
    return found and found.group(1).replace("&amp;", "&")


def test_audit_log_pages_newest_first_through_every_row_once(client_for, world):
    campaign = world.objects["campaign"]
    other = f.CampaignFactory(team=world.team, name="Second front")
    now = timezone.now()
    # 120 rows, some sharing a timestamp, across two campaigns.
    Activity.objects.bulk_create(
        Activity(
            campaign=campaign if n % 3 else other,
            actor=world.owner,
            verb="tactic_moved",
            summary=f"row {n}",
            created_at=now - datetime.timedelta(minutes=n // 2),
        )
        for n in range(120)
    )
    expected = [
        a.summary
        for a in Activity.objects.filter(team=world.team).order_by("-created_at", "-pk")
    ]
    owner = client_for(world.owner)
    url = reverse("team_audit", args=[world.team.pk])
    seen, pages, query = [], [], ""
    while True:
        html = owner.get(f"{url}?{query}").text
        pages.append(html)
        seen += _audit_rows(html)
        query = _link(html, "next")
        if not query:
            break
    assert seen == expected  # 120 rows and the team's own "created" rows
    assert [len(_audit_rows(p)) for p in pages] == [50, 50, len(expected) - 100]
    assert f"{len(expected)} in all" in pages[0]
    # Newer from the last page comes back to the middle one, then the first.
    middle = owner.get(f"{url}?{_link(pages[-1], 'prev')}").text
    assert _audit_rows(middle) == expected[50:100]
    first = owner.get(f"{url}?{_link(middle, 'prev')}").text
    assert _audit_rows(first) == expected[:50]
    assert _link(first, "prev") is None


def test_audit_log_cursor_keeps_filters_and_refuses_forged_links(client_for, world):
    campaign = world.objects["campaign"]
    Activity.objects.bulk_create(
        Activity(
            campaign=campaign, actor=world.member, verb=verb, summary=f"{verb} {n}"
        )
        for n in range(60)
        for verb in ("tactic_moved", "tactic_commented")
    )
    owner = client_for(world.owner)
    url = reverse("team_audit", args=[world.team.pk])
    html = owner.get(url, {"verb": "tactic_commented"}).text
    older = _link(html, "next")
    assert "verb=tactic_commented" in older
    rest = _audit_rows(owner.get(f"{url}?{older}").text)
    assert len(rest) == 10
    assert all(row.startswith("tactic_commented") for row in rest)
    for forged in ("x", "1-2-3", "99999999999999999999999-1", "-"):
        response = owner.get(url, {"before": forged})
        assert response.status_code == 400
        assert "That page link is not valid" in response.text
        assert len(_audit_rows(response.text)) == 50
    # A link from beyond the oldest row: nothing there, and a way back.
    response = owner.get(url, {"before": "0-0"})
    assert response.status_code == 200
    assert "this far back" in response.text


def test_audit_log_counts_only_up_to_a_cap(client_for, world, monkeypatch):
    from campaigns import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 30)
    monkeypatch.setattr(keyset.Page, "count_cap", 30)
    Activity.objects.bulk_create(
        Activity(campaign=world.objects["campaign"], verb="tactic_moved", summary=n)
        for n in map(str, range(40))
    )
    html = client_for(world.owner).get(reverse("team_audit", args=[world.team.pk]))
    assert "More than 30 in all" in html.text


def test_audit_log_page_queries_stay_flat_as_history_grows(client_for, world):
    campaign = world.objects["campaign"]
    owner = client_for(world.owner)
    url = reverse("team_audit", args=[world.team.pk])

    def add(count):
        Activity.objects.bulk_create(
            Activity(
                campaign=campaign,
                actor=f.UserFactory(),
                verb="tactic_moved",
                summary=str(n),
            )
            for n in range(count)
        )

    add(60)
    small = count_queries(owner, url)
    older = _link(owner.get(url).text, "next")
    small_older = count_queries(owner, f"{url}?{older}")
    add(300)
    assert count_queries(owner, url) == small
    older = _link(owner.get(url).text, "next")
    assert count_queries(owner, f"{url}?{older}") == small_older
    assert small <= 12


def test_audit_log_who_lists_members_and_former_actors_once(client_for, world):
    gone = f.UserFactory(name="Left Last Year")
    stranger = f.UserFactory(name="Never Here")
    campaign = world.objects["campaign"]
    for _ in range(3):
        f.ActivityFactory(campaign=campaign, actor=gone)
        f.ActivityFactory(campaign=campaign, actor=world.member)
    f.ActivityFactory(campaign=world.foreign["campaign"], actor=stranger)
    html = client_for(world.owner).get(reverse("team_audit", args=[world.team.pk]))
    options = re.findall(r'<option value="(\d+)"', html.text.split('name="person"')[1])
    assert str(gone.pk) in options
    assert str(world.member.pk) in options
    assert str(stranger.pk) not in options
    assert len(options) == len(set(options))


def test_members_and_viewers_cannot_see_the_audit_log(client_for, world):
    for user in (world.member, world.viewer):
        response = client_for(user).get(reverse("team_audit", args=[world.team.pk]))
        assert response.status_code == 403


def test_export_holds_the_team_and_nothing_else(client_for, world):
    f.TacticCommentFactory(tactic=world.objects["tactic"], body="Our comment")
    response = client_for(world.owner).get(reverse("team_export", args=[world.team.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["team"]["name"] == world.team.name
    assert [c["id"] for c in data["campaigns"]] == [world.objects["campaign"].pk]
    assert [t["id"] for t in data["tactics"]] == [world.objects["tactic"].pk]
    assert data["tactic_comments"][0]["body"] == "Our comment"
    assert {m["email"] for m in data["members"]} == set(
        Membership.objects.filter(team=world.team).values_list("user__email", flat=True)
    )
    text = response.content.decode()
    assert world.foreign["campaign"].name not in text
    assert "pbkdf2" not in text and "password" not in text


def test_export_covers_every_kind_of_team_data():
    """A new model holding team data must be added to the export."""
    from campaigns.team_export import export_team

    not_team_data = {"User", "Team", "Membership", "NotificationPreference"}
    not_team_data |= {"EmailDelivery", "ThrottleWindow"}
    # Made again from the report whenever it is asked for.
    not_team_data |= {"ReportPdf"}
    # A person's secret calendar addresses: keys, not the team's data.
    not_team_data |= {"CalendarFeed"}
    # Keys to a sent report's web copy, like the calendar's.
    not_team_data |= {"ReportLink"}
    # What feeds said: fetched again from the feeds, which are exported.
    not_team_data |= {"Mention"}
    # The log of webhook and chat deliveries, like EmailDelivery's.
    not_team_data |= {"HookDelivery"}
    # A person's own notifications (read or not), not the team's record.
    not_team_data |= {"Notification"}
    # Personal keys to the API, like the calendar's: not the team's data.
    not_team_data |= {"ApiToken"}
    names = {
        m.__name__
        for m in apps.get_app_config("campaigns").get_models()
        if m.__name__ not in not_team_data
    }
    import inspect

    source = inspect.getsource(export_team)
    missing = {n for n in names if f"{n}." not in source}
    assert not missing, f"not in the team export: {missing}"


def test_export_queries_do_not_grow(client_for, world, django_assert_max_num_queries):
    campaign = world.objects["campaign"]
    for _ in range(10):
        f.TacticFactory(campaign=campaign)
        f.StakeholderFactory(campaign=campaign)
    owner = client_for(world.owner)
    with django_assert_max_num_queries(24):
        owner.get(reverse("team_export", args=[world.team.pk]))


def test_deleting_a_team_needs_its_name(client_for, world):
    owner = client_for(world.owner)
    url = reverse("team_delete", args=[world.team.pk])
    page = owner.get(url)
    assert page.status_code == 200
    assert "cannot be undone" in page.text
    before = row_counts()
    for wrong in ("", "delete", world.team.name.upper() + "x"):
        response = owner.post(url, {"name": wrong})
        assert response.status_code == 400
    assert row_counts() == before
    response = owner.post(url, {"name": world.team.name})
    assert response.status_code == 302
    assert not Team.objects.filter(pk=world.team.pk).exists()
    assert not Campaign.objects.filter(pk=world.objects["campaign"].pk).exists()
    # The other team is untouched.
    assert Tactic.objects.filter(pk=world.foreign["tactic"].pk).exists()
    assert owner.get(reverse("campaign_list")).status_code == 200


def test_only_owners_delete_a_team(client_for, world):
    for user in (world.member, world.viewer):
        response = client_for(user).post(
            reverse("team_delete", args=[world.team.pk]), {"name": world.team.name}
        )
        assert response.status_code == 403
    assert Team.objects.filter(pk=world.team.pk).exists()


def test_the_last_owner_cannot_leave(client_for, world):
    owner = client_for(world.owner)
    url = reverse("team_leave", args=[world.team.pk])
    response = owner.post(url)
    assert response.status_code == 400
    assert "only owner" in response.text
    assert Membership.objects.filter(team=world.team, user=world.owner).exists()
    # With a second owner, leaving works.
    Membership.objects.filter(pk=world.member_membership.pk).update(role=Role.OWNER)
    assert owner.post(url).status_code == 302
    assert not Membership.objects.filter(team=world.team, user=world.owner).exists()
    assert Campaign.objects.filter(pk=world.objects["campaign"].pk).exists()


def test_a_viewer_may_leave_and_loses_access(client_for, world):
    viewer = client_for(world.viewer)
    assert viewer.get(reverse("team_leave", args=[world.team.pk])).status_code == 200
    assert viewer.post(reverse("team_leave", args=[world.team.pk])).status_code == 302
    detail = reverse("campaign_detail", args=[world.objects["campaign"].pk])
    assert viewer.get(detail).status_code == 404


def test_team_page_links_the_tools(client_for, world):
    owner_page = client_for(world.owner).get(
        reverse("team_detail", args=[world.team.pk])
    )
    for name in ("team_audit", "team_export", "team_delete", "team_leave"):
        assert reverse(name, args=[world.team.pk]) in owner_page.text
    viewer_page = client_for(world.viewer).get(
        reverse("team_detail", args=[world.team.pk])
    )
    assert reverse("team_leave", args=[world.team.pk]) in viewer_page.text
    assert reverse("team_audit", args=[world.team.pk]) not in viewer_page.text
