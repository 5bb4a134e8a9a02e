"""CSV export of stakeholders, tactics and milestones; stakeholder import
with a preview, per-row errors, and all-or-nothing saving. Influencers and
tactics: tests/test_csv_import.py; reading the file: tests/test_csv_read.py."""

import base64
import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Activity, Stakeholder, Stance, TacticStatus
from tests import factories as f

HEADER = (
    "name,title,power,interest,stance,decides,cares_about,relationship_owner,"
    "last_contacted_on\n"
)


def rows_of(response):
    text = b"".join(
        response.streaming_content if response.streaming else [response.content]
    )
    return list(csv.DictReader(io.StringIO(text.decode("utf-8"))))


def upload(client, campaign, text, name="people.csv"):
    return client.post(
        reverse("import_stakeholders", args=[campaign.pk]),
        {"file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")},
    )


def confirm(client, campaign, text):
    return client.post(
        reverse("import_stakeholders", args=[campaign.pk]),
        {"content": base64.b64encode(text.encode()).decode(), "confirm": "1"},
    )


def test_exports(client_for, owner, member, campaign):
    boss = f.StakeholderFactory(
        campaign=campaign,
        name="Dana Reyes",
        stance=Stance.CURIOUS,
        is_decider=True,
        relationship_owner=member,
        cares_about="=SUM(A1)",
    )
    tactic = f.TacticFactory(
        campaign=campaign, title="Lunch", status=TacticStatus.DONE, assignee=member
    )
    tactic.targets.add(boss)
    f.MilestoneFactory(
        campaign=campaign, title="Staff", target_value=40, current_value=12
    )
    client = client_for(owner)

    response = client.get(reverse("export_stakeholders", args=[campaign.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    [row] = rows_of(response)
    assert row["name"] == "Dana Reyes" and row["stance"] == "Curious"
    assert row["decides"] == "yes" and row["relationship_owner"] == member.email
    # Spreadsheet formulas are neutralised.
    assert row["cares_about"] == "'=SUM(A1)"

    [row] = rows_of(client.get(reverse("export_tactics", args=[campaign.pk])))
    assert (row["title"], row["status"], row["targets"], row["private"]) == (
        "Lunch",
        "Done",
        "Dana Reyes",
        "no",
    )
    [row] = rows_of(client.get(reverse("export_milestones", args=[campaign.pk])))
    assert (row["title"], row["target_value"], row["current_value"]) == (
        "Staff",
        "40",
        "12",
    )


def test_private_tactics_are_not_exported_to_viewers(
    client_for, owner, viewer, campaign
):
    f.TacticFactory(campaign=campaign, title="Open work")
    f.TacticFactory(campaign=campaign, title="Quiet pilot", is_private=True)
    url = reverse("export_tactics", args=[campaign.pk])
    titles = {r["title"] for r in rows_of(client_for(viewer).get(url))}
    assert titles == {"Open work"}
    titles = {r["title"] for r in rows_of(client_for(owner).get(url))}
    assert titles == {"Open work", "Quiet pilot"}


def test_export_queries_do_not_grow(
    client_for, owner, campaign, django_assert_max_num_queries
):
    client = client_for(owner)
    url = reverse("export_tactics", args=[campaign.pk])
    f.TacticFactory(campaign=campaign).targets.add(
        f.StakeholderFactory(campaign=campaign)
    )
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for _ in range(10):
        s = f.StakeholderFactory(campaign=campaign)
        f.TacticFactory(campaign=campaign, assignee=owner).targets.add(s)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_an_email_column_is_read_and_checked(client_for, owner, campaign):
    text = "name,email\nDana,dana@example.org\nSam,not an address\n"
    response = upload(client_for(owner), campaign, text)
    assert response.status_code == 400
    assert (3, "email: Enter a valid email address.") in response.context[
        "result"
    ].errors
    text = "name,email\nDana,dana@example.org\nSam,\n"
    assert upload(client_for(owner), campaign, text).status_code == 200
    assert confirm(client_for(owner), campaign, text).status_code == 302
    assert dict(campaign.stakeholders.values_list("name", "email")) == {
        "Dana": "dana@example.org",
        "Sam": "",
    }


def test_one_bad_row_saves_nothing_and_names_the_row(client_for, owner, campaign):
    f.StakeholderFactory(campaign=campaign, name="Already here")
    text = HEADER + (
        "Good One,Director,4,3,Skeptical,yes,,,\n"
        "Bad Power,CFO,9,3,Neutral,no,,,\n"
        "Good Two,,,,,,,,\n"
        "Already here,,,,,,,,\n"
        "Good One,,,,Champion,,,,\n"
        "Odd stance,,,,Lukewarm,maybe,,nobody@example.org,31/12/2026\n"
    )
    response = upload(client_for(owner), campaign, text)
    assert response.status_code == 400
    errors = response.context["result"].errors
    assert (3, "power: Ensure this value is less than or equal to 5.") in errors
    assert (
        5,
        "name: “Already here” is already a stakeholder of this campaign.",
    ) in errors
    assert (6, "name: “Good One” is also on row 2.") in errors
    row7 = [message for number, message in errors if number == 7]
    assert len(row7) == 4
    assert any(m.startswith("stance: Use one of Opposed") for m in row7)
    assert "decides: Write yes or no." in row7
    assert (
        "relationship_owner: nobody@example.org is not an owner or member of this team."
        in row7
    )
    assert "last_contacted_on: Write the date as YYYY-MM-DD." in row7
    html = response.content.decode()
    assert "Nothing was imported" in html and "Row 3" in html
    assert list(campaign.stakeholders.values_list("name", flat=True)) == [
        "Already here"
    ]


def test_confirming_a_bad_file_still_saves_nothing(client_for, owner, campaign):
    text = HEADER + "Fine,,,,,,,,\nBroken,,0,,,,,,\n"
    response = confirm(client_for(owner), campaign, text)
    assert response.status_code == 400
    assert not Stakeholder.objects.exists()


def test_a_good_file_is_previewed_then_imported(client_for, owner, member, campaign):
    client = client_for(owner)
    text = HEADER + (
        "Dana Reyes,Chief executive,5,4,Skeptical,yes,Costs,"
        f"{member.email.upper()},2026-10-01\n"
        "Sam Okafor,,,,2,,,,\n"
    )
    response = upload(client, campaign, text)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: 2 stakeholders to import" in html
    assert not Stakeholder.objects.exists()  # nothing yet

    response = confirm(client, campaign, text)
    assert response.status_code == 302
    dana = Stakeholder.objects.get(name="Dana Reyes")
    assert (dana.power, dana.interest, dana.stance, dana.is_decider) == (
        5,
        4,
        Stance.SKEPTICAL,
        True,
    )
    assert dana.relationship_owner == member
    assert str(dana.last_contacted_on) == "2026-10-01"
    sam = Stakeholder.objects.get(name="Sam Okafor")
    assert (sam.power, sam.stance, sam.is_decider) == (3, Stance.SKEPTICAL, False)
    assert (
        Activity.objects.filter(verb=Activity.Verb.STAKEHOLDERS_IMPORTED).count() == 1
    )


def test_round_trip_keeps_the_data(client_for, owner, member, campaign):
    source = f.CampaignFactory(team=campaign.team)
    f.StakeholderFactory(
        campaign=source,
        name="Dana Reyes",
        title="CEO",
        power=5,
        interest=2,
        stance=Stance.CHAMPION,
        is_decider=True,
        relationship_owner=member,
        cares_about="Growth, costs\nand “quotes”",
        last_contacted_on="2026-09-30",
        email="dana@example.org",
    )
    f.StakeholderFactory(
        campaign=source,
        name="-Dash",
        title="",
        power=1,
        interest=5,
        stance=Stance.OPPOSED,
        cares_about="+1 for the intranet",
    )
    client = client_for(owner)
    exported = client.get(
        reverse("export_stakeholders", args=[source.pk])
    ).content.decode()
    assert upload(client, campaign, exported).status_code == 200
    assert confirm(client, campaign, exported).status_code == 302

    fields = (
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

    def snapshot(c):
        return list(c.stakeholders.order_by("name").values(*fields))

    assert snapshot(campaign) == snapshot(source)
    again = client.get(
        reverse("export_stakeholders", args=[campaign.pk])
    ).content.decode()
    assert again == exported


def test_files_that_are_not_csv_text(client_for, owner, campaign):
    client = client_for(owner)
    url = reverse("import_stakeholders", args=[campaign.pk])

    def post(raw):
        return client.post(url, {"file": SimpleUploadedFile("x.csv", raw)})

    # Windows-1252, as Excel saves plain "CSV": read, not refused.
    response = post("name\nJosé Müller\n".encode("cp1252"))
    assert response.status_code == 200
    assert "José Müller" in response.content.decode()
    # Bytes no encoding reads: refused, naming the row.
    response = post(b"name\nfine\nJos\x81\n")
    assert response.status_code == 400
    [(number, message)] = response.context["result"].errors
    assert number == 3 and message.startswith("Byte 0x81 cannot be read")
    # A workbook under a .csv name: said so, next to the field.
    response = post(b"PK\x03\x04\x14\x00\x06\x00rest")
    assert response.status_code == 400
    assert (
        "This is a workbook (.xlsx or .ods), not a CSV file."
        in (response.context["form"].errors["file"][0])
    )
    assert upload(client, campaign, "who,what\nA,B\n").status_code == 400
    assert upload(client, campaign, "").status_code == 400
    response = client.post(url, {})
    assert "Choose a CSV file to import." in response.content.decode()
    assert not Stakeholder.objects.exists()


def test_viewers_cannot_import(client_for, viewer, campaign):
    response = upload(client_for(viewer), campaign, HEADER + "A,,,,,,,,\n")
    assert response.status_code == 403
    assert not Stakeholder.objects.exists()
