"""Fill the database with a realistic demo campaign.

It builds one team working on one campaign, with people on every rung of the
stance ladder, a busy board, some weeks of history, the deciders' objections
with the evidence gathered against them, the peer moves that evidence cites,
and a progress report sent a couple of weeks ago. It is safe to run again: an
existing demo is left alone, except that a demo made before objections and
reports existed gets them added once.

The benchmark's bulk data is made by bench/bulk.py, not here.
"""

import datetime
from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaigns import notices, reports
from campaigns.models import (
    Activity,
    Campaign,
    Evidence,
    EvidenceKind,
    Influence,
    Influencer,
    Membership,
    Milestone,
    Objection,
    PeerMove,
    ProgressReport,
    ReportStatus,
    Role,
    Stakeholder,
    Stance,
    StanceChange,
    Tactic,
    TacticComment,
    TacticStatus,
    Team,
    User,
)
from campaigns.playbook import get_entry

DEMO_TEAM = "Riverside Library Trust"
DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "demo-campaign-2026"
DEMO_CAMPAIGN = "Pilot a community blog and social channels"

PEOPLE = [
    # email, name, role
    (DEMO_EMAIL, "Alex Morgan", Role.OWNER),
    ("sam.patel@example.org", "Sam Patel", Role.MEMBER),
    ("jordan.lee@example.org", "Jordan Lee", Role.VIEWER),
]


@dataclass
class Who:
    name: str
    title: str
    power: int
    interest: int
    cares_about: str
    # The ladder walked so far, oldest first; the last rung is where they stand.
    path: tuple
    reasons: tuple = ()
    decider: bool = False
    keeper: int = 0  # index into PEOPLE: who keeps in touch
    contacted_days_ago: int | None = None


S = Stance
STAKEHOLDERS = [
    Who(
        "Margaret Okafor",
        "Director",
        5,
        3,
        "“Our visitor numbers among under-25s have halved in ten years. I need "
        "something that brings them back without costing us the regulars.”",
        (S.OPPOSED, S.SKEPTICAL),
        ("Saw how Northfield and two city libraries use Instagram for events.",),
        decider=True,
        keeper=0,
        contacted_days_ago=4,
    ),
    Who(
        "Dr Alan Whitcombe",
        "Chair of the Board",
        5,
        2,
        "“The board wants a credible plan for the new fundraising target. I "
        "won't put the Trust's name on anything that could embarrass it.”",
        (S.SKEPTICAL, S.NEUTRAL),
        ("The draft usage policy answered his worry about reputation.",),
        decider=True,
        keeper=0,
        contacted_days_ago=45,
    ),
    Who(
        "Priya Raman",
        "Head of Finance",
        4,
        2,
        "“Every hour of staff time has to come from somewhere. Show me what "
        "it returns and what it costs.”",
        (S.NEUTRAL, S.OPPOSED),
        ("Read the paid-ads request as the first of many new budget lines.",),
        decider=True,
        keeper=1,
        contacted_days_ago=30,
    ),
    Who(
        "Deborah Lin",
        "IT and Systems Manager",
        2,
        3,
        "“I'm happy to help as long as logins, passwords and data stay under control.”",
        (S.NEUTRAL,),
        keeper=1,
    ),
    Who(
        "Kwame Asante",
        "Fundraising Manager",
        3,
        4,
        "“Donors want to see the difference we make, week by week. A printed "
        "newsletter twice a year doesn't do that.”",
        (S.NEUTRAL, S.CURIOUS),
        ("Liked the idea of a monthly “where your gift went” post.",),
        keeper=1,
        contacted_days_ago=9,
    ),
    Who(
        "Sofia Marques",
        "Head of Children's and Youth Services",
        3,
        4,
        "“Teenagers tell me they never know what's on. I want our events where "
        "they actually look.”",
        (S.NEUTRAL, S.CURIOUS, S.SUPPORTIVE),
        (
            "Her teen reading group said they hear about events from friends' posts.",
            "Offered her team's summer reading challenge as the pilot.",
        ),
        keeper=1,
        contacted_days_ago=2,
    ),
    Who(
        "Jonah Ellis",
        "Communications Lead",
        3,
        5,
        "“We have stories every week that nobody outside the building hears.”",
        (S.CURIOUS, S.SUPPORTIVE, S.CHAMPION),
        (
            "Agreed to co-own the usage policy.",
            "Now presents the pilot numbers to the director himself.",
        ),
        keeper=0,
        contacted_days_ago=1,
    ),
]

INFLUENCERS = [
    # name, relationship, notes, [(stakeholder, strength)]
    (
        "Eleanor Hughes",
        "Director of Northfield Libraries (peer)",
        "Has run a library blog and Instagram for three years; happy to share numbers.",
        [("Margaret Okafor", 5), ("Priya Raman", 2)],
    ),
    (
        "Councillor Ruth Adeyemi",
        "Local councillor; chairs the council's culture committee",
        "Funds part of the Trust's outreach work.",
        [("Dr Alan Whitcombe", 4), ("Margaret Okafor", 3)],
    ),
    (
        "Daniel Okafor",
        "The director's son; runs social media for his café",
        "Family: a gentle, informal pull.",
        [("Margaret Okafor", 2)],
    ),
    (
        "Grace Mbeki",
        "Chair of the Friends of Riverside Library",
        "Volunteers raise about a fifth of the Trust's donations.",
        [("Kwame Asante", 4), ("Dr Alan Whitcombe", 2)],
    ),
    (
        "Prof. Sam Whitfield",
        "Outside adviser on digital inclusion",
        "Advised the board on the last strategy.",
        [("Dr Alan Whitcombe", 3), ("Sofia Marques", 2)],
    ),
]


@dataclass
class Card:
    title: str
    status: str
    assignee: int  # index into PEOPLE
    due_in: int | None  # days from today; negative is overdue
    targets: tuple = ()
    key: str = ""
    influencer: str = ""
    risk: str = ""
    outcome: str = ""
    description: str = ""


T = TacticStatus
# Where a card came from on its last move, for the history.
PREVIOUS_COLUMN = {
    T.PLANNED: T.BACKLOG,
    T.IN_PROGRESS: T.PLANNED,
    T.DONE: T.IN_PROGRESS,
    T.DIDNT_WORK: T.IN_PROGRESS,
}
CARDS = [
    Card(
        "Draft a social media usage policy",
        T.BACKLOG,
        1,
        30,
        ("Dr Alan Whitcombe", "Deborah Lin"),
        key="ground-rules",
        risk="Could stall in review; agree a date for sign-off.",
    ),
    Card(
        "Set up weekly mention alerts for the director",
        T.BACKLOG,
        0,
        None,
        ("Margaret Okafor",),
        key="listening-alerts",
    ),
    Card(
        "Ask the Friends group for a donor-story post series",
        T.BACKLOG,
        1,
        45,
        ("Kwame Asante",),
        influencer="Grace Mbeki",
    ),
    Card(
        "Lunch-and-learn: what other libraries post",
        T.PLANNED,
        1,
        3,
        ("Priya Raman", "Margaret Okafor"),
        key="teach-sessions",
        risk="Only fans turn up; invite the finance team personally.",
    ),
    Card(
        "Rewrite the pitch around the strategic plan's goals",
        T.PLANNED,
        0,
        5,
        ("Margaret Okafor", "Dr Alan Whitcombe"),
        key="their-goals",
    ),
    Card(
        "Survey teenage card holders about where they hear about events",
        T.PLANNED,
        1,
        12,
        ("Sofia Marques",),
        key="audience-first",
    ),
    Card(
        "Four-week pilot: blog and Instagram for the summer reading challenge",
        T.IN_PROGRESS,
        0,
        6,
        ("Margaret Okafor", "Sofia Marques"),
        key="quiet-pilot",
        risk=(
            "If it looks like we went ahead without permission it will cost "
            "us the director's trust. Jonah has told her what we are trying."
        ),
    ),
    Card(
        "Introduce the director to Northfield's director",
        T.IN_PROGRESS,
        0,
        -4,
        ("Margaret Okafor",),
        key="trusted-voices",
        influencer="Eleanor Hughes",
    ),
    Card(
        "Fortnightly progress note to the director",
        T.IN_PROGRESS,
        1,
        -2,
        ("Margaret Okafor",),
        key="report-often",
    ),
    Card(
        "Collect six peer library examples",
        T.DONE,
        1,
        -20,
        ("Margaret Okafor",),
        key="peer-examples",
        outcome=(
            "Six examples on one page. The director asked for a copy to show "
            "the board: the first time she asked for more."
        ),
    ),
    Card(
        "Agree measurable pilot goals with the communications lead",
        T.DONE,
        0,
        -14,
        ("Jonah Ellis",),
        key="start-small",
        outcome="Three goals agreed: followers, event sign-ups, donations.",
    ),
    Card(
        "Pitch social media at the all-staff meeting",
        T.DIDNT_WORK,
        0,
        -35,
        ("Margaret Okafor", "Priya Raman"),
        outcome=(
            "It became a debate about whether social media is “our style”. "
            "Lesson: bring evidence about our audience, not opinions."
        ),
    ),
    Card(
        "Ask for a paid advertising budget",
        T.DIDNT_WORK,
        0,
        -28,
        ("Priya Raman",),
        risk="A new budget line before any results.",
        outcome=(
            "Finance said no and the head of finance moved against the idea. "
            "Lesson: show results from free channels first."
        ),
    ),
]

# What moved whom: (stakeholder, the stance reached, the tactic credited). The
# paid-ads request pushed Finance back, which "what worked" shows too.
CREDITS = [
    ("Margaret Okafor", Stance.SKEPTICAL, "Collect six peer library examples"),
    ("Priya Raman", Stance.OPPOSED, "Ask for a paid advertising budget"),
    (
        "Jonah Ellis",
        Stance.SUPPORTIVE,
        "Agree measurable pilot goals with the communications lead",
    ),
    (
        "Sofia Marques",
        Stance.SUPPORTIVE,
        "Four-week pilot: blog and Instagram for the summer reading challenge",
    ),
    ("Jonah Ellis", Stance.CHAMPION, "Fortnightly progress note to the director"),
]

MILESTONES = [
    # title, target, current, unit, due_in, reached_days_ago
    ("Colleagues at show-and-tell sessions", 40, 40, "people", -10, 12),
    ("Teens following the pilot account", 150, 96, "followers", 20, None),
    ("Donations credited to pilot posts", 1000, 220, "pounds", 40, None),
    ("Progress reports sent", 6, 2, "reports", 70, None),
    ("Pilot approved by the board", 1, 0, "decision", 90, None),
]

COMMENTS = [
    (7, 1, "Eleanor said she can do the first Thursday of the month."),
    (
        6,
        1,
        "Week two: 61 new followers, 14 sign-ups from the link. "
        "@Alex, worth a line in the next report?",
    ),
    (11, 2, "Worth keeping the notes from this; they explain the finance view."),
]


# What peer organisations have done, logged once and cited as evidence.
PEER_MOVES = [
    # key, organisation, what they did, link, happened (days ago), logged (days ago)
    (
        "northfield",
        "Northfield Libraries",
        "Runs a library blog and an Instagram account, written by two staff on "
        "a rota. Their summer reading posts doubled sign-ups from under-18s "
        "last year.",
        "https://example.org/northfield-libraries/blog",
        75,
        50,
    ),
    (
        "eastbrook",
        "Eastbrook Borough Council",
        "Our neighbouring council opened an Instagram account for its libraries "
        "and leisure centres, with a one-page posting policy: named staff post "
        "and a second person checks anything sensitive.",
        "https://example.org/eastbrook-council/instagram",
        40,
        33,
    ),
    (
        "city-central",
        "City Central Library",
        "Posts a short weekly video of staff book picks on TikTok; one reached "
        "40,000 views and filled their teen writing workshop.",
        "https://example.org/city-central-library/tiktok",
        26,
        24,
    ),
]


@dataclass
class Shown:
    """A piece of evidence: a peer move (by key) or milestone (by title) it
    cites, or plain numbers. No full stop at the end: a report joins an
    answer's evidence with semicolons."""

    kind: str
    summary: str
    added_days_ago: int
    happened_days_ago: int | None = None
    peer: str = ""
    milestone: str = ""


@dataclass
class Doubt:
    who: str  # a stakeholder's name
    text: str
    details: str
    raised_days_ago: int
    answered_days_ago: int | None = None
    evidence: tuple = ()


K = EvidenceKind
OBJECTIONS = [
    Doubt(
        "Margaret Okafor",
        "Libraries our size don't do this",
        "“That's for city libraries with a marketing department, not a trust "
        "like ours.”",
        38,
        answered_days_ago=19,
        evidence=(
            Shown(
                K.PEER_MOVE,
                "Northfield, a trust our size, has run a blog and Instagram for "
                "three years with two staff on a rota",
                22,
                peer="northfield",
            ),
            Shown(
                K.PEER_MOVE,
                "City Central's weekly staff picks on TikTok: one video reached "
                "40,000 views and filled a teen workshop",
                21,
                peer="city-central",
            ),
        ),
    ),
    Doubt(
        "Margaret Okafor",
        "Loss of control over what staff post",
        "“Once twenty people can post in the Trust's name, one careless post "
        "ends up in the local paper.”",
        35,
        evidence=(
            Shown(
                K.PEER_MOVE,
                "Eastbrook's libraries post through named staff on a rota, and a "
                "second person checks anything sensitive: the model for our "
                "usage policy",
                12,
                peer="eastbrook",
            ),
            Shown(
                K.MILESTONE,
                "40 colleagues came to the show-and-tell sessions on what good "
                "library posts look like",
                11,
                milestone="Colleagues at show-and-tell sessions",
            ),
        ),
    ),
    Doubt(
        "Priya Raman",
        "No budget",
        "“There is no line for social media this year, and the paid-ads "
        "request showed me where it leads.”",
        28,
    ),
    Doubt(
        "Priya Raman",
        "A waste of staff time",
        "“Every hour spent on Instagram is an hour not spent on the desk.”",
        35,
        evidence=(
            Shown(
                K.SURVEY,
                "Sofia's teen reading group: 11 of 12 hear about events from "
                "friends' posts; none read the printed newsletter",
                20,
                happened_days_ago=24,
            ),
            Shown(
                K.PILOT,
                "First two weeks of the pilot: about three staff hours a week "
                "for 61 new followers and 14 event sign-ups from the link",
                6,
                happened_days_ago=7,
            ),
        ),
    ),
    Doubt(
        "Dr Alan Whitcombe",
        "It could embarrass the Trust",
        "“One careless post and it's the Trust's name in the paper, in the "
        "middle of a fundraising year.”",
        30,
        answered_days_ago=13,
        evidence=(
            Shown(
                K.PEER_MOVE,
                "Eastbrook's posting policy (named staff, a second check, replies "
                "within a working day) is the basis of our draft usage policy",
                14,
                peer="eastbrook",
            ),
        ),
    ),
    Doubt(
        "Deborah Lin",
        "Passwords on personal phones",
        "“I don't want the Trust's account passwords on a dozen personal phones.”",
        20,
    ),
    Doubt(
        "Kwame Asante",
        "Donors won't give because of a post",
        "“Our donors give at events and by post; they aren't on Instagram.”",
        18,
        evidence=(
            Shown(
                K.PILOT,
                "£220 in donations credited to pilot posts so far, against a "
                "target of £1,000",
                3,
                happened_days_ago=3,
            ),
        ),
    ),
]


class Command(BaseCommand):
    help = "Create a demo team and campaign (safe to repeat)."

    def handle(self, *args, **options):
        self.demo()

    def demo(self):
        with transaction.atomic():
            people = [self.person(email, name) for email, name, _ in PEOPLE]
            owner = people[0]
            team = Team.objects.filter(
                name=DEMO_TEAM,
                memberships__user=owner,
                memberships__role=Role.OWNER,
            ).first()
            if team:
                self.stdout.write(f"The demo team “{DEMO_TEAM}” is already there.")
                campaign = team.campaigns.filter(name=DEMO_CAMPAIGN).first()
                if campaign:
                    self.credit_tactics(campaign)
                if campaign and not self.has_objections_or_reports(campaign):
                    # Made before objections and reports existed: give it the
                    # panels a newcomer expects, once (this very check stops
                    # a second run).
                    self.build_objections(campaign, owner)
                    self.build_report(campaign, owner)
                    self.stdout.write(
                        "Added objections, peer moves and a sent progress "
                        "report to the demo campaign."
                    )
            else:
                team = Team.objects.create(name=DEMO_TEAM)
                for user, (_, _, role) in zip(people, PEOPLE, strict=True):
                    Membership.objects.create(team=team, user=user, role=role)
                campaign = self.build_campaign(team, people)
                self.credit_tactics(campaign)
                self.build_objections(campaign, owner)
                self.build_report(campaign, owner)
                self.stdout.write(self.style.SUCCESS(f"Created “{DEMO_TEAM}”."))
        self.stdout.write(f"Log in as {DEMO_EMAIL} with password {DEMO_PASSWORD}")
        teammates = ", ".join(f"{email} ({role})" for email, _, role in PEOPLE[1:])
        self.stdout.write(f"Teammates, same password: {teammates}")

    def person(self, email, name):
        user, created = User.objects.get_or_create(email=email, defaults={"name": name})
        # Keep the printed login working even if someone changed it.
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def build_campaign(self, team, people):
        owner = people[0]
        now = timezone.now()
        today = timezone.localdate()

        def ago(days, hours=0):
            return now - datetime.timedelta(days=days, hours=hours)

        def day(offset):
            return None if offset is None else today + datetime.timedelta(offset)

        def record(when, verb, summary, actor=owner, **refs):
            Activity.record(campaign, actor, verb, summary, created_at=when, **refs)

        campaign = Campaign.objects.create(
            team=team,
            name=DEMO_CAMPAIGN,
            goal=(
                "Help the Trust meet two goals in its 2026 plan, winning back "
                "readers under 25 and growing community giving, by piloting a "
                "library blog with Instagram and TikTok for one season and "
                "reporting what they bring in."
            ),
            lead=owner,
            starts_on=today - datetime.timedelta(days=56),
            ends_on=today + datetime.timedelta(days=180),
            report_every_days=14,
            last_reported_on=today - datetime.timedelta(days=16),
            # Two of the three deciders saying yes gets the pilot approved.
            deciders_needed=2,
        )
        record(ago(56), Activity.Verb.CAMPAIGN_CREATED, "Started the campaign")

        stakeholders = {}
        for n, who in enumerate(STAKEHOLDERS):
            stakeholder = Stakeholder.objects.create(
                campaign=campaign,
                name=who.name,
                title=who.title,
                power=who.power,
                interest=who.interest,
                cares_about=who.cares_about,
                stance=who.path[-1],
                is_decider=who.decider,
                relationship_owner=people[who.keeper],
                last_contacted_on=None
                if who.contacted_days_ago is None
                else day(-who.contacted_days_ago),
            )
            stakeholders[who.name] = stakeholder
            record(
                ago(55 - n),
                Activity.Verb.STAKEHOLDER_ADDED,
                f"Added {who.name} ({who.title})",
                stakeholder=stakeholder,
            )
            # Spread each person's moves over the past weeks, latest most recent.
            moves = list(zip(who.path, who.path[1:], who.reasons, strict=False))
            for step, (before, after, reason) in enumerate(moves):
                when = ago(7 * (len(moves) - step) * 2 - n, hours=3)
                recorder = people[(n + step) % 2]
                StanceChange.objects.create(
                    stakeholder=stakeholder,
                    from_stance=before,
                    to_stance=after,
                    reason=reason,
                    recorded_by=recorder,
                    recorded_at=when,
                )
                record(
                    when,
                    Activity.Verb.STANCE_CHANGED,
                    f"{who.name}: {Stance(before).label} → {Stance(after).label}",
                    actor=recorder,
                    stakeholder=stakeholder,
                    data={"from": before, "to": after},
                )

        influencers = {}
        for n, (name, relationship, notes, links) in enumerate(INFLUENCERS):
            influencer = Influencer.objects.create(
                campaign=campaign,
                name=name,
                relationship=relationship,
                notes=notes,
            )
            influencers[name] = influencer
            record(ago(50 - n), Activity.Verb.INFLUENCER_ADDED, f"Added {name}")
            for target, strength in links:
                Influence.objects.create(
                    influencer=influencer,
                    stakeholder=stakeholders[target],
                    strength=strength,
                )
                record(
                    ago(50 - n, hours=1),
                    Activity.Verb.INFLUENCE_LINKED,
                    f"Linked {name} to {target}",
                    stakeholder=stakeholders[target],
                )

        positions = {}
        tactics = []
        for n, card in enumerate(CARDS):
            position = positions.get(card.status, 0)
            positions[card.status] = position + 1
            entry = get_entry(card.key) if card.key else None
            closed = card.status in (T.DONE, T.DIDNT_WORK)
            tactic = Tactic.objects.create(
                campaign=campaign,
                title=card.title,
                description=card.description or (entry.summary if entry else ""),
                status=card.status,
                position=position,
                assignee=people[card.assignee],
                due_on=day(card.due_in),
                influencer=influencers.get(card.influencer),
                risk=card.risk,
                outcome=card.outcome,
                playbook_key=card.key,
                created_by=owner,
                completed_at=ago(-card.due_in) if closed else None,
                # The weekly lunch-and-learn repeats as its template suggests.
                repeat=entry.repeat if entry and not closed else "",
            )
            tactic.targets.set([stakeholders[name] for name in card.targets])
            tactics.append(tactic)
            record(
                ago(48 - n),
                Activity.Verb.TACTIC_CREATED,
                f"Added “{card.title}”",
                tactic=tactic,
            )
            if card.status != T.BACKLOG:
                record(
                    ago(-card.due_in) if closed else ago(max(1, 40 - 3 * n)),
                    Activity.Verb.TACTIC_MOVED,
                    f"Moved “{card.title}” to {T(card.status).label}",
                    actor=people[card.assignee],
                    tactic=tactic,
                    data={
                        "from": PREVIOUS_COLUMN[card.status],
                        "to": card.status,
                        "position": position,
                    },
                )
            if card.outcome:
                record(
                    ago(-card.due_in, hours=-2),
                    Activity.Verb.TACTIC_OUTCOME,
                    f"Recorded the outcome of “{card.title}”",
                    actor=people[card.assignee],
                    tactic=tactic,
                    data={"status": card.status},
                )

        for index, author, body in COMMENTS:
            comment = TacticComment.objects.create(
                tactic=tactics[index],
                author=people[author],
                body=body,
                created_at=ago(index % 5 + 1),
            )
            # The @mention shows under the bell; made-up history emails nobody.
            notices.comment_mentions(
                comment, tactics[index], people[author], emails=False
            )

        for n, (title, target, current, unit, due_in, reached) in enumerate(MILESTONES):
            milestone = Milestone.objects.create(
                campaign=campaign,
                title=title,
                target_value=target,
                current_value=current,
                unit=unit,
                due_on=day(due_in),
                reached_at=ago(reached) if reached is not None else None,
            )
            record(
                ago(45),
                Activity.Verb.MILESTONE_ADDED,
                f"Added the milestone “{title}”",
                milestone=milestone,
            )
            if current:
                record(
                    ago(reached if reached is not None else 2 + 3 * n),
                    Activity.Verb.MILESTONE_REACHED
                    if reached is not None
                    else Activity.Verb.MILESTONE_PROGRESSED,
                    f"Reached “{title}”"
                    if reached is not None
                    else f"“{title}” now at {current} of {target} {unit}",
                    milestone=milestone,
                    data={"current": current, "target": target},
                )
        return campaign

    @staticmethod
    def credit_tactics(campaign):
        """Credit the tactics that moved people (CREDITS); a move already
        credited, or no longer there, is left as it is."""
        for name, stance, title in CREDITS:
            tactic = campaign.tactics.filter(title=title).first()
            if tactic:
                StanceChange.objects.filter(
                    stakeholder__campaign=campaign,
                    stakeholder__name=name,
                    to_stance=stance,
                    tactic__isnull=True,
                ).update(tactic=tactic)

    @staticmethod
    def has_objections_or_reports(campaign):
        return (
            campaign.objections.exists()
            or campaign.peer_moves.exists()
            or campaign.reports.exists()
        )

    def build_objections(self, campaign, owner):
        """Log the peer moves, then the objections with the evidence against
        them. People and milestones are found by name, so on a demo edited
        since it was made whatever no longer fits is skipped."""
        now = timezone.now()
        today = timezone.localdate()

        def ago(days):
            return now - datetime.timedelta(days=days)

        def record(when, actor, verb, summary, **refs):
            Activity.record(campaign, actor, verb, summary, created_at=when, **refs)

        moves = {}
        for key, organisation, what, link, happened, logged in PEER_MOVES:
            move = PeerMove.objects.create(
                campaign=campaign,
                organisation=organisation,
                what=what,
                link=link,
                happened_on=today - datetime.timedelta(days=happened),
                created_by=owner,
            )
            # created_at is stamped on insert; date it to when it was logged.
            PeerMove.objects.filter(pk=move.pk).update(created_at=ago(logged))
            moves[key] = move
            record(
                ago(logged),
                owner,
                Activity.Verb.PEER_MOVE_LOGGED,
                f"Logged a move by {organisation}",
                data={"peer_move": move.pk},
            )

        stakeholders = {
            s.name: s
            for s in campaign.stakeholders.select_related("relationship_owner")
        }
        milestones = {m.title: m for m in campaign.milestones.all()}
        for doubt in OBJECTIONS:
            stakeholder = stakeholders.get(doubt.who)
            if stakeholder is None:
                continue
            # Whoever keeps in touch with them hears and answers it.
            keeper = stakeholder.relationship_owner or owner
            answered = doubt.answered_days_ago
            objection = Objection.objects.create(
                campaign=campaign,
                stakeholder=stakeholder,
                text=doubt.text,
                details=doubt.details,
                answered_at=None if answered is None else ago(answered),
                answered_by=None if answered is None else keeper,
                created_by=keeper,
                created_at=ago(doubt.raised_days_ago),
            )
            record(
                objection.created_at,
                keeper,
                Activity.Verb.OBJECTION_RAISED,
                f"{stakeholder.name} objects: “{objection.text}”",
                stakeholder=stakeholder,
                data={"objection": objection.pk},
            )
            for shown in doubt.evidence:
                move = moves.get(shown.peer)
                milestone = milestones.get(shown.milestone)
                if (shown.peer and not move) or (shown.milestone and not milestone):
                    continue
                if shown.happened_days_ago is not None:
                    happened_on = today - datetime.timedelta(shown.happened_days_ago)
                elif move:
                    happened_on = move.happened_on
                elif milestone and milestone.reached_at:
                    happened_on = timezone.localdate(milestone.reached_at)
                else:
                    happened_on = None
                evidence = Evidence.objects.create(
                    objection=objection,
                    kind=shown.kind,
                    summary=shown.summary,
                    happened_on=happened_on,
                    milestone=milestone,
                    peer_move=move,
                    created_by=keeper,
                    created_at=ago(shown.added_days_ago),
                )
                record(
                    evidence.created_at,
                    keeper,
                    Activity.Verb.EVIDENCE_ADDED,
                    f"Evidence for {stakeholder.name}'s “{objection.text}”: "
                    f"{evidence.get_kind_display().lower()}",
                    stakeholder=stakeholder,
                    milestone=milestone,
                    data={"objection": objection.pk, "kind": evidence.kind},
                )
            if objection.answered_at:
                record(
                    objection.answered_at,
                    keeper,
                    Activity.Verb.OBJECTION_ANSWERED,
                    f"{stakeholder.name}'s “{objection.text}” answered",
                    stakeholder=stakeholder,
                    data={"objection": objection.pk, "answered": True},
                )

    def build_report(self, campaign, owner):
        """The first progress report, drafted by the app from the data and
        marked as sent at the end of its period, so the reports page has
        history and the next draft starts where it stopped."""
        end = campaign.last_reported_on or (
            timezone.localdate() - datetime.timedelta(days=16)
        )
        # The first report covers everything since the start.
        start = min(campaign.starts_on, end)
        sent_at = datetime.datetime.combine(
            end, datetime.time(16), tzinfo=timezone.get_current_timezone()
        )
        drafted_at = sent_at - datetime.timedelta(hours=2)
        report = reports.create_report(
            campaign,
            start,
            end,
            owner,
            status=ReportStatus.SENT,
            sent_at=sent_at,
            sent_by=owner,
        )
        # Both stamps are automatic on save; date them to the story.
        ProgressReport.objects.filter(pk=report.pk).update(
            created_at=drafted_at, updated_at=sent_at
        )
        for when, verb, done in (
            (drafted_at, Activity.Verb.REPORT_DRAFTED, "Drafted"),
            (sent_at, Activity.Verb.REPORT_SENT, "Sent"),
        ):
            Activity.record(
                campaign,
                owner,
                verb,
                f"{done} the progress report “{report.title}”",
                created_at=when,
                data={"report": report.pk},
            )
        if campaign.last_reported_on != end:
            campaign.last_reported_on = end
            campaign.save(update_fields=["last_reported_on", "updated_at"])
