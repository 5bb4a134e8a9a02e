"""The weekly digest tells a person about their own week: their tactics
(overdue, due this week, in progress), what happened in their campaigns
(stance changes, outcomes recorded, cards moved), each in its own section of
both the text and the HTML email, under a subject that says what is inside."""

import datetime

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import digests
from campaigns.models import (
    Activity,
    DeliveryStatus,
    EmailDelivery,
    Role,
    Stance,
    TacticStatus,
)
from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    MembershipFactory,
    StakeholderFactory,
    StanceChangeFactory,
    TacticFactory,
    TeamFactory,
    UserFactory,
)

# A Monday morning in UTC; the defaults send at 08:00 on Mondays, UTC.
NOW = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
HEADERS = (
    "Overdue",
    "Due in the next 7 days",
    "In progress",
    "Stance changes",
    "Outcomes recorded",
    "Cards moved",
    "Milestones",
    "Upcoming milestones",
)


def days(n):
    return datetime.timedelta(days=n)


def text_section(text, header):
    """The lines under `header:` in the plain text, every campaign's, or ""."""
    parts = text.split(f"\n{header}:\n")[1:]
    return "\n".join(part.split("\n\n", 1)[0] for part in parts)


def html_section(html, header):
    """The HTML from each of the section's headings to the next one, or ""."""
    parts = html.split(f">{header}</h3>")[1:]
    return "\n".join(part.split("<h3", 1)[0].split("</table>", 1)[0] for part in parts)


def sections_of(email, title):
    """The sections (text and HTML alike) in which `title` appears."""
    in_text = {h for h in HEADERS if title in text_section(email.text, h)}
    in_html = {h for h in HEADERS if title in html_section(email.html, h)}
    assert in_text == in_html, (title, in_text, in_html)
    return in_text


def tactic_url(tactic):
    return settings.SITE_URL + reverse(
        "tactic_detail", args=[tactic.campaign_id, tactic.pk]
    )


@pytest.fixture
def week(db):
    """Pat's week: their own tactics, a teammate's outcome and moved card,
    a stakeholder who moved, and a team Pat only views with quiet tactics."""
    team = TeamFactory()
    lead = MembershipFactory(team=team, role=Role.OWNER).user
    pat = MembershipFactory(
        team=team, role=Role.MEMBER, user=UserFactory(name="Pat")
    ).user
    sam = MembershipFactory(
        team=team, role=Role.MEMBER, user=UserFactory(name="Sam")
    ).user
    campaign = CampaignFactory(
        team=team,
        lead=lead,
        name="Company blog pilot",
        starts_on=TODAY - days(30),
        last_reported_on=TODAY - days(1),
    )
    t = {}
    t["due"] = TacticFactory(
        campaign=campaign,
        assignee=pat,
        title="Lunch & learn <peer examples>",
        status=TacticStatus.PLANNED,
        due_on=TODAY + days(3),
    )
    t["overdue"] = TacticFactory(
        campaign=campaign,
        assignee=pat,
        title="Send the audience survey",
        status=TacticStatus.PLANNED,
        due_on=TODAY - days(2),
    )
    t["doing"] = TacticFactory(
        campaign=campaign,
        assignee=pat,
        title="Collect rival charities posts",
        status=TacticStatus.IN_PROGRESS,
    )
    t["later"] = TacticFactory(  # Pat's, but neither due soon nor started
        campaign=campaign,
        assignee=pat,
        title="Draft the usage policy",
        status=TacticStatus.PLANNED,
        due_on=TODAY + days(30),
    )
    t["outcome"] = TacticFactory(
        campaign=campaign,
        assignee=sam,
        title="Quiet chat with the treasurer",
        status=TacticStatus.IN_PROGRESS,
        outcome="She wants numbers, not opinions.",
    )
    ActivityFactory(
        campaign=campaign,
        actor=sam,
        verb=Activity.Verb.TACTIC_OUTCOME,
        tactic=t["outcome"],
        data={"status": "in_progress"},
        created_at=NOW - days(2),
    )
    t["moved"] = TacticFactory(
        campaign=campaign,
        assignee=sam,
        title="Newsletter mock-up",
        status=TacticStatus.IN_PROGRESS,
        due_on=TODAY + days(20),
    )
    ActivityFactory(
        campaign=campaign,
        actor=sam,
        verb=Activity.Verb.TACTIC_MOVED,
        tactic=t["moved"],
        data={"from": "planned", "to": "in_progress", "position": 0},
        created_at=NOW - days(1),
    )
    t["old_move"] = TacticFactory(  # moved before the week began
        campaign=campaign,
        assignee=sam,
        title="Old board move",
        status=TacticStatus.PLANNED,
    )
    ActivityFactory(
        campaign=campaign,
        actor=sam,
        verb=Activity.Verb.TACTIC_MOVED,
        tactic=t["old_move"],
        data={"from": "backlog", "to": "planned", "position": 0},
        created_at=NOW - days(10),
    )
    dana = StakeholderFactory(campaign=campaign, name="Dana", power=5)
    StanceChangeFactory(
        stakeholder=dana,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.CURIOUS,
        reason="Liked the <peer> examples.",
        recorded_at=NOW - days(1),
    )
    lee = StakeholderFactory(campaign=campaign, name="Lee", power=2)
    StanceChangeFactory(  # a smaller move by a less powerful person
        stakeholder=lee,
        from_stance=Stance.NEUTRAL,
        to_stance=Stance.CURIOUS,
        recorded_at=NOW - days(1),
    )

    # A team Pat only views, whose quiet tactics Pat must never hear of.
    other = TeamFactory()
    MembershipFactory(team=other, user=pat, role=Role.VIEWER)
    insider = MembershipFactory(team=other, role=Role.MEMBER).user
    viewed = CampaignFactory(
        team=other, lead=insider, name="Board room", last_reported_on=TODAY
    )
    quiet = [
        TacticFactory(  # assigned to Pat back when Pat could write
            campaign=viewed,
            assignee=pat,
            title="Quiet due pilot",
            status=TacticStatus.PLANNED,
            due_on=TODAY + days(1),
            is_private=True,
        ),
        TacticFactory(
            campaign=viewed,
            assignee=pat,
            title="Quiet overdue pilot",
            status=TacticStatus.PLANNED,
            due_on=TODAY - days(1),
            is_private=True,
        ),
        TacticFactory(
            campaign=viewed,
            assignee=pat,
            title="Quiet pilot in progress",
            status=TacticStatus.IN_PROGRESS,
            is_private=True,
        ),
        TacticFactory(
            campaign=viewed,
            assignee=insider,
            title="Quiet finished pilot",
            status=TacticStatus.DONE,
            outcome="Worked, quietly.",
            completed_at=NOW - days(1),
            is_private=True,
        ),
    ]
    quiet_moved = TacticFactory(
        campaign=viewed,
        assignee=insider,
        title="Quiet moved pilot",
        status=TacticStatus.IN_PROGRESS,
        outcome="Early numbers look good.",
        is_private=True,
    )
    quiet.append(quiet_moved)
    for verb in (Activity.Verb.TACTIC_MOVED, Activity.Verb.TACTIC_OUTCOME):
        ActivityFactory(
            campaign=viewed,
            actor=insider,
            verb=verb,
            tactic=quiet_moved,
            data={"from": "planned", "to": "in_progress"},
            created_at=NOW - days(1),
        )
    visible = TacticFactory(
        campaign=viewed,
        assignee=insider,
        title="Open lunch session",
        status=TacticStatus.IN_PROGRESS,
    )
    ActivityFactory(
        campaign=viewed,
        actor=insider,
        verb=Activity.Verb.TACTIC_MOVED,
        tactic=visible,
        data={"from": "planned", "to": "in_progress"},
        created_at=NOW - days(1),
    )
    return {
        "pat": pat,
        "sam": sam,
        "insider": insider,
        "campaign": campaign,
        "viewed": viewed,
        "tactics": t,
        "quiet": quiet,
        "visible": visible,
    }


def email_of(user):
    [digest] = digests.build_digests([user.pk], NOW)
    assert digests.should_send(digest)
    return digests.render(digest)


def test_each_part_of_the_week_is_in_its_own_section(week):
    email = email_of(week["pat"])
    t = week["tactics"]
    expected = {
        "Send the audience survey": {"Overdue"},
        "Collect rival charities posts": {"In progress"},
        "Quiet chat with the treasurer": {"Outcomes recorded"},
        "She wants numbers, not opinions.": {"Outcomes recorded"},
        "Newsletter mock-up": {"Cards moved"},
        "Planned → In progress by Sam": {"Cards moved"},
        "Skeptical → Curious": {"Stance changes"},
    }
    for title, sections in expected.items():
        assert sections_of(email, title) == sections, title
    # Escaped in HTML, as typed in text.
    assert "Lunch & learn <peer examples>" in text_section(
        email.text, "Due in the next 7 days"
    )
    assert "Lunch &amp; learn &lt;peer examples&gt;" in html_section(
        email.html, "Due in the next 7 days"
    )
    assert "<peer>" not in email.html and "Liked the &lt;peer&gt; examples." in (
        html_section(email.html, "Stance changes")
    )
    assert "Dana" in text_section(email.text, "Stance changes")
    # Links to each tactic, absolute, in the right section of both parts.
    for key, header in (
        ("overdue", "Overdue"),
        ("due", "Due in the next 7 days"),
        ("doing", "In progress"),
        ("outcome", "Outcomes recorded"),
        ("moved", "Cards moved"),
    ):
        url = tactic_url(t[key])
        assert url in text_section(email.text, header), key
        assert f'href="{url}"' in html_section(email.html, header), key
    # Not this week's business.
    for title in ("Draft the usage policy", "Old board move"):
        assert title not in email.text and title not in email.html


def test_subject_says_what_is_inside(week):
    # Pat's own tactics first, then the most notable stance change.
    assert email_of(week["pat"]).subject == (
        "1 overdue · 1 due this week · Dana is now curious"
    )
    # Sam has nothing due: the stance change leads, then what else there is.
    assert email_of(week["sam"]).subject == (
        "Dana is now curious · 2 in progress · 1 outcome recorded"
    )


def test_subject_stays_short_with_a_long_name(week):
    dana = week["campaign"].stakeholders.get(name="Dana")
    dana.name = "Dana " + "Very-Long-Double-Barrelled-Surname " * 4
    dana.save()
    StanceChangeFactory(
        stakeholder=dana,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.CHAMPION,
        recorded_at=NOW - days(1),
    )
    subject = email_of(week["pat"]).subject
    assert len(subject) <= digests.SUBJECT_MAX
    assert subject.startswith("1 overdue · 1 due this week · Dana Very-Long")
    assert subject.endswith("… is now a champion")


def test_a_viewer_never_hears_of_quiet_tactics(week):
    pat, insider = week["pat"], week["insider"]
    by_user = {d.user: d for d in digests.build_digests([pat.pk, insider.pk], NOW)}
    [viewed] = [c for c in by_user[pat].campaigns if c.campaign == week["viewed"]]
    assert [line.title for line in viewed.moved] == ["Open lunch session"]
    email = digests.render(by_user[pat])
    assert sections_of(email, "Open lunch session") == {"Cards moved"}
    for tactic in week["quiet"]:
        assert tactic.title not in email.text
        assert tactic.title not in email.html
        assert tactic_url(tactic) not in email.text + email.html
    assert "Early numbers look good." not in email.text
    assert "Quiet" not in email.subject
    # The team's writers do see them.
    insider_email = digests.render(by_user[insider])
    assert sections_of(insider_email, "Quiet moved pilot") == {
        "In progress",  # the insider's own
        "Outcomes recorded",
        "Cards moved",
    }
    assert sections_of(insider_email, "Quiet finished pilot") == {"Outcomes recorded"}


def test_nothing_to_say_sends_nothing(db):
    """Only quiet tactics (which a viewer may not see) and a card reordered
    within its column: nothing to say, so no email, and the week is noted."""
    team = TeamFactory()
    insider = MembershipFactory(team=team, role=Role.OWNER).user
    viewer = MembershipFactory(team=team, role=Role.VIEWER).user
    campaign = CampaignFactory(team=team, lead=insider, last_reported_on=TODAY)
    TacticFactory(
        campaign=campaign,
        assignee=viewer,
        title="Quiet due pilot",
        due_on=TODAY + days(2),
        status=TacticStatus.PLANNED,
        is_private=True,
    )
    TacticFactory(
        campaign=campaign,
        assignee=viewer,
        title="Quiet pilot in progress",
        status=TacticStatus.IN_PROGRESS,
        is_private=True,
    )
    reordered = TacticFactory(
        campaign=campaign, title="Reordered", status=TacticStatus.PLANNED
    )
    ActivityFactory(
        campaign=campaign,
        verb=Activity.Verb.TACTIC_MOVED,
        tactic=reordered,
        data={"from": "planned", "to": "planned", "position": 3},
        created_at=NOW - days(1),
    )
    [digest] = digests.build_digests([viewer.pk], NOW)
    assert digest.is_empty
    assert digests.deliver_digests([viewer.pk], NOW) == 0
    assert django_mail.outbox == []
    assert EmailDelivery.objects.get(user=viewer).status == DeliveryStatus.SKIPPED


def grow(week, n):
    """`n` more of every kind of row Pat's digest reads."""
    campaign, pat, sam = week["campaign"], week["pat"], week["sam"]
    for i in range(n):
        for status, due in (
            (TacticStatus.PLANNED, TODAY - days(1)),
            (TacticStatus.PLANNED, TODAY + days(2)),
            (TacticStatus.IN_PROGRESS, None),
        ):
            TacticFactory(campaign=campaign, assignee=pat, status=status, due_on=due)
        for verb in (Activity.Verb.TACTIC_MOVED, Activity.Verb.TACTIC_OUTCOME):
            tactic = TacticFactory(
                campaign=campaign,
                assignee=sam,
                status=TacticStatus.IN_PROGRESS,
                outcome="Learned something.",
                is_private=bool(i % 2),
            )
            ActivityFactory(
                campaign=campaign,
                actor=sam,
                verb=verb,
                tactic=tactic,
                data={"from": "planned", "to": "in_progress"},
                created_at=NOW - days(1),
            )
        StanceChangeFactory(
            stakeholder=StakeholderFactory(campaign=campaign),
            recorded_at=NOW - days(2),
        )


def test_queries_stay_flat_as_the_week_fills_up(week):
    ids = [week["pat"].pk, week["sam"].pk, week["insider"].pk]
    counts = []
    for more in (1, 10):
        grow(week, more)
        with CaptureQueriesContext(connection) as queries:
            built = digests.build_digests(ids, NOW)
            cache = {}
            for digest in built:
                digests.render(digest, cache)
        counts.append(len(queries))
    [pat] = [d for d in built if d.user == week["pat"]]
    assert sum(len(c.in_progress) for c in pat.campaigns) == 12
    assert counts[0] == counts[1] == 7, counts


def test_new_mentions_are_said_outside_in_each_members_digest(db):
    from campaigns.models import Feed, Mention, MentionStatus

    team = TeamFactory()
    member = MembershipFactory(team=team, role=Role.MEMBER).user
    campaign = CampaignFactory(team=team)
    feed = Feed.objects.create(
        campaign=campaign, url="https://alerts.example.org/rss", title="Alerts"
    )

    def mention(guid, title, found, status=MentionStatus.NEW):
        Mention.objects.create(
            feed=feed,
            campaign=campaign,
            guid=guid,
            title=title,
            link=f"https://news.example.org/{guid}",
            found_at=found,
            status=status,
        )

    mention("a", "Library wins award", NOW - days(2))
    mention("b", "Budget under review", NOW - days(1))
    mention("c", "Dismissed already", NOW - days(1), MentionStatus.DISMISSED)
    mention("d", "Before this week", NOW - days(20))
    for n in range(8):
        mention(f"x{n}", f"More news {n}", NOW - days(3))
    [digest] = digests.build_digests([member.pk], NOW)
    email = digests.render(digest)
    section = text_section(email.text, "Said outside")
    assert "Budget under review · About us: Alerts" in section
    assert "https://news.example.org/b" in section
    assert "Dismissed already" not in email.text
    assert "Before this week" not in email.text
    # The newest five; the Listening page has the rest.
    assert section.count("  - ") == digests.MENTIONS_SHOWN
    assert "Said outside" in email.html and "Library wins award" in email.html
