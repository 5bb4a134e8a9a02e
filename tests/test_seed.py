import datetime
import re
from collections import defaultdict
from dataclasses import fields
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Q
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench import bulk
from campaigns import models, playbook, recurring, reports
from campaigns.management.commands import seed_demo
from campaigns.objections import open_by_decider
from tests.factories import CampaignFactory, TacticFactory

# ---- the playbook -------------------------------------------------------

# The familiar one-line phrasings of these tactics, as they are usually
# passed around. The built-in text must say the same things in its own words.
FAMILIAR_PHRASINGS = """
Map who the decision makers already listen to, and win those people first.
Show what peer and rival organisations are already doing: leaders move when
their peers move.
Run a small pilot quietly, measure it, and bring results rather than a
proposal. Flag the risk: done badly, it burns trust.
Be a guide, not a guerrilla: regular informal sessions that teach skeptical
colleagues with real examples.
Talk about the organisation's goals, not the tool; frame the idea as a way to
reach what the boss already wants, in the boss's language.
Make it about the audience: show what the people the organisation serves
prefer, rather than arguing taste.
Sign the boss up to listen: alerts that show the conversations about the
organisation already happening without it.
Agree ground rules (a usage policy) early, so people know what is allowed.
Start clear and small, with goals that can be measured.
Report, report, report: share every step of progress and credit the boss.
Be patient and keep learning: a failed tactic is recorded with its lesson,
not hidden.
"""


def words(text):
    return re.findall(r"[a-z']+", text.lower().replace("’", "'"))


def entry_text(entry):
    m = entry.milestone
    parts = [entry.title, entry.summary, entry.why_it_works, entry.risks, m.title]
    return " ".join([*parts, *entry.how_to])


def test_playbook_has_eleven_complete_entries():
    assert len(playbook.PLAYBOOK) == 11
    assert len(playbook.BY_KEY) == 11
    for entry in playbook.PLAYBOOK:
        for field in fields(entry):
            if field.name == "repeat":  # only habits repeat; checked below
                continue
            assert getattr(entry, field.name), (entry.key, field.name)
        if entry.repeat:
            recurring.parse(entry.repeat, datetime.date.today())
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", entry.key)
        assert len(entry.key) <= 40  # fits Tactic.playbook_key
        assert len(entry.title) <= 200
        assert len(entry.how_to) >= 3
        assert all(step.strip() for step in entry.how_to)
        assert entry.milestone.title and entry.milestone.unit
        assert entry.milestone.target_value >= 1
        assert playbook.get_entry(entry.key) is entry
    assert playbook.choices()[0] == (
        playbook.PLAYBOOK[0].key,
        playbook.PLAYBOOK[0].title,
    )


def test_unknown_key_is_a_key_error():
    with pytest.raises(KeyError):
        playbook.get_entry("no-such-tactic")


def test_quiet_pilot_warns_that_it_can_burn_trust():
    pilot = playbook.get_entry("quiet-pilot")
    assert "warning" in pilot.risks.lower()
    assert "burns trust" in pilot.risks.lower()


def test_playbook_is_written_in_its_own_words():
    familiar = " ".join(FAMILIAR_PHRASINGS.split())
    # No familiar sentence or clause appears whole...
    clauses = [c.strip() for c in re.split(r"[.:;]", familiar) if len(c.strip()) > 25]
    assert len(clauses) >= 15
    ours = " ".join(entry_text(e) for e in playbook.PLAYBOOK)
    for clause in clauses:
        assert " ".join(words(clause)) not in " ".join(words(ours)), clause

    # ...and no run of six words is shared either.
    def runs(text, n=6):
        w = words(text)
        return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}

    assert not runs(familiar) & runs(ours)


@pytest.mark.django_db
def test_add_to_campaign_creates_backlog_tactics_and_milestones(owner):
    campaign = CampaignFactory(lead=owner)
    TacticFactory(campaign=campaign, status=models.TacticStatus.BACKLOG, position=0)
    version = campaign.board_version
    tactics, milestones = playbook.add_to_campaign(
        campaign, ["quiet-pilot", "report-often", "quiet-pilot"], actor=owner
    )
    assert [t.playbook_key for t in tactics] == ["quiet-pilot", "report-often"]
    # At the bottom of Backlog, below the card already there, in that order.
    assert 0 < tactics[0].position < tactics[1].position
    assert all(t.status == models.TacticStatus.BACKLOG for t in tactics)
    pilot = tactics[0]
    assert pilot.title == playbook.get_entry("quiet-pilot").title
    assert "burns trust" in pilot.risk
    assert pilot.created_by == owner
    assert pilot.description.startswith(playbook.get_entry("quiet-pilot").summary)
    assert [m.title for m in milestones] == [
        playbook.get_entry("quiet-pilot").milestone.title,
        playbook.get_entry("report-often").milestone.title,
    ]
    assert milestones[1].target_value == 6
    assert milestones[1].unit == "reports"
    verbs = set(campaign.activities.values_list("verb", flat=True))
    assert verbs == {
        models.Activity.Verb.TACTIC_CREATED,
        models.Activity.Verb.MILESTONE_ADDED,
    }
    assert campaign.activities.count() == 4
    campaign.refresh_from_db()
    assert campaign.board_version > version


@pytest.mark.django_db
def test_add_to_campaign_with_unknown_key_writes_nothing(owner):
    campaign = CampaignFactory(lead=owner)
    with pytest.raises(KeyError):
        playbook.add_to_campaign(campaign, ["quiet-pilot", "nope"], actor=owner)
    assert not campaign.tactics.exists()
    assert not campaign.milestones.exists()


# ---- the demo -----------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            models.User,
            models.Team,
            models.Membership,
            models.Campaign,
            models.Stakeholder,
            models.StanceChange,
            models.Influencer,
            models.Influence,
            models.Tactic,
            models.TacticComment,
            models.Milestone,
            models.Activity,
            models.PeerMove,
            models.Objection,
            models.Evidence,
            models.ProgressReport,
        )
    }


@pytest.fixture
def demo(db):
    output = run()
    return output, models.Campaign.objects.get(name=seed_demo.DEMO_CAMPAIGN)


def test_demo_prints_a_login_that_works(demo, client):
    output, _ = demo
    assert seed_demo.DEMO_EMAIL in output
    assert seed_demo.DEMO_PASSWORD in output
    request = RequestFactory().post("/accounts/login/")
    assert client.login(
        request=request, email=seed_demo.DEMO_EMAIL, password=seed_demo.DEMO_PASSWORD
    )


def test_demo_owner_has_a_mention_under_the_bell_and_no_email(demo, client_for):
    from django.core import mail as django_mail

    owner = models.User.objects.get(email=seed_demo.DEMO_EMAIL)
    [notice] = models.Notification.objects.filter(user=owner)
    assert notice.kind == models.NoticeKind.MENTION and "@Alex" in notice.text
    assert django_mail.outbox == []
    page = client_for(owner).get(reverse("campaign_list"))
    assert 'aria-label="Notifications, 1 unread"' in page.text


def test_demo_team_has_owner_member_and_viewer(demo):
    _, campaign = demo
    roles = dict(campaign.team.memberships.values_list("user__email", "role"))
    assert roles[seed_demo.DEMO_EMAIL] == models.Role.OWNER
    assert sorted(roles.values()) == ["member", "owner", "viewer"]
    assert campaign.lead.email == seed_demo.DEMO_EMAIL
    assert campaign.team.name == seed_demo.DEMO_TEAM


def test_demo_has_a_stakeholder_on_every_rung(demo):
    _, campaign = demo
    rungs = set(campaign.stakeholders.values_list("stance", flat=True))
    assert rungs == set(models.Stance.values)
    deciders = campaign.stakeholders.filter(is_decider=True)
    assert deciders.count() > campaign.deciders_needed
    assert campaign.stakeholders.filter(relationship_owner__isnull=True).count() == 0
    for stakeholder in campaign.stakeholders.all():
        assert stakeholder.title and stakeholder.cares_about
        assert 1 <= stakeholder.power <= 5 and 1 <= stakeholder.interest <= 5


def test_demo_stance_history_is_consistent_and_spread_over_weeks(demo):
    _, campaign = demo
    changes = models.StanceChange.objects.filter(stakeholder__campaign=campaign)
    assert changes.count() >= 6
    assert changes.filter(to_stance__lt=F("from_stance")).exists()
    now = timezone.now()
    ages = {(now - c.recorded_at).days // 7 for c in changes}
    assert len(ages) >= 3  # several different weeks
    assert all(c.recorded_at < now and c.reason and c.recorded_by for c in changes)
    # Each person's latest move ends where they stand now.
    for stakeholder in campaign.stakeholders.prefetch_related("stance_changes"):
        moves = list(stakeholder.stance_changes.all())
        if moves:
            assert moves[0].to_stance == stakeholder.stance
            for newer, older in zip(moves, moves[1:], strict=False):
                assert newer.from_stance == older.to_stance


def test_demo_influencers_are_linked_with_strengths(demo):
    _, campaign = demo
    assert campaign.influencers.count() >= 4
    influences = models.Influence.objects.filter(influencer__campaign=campaign)
    assert influences.count() >= 6
    assert {i.stakeholder.campaign_id for i in influences} == {campaign.pk}
    assert len(set(influences.values_list("strength", flat=True))) >= 3
    assert not campaign.influencers.annotate(n=Count("influences")).filter(n=0)


def test_demo_board_fills_every_column_with_dense_positions(demo):
    _, campaign = demo
    tactics = list(campaign.tactics.all())
    assert 10 <= len(tactics) <= 15
    by_status = defaultdict(list)
    for tactic in tactics:
        by_status[tactic.status].append(tactic.position)
    assert set(by_status) == set(models.TacticStatus.values)
    for positions in by_status.values():
        assert sorted(positions) == list(range(len(positions)))
    today = timezone.localdate()
    assert all(t.assignee_id for t in tactics)
    assert any(t.is_overdue for t in tactics)
    assert any(
        t.is_open and t.due_on and 0 <= (t.due_on - today).days <= 7 for t in tactics
    )
    assert all(t.targets.exists() for t in tactics)
    assert any(t.risk for t in tactics)
    assert any(t.influencer_id for t in tactics)
    closed = [t for t in tactics if not t.is_open]
    assert closed and all(t.outcome and t.completed_at for t in closed)
    keys = {t.playbook_key for t in tactics} - {""}
    assert keys <= set(playbook.BY_KEY)
    assert len(keys) >= 8


def test_demo_credits_the_tactics_that_moved_people(demo, client_for):
    _, campaign = demo
    credited = models.StanceChange.objects.filter(
        stakeholder__campaign=campaign, tactic__isnull=False
    )
    assert credited.count() == len(seed_demo.CREDITS)
    # Forward moves for "what worked", and one that pushed Finance back.
    assert credited.filter(to_stance__lt=F("from_stance")).count() == 1
    html = (
        client_for(campaign.lead)
        .get(reverse("what_worked", args=[campaign.pk]))
        .content.decode()
    )
    assert "Collect six peer library examples" in html


def test_demo_milestones_show_progress(demo):
    _, campaign = demo
    milestones = list(campaign.milestones.all())
    assert len(milestones) >= 4
    reached = [m for m in milestones if m.reached_at]
    assert len(reached) == 1 and reached[0].percent == 100
    assert any(0 < m.percent < 100 for m in milestones)


def test_demo_has_activity_history(demo):
    _, campaign = demo
    activities = campaign.activities.all()
    assert activities.count() >= 30
    verbs = set(activities.values_list("verb", flat=True))
    for verb in (
        "campaign_created",
        "stakeholder_added",
        "stance_changed",
        "influencer_added",
        "tactic_created",
        "tactic_moved",
        "tactic_outcome",
        "milestone_reached",
    ):
        assert verb in verbs
    now = timezone.now()
    assert max((now - a.created_at).days for a in activities) >= 42
    assert activities.filter(actor__isnull=False).count() == activities.count()


def test_demo_deciders_have_open_objections(demo, client_for):
    _, campaign = demo
    deciders = open_by_decider(campaign)
    open_ones = [o for d in deciders for o in d.open_objections]
    assert len({o.stakeholder_id for o in open_ones}) >= 2
    texts = {o.text for o in open_ones}
    assert {"No budget", "Loss of control over what staff post"} <= texts
    assert any(o.evidence_count for o in open_ones)
    assert any(not o.evidence_count for o in open_ones)  # "no evidence yet"
    # Others object too, and everyone who objects is in this campaign.
    objections = campaign.objections.select_related("stakeholder")
    assert objections.filter(stakeholder__is_decider=False).exists()
    assert {o.stakeholder.campaign_id for o in objections} == {campaign.pk}
    assert all(o.created_by_id and o.created_at < timezone.now() for o in objections)
    overview = client_for(campaign.lead).get(
        reverse("campaign_detail", args=[campaign.pk])
    )
    page = overview.content.decode()
    assert "Open objections of the deciders" in page
    assert "No budget" in page and "no evidence yet" in page


def test_demo_answered_objection_cites_a_peer_move(demo, client_for):
    _, campaign = demo
    answered = campaign.objections.filter(answered_at__isnull=False)
    assert answered.exists()
    assert all(o.answered_by_id and o.answered_at > o.created_at for o in answered)
    cited = models.Evidence.objects.filter(
        objection__in=answered, peer_move__isnull=False
    ).select_related("peer_move", "objection")
    assert cited.exists()
    assert all(e.peer_move.campaign_id == campaign.pk for e in cited)
    assert all(e.created_at <= e.objection.answered_at for e in cited)
    # Peer moves are logged once, with a link and a date, and cited again.
    moves = list(campaign.peer_moves.all())
    assert len(moves) >= 2
    for move in moves:
        assert move.link.startswith("https://example.org/")
        assert move.happened_on and move.happened_on < timezone.localdate()
        assert move.created_at < timezone.now()
    objection = cited.first().objection
    detail = client_for(campaign.lead).get(
        reverse("objection_detail", args=[campaign.pk, objection.pk])
    )
    assert detail.status_code == 200
    assert cited.first().peer_move.organisation in detail.content.decode()
    # One logged move answers more than one objection.
    citations = campaign.peer_moves.annotate(n=Count("evidence"))
    assert max(citations.values_list("n", flat=True)) >= 2
    # Every kind of evidence is shown somewhere, milestones citing a reached one.
    evidence = models.Evidence.objects.filter(objection__campaign=campaign)
    # (A mention is kept from a feed the team follows; the demo follows none.)
    assert set(evidence.values_list("kind", flat=True)) == set(
        models.EvidenceKind.values
    ) - {models.EvidenceKind.MENTION}
    for e in evidence.filter(kind=models.EvidenceKind.MILESTONE):
        assert e.milestone.reached_at
    assert all(e.summary for e in evidence)
    verbs = set(campaign.activities.values_list("verb", flat=True))
    for verb in (
        "objection_raised",
        "objection_answered",
        "evidence_added",
        "peer_move_logged",
    ):
        assert verb in verbs


def test_demo_has_a_report_sent_weeks_ago(demo, client_for):
    _, campaign = demo
    report = campaign.reports.get()
    assert report.is_sent and report.sent_by == campaign.lead
    assert (timezone.now() - report.sent_at).days >= 14
    assert report.created_at < report.sent_at
    # The next draft starts where this one stopped.
    assert report.period_end == campaign.last_reported_on
    assert reports.default_period(campaign)[0] == report.period_end
    assert report.period_start == campaign.starts_on
    # Drafted by the app from the campaign's data, as it reads today.
    assert report.sections == reports.build_sections(
        campaign, report.period_start, report.period_end
    )
    answered = campaign.objections.filter(answered_at__date__lte=report.period_end)
    assert answered.exists()
    for objection in answered:
        assert objection.text in report.sections["objections"]
    assert "Collect six peer library examples" in report.sections["done"]
    verbs = campaign.activities.values_list("verb", flat=True)
    assert list(verbs).count("report_sent") == 1
    # A viewer reads it on the reports page.
    viewer = campaign.team.memberships.get(role=models.Role.VIEWER).user
    listing = client_for(viewer).get(reverse("report_list", args=[campaign.pk]))
    assert report.title in listing.content.decode()
    detail = client_for(viewer).get(report.get_absolute_url())
    assert detail.status_code == 200
    assert "Libraries our size" in detail.content.decode()


def test_running_the_demo_twice_changes_nothing(db):
    run()
    first = counts()
    output = run()
    assert counts() == first
    assert "already" in output
    assert seed_demo.DEMO_PASSWORD in output


def test_an_older_demo_gets_objections_and_a_report_once(demo):
    _, campaign = demo
    full = counts()
    # As a demo made before objections and reports existed.
    campaign.objections.all().delete()
    campaign.peer_moves.all().delete()
    campaign.reports.all().delete()
    campaign.activities.filter(
        verb__in=[
            "objection_raised",
            "objection_answered",
            "evidence_added",
            "peer_move_logged",
            "report_drafted",
            "report_sent",
        ]
    ).delete()
    output = run()
    assert "Added objections" in output
    assert counts() == full
    run()
    assert counts() == full


def test_demo_restores_a_changed_password(demo):
    user = models.User.objects.get(email=seed_demo.DEMO_EMAIL)
    user.set_password("something-else-entirely")
    user.save()
    run()
    user.refresh_from_db()
    assert user.check_password(seed_demo.DEMO_PASSWORD)
    assert models.Team.objects.filter(name=seed_demo.DEMO_TEAM).count() == 1


def test_demo_takes_no_bulk_options(db):
    # The benchmark's bulk data moved to bench/bulk.py.
    with pytest.raises(CommandError):
        run("--teams", "3")


# ---- scale data (bench/bulk.py) -------------------------------------------


def test_bulk_creates_the_requested_counts(db, client, capsys):
    bulk.main(["--teams", "3", "--users", "25", "--campaigns", "4", "--tactics", "23"])
    output = capsys.readouterr().out
    assert models.Team.objects.filter(name__startswith="Scale team ").count() == 3
    scale_users = models.User.objects.filter(email__endswith="@scale.example")
    assert scale_users.count() == 25
    assert scale_users.filter(email="user25@scale.example").exists()
    assert models.Membership.objects.filter(user__in=scale_users).count() == 25
    # Spread over every team, each with one owner.
    per_team = models.Membership.objects.values("team").annotate(
        n=Count("pk"), owners=Count("pk", filter=Q(role="owner"))
    )
    assert sorted(row["n"] for row in per_team) == [8, 8, 9]
    assert all(row["owners"] == 1 for row in per_team)
    campaigns = models.Campaign.objects.filter(name__startswith="Scale campaign ")
    assert campaigns.count() == 4
    assert models.Tactic.objects.count() == 4 * 23
    for campaign in campaigns:
        by_status = defaultdict(list)
        for status, position, assignee in campaign.tactics.values_list(
            "status", "position", "assignee"
        ):
            by_status[status].append(position)
            assert assignee is not None
        assert set(by_status) == set(models.TacticStatus.values)
        for positions in by_status.values():
            assert sorted(positions) == list(range(len(positions)))
        assignees = campaign.tactics.values_list("assignee", flat=True)
        writers = campaign.team.memberships.exclude(role="viewer")
        assert set(assignees) <= set(writers.values_list("user", flat=True))
    assert "user1@scale.example" in output
    request = RequestFactory().post("/accounts/login/")
    assert client.login(
        request=request,
        email="user1@scale.example",
        password=bulk.PASSWORD,
    )
    # Everyone shares one hash.
    assert scale_users.values("password").distinct().count() == 1


def test_bulk_run_twice_adds_nothing(db):
    counts_asked = {"teams": 2, "users": 10, "campaigns": 2, "tactics": 7}
    bulk.seed(**counts_asked)
    first = counts()
    assert bulk.seed(**counts_asked) == {
        "teams": 2,
        "users": 10,
        "new_campaigns": 0,
        "new_tactics": 0,
    }
    assert counts() == first


def test_bulk_tops_up_to_larger_counts(db):
    bulk.seed(teams=2, users=10)
    bulk.seed(teams=3, users=15, campaigns=3, tactics=5)
    assert models.User.objects.count() == 15
    assert models.Team.objects.count() == 3
    assert models.Membership.objects.count() == 15
    owners = models.Membership.objects.filter(role="owner")
    assert sorted(owners.values_list("team__name", flat=True)) == [
        "Scale team 1",
        "Scale team 2",
        "Scale team 3",
    ]
    assert models.Tactic.objects.count() == 15
    names = models.Campaign.objects.values_list("name", flat=True)
    assert sorted(names) == [f"Scale campaign {n}" for n in (1, 2, 3)]
    bulk.seed(teams=5, campaigns=4, tactics=5)
    assert models.Campaign.objects.count() == 4
    assert models.Tactic.objects.count() == 20


def test_bulk_rejects_negative_counts(db, capsys):
    with pytest.raises(ValueError, match="negative"):
        bulk.seed(users=-1)
    with pytest.raises(SystemExit):
        bulk.main(["--users", "-1"])
    assert "cannot be negative" in capsys.readouterr().err
    assert not models.User.objects.exists()


def test_bulk_writes_in_bulk(db):
    """Thousands of rows in a few dozen queries: the cost stays with the
    database, not with round trips (its speed is `make bench`'s concern)."""
    with CaptureQueriesContext(connection) as queries:
        bulk.seed(teams=20, users=2000, campaigns=40, tactics=50)
    assert models.User.objects.count() == 2000
    assert models.Tactic.objects.count() == 2000
    assert len(queries) < 40, len(queries)


@pytest.mark.parametrize(
    "name",
    [
        "campaign_detail",
        "board",
        "stakeholder_list",
        "influencer_list",
        "milestone_list",
        "objection_list",
        "peer_moves",
        "report_list",
    ],
)
def test_demo_pages_render_for_every_role(demo, client_for, name):
    _, campaign = demo
    url = reverse(name, args=[campaign.pk])
    for membership in campaign.team.memberships.select_related("user"):
        response = client_for(membership.user).get(url)
        assert response.status_code == 200, (membership.role, url)
