"""The insight pages in a real browser: the grid and the influence map drawn
from a demo-like campaign, and a move on the stance pipeline."""

import datetime

import pytest
from django.utils import timezone

from campaigns.models import Role, Stance, StanceChange, TacticStatus
from tests import factories as f

pytestmark = pytest.mark.browser

S = Stance
PEOPLE = [
    # name, title, power, interest, stance, decides
    ("Margaret Okafor", "Director", 5, 3, S.SKEPTICAL, True),
    ("Dr Alan Whitcombe", "Chair of the trustees", 5, 2, S.OPPOSED, True),
    ("Priya Raman", "Head of finance", 4, 4, S.CURIOUS, True),
    ("Kwame Asante", "Head of community services", 3, 5, S.SUPPORTIVE, False),
    ("Sofia Marques", "Communications officer", 2, 5, S.CHAMPION, False),
    ("Tom Fletcher", "IT manager", 2, 2, S.NEUTRAL, False),
    ("Helen Brooks", "Trustee", 5, 3, S.NEUTRAL, False),
    ("Oliver Grant", "Trustee", 5, 3, S.SKEPTICAL, False),
    ("Aisha Khan", "Branch librarian", 1, 4, S.CURIOUS, False),
]
INFLUENCERS = [
    ("Eleanor Hughes", "Director of Northfield Libraries (peer)", [(0, 5), (2, 2)]),
    ("Councillor Ruth Adeyemi", "Chairs the culture committee", [(1, 4), (0, 3)]),
    ("Daniel Okafor", "The director's son", [(0, 2)]),
    ("Grace Mbeki", "Chair of the Friends of the Library", [(3, 4), (1, 2)]),
    ("Prof. Sam Whitfield", "Adviser on digital inclusion", [(1, 3), (4, 2)]),
    # Kwame is also someone the director listens to: a second step.
    ("Kwame Asante", "Colleague", [(0, 4)]),
]


@pytest.fixture
def demo(transactional_db):
    membership = f.MembershipFactory(role=Role.OWNER, user__name="Alex Morgan")
    owner = membership.user
    campaign = f.CampaignFactory(
        team=membership.team,
        lead=owner,
        name="Pilot a community blog and social channels",
        starts_on=timezone.localdate() - datetime.timedelta(days=56),
        deciders_needed=2,
    )
    visit = f.TacticFactory(
        campaign=campaign,
        title="Peer visit to Northfield",
        playbook_key="peer-examples",
        status=TacticStatus.DONE,
    )
    lunch = f.TacticFactory(
        campaign=campaign,
        title="Lunch-and-learn on social media",
        playbook_key="teach-sessions",
        status=TacticStatus.DONE,
    )
    f.TacticFactory(
        campaign=campaign,
        title="Forward the trend report to the trustees",
        status=TacticStatus.DIDNT_WORK,
        outcome="Nobody read a 40-page report. Next time: one page, one chart.",
    )
    people = []
    for n, (name, title, power, interest, stance, decides) in enumerate(PEOPLE):
        s = f.StakeholderFactory(
            campaign=campaign,
            name=name,
            title=title,
            power=power,
            interest=interest,
            stance=stance,
            is_decider=decides,
            relationship_owner=owner,
        )
        if stance > S.OPPOSED and n % 2 == 0:
            f.StanceChangeFactory(
                stakeholder=s,
                from_stance=stance - 1,
                to_stance=stance,
                recorded_at=timezone.now() - datetime.timedelta(days=7 * (n + 1)),
                recorded_by=owner,
                tactic=visit if n % 4 == 0 else lunch,
            )
        people.append(s)
    for name, relationship, links in INFLUENCERS:
        influencer = f.InfluencerFactory(
            campaign=campaign, name=name, relationship=relationship
        )
        for index, strength in links:
            f.InfluenceFactory(
                influencer=influencer, stakeholder=people[index], strength=strength
            )
    return {"owner": owner, "campaign": campaign, "people": people}


def test_grid_renders_readably(page, log_in, demo, screenshot):
    log_in(page, demo["owner"])
    campaign = demo["campaign"]
    page.goto(f"/campaigns/{campaign.pk}/grid/")
    chart = page.locator("svg.grid-chart")
    chart.wait_for()
    assert chart.locator("a.grid-point").count() == len(PEOPLE)
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 400
    # Three people share power 5 / interest 3: their dots must not overlap.
    dots = [
        page.get_by_role("link", name=name).locator("circle.grid-point__dot")
        for name in ("Margaret Okafor", "Helen Brooks", "Oliver Grant")
    ]
    centres = []
    for dot in dots:
        b = dot.bounding_box()
        centres.append((b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, b["width"]))
    for i, (x1, y1, w) in enumerate(centres):
        for x2, y2, _ in centres[i + 1 :]:
            assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= w * 0.95
    screenshot(page, "insights-grid")
    page.emulate_media(media="print")
    screenshot(page, "insights-grid-print")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Margaret Okafor").first.click()
    page.wait_for_url(f"**/stakeholders/{demo['people'][0].pk}/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/campaigns/{campaign.pk}/grid/")
    screenshot(page, "insights-grid-phone")


def test_influence_map_shows_who_reaches_the_director(page, log_in, demo, screenshot):
    log_in(page, demo["owner"])
    campaign = demo["campaign"]
    page.goto(f"/campaigns/{campaign.pk}/influence-map/")
    page.get_by_label("Who must be won?").select_option(
        label="Margaret Okafor — Director"
    )
    page.get_by_role("button", name="Show who reaches them").click()
    routes = page.locator("#routes .route")
    routes.first.wait_for()
    texts = routes.all_inner_texts()
    assert "Eleanor Hughes" in texts[0]
    assert any("Grace Mbeki" in t and "Two steps" in t for t in texts)
    assert page.locator("svg.influence-map path.is-route").count() >= 3
    screenshot(page, "insights-influence-map")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    screenshot(page, "insights-influence-map-phone")


def test_moving_on_the_pipeline_records_the_reason(page, log_in, demo, screenshot):
    log_in(page, demo["owner"])
    campaign = demo["campaign"]
    tom = demo["people"][5]
    page.goto(f"/campaigns/{campaign.pk}/pipeline/")
    card = page.locator(f"#card-{tom.pk}")
    card.drag_to(page.locator(".pipeline__column--curious"))
    dialog = page.locator("#move-dialog")
    dialog.wait_for(state="visible")
    assert "Tom Fletcher" in dialog.inner_text()
    dialog.get_by_label("Why?").fill("Saw the Northfield numbers at the visit.")
    dialog.get_by_label("Thanks to tactic").select_option(
        label="Peer visit to Northfield"
    )
    screenshot(page, "insights-pipeline-dialog", full_page=False)
    dialog.get_by_role("button", name="Record the move").click()
    page.wait_for_url(f"**/pipeline/#card-{tom.pk}")
    assert page.locator(f".pipeline__column--curious #card-{tom.pk}").count() == 1
    change = StanceChange.objects.get(stakeholder=tom)
    assert change.to_stance == S.CURIOUS and change.tactic.title.startswith("Peer")
    screenshot(page, "insights-pipeline")

    # The keyboard way: "Move…" on the card, no dragging.
    page.locator(f"#card-{tom.pk} summary").focus()
    page.keyboard.press("Enter")
    page.locator(f"#card-{tom.pk}").get_by_label("Move to").select_option(
        label="Supportive"
    )
    page.locator(f"#card-{tom.pk}").get_by_label("Why?").fill("Offered to help.")
    page.locator(f"#card-{tom.pk}").get_by_role(
        "button", name="Record the move"
    ).click()
    page.wait_for_url(f"**/pipeline/#card-{tom.pk}")
    assert page.locator(f".pipeline__column--supportive #card-{tom.pk}").count() == 1

    page.goto(f"/campaigns/{campaign.pk}/stakeholders/{tom.pk}/")
    history = page.locator(".stance-history")
    assert "Saw the Northfield numbers at the visit." in history.inner_text()
    assert "Offered to help." in history.inner_text()


def test_history_and_what_worked_render(page, log_in, demo, screenshot):
    log_in(page, demo["owner"])
    campaign = demo["campaign"]
    page.goto(f"/campaigns/{campaign.pk}/over-time/")
    assert page.locator("svg.history-chart rect").count() > 0
    screenshot(page, "insights-history")
    page.goto(f"/campaigns/{campaign.pk}/what-worked/")
    page.get_by_role("heading", name="What worked").wait_for()
    assert "Peer visit to Northfield" in page.locator("table").first.inner_text()
    assert "one page, one chart" in page.locator(".lessons").inner_text()
    screenshot(page, "insights-what-worked")


def test_overview_and_stakeholder_page_panels(page, log_in, demo, screenshot):
    log_in(page, demo["owner"])
    campaign = demo["campaign"]
    page.goto(f"/campaigns/{campaign.pk}/")
    count = page.locator(".decision-count")
    # Three deciders, two needed, none in favour yet.
    assert "2 more deciders to win" in count.inner_text()
    screenshot(page, "insights-overview")
    margaret = demo["people"][0]
    page.goto(f"/campaigns/{campaign.pk}/stakeholders/{margaret.pk}/")
    assert "Eleanor Hughes" in page.locator(".start-here").inner_text()
    assert page.locator(".stance-path svg polyline").count() == 1
    page.get_by_label("Note").fill("Coffee after the board meeting")
    page.get_by_role("button", name="Log contact").click()
    page.wait_for_url(f"**/stakeholders/{margaret.pk}/")
    assert "Contact with Margaret Okafor logged." in page.content()
    assert "overdue" not in page.locator(".contact-rhythm").inner_text()
    screenshot(page, "insights-stakeholder")
