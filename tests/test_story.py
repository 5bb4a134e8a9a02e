"""The story the app tells must be true.

A stance given when someone is added (the playbook wizard, the add form, a CSV
import) is their starting point, not a move: no report, digest, What worked
or stance history counts it. Every form that records a move can credit the
tactic behind it. Reports thank only deciders who back the change. The
influence map offers the decision makers first.
"""

import base64
import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import digests, reports
from campaigns.forms.playbook import latest_start
from campaigns.models import (
    Activity,
    Campaign,
    ProgressReport,
    Stakeholder,
    Stance,
    StanceChange,
)
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def wizard_data(**extra):
    data = {
        "decider_name": "Dana Reyes",
        "decider_title": "Chief executive",
        "decider_stance": str(Stance.SKEPTICAL),
        "cares_about": "Reaching younger members; keeping costs flat.",
        "name": "A staff blog",
        "goal": "Reach younger members at no extra cost.",
        "first_step": "Three months of a staff blog",
        "first_step_size": "medium",
        "starts_on": (timezone.localdate() - 20 * DAY).isoformat(),
        "templates": ["quiet-pilot", "report-often"],
    }
    data.update(extra)
    return data


def start_from_the_wizard(client, team, **extra):
    response = client.post(
        reverse("playbook_start", args=[team.pk]), wizard_data(**extra)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Campaign.objects.get(team=team, name="A staff blog")


def add_with_the_form(client, campaign, name, stance):
    response = client.post(
        reverse("stakeholder_create", args=[campaign.pk]),
        {
            "name": name,
            "title": "Head of Comms",
            "power": "3",
            "interest": "4",
            "cares_about": "Our reputation.",
            "stance": str(stance),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Stakeholder.objects.get(campaign=campaign, name=name)


CSV_HEADER = (
    "name,title,power,interest,stance,decides,cares_about,relationship_owner,"
    "last_contacted_on\n"
)


def import_from_csv(client, campaign, text):
    response = client.post(
        reverse("import_stakeholders", args=[campaign.pk]),
        {"content": base64.b64encode(text.encode()).decode(), "confirm": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def draft_report(client, campaign):
    """The sections of a report drafted through the page, from the start."""
    response = client.post(
        reverse("report_create", args=[campaign.pk]),
        {"period_start": campaign.starts_on, "period_end": timezone.localdate()},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.filter(campaign=campaign).latest("pk")
    return report.sections


def digest_of(user, campaign):
    [digest] = digests.build_digests([user.pk], timezone.now() + DAY)
    mine = [c for c in digest.campaigns if c.campaign.pk == campaign.pk]
    return digest, (mine[0] if mine else None)


def weeks_of(client, campaign):
    response = client.get(reverse("stance_history", args=[campaign.pk]))
    assert response.status_code == 200
    return response.context["weeks"]


def only(counts):
    """The stances someone is counted at, without the empty ones."""
    return {Stance(stance): n for stance, n in counts.items() if n}


# ---- 1. a starting stance is not a move ---------------------------------------


def test_starting_stances_are_not_moves_until_a_real_move_is_recorded(
    client_for, owner, team
):
    client = client_for(owner)
    campaign = start_from_the_wizard(client, team)
    dana = Stakeholder.objects.get(campaign=campaign, name="Dana Reyes")
    assert dana.is_decider
    assert dana.stance == Stance.SKEPTICAL  # what the wizard was told
    sam = add_with_the_form(client, campaign, "Sam Okafor", Stance.SUPPORTIVE)
    assert sam.stance == Stance.SUPPORTIVE
    import_from_csv(
        client, campaign, CSV_HEADER + "Lee Chan,Treasurer,4,2,Opposed,yes,,,\n"
    )
    lee = Stakeholder.objects.get(campaign=campaign, name="Lee Chan")
    assert lee.stance == Stance.OPPOSED

    # Nobody moved: no stance change, anywhere.
    assert not StanceChange.objects.filter(stakeholder__campaign=campaign).exists()
    added = Activity.objects.filter(
        campaign=campaign, verb=Activity.Verb.STAKEHOLDER_ADDED
    )
    assert sorted(a.data["stance"] for a in added) == [
        Stance.SKEPTICAL,
        Stance.SUPPORTIVE,
    ]
    assert not Activity.objects.filter(
        campaign=campaign, verb=Activity.Verb.STANCE_CHANGED
    ).exists()

    sections = draft_report(client, campaign)
    assert sections["stances"] == "Nobody's stance changed in this period."
    assert "saw no changes of stance" in sections["summary"]
    assert sections["credit"] == ""

    digest, mine = digest_of(owner, campaign)
    assert mine is None or mine.stance_changes == []
    assert digest.counts()["news"] == 0

    worked = client.get(reverse("what_worked", args=[campaign.pk]))
    assert worked.context["tactics"] == [] and worked.context["kinds"] == []
    assert "No stance change has been credited to a tactic yet" in (
        worked.content.decode()
    )

    weeks = weeks_of(client, campaign)
    assert len(weeks) >= 3
    starting = {Stance.SKEPTICAL: 1, Stance.SUPPORTIVE: 1, Stance.OPPOSED: 1}
    # Every week the same: their starting points, never neutral.
    assert [only(w["counts"]) for w in weeks] == [starting] * len(weeks)

    page = client.get(dana.get_absolute_url())
    assert page.context["path"]["first_stance"] == Stance.SKEPTICAL
    assert page.context["history"] == []
    assert "has been skeptical since they were added" in page.content.decode()

    # One real move, credited to a tactic, from Dana's page.
    tactic = campaign.tactics.get(playbook_key="report-often")
    response = client.post(
        reverse("stance_change", args=[campaign.pk, dana.pk]),
        {
            "to_stance": str(Stance.CURIOUS),
            "reason": "Read the first report.",
            "tactic": str(tactic.pk),
        },
    )
    assert response.status_code == 302
    [change] = StanceChange.objects.filter(stakeholder__campaign=campaign)
    assert (change.from_stance, change.to_stance) == (Stance.SKEPTICAL, Stance.CURIOUS)

    sections = draft_report(client, campaign)
    assert sections["stances"] == (
        "- Dana Reyes: Skeptical → Curious. Read the first report."
    )
    assert "saw 1 change of stance" in sections["summary"]
    assert sections["credit"] == ""  # curious is not yet support

    digest, mine = digest_of(owner, campaign)
    assert [line.note for line in mine.stance_changes] == ["Skeptical → Curious"]
    assert digest.counts()["news"] == 1
    assert digests.render(digest).text.count("Skeptical → Curious") == 1

    worked = client.get(reverse("what_worked", args=[campaign.pk]))
    [row] = worked.context["tactics"]
    assert (row.pk, row.changes, row.moved, row.people) == (tactic.pk, 1, 2, 1)
    [kind] = worked.context["kinds"]
    assert (kind["playbook_key"], kind["changes"]) == ("report-often", 1)

    weeks = weeks_of(client, campaign)
    assert only(weeks[0]["counts"]) == starting
    assert only(weeks[-1]["counts"]) == {
        Stance.CURIOUS: 1,
        Stance.SUPPORTIVE: 1,
        Stance.OPPOSED: 1,
    }
    steps = [
        w
        for w, before in zip(weeks[1:], weeks, strict=False)
        if w["counts"] != before["counts"]
    ]
    assert len(steps) == 1  # one step in the chart, in the week of the move

    page = client.get(dana.get_absolute_url())
    assert page.context["path"]["first_stance"] == Stance.SKEPTICAL
    assert [m["change"].pk for m in page.context["path"]["marks"]] == [change.pk]
    assert "to today: skeptical, then curious on" in page.content.decode()


# ---- the wizard's start date ------------------------------------------------


def test_the_wizard_refuses_a_start_past_its_bound_with_a_field_error(
    client_for, owner, team
):
    client = client_for(owner)
    url = reverse("playbook_start", args=[team.pk])
    latest = latest_start()
    for too_late in ("9999-12-31", (latest + DAY).isoformat()):
        response = client.post(
            url, wizard_data(starts_on=too_late, first_step_size="large")
        )
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert list(errors) == ["starts_on"]
        assert "Choose a start within 5 years" in errors["starts_on"][0]
        assert "Choose a start within 5 years" in response.content.decode()
    assert not Campaign.objects.exists()

    # The last day allowed still works, and its pages open.
    response = client.post(
        url, wizard_data(starts_on=latest.isoformat(), first_step_size="large")
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    first_step = campaign.milestones.get(title__startswith="First step approved")
    assert first_step.due_on == latest + 180 * DAY
    assert client.get(reverse("campaign_detail", args=[campaign.pk])).status_code == 200
    form_page = client.get(url).content.decode()
    assert f'max="{latest.isoformat()}"' in form_page


# ---- 2. the stakeholder page credits a tactic --------------------------------


class _Options(HTMLParser):
    """The <option>s of one <select>, with the <optgroup> each sits in."""

    def __init__(self, select_name):
        super().__init__()
        self.select_name = select_name
        self.inside = False
        self.group = None
        self.options = []  # [(group, value, text, selected)]
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self.inside = self.select_name in (attrs.get("name"), attrs.get("id"))
        elif self.inside and tag == "optgroup":
            self.group = attrs.get("label")
        elif self.inside and tag == "option":
            self._current = [self.group, attrs.get("value"), "", "selected" in attrs]

    def handle_data(self, data):
        if self._current is not None:
            self._current[2] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._current is not None:
            self._current[2] = self._current[2].strip()
            self.options.append(tuple(self._current))
            self._current = None
        elif tag == "optgroup":
            self.group = None
        elif tag == "select":
            self.inside = False


def options_of(html, select_name):
    parser = _Options(select_name)
    parser.feed(html)
    return parser.options


def test_a_stance_change_on_the_stakeholder_page_credits_its_tactic(
    client_for, member, campaign
):
    client = client_for(member)
    dana = f.StakeholderFactory(campaign=campaign, name="Dana", stance=Stance.OPPOSED)
    lunch = f.TacticFactory(campaign=campaign, title="Lunch and learn")
    quiet = f.TacticFactory(campaign=campaign, title="Quiet pilot", is_private=True)

    html = client.get(dana.get_absolute_url()).content.decode()
    offered = options_of(html, "tactic")
    assert [(value, text) for _, value, text, _ in offered] == [
        ("", "No particular tactic"),
        (str(lunch.pk), "Lunch and learn"),
        (str(quiet.pk), "Quiet pilot"),  # writers are the team
    ]
    assert "Which tactic moved them?" in html

    response = client.post(
        reverse("stance_change", args=[campaign.pk, dana.pk]),
        {
            "to_stance": str(Stance.NEUTRAL),
            "reason": "Came to the lunch.",
            "tactic": str(lunch.pk),
        },
    )
    assert response.status_code == 302
    change = StanceChange.objects.get(stakeholder=dana)
    assert change.tactic == lunch
    activity = Activity.objects.get(verb=Activity.Verb.STANCE_CHANGED)
    assert activity.tactic == lunch

    worked = client.get(reverse("what_worked", args=[campaign.pk]))
    [row] = worked.context["tactics"]
    assert (row.pk, row.moved, row.changes) == (lunch.pk, 2, 1)
    assert "Lunch and learn" in worked.content.decode()
    # The move's line on the stakeholder page names the tactic.
    assert (
        "after “Lunch and learn”"
        in client.get(dana.get_absolute_url()).content.decode()
    )

    # No tactic is fine too.
    response = client.post(
        reverse("stance_change", args=[campaign.pk, dana.pk]),
        {"to_stance": str(Stance.CURIOUS), "reason": "Thought it over.", "tactic": ""},
    )
    assert response.status_code == 302
    assert StanceChange.objects.filter(stakeholder=dana, tactic=None).count() == 1


def test_a_tactic_of_another_campaign_is_refused(
    client_for, member, viewer, team, campaign
):
    dana = f.StakeholderFactory(campaign=campaign, name="Dana", stance=Stance.SKEPTICAL)
    elsewhere = f.TacticFactory(
        campaign=f.CampaignFactory(team=team), title="Someone else's tactic"
    )
    url = reverse("stance_change", args=[campaign.pk, dana.pk])
    response = client_for(member).post(
        url,
        {
            "to_stance": str(Stance.SUPPORTIVE),
            "reason": "Because.",
            "tactic": str(elsewhere.pk),
        },
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["tactic"]
    assert "Select a valid choice" in response.content.decode()
    assert not StanceChange.objects.exists()
    assert not Activity.objects.filter(verb=Activity.Verb.STANCE_CHANGED).exists()
    dana.refresh_from_db()
    assert dana.stance == Stance.SKEPTICAL
    # The form keeps what was typed, and still offers this campaign's tactics.
    assert "Because." in response.content.decode()
    assert "Someone else&#x27;s tactic" not in response.content.decode()

    # A viewer has no form to offer tactics in, and cannot post one.
    viewing = client_for(viewer)
    assert (
        options_of(viewing.get(dana.get_absolute_url()).content.decode(), "tactic")
        == []
    )
    assert viewing.post(url, {"to_stance": "5", "reason": "x"}).status_code == 403
    assert not StanceChange.objects.exists()


def test_stakeholder_page_queries_stay_flat_as_tactics_grow(
    client_for, owner, campaign
):
    client = client_for(owner)
    dana = f.StakeholderFactory(campaign=campaign, name="Dana")

    def add(n):
        for _ in range(n):
            tactic = f.TacticFactory(campaign=campaign, assignee=f.UserFactory())
            f.StanceChangeFactory(
                stakeholder=dana, recorded_by=f.UserFactory(), tactic=tactic
            )

    add(2)
    small = count_queries(client, dana.get_absolute_url())
    add(28)
    large = count_queries(client, dana.get_absolute_url())
    assert small == large
    offered = options_of(client.get(dana.get_absolute_url()).content.decode(), "tactic")
    assert len(offered) == 1 + 30


def test_the_stance_form_beside_a_refused_objection_still_credits(
    client_for, member, campaign
):
    """objections.py passes its own (plain) stance form when an objection is
    refused; the page shows the crediting one, which still records."""
    client = client_for(member)
    dana = f.StakeholderFactory(campaign=campaign, name="Dana", stance=Stance.SKEPTICAL)
    lunch = f.TacticFactory(campaign=campaign, title="Lunch and learn")
    response = client.post(
        reverse("objection_create", args=[campaign.pk, dana.pk]), {"text": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what the objection is." in html
    assert reverse("stance_change", args=[campaign.pk, dana.pk]) in html
    assert (str(lunch.pk), "Lunch and learn") in [
        (value, text) for _, value, text, _ in options_of(html, "tactic")
    ]
    response = client.post(
        reverse("stance_change", args=[campaign.pk, dana.pk]),
        {"to_stance": "4", "reason": "The pilot.", "tactic": str(lunch.pk)},
    )
    assert response.status_code == 302
    assert StanceChange.objects.get(stakeholder=dana).tactic == lunch


# ---- 3. thanks only for support -----------------------------------------------

START = datetime.date(2026, 10, 1)
END = datetime.date(2026, 10, 14)


def moved(campaign, name, *stances, decider=True):
    """A stakeholder who went through `stances` inside the period."""
    person = f.StakeholderFactory(
        campaign=campaign, name=name, is_decider=decider, stance=stances[-1]
    )
    for n, (before, after) in enumerate(zip(stances, stances[1:], strict=False)):
        f.StanceChangeFactory(
            stakeholder=person,
            from_stance=before,
            to_stance=after,
            reason=f"Step {n + 1}.",
            recorded_at=datetime.datetime.combine(
                START + (n + 1) * DAY, datetime.time(12), tzinfo=datetime.UTC
            ),
        )
    return person


def test_a_report_thanks_only_deciders_who_back_the_change(client_for, owner, campaign):
    campaign.starts_on = START
    campaign.save()
    moved(campaign, "Ada Opposed", Stance.OPPOSED, Stance.SKEPTICAL)
    moved(campaign, "Ben Rising", Stance.SKEPTICAL, Stance.SUPPORTIVE)
    moved(campaign, "Cy Champion", Stance.NEUTRAL, Stance.CHAMPION)
    moved(campaign, "Di Cooling", Stance.SUPPORTIVE, Stance.NEUTRAL)
    moved(campaign, "Eve Wavering", Stance.OPPOSED, Stance.SUPPORTIVE, Stance.SKEPTICAL)

    period = reports.gather(campaign, START, END)
    assert [(s.name, Stance(to)) for s, _, to in period.credited] == [
        ("Ben Rising", Stance.SUPPORTIVE),
        ("Cy Champion", Stance.CHAMPION),
    ]
    sections = reports.compose(period)
    assert sections["credit"] == (
        "Thank you to Ben Rising (now supportive) and Cy Champion (now champion): "
        "this period's progress came with your support."
    )
    # Everyone who moved is still told under "Who moved".
    for line in (
        "Ada Opposed: Opposed → Skeptical.",
        "Ben Rising: Skeptical → Supportive.",
        "Cy Champion: Neutral → Champion.",
        "Di Cooling: Supportive → Neutral.",
        "Eve Wavering: Opposed → Supportive.",
        "Eve Wavering: Supportive → Skeptical.",
    ):
        assert line in sections["stances"]

    # The drafted report, as its page shows it.
    client = client_for(owner)
    response = client.post(
        reverse("report_create", args=[campaign.pk]),
        {"period_start": START, "period_end": END},
    )
    report = ProgressReport.objects.get(campaign=campaign)
    assert report.sections["credit"] == sections["credit"]
    html = client.get(reverse("report_detail", args=[campaign.pk, report.pk]))
    html = html.content.decode()
    thanks = html[html.index('id="section-credit"') :]
    thanks = thanks[: thanks.index("</section>")]
    assert "Ben Rising" in thanks and "Cy Champion" in thanks
    for name in ("Ada Opposed", "Di Cooling", "Eve Wavering"):
        assert name not in thanks
        assert name in html  # under "Who moved"
    assert response.status_code == 302


def test_a_report_with_only_a_rise_to_skeptical_thanks_nobody(
    client_for, owner, campaign
):
    campaign.starts_on = START
    campaign.save()
    moved(campaign, "Ada Opposed", Stance.OPPOSED, Stance.SKEPTICAL)
    sections = reports.build_sections(campaign, START, END)
    assert sections["credit"] == ""
    assert sections["stances"] == "- Ada Opposed: Opposed → Skeptical. Step 1."
    client = client_for(owner)
    client.post(
        reverse("report_create", args=[campaign.pk]),
        {"period_start": START, "period_end": END},
    )
    report = ProgressReport.objects.get(campaign=campaign)
    html = client.get(reverse("report_detail", args=[campaign.pk, report.pk]))
    html = html.content.decode()
    assert "Thank you" not in html
    assert 'id="section-credit"' not in html
    assert "Ada Opposed: Opposed → Skeptical." in html


# ---- 4. the influence map offers decision makers first ------------------------


def test_influence_map_lists_decision_makers_first(owner_client, campaign):
    # By power alone the advisers would come first.
    zed = f.StakeholderFactory(campaign=campaign, name="Zed Adviser", power=5)
    amy = f.StakeholderFactory(campaign=campaign, name="Amy Analyst", power=4)
    dee = f.StakeholderFactory(
        campaign=campaign, name="Dee Director", power=2, is_decider=True
    )
    bo = f.StakeholderFactory(
        campaign=campaign, name="Bo Board", power=3, is_decider=True, title=""
    )
    url = reverse("influence_map", args=[campaign.pk])
    html = owner_client.get(url).content.decode()
    assert [
        (group, value, text) for group, value, text, _ in options_of(html, "target")
    ] == [
        (None, "", "Choose a decision maker…"),
        ("Decision makers", str(bo.pk), "Bo Board"),
        ("Decision makers", str(dee.pk), "Dee Director — Director"),
        ("Other stakeholders", str(zed.pk), "Zed Adviser — Director"),
        ("Other stakeholders", str(amy.pk), "Amy Analyst — Director"),
    ]

    # Someone who does not decide can still be the one to win.
    f.InfluenceFactory(
        influencer=f.InfluencerFactory(campaign=campaign, name="Old Friend"),
        stakeholder=amy,
        strength=4,
    )
    response = owner_client.get(url, {"target": amy.pk})
    assert response.status_code == 200
    assert response.context["target"] == amy
    html = response.content.decode()
    selected = [o for o in options_of(html, "target") if o[3]]
    assert [(group, value) for group, value, _, _ in selected] == [
        ("Other stakeholders", str(amy.pk))
    ]
    routes = html[html.index('id="routes"') :]
    assert "Old Friend" in routes


def test_influence_map_without_deciders_lists_everyone(owner_client, campaign):
    zed = f.StakeholderFactory(campaign=campaign, name="Zed Adviser", power=5)
    html = owner_client.get(reverse("influence_map", args=[campaign.pk])).content
    options = options_of(html.decode(), "target")
    assert [(group, value) for group, value, _, _ in options] == [
        (None, ""),
        ("Stakeholders", str(zed.pk)),
    ]
    assert options[0][2] == "Choose a stakeholder…"
