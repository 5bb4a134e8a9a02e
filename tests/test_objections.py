"""Objections, the evidence that answers them, and peer moves."""

from django.urls import reverse

from campaigns.models import Activity, Evidence, EvidenceKind, Objection, PeerMove
from tests import factories as f


def test_record_an_objection_on_the_stakeholder_page(client_for, owner, campaign):
    stakeholder = f.StakeholderFactory(campaign=campaign, name="Dana Reyes")
    client = client_for(owner)
    page = client.get(stakeholder.get_absolute_url()).content.decode()
    assert "Record an objection" in page
    assert '<option value="Loss of control">' in page

    response = client.post(
        reverse("objection_create", args=[campaign.pk, stakeholder.pk]),
        {"text": "No budget", "details": "Not this year."},
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.campaign, objection.stakeholder) == (campaign, stakeholder)
    assert objection.is_open
    assert Activity.objects.filter(verb=Activity.Verb.OBJECTION_RAISED).exists()
    page = client.get(stakeholder.get_absolute_url()).content.decode()
    assert "“No budget”" in page and "Open" in page


def test_an_empty_objection_is_refused_with_its_message(client_for, owner, campaign):
    stakeholder = f.StakeholderFactory(campaign=campaign)
    response = client_for(owner).post(
        reverse("objection_create", args=[campaign.pk, stakeholder.pk]),
        {"text": " ", "details": "Kept details"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what the objection is." in html
    assert "Kept details" in html
    assert not Objection.objects.exists()


def test_evidence_and_answering(client_for, owner, campaign):
    objection = f.ObjectionFactory(stakeholder=f.StakeholderFactory(campaign=campaign))
    milestone = f.MilestoneFactory(campaign=campaign, title="Pilot results")
    move = f.PeerMoveFactory(campaign=campaign, organisation="City Library")
    client = client_for(owner)
    url = reverse("evidence_add", args=[campaign.pk, objection.pk])

    # A milestone reached needs its milestone; the summary can be left out.
    response = client.post(url, {"kind": EvidenceKind.MILESTONE})
    assert response.status_code == 400
    assert "Choose the milestone that was reached." in response.content.decode()
    response = client.post(
        url, {"kind": EvidenceKind.MILESTONE, "milestone": milestone.pk}
    )
    assert response.status_code == 302

    # A competitor move: a logged one, or a link and a date.
    response = client.post(url, {"kind": EvidenceKind.PEER_MOVE, "summary": "x"})
    html = response.content.decode()
    assert "Give a link to the move" in html and "When did they do it?" in html
    client.post(url, {"kind": EvidenceKind.PEER_MOVE, "peer_move": move.pk})
    client.post(
        url,
        {
            "kind": EvidenceKind.SURVEY,
            "summary": "78% of members read us on their phones.",
            "link": "https://example.org/survey",
            "happened_on": "2026-10-03",
        },
    )
    kinds = list(objection.evidence.values_list("kind", "summary"))
    assert kinds[0] == (EvidenceKind.MILESTONE, "Milestone “Pilot results”: 10 of 40")
    assert kinds[1] == (EvidenceKind.PEER_MOVE, "City Library: Launched a staff blog.")
    assert kinds[2][0] == EvidenceKind.SURVEY
    assert Evidence.objects.get(kind=EvidenceKind.PEER_MOVE).peer_move == move

    response = client.post(
        reverse("objection_answer", args=[campaign.pk, objection.pk])
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.answered_at and objection.answered_by == owner
    page = client.get(reverse("objection_detail", args=[campaign.pk, objection.pk]))
    assert "78% of members" in page.content.decode()
    client.post(
        reverse("objection_answer", args=[campaign.pk, objection.pk]), {"answered": "0"}
    )
    objection.refresh_from_db()
    assert objection.is_open


def test_another_campaigns_milestone_cannot_be_cited(client_for, owner, campaign):
    objection = f.ObjectionFactory(stakeholder=f.StakeholderFactory(campaign=campaign))
    foreign = f.MilestoneFactory()
    response = client_for(owner).post(
        reverse("evidence_add", args=[campaign.pk, objection.pk]),
        {"kind": EvidenceKind.MILESTONE, "milestone": foreign.pk},
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_overview_shows_open_objections_per_decider(
    client_for, owner, campaign, django_assert_max_num_queries
):
    client = client_for(owner)
    boss = f.StakeholderFactory(campaign=campaign, name="Dana Reyes", is_decider=True)
    f.StakeholderFactory(campaign=campaign, name="Not deciding", is_decider=False)
    f.ObjectionFactory(stakeholder=boss, text="Waste of time")
    f.ObjectionFactory(
        stakeholder=boss, text="Old worry", answered_at="2026-01-01T00:00Z"
    )
    url = campaign.get_absolute_url()
    with django_assert_max_num_queries(25) as small:
        html = client.get(url).content.decode()
    assert "Open objections of the deciders" in html
    assert "“Waste of time”" in html and "Old worry" not in html
    for _n in range(8):
        decider = f.StakeholderFactory(campaign=campaign, is_decider=True)
        for _ in range(3):
            f.EvidenceFactory(objection=f.ObjectionFactory(stakeholder=decider))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_stakeholder_page_queries_do_not_grow_with_objections(
    client_for, owner, campaign, django_assert_max_num_queries
):
    client = client_for(owner)
    stakeholder = f.StakeholderFactory(campaign=campaign)
    f.ObjectionFactory(stakeholder=stakeholder)
    with django_assert_max_num_queries(30) as small:
        client.get(stakeholder.get_absolute_url())
    for _ in range(10):
        objection = f.ObjectionFactory(stakeholder=stakeholder)
        f.EvidenceFactory(objection=objection)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(stakeholder.get_absolute_url())


def test_peer_moves_are_logged_once_and_listed(client_for, owner, viewer, campaign):
    url = reverse("peer_moves", args=[campaign.pk])
    client = client_for(owner)
    response = client.post(
        url,
        {
            "organisation": "Rival Trust",
            "what": "Started a members' podcast.",
            "link": "not a url",
            "happened_on": "2026-09-01",
        },
    )
    assert response.status_code == 400
    assert "Enter a valid URL." in response.content.decode()
    client.post(
        url,
        {
            "organisation": "Rival Trust",
            "what": "Started a members' podcast.",
            "link": "https://example.org/podcast",
            "happened_on": "2026-09-01",
        },
    )
    assert PeerMove.objects.get().campaign == campaign
    html = client_for(viewer).get(url).content.decode()
    assert "Rival Trust" in html and "Log a move" not in html
    assert (
        client_for(viewer).post(url, {"organisation": "X", "what": "Y"}).status_code
        == 403
    )
    assert PeerMove.objects.count() == 1
