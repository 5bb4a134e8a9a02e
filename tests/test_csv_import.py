"""Importing influencers and tactics, the limits every way a file arrives,
the Import links and who sees them, and the round trip of every export."""

import base64
import codecs
import dataclasses
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns import csv_io, csv_read
from campaigns.models import (
    Activity,
    Influence,
    Influencer,
    Role,
    Stakeholder,
    Stance,
    Tactic,
    TacticStatus,
)
from tests import factories as f


def upload(client, campaign, kind, raw, name="file.csv"):
    if isinstance(raw, str):
        raw = raw.encode()
    return client.post(
        reverse(f"import_{kind}", args=[campaign.pk]),
        {"file": SimpleUploadedFile(name, raw, "text/csv")},
    )


def confirm(client, campaign, kind, raw):
    if isinstance(raw, str):
        raw = raw.encode()
    return client.post(
        reverse(f"import_{kind}", args=[campaign.pk]),
        {"content": base64.b64encode(raw).decode(), "confirm": "1"},
    )


def errors_of(response):
    return response.context["result"].errors


@pytest.fixture
def people(campaign):
    return {
        "dana": f.StakeholderFactory(campaign=campaign, name="Dana Reyes"),
        "sam": f.StakeholderFactory(campaign=campaign, name="Sam Okafor"),
        "lee": f.StakeholderFactory(campaign=campaign, name="Lee; Chen"),
    }


# ---- influencers ----------------------------------------------------------


def test_influencers_are_previewed_then_imported(client_for, owner, campaign, people):
    client = client_for(owner)
    text = (
        "name,relationship,notes,influences\r\n"
        'Ruth Adeyemi,Former board chair,"Lunch with Dana\nevery month",'
        "Dana Reyes (5); sam okafor\r\n"
        "Ana Lima,Peer,,Lee; Chen (2)\r\n"
        "Kim Park,,,\r\n"
    )
    response = upload(client, campaign, "influencers", text)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: 3 influencers to import" in html
    assert 'Dana Reyes <span class="nowrap">(5/5)</span>' in html
    assert not Influencer.objects.exists()

    response = confirm(client, campaign, "influencers", text)
    assert response.status_code == 302
    assert response["Location"] == reverse("influencer_list", args=[campaign.pk])
    ruth = Influencer.objects.get(name="Ruth Adeyemi")
    assert ruth.notes == "Lunch with Dana\nevery month"
    links = {
        (i.influencer.name, i.stakeholder.name, i.strength)
        for i in Influence.objects.select_related("influencer", "stakeholder")
    }
    assert links == {
        ("Ruth Adeyemi", "Dana Reyes", 5),
        ("Ruth Adeyemi", "Sam Okafor", 3),
        ("Ana Lima", "Lee; Chen", 2),
    }
    activity = Activity.objects.get(verb=Activity.Verb.INFLUENCER_ADDED)
    assert activity.summary == "Imported 3 influencers from a CSV file"


def test_influencer_rows_with_problems_save_nothing(
    client_for, owner, campaign, people
):
    f.InfluencerFactory(campaign=campaign, name="Already Here")
    text = (
        "name,relationship,notes,influences\n"
        "Good,,,Dana Reyes\n"
        "Unknown people,,,Dana Reyes; Nobody; Also Nobody (4)\n"
        "Too strong,,,Dana Reyes (9)\n"
        "already here,,,\n"
        "good,,,\n"
        f"{'x' * 151},{'y' * 151},{'z' * 2001},\n"
        "Twice,,,Dana Reyes (2); Dana Reyes (4)\n"
    )
    response = upload(client_for(owner), campaign, "influencers", text)
    assert response.status_code == 400
    assert errors_of(response) == [
        (
            3,
            "influences: “Nobody”, “Also Nobody (4)” are not stakeholders "
            "of this campaign.",
        ),
        (
            4,
            "influences: “Dana Reyes”: a strength is 1 (a nudge) to 5 (decisive).",
        ),
        (5, "name: “already here” is already an influencer of this campaign."),
        (6, "name: “good” is also on row 2."),
        (7, "name: Ensure this value has at most 150 characters (it has 151)."),
        (
            7,
            "relationship: Ensure this value has at most 150 characters (it has 151).",
        ),
        (7, "notes: Ensure this value has at most 2000 characters (it has 2001)."),
        (8, "influences: “Dana Reyes” is listed twice with different strengths."),
    ]
    form = response.context["form"]
    assert form.errors["file"] == [
        "8 problems in the file, listed above. Nothing was imported: fix the "
        "file and upload it again."
    ]
    assert list(Influencer.objects.values_list("name", flat=True)) == ["Already Here"]


# ---- tactics --------------------------------------------------------------


def test_tactics_from_a_semicolon_file_go_to_the_bottom_of_their_columns(
    client_for, owner, member, campaign, people
):
    adviser = f.InfluencerFactory(campaign=campaign, name="Ruth Adeyemi")
    first = f.TacticFactory(campaign=campaign, status=TacticStatus.PLANNED)
    version = campaign.board_version
    # Excel in a European locale: semicolons, a byte order mark, CRLF.
    text = (
        "Title;Status;Assignee;Due on;Targets;Influencer;Risk;Outcome;Private\r\n"
        f"Lunch-and-learn;Planned;{member.email.upper()};2026-11-05;"
        '"Dana Reyes; Lee; Chen";ruth adeyemi;Low turnout;;no\r\n'
        f'"Quiet pilot; phase 1";In progress;{owner.name};;Sam Okafor;;'
        '"Burns trust if ""found out""";;yes\r\n'
        "Peer comparison;Didn’t work;;;;;;Nobody read it;\r\n"
        "Blog post;;;;;;;;\r\n"
    )
    raw = codecs.BOM_UTF8 + text.encode()
    client = client_for(owner)
    response = upload(client, campaign, "tactics", raw)
    assert response.status_code == 200, errors_of(response)
    assert "Preview: 4 tactics to import" in response.content.decode()

    response = confirm(client, campaign, "tactics", raw)
    assert response.status_code == 302
    assert response["Location"] == reverse("board", args=[campaign.pk])
    lunch = Tactic.objects.get(title="Lunch-and-learn")
    assert (lunch.status, lunch.assignee, lunch.influencer) == (
        TacticStatus.PLANNED,
        member,
        adviser,
    )
    assert lunch.due_on == datetime.date(2026, 11, 5)
    assert {s.name for s in lunch.targets.all()} == {"Dana Reyes", "Lee; Chen"}
    assert lunch.position > first.position  # under the card already there
    assert lunch.created_by == owner and lunch.completed_at is None
    pilot = Tactic.objects.get(title="Quiet pilot; phase 1")
    assert (pilot.status, pilot.assignee, pilot.is_private) == (
        TacticStatus.IN_PROGRESS,
        owner,
        True,
    )
    assert pilot.risk == 'Burns trust if "found out"'
    failed = Tactic.objects.get(title="Peer comparison")
    assert failed.status == TacticStatus.DIDNT_WORK and failed.completed_at
    assert failed.outcome == "Nobody read it"
    assert Tactic.objects.get(title="Blog post").status == TacticStatus.BACKLOG
    campaign.refresh_from_db()
    assert campaign.board_version > version  # open boards and caches refresh
    assert Activity.objects.filter(
        verb=Activity.Verb.TACTIC_CREATED, summary="Imported 4 tactics from a CSV file"
    ).exists()


def test_tactic_rows_with_problems_save_nothing(
    client_for, owner, viewer, campaign, people
):
    f.MembershipFactory(team=campaign.team, role=Role.MEMBER, user__name="Alex Kim")
    f.MembershipFactory(team=campaign.team, role=Role.MEMBER, user__name="Alex Kim")
    text = (
        "title,status,assignee,due_on,targets,influencer,risk,outcome,private,"
        "completed_at\n"
        "A,Someday,,,,,,,,\n"
        f"B,,{viewer.email},,,,,,,\n"
        "C,,Alex Kim,31/12/2026,Nobody,Nobody,,,maybe,\n"
        "D,Planned,,,,,,,,2026-10-01T10:00:00+00:00\n"
        f"{'t' * 201},Done,,,,,{'r' * 2001},,,yesterday\n"
        ",,,,,,,,,\n"
        ",Done,,,,,,,,\n"
    )
    response = upload(client_for(owner), campaign, "tactics", text)
    assert response.status_code == 400
    assert errors_of(response) == [
        (2, "status: Use one of Backlog, Planned, In progress, Done, Didn't work."),
        (3, f"assignee: {viewer.email} is not an owner or member of this team."),
        (
            4,
            "assignee: More than one teammate is called “Alex Kim”: write their email.",
        ),
        (4, "due_on: Write the date as YYYY-MM-DD."),
        (4, "targets: “Nobody” is not a stakeholder of this campaign."),
        (4, "influencer: “Nobody” is not an influencer of this campaign."),
        (4, "private: Write yes or no."),
        (5, "completed_at: Only a Done or Didn't work tactic has one: leave it empty."),
        (6, "title: Ensure this value has at most 200 characters (it has 201)."),
        (6, "risk: Ensure this value has at most 2000 characters (it has 2001)."),
        (
            6,
            "completed_at: Write the time as the export does, e.g. "
            "2026-10-01T14:30:00+00:00.",
        ),
        (8, "title: This field is required."),
    ]
    assert not Tactic.objects.exists()


# ---- limits, for every way the file arrives -----------------------------


def test_the_size_limit_holds_for_the_upload_and_the_previewed_content(
    client_for, owner, campaign
):
    client = client_for(owner)
    big = b"name\n" + b"x" * csv_read.MAX_BYTES
    for response in (
        upload(client, campaign, "stakeholders", big),
        confirm(client, campaign, "stakeholders", big),
    ):
        assert response.status_code == 400
        assert response.context["form"].errors["file"] == [
            "The file is larger than 1 MB: split it into smaller files."
        ]
    # Content past what base64 of 1 MB can be is not even decoded.
    response = client.post(
        reverse("import_stakeholders", args=[campaign.pk]),
        {"content": "A" * 1_400_000, "confirm": "1"},
    )
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert not Stakeholder.objects.exists()


def test_the_row_limit_holds_for_the_previewed_content(
    client_for, owner, campaign, monkeypatch
):
    monkeypatch.setattr(csv_read, "MAX_ROWS", 3)
    text = "name\nA\nB\nC\nD\n"
    response = confirm(client_for(owner), campaign, "stakeholders", text)
    assert response.status_code == 400
    assert errors_of(response) == [(5, "Only 3 rows at a time: split the file.")]
    assert not Stakeholder.objects.exists()


def test_damaged_previewed_content(client_for, owner, campaign):
    response = client_for(owner).post(
        reverse("import_tactics", args=[campaign.pk]),
        {"content": "not base64!", "confirm": "1"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "The previewed file came back damaged; upload it again."
    ]


def test_the_preview_carries_the_files_own_bytes(client_for, owner, campaign):
    # Windows-1252 bytes are read the same way on both posts.
    raw = "name,title\r\nJosé,Directeur général\r\n".encode("cp1252")
    client = client_for(owner)
    response = upload(client, campaign, "stakeholders", raw)
    content = response.context["preview"]["content"].value()
    assert base64.b64decode(content) == raw
    response = client.post(
        reverse("import_stakeholders", args=[campaign.pk]),
        {"content": content, "confirm": "1"},
    )
    assert response.status_code == 302
    assert Stakeholder.objects.get().title == "Directeur général"


def test_a_name_taken_while_saving_saves_nothing_and_keeps_the_file(
    client_for, owner, campaign, monkeypatch
):
    def taken_meanwhile(campaign, rows, actor):
        f.StakeholderFactory(campaign=campaign, name="Dana")
        return Stakeholder.objects.bulk_create(
            [Stakeholder(campaign=campaign, name="Dana")]
        )

    racing = dataclasses.replace(csv_io.STAKEHOLDERS, save_rows=taken_meanwhile)
    monkeypatch.setitem(csv_io.KINDS, "stakeholders", racing)
    response = confirm(client_for(owner), campaign, "stakeholders", "name\nDana\n")
    assert response.status_code == 409
    html = response.content.decode()
    assert "The campaign changed while you were importing" in html
    assert "Import 1 stakeholder" in html  # checked again, offered again
    assert not Stakeholder.objects.exists()


# ---- who sees Import ----------------------------------------------------------

PAGES = {
    "stakeholders": "stakeholder_list",
    "influencers": "influencer_list",
    "tactics": "board",
}


@pytest.mark.parametrize("kind", list(PAGES))
def test_writers_find_import_where_they_look(client_for, member, campaign, kind):
    client = client_for(member)
    page = client.get(reverse(PAGES[kind], args=[campaign.pk])).content.decode()
    url = reverse(f"import_{kind}", args=[campaign.pk])
    assert f'href="{url}">Import from CSV</a>' in page
    response = client.get(url)
    assert response.status_code == 200
    assert f"CSV file of {kind}" in response.content.decode()


@pytest.mark.parametrize("kind", list(PAGES))
def test_viewers_neither_see_nor_reach_import(client_for, viewer, campaign, kind):
    client = client_for(viewer)
    url = reverse(f"import_{kind}", args=[campaign.pk])
    page = client.get(reverse(PAGES[kind], args=[campaign.pk])).content.decode()
    assert url not in page and "Import from CSV" not in page
    assert client.get(url).status_code == 403
    assert upload(client, campaign, kind, "name,title\nA,B\n").status_code == 403
    assert confirm(client, campaign, kind, "name,title\nA,B\n").status_code == 403
    transfer = client.get(reverse("transfer", args=[campaign.pk])).content.decode()
    assert "/import/" not in transfer and "Export" in transfer


# ---- round trip ------------------------------------------------------------


def test_every_export_imports_back_to_the_same_data(
    client_for, owner, member, campaign
):
    source = f.CampaignFactory(team=campaign.team)
    dana = f.StakeholderFactory(
        campaign=source,
        name="Dana Reyes",
        title="CEO",
        power=5,
        stance=Stance.CHAMPION,
        is_decider=True,
        relationship_owner=member,
        cares_about='Growth; costs,\r\nand "quotes"',
        last_contacted_on="2026-09-30",
        email="dana@example.org",
    )
    lee = f.StakeholderFactory(
        campaign=source, name="Lee; Chen (3)", cares_about="'=quoted already"
    )
    odd = f.StakeholderFactory(campaign=source, name="=SUM(A1)", title="@home")
    ruth = f.InfluencerFactory(
        campaign=source, name="Ruth", relationship="-adviser", notes="Tab\tinside"
    )
    f.InfluenceFactory(influencer=ruth, stakeholder=dana, strength=5)
    f.InfluenceFactory(influencer=ruth, stakeholder=lee, strength=1)
    f.InfluencerFactory(campaign=source, name="Kim (4)")
    pilot = f.TacticFactory(
        campaign=source,
        title="+1 pilot",
        status=TacticStatus.DONE,
        position=5,
        assignee=member,
        due_on="2026-12-01",
        influencer=ruth,
        risk="Burns trust",
        outcome='Worked; "mostly"',
        is_private=True,
        completed_at=datetime.datetime(2026, 10, 2, 9, 30, 1, 5, tzinfo=datetime.UTC),
    )
    pilot.targets.set([dana, lee, odd])
    f.TacticFactory(campaign=source, title="Later", status=TacticStatus.BACKLOG)
    f.TacticFactory(campaign=source, title="Sooner", status=TacticStatus.BACKLOG)
    client = client_for(owner)
    exports = {}
    for kind in ("stakeholders", "influencers", "tactics"):
        exported = client.get(reverse(f"export_{kind}", args=[source.pk])).content
        exports[kind] = exported
        assert upload(client, campaign, kind, exported).status_code == 200, kind
        assert confirm(client, campaign, kind, exported).status_code == 302, kind
        again = client.get(reverse(f"export_{kind}", args=[campaign.pk])).content
        assert again == exported, kind

    def stakeholders(c):
        return list(
            c.stakeholders.order_by("name").values(
                "name",
                "title",
                "power",
                "interest",
                "stance",
                "is_decider",
                "cares_about",
                "relationship_owner",
                "last_contacted_on",
                "email",
            )
        )

    def influencers(c):
        return [
            (
                i.name,
                i.relationship,
                i.notes,
                sorted((x.stakeholder.name, x.strength) for x in i.influences.all()),
            )
            for i in c.influencers.order_by("name")
        ]

    def tactics(c):
        return [
            (
                t.title,
                t.status,
                t.assignee_id,
                t.due_on,
                sorted(s.name for s in t.targets.all()),
                t.influencer.name if t.influencer else None,
                t.risk,
                t.outcome,
                t.is_private,
                t.completed_at,
            )
            for t in c.tactics.order_by("status", "position")
        ]

    assert stakeholders(campaign) == stakeholders(source)
    assert influencers(campaign) == influencers(source)
    assert tactics(campaign) == tactics(source)
    assert b"'=SUM(A1)" in exports["stakeholders"]  # formulas stay text
    assert b",''=quoted already," in exports["stakeholders"]


def test_a_list_that_reads_two_ways_is_refused(client_for, owner, campaign):
    for name in ("Lee", "Chen", "Lee; Chen", "Ann"):
        f.StakeholderFactory(campaign=campaign, name=name)
    text = "title,targets\nA,Lee; Chen\nB,Ann; Lee; Chen\nC,Chen; Lee\n"
    response = upload(client_for(owner), campaign, "tactics", text)
    message = (
        "targets: “Lee; Chen” could name more than one stakeholder: rename one "
        "of them so that each name reads one way."
    )
    assert errors_of(response) == [(2, message), (3, message)]


@pytest.mark.django_db(transaction=True)
def test_a_stakeholder_removed_while_saving_is_named_not_a_server_error(
    client_for, owner, campaign, monkeypatch
):
    """Links are checked by the database when the import commits (its
    foreign keys are deferred): a stakeholder removed by someone else after
    the file was checked is a 409 naming the row, and nothing is saved."""
    dana = f.StakeholderFactory(campaign=campaign, name="Dana Reyes")
    parse = csv_io.parse

    def removed_after_the_check(*args):
        result = parse(*args)
        Stakeholder.objects.filter(pk=dana.pk).delete()  # committed: autocommit
        return result

    monkeypatch.setattr(csv_io, "parse", removed_after_the_check)
    text = "name,influences\nRuth,Dana Reyes (5)\n"
    response = confirm(client_for(owner), campaign, "influencers", text)
    assert response.status_code == 409
    assert errors_of(response) == [
        (2, "influences: “Dana Reyes (5)” is not a stakeholder of this campaign.")
    ]
    assert not Influencer.objects.exists() and not Influence.objects.exists()
