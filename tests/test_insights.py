"""The insight calculations on their own: quadrants and their layout, who can
reach whom, the decision count, stance over time and the contact rhythm."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from campaigns.insights import contact, decision, grid, history, reach
from campaigns.models import Stance
from tests import factories as f

# ---- quadrants --------------------------------------------------------------


@pytest.mark.parametrize(
    ("power", "interest", "key"),
    [
        (5, 5, "manage_closely"),
        (3, 3, "manage_closely"),  # the middle counts as high
        (5, 1, "keep_satisfied"),
        (3, 2, "keep_satisfied"),
        (2, 3, "keep_informed"),
        (1, 5, "keep_informed"),
        (2, 2, "monitor"),
        (1, 1, "monitor"),
    ],
)
def test_quadrant_placement(power, interest, key):
    assert grid.quadrant(power, interest).key == key


def test_contact_rhythm_follows_the_quadrant():
    assert grid.quadrant(5, 5).contact_days == 14
    assert grid.quadrant(5, 1).contact_days == 30
    assert grid.quadrant(1, 5).contact_days == 30
    assert grid.quadrant(1, 1).contact_days == 60


def person(pk, name, power=3, interest=3, stance=Stance.NEUTRAL, **extra):
    return SimpleNamespace(
        pk=pk, name=name, power=power, interest=interest, stance=stance, **extra
    )


def test_layout_puts_points_in_their_cells():
    chart = grid.layout([person(1, "High Both", 5, 5), person(2, "Low Both", 1, 1)])
    points = {p["stakeholder"].pk: p for p in chart["points"]}
    plot = chart["plot"]
    high, low = points[1], points[2]
    # Power 5 is the top row, interest 5 the right column.
    assert plot["left"] + 4 * grid.CELL < high["x"] < plot["left"] + 5 * grid.CELL
    assert plot["top"] < high["y"] < plot["top"] + grid.CELL
    assert plot["left"] < low["x"] < plot["left"] + grid.CELL
    assert plot["bottom"] - grid.CELL < low["y"] < plot["bottom"]
    assert high["quadrant"].key == "manage_closely"
    assert low["initials"] == "LB"


@pytest.mark.parametrize("count", [2, 3, 4, 7, 12, 30])
def test_points_sharing_a_cell_do_not_overlap(count):
    people = [person(i, f"Person {i}", 4, 4) for i in range(count)]
    chart = grid.layout(people)
    points = chart["points"]
    # Up to three share a cell by name; beyond that two are named and a
    # "+N more" line counts the rest.
    assert len(points) == (count if count <= grid.ROWS else grid.ROWS - 1)
    assert sum(m["count"] for m in chart["more"]) == count - len(points)
    left = grid.LEFT + 3 * grid.CELL
    top = grid.TOP + 1 * grid.CELL
    for p in points:
        # Every point stays inside its own cell, clear of the label band.
        assert left + p["r"] <= p["x"] + 0.01 <= left + grid.CELL - p["r"] + 0.02
        assert top + grid.LABEL_BAND <= p["y"] - p["r"] + 0.01
        assert p["y"] + p["r"] <= top + grid.CELL + 0.01
    for i, a in enumerate(points):
        for b in points[i + 1 :]:
            distance = ((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5
            assert distance >= a["r"] + b["r"] - 0.01


def test_by_quadrant_lists_everyone_once():
    people = [
        person(i, f"P{i}", p, i_)
        for i, (p, i_) in enumerate([(5, 5), (5, 1), (1, 5), (1, 1), (4, 4)])
    ]
    groups = {g["quadrant"].key: g["people"] for g in grid.by_quadrant(people)}
    assert [p.pk for p in groups["manage_closely"]] == [0, 4]
    assert sum(len(v) for v in groups.values()) == 5


# ---- reachability -----------------------------------------------------------


class Graph:
    """Influencers and links built in memory, shaped like the ORM rows."""

    def __init__(self, stakeholders):
        self.stakeholders = stakeholders
        self.influencers = {}
        self.links = []

    def link(self, influencer_name, stakeholder, strength):
        influencer = self.influencers.setdefault(
            influencer_name,
            SimpleNamespace(
                pk=len(self.influencers) + 100, name=influencer_name, relationship=""
            ),
        )
        self.links.append(
            SimpleNamespace(
                pk=len(self.links) + 1000,
                influencer=influencer,
                influencer_id=influencer.pk,
                stakeholder_id=stakeholder.pk,
                strength=strength,
            )
        )

    def routes(self, target):
        return reach.routes_to(target, self.links, self.stakeholders)


def test_direct_routes_rank_by_strength():
    boss = person(1, "The Boss")
    g = Graph([boss])
    g.link("Weak Peer", boss, 2)
    g.link("Board Chair", boss, 5)
    routes = g.routes(boss)
    assert [r.influencer.name for r in routes] == ["Board Chair", "Weak Peer"]
    assert all(r.steps == 1 for r in routes)


def test_two_steps_through_a_stakeholder_who_is_also_an_influencer():
    boss = person(1, "The Boss")
    deputy = person(2, "Dana Deputy", stance=Stance.SUPPORTIVE)
    g = Graph([boss, deputy])
    # Dana is on both lists: a stakeholder, and someone the boss listens to.
    g.link("  dana   DEPUTY ", boss, 5)
    g.link("Old Friend", deputy, 5)
    routes = g.routes(boss)
    by_name = {r.influencer.name: r for r in routes}
    assert set(by_name) == {"  dana   DEPUTY ", "Old Friend"}
    two = by_name["Old Friend"]
    assert two.steps == 2 and two.via is deputy
    assert two.strength == 5.0  # two decisive links stay decisive
    assert two.go_between_stance == Stance.SUPPORTIVE
    # The direct route has the deputy as its own go-between.
    assert by_name["  dana   DEPUTY "].go_between_stance == Stance.SUPPORTIVE


def test_second_hand_routes_are_weaker():
    boss = person(1, "Boss")
    deputy = person(2, "Deputy")
    g = Graph([boss, deputy])
    g.link("Deputy", boss, 3)
    g.link("Friend", deputy, 3)
    g.link("Peer", boss, 2)
    routes = g.routes(boss)
    assert [r.influencer.name for r in routes] == ["Deputy", "Peer", "Friend"]
    assert routes[-1].strength == pytest.approx(1.8)


def test_a_supportive_go_between_ranks_first_at_equal_strength():
    boss = person(1, "Boss")
    fan = person(2, "Fan", stance=Stance.CHAMPION)
    critic = person(3, "Critic", stance=Stance.OPPOSED)
    g = Graph([boss, fan, critic])
    g.link("Critic", boss, 4)
    g.link("Fan", boss, 4)
    assert [r.influencer.name for r in g.routes(boss)] == ["Fan", "Critic"]


def test_one_route_per_influencer_the_best():
    boss = person(1, "Boss")
    deputy = person(2, "Deputy")
    g = Graph([boss, deputy])
    g.link("Deputy", boss, 5)
    g.link("Adviser", deputy, 5)
    g.link("Adviser", boss, 1)
    routes = [r for r in g.routes(boss) if r.influencer.name == "Adviser"]
    assert len(routes) == 1
    assert routes[0].steps == 2 and routes[0].strength == 5.0


def test_cycles_do_not_loop_or_route_through_the_target():
    a = person(1, "Ann")
    b = person(2, "Ben")
    g = Graph([a, b])
    # Ann and Ben pull on each other, both on both lists.
    g.link("Ann", b, 4)
    g.link("Ben", a, 4)
    routes = g.routes(a)
    assert [(r.influencer.name, r.steps) for r in routes] == [("Ben", 1)]
    # Nobody is a route to themselves.
    g.link("Ann", a, 5)
    assert [r.influencer.name for r in g.routes(a)] == ["Ben"]


def test_unreachable_target_has_no_routes():
    boss = person(1, "Boss")
    other = person(2, "Other")
    g = Graph([boss, other])
    g.link("Someone", other, 5)
    assert g.routes(boss) == []


# ---- the decision count -----------------------------------------------------


def decider(stance, is_decider=True, name=None):
    return SimpleNamespace(
        name=name or f"D{stance}", stance=stance, is_decider=is_decider
    )


def test_decision_count_groups_deciders_only():
    people = [
        decider(Stance.CHAMPION),
        decider(Stance.SUPPORTIVE),
        decider(Stance.CURIOUS),
        decider(Stance.NEUTRAL),
        decider(Stance.SKEPTICAL),
        decider(Stance.OPPOSED),
        decider(Stance.CHAMPION, is_decider=False),
    ]
    count = decision.decision_count(people, None)
    assert count.deciders == 6
    assert (len(count.in_favour), len(count.leaning)) == (2, 1)
    assert (len(count.undecided), len(count.against)) == (1, 2)
    # Unset threshold: every decider must agree.
    assert count.needed == 6 and count.short_by == 4 and not count.is_met


def test_single_sponsor_is_enough():
    people = [decider(Stance.SUPPORTIVE), decider(Stance.OPPOSED)]
    count = decision.decision_count(people, 1)
    assert count.needed == 1 and count.short_by == 0 and count.is_met


def test_no_deciders():
    count = decision.decision_count([decider(Stance.CHAMPION, is_decider=False)], None)
    assert not count.has_deciders
    assert count.needed == 0 and not count.is_met
    assert not decision.decision_count([], 2).is_met


def test_threshold_larger_than_deciders_is_flagged_not_met():
    people = [decider(Stance.CHAMPION), decider(Stance.SUPPORTIVE)]
    count = decision.decision_count(people, 3)
    assert count.threshold_unreachable
    assert count.needed == 3 and count.short_by == 1
    assert not count.is_met


def test_all_deciders_in_favour_meets_the_default_threshold():
    count = decision.decision_count(
        [decider(Stance.CHAMPION), decider(Stance.SUPPORTIVE)], None
    )
    assert count.is_met and count.short_by == 0


# ---- stance over time -------------------------------------------------------


def at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def test_weekly_distribution_rebuilds_each_week(db):
    today = datetime.date(2026, 11, 18)  # a Wednesday
    start = today - datetime.timedelta(weeks=3)
    campaign = f.CampaignFactory(starts_on=start)
    mover = f.StakeholderFactory(campaign=campaign, stance=Stance.SUPPORTIVE)
    still = f.StakeholderFactory(campaign=campaign, stance=Stance.NEUTRAL)
    type(mover).objects.filter(pk__in=[mover.pk, still.pk]).update(created_at=at(start))
    f.StanceChangeFactory(
        stakeholder=mover,
        from_stance=Stance.OPPOSED,
        to_stance=Stance.CURIOUS,
        recorded_at=at(start + datetime.timedelta(days=8)),
    )
    f.StanceChangeFactory(
        stakeholder=mover,
        from_stance=Stance.CURIOUS,
        to_stance=Stance.SUPPORTIVE,
        recorded_at=at(today - datetime.timedelta(days=1)),
    )
    late = f.StakeholderFactory(campaign=campaign, stance=Stance.CHAMPION)
    type(late).objects.filter(pk=late.pk).update(created_at=at(today))
    stakeholders = list(campaign.stakeholders.all())
    weeks = history.weekly_distribution(campaign, stakeholders, today=today)
    assert len(weeks) == 4
    assert [w["week"].weekday() for w in weeks] == [0, 0, 0, 0]
    first, second, third, last = (w["counts"] for w in weeks)
    assert first[Stance.OPPOSED] == 1 and first[Stance.NEUTRAL] == 1
    assert second[Stance.CURIOUS] == 1 and second[Stance.OPPOSED] == 0
    assert third[Stance.CURIOUS] == 1
    assert last[Stance.SUPPORTIVE] == 1 and last[Stance.CHAMPION] == 1
    # Someone mapped late counts from the start, where they were first put.
    assert first[Stance.CHAMPION] == 1
    assert [w["total"] for w in weeks] == [3, 3, 3, 3]
    bars = history.stacked_bars(weeks)
    assert len(bars["bars"]) == 4
    assert [s["slug"] for s in bars["bars"][-1]["segments"]] == [
        "neutral",
        "supportive",
        "champion",
    ]


def test_stance_path_steps_through_each_change(db):
    today = timezone.localdate()
    s = f.StakeholderFactory(stance=Stance.CURIOUS)
    change = f.StanceChangeFactory(
        stakeholder=s,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.CURIOUS,
        recorded_at=timezone.now() - datetime.timedelta(days=10),
    )
    path = history.stance_path(s, [change], today=today)
    points = path["points"].split()
    assert len(points) == 4  # start, step up (two corners), today
    assert path["marks"][0]["slug"] == "curious"
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[-1]  # climbed: lower on the chart is further down the ladder


# ---- contact rhythm ---------------------------------------------------------


def test_gone_cold_lists_the_overdue_longest_first():
    today = datetime.date(2026, 11, 20)
    created = timezone.now() - datetime.timedelta(days=400)

    def s(name, power, interest, days_ago):
        return SimpleNamespace(
            name=name,
            power=power,
            interest=interest,
            created_at=created,
            last_contacted_on=today - datetime.timedelta(days=days_ago)
            if days_ago is not None
            else None,
        )

    people = [
        s("Fresh boss", 5, 5, 3),  # 14-day rhythm, fine
        s("Cold boss", 5, 5, 20),  # 6 days overdue
        s("Quiet watcher", 1, 1, 59),  # 60-day rhythm, fine
        s("Forgotten", 1, 1, None),  # never contacted, added long ago
    ]
    cold = contact.gone_cold(people, today=today)
    assert [r["stakeholder"].name for r in cold] == ["Forgotten", "Cold boss"]
    assert cold[1]["days_overdue"] == 6
    assert cold[1]["every_days"] == 14


def test_initials_and_captions_skip_titles():
    chart = grid.layout([person(1, "Dr Alan Whitcombe", 5, 2)])
    point = chart["points"][0]
    assert point["initials"] == "AW"
    assert point["caption"] == "Alan W."
    crowded = grid.layout([person(1, "Ann Lee", 5, 2), person(2, "Bo Ray", 5, 2)])
    # Sharing a cell, each gets a row: a small dot, no initials, the name.
    assert [(p["initials"], p["caption"]) for p in crowded["points"]] == [
        ("", "Ann L."),
        ("", "Bo R."),
    ]
