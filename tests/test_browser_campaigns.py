"""A campaign lead's first session, in a real browser: create a campaign, map
a stakeholder, record their first move, track a milestone."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Activity, Role, Stakeholder, Stance, StanceChange
from tests.conftest import DESKTOP, PHONE
from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    InfluenceFactory,
    InfluencerFactory,
    MembershipFactory,
    MilestoneFactory,
    StakeholderFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_maps_a_campaign(page, log_in, live_server, screenshot):
    membership = MembershipFactory(role=Role.OWNER, user__name="Lee Lead")
    lead = membership.user
    log_in(page, lead)

    page.goto("/campaigns/")
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    page.get_by_role("link", name="New campaign").click()

    page.get_by_label("Name").fill("Pilot a company blog")
    page.get_by_label("Goal, in the decision makers' terms").fill(
        "Bring in the younger donors the board wants, where they already read."
    )
    page.get_by_label("Starts on").fill("2026-11-02")
    # The end date before the start is caught, and nothing typed is lost.
    page.get_by_label("Ends on").fill("2026-10-01")
    page.get_by_role("button", name="Create campaign").click()
    expect(
        page.get_by_text("The end date cannot be before the start date.")
    ).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Pilot a company blog")
    page.get_by_label("Ends on").fill("2027-05-31")
    page.get_by_role("button", name="Create campaign").click()
    expect(
        page.get_by_role("heading", name=re.compile("Pilot a company blog"))
    ).to_be_visible()

    # Map the decision maker: stakeholders are the first page of "People".
    page.get_by_role("navigation", name="Campaign sections").get_by_role(
        "link", name="People"
    ).click()
    expect(
        page.get_by_role("navigation", name="Pages in this section").get_by_role(
            "link", name="Stakeholders"
        )
    ).to_have_attribute("aria-current", "page")
    page.get_by_label("Name").fill("Dana Okafor")
    page.get_by_label("Role or title").fill("Chief executive")
    page.get_by_label("Power").fill("5")
    page.get_by_label("Interest").fill("3")
    page.get_by_label("Cares about").fill("Donor retention; not looking amateur.")
    page.get_by_label("Decides").check()
    page.get_by_label("Relationship owner").select_option(label="Lee Lead")
    page.get_by_label("Stance today").select_option(label="Skeptical")
    page.get_by_role("button", name="Add stakeholder").click()
    page.get_by_role("link", name="Dana Okafor").click()

    # Record the first move, with its reason.
    page.get_by_label("New stance").select_option(label="Curious")
    page.get_by_label("Why did it change?").fill(
        "Asked for the peer comparison after the board lunch."
    )
    page.get_by_role("button", name="Record change").click()
    history = page.locator(".stance-history")
    expect(history).to_contain_text("Asked for the peer comparison")
    expect(history).to_contain_text("Lee Lead")
    dana = Stakeholder.objects.get(name="Dana Okafor")
    assert dana.stance == Stance.CURIOUS
    assert dana.is_decider and dana.relationship_owner == lead
    assert StanceChange.objects.filter(stakeholder=dana).count() == 1

    # A milestone, updated in place.
    page.get_by_role("link", name="Milestones").click()
    page.get_by_role("link", name="New milestone").click()
    page.get_by_label("Title").fill("Staff at a lunch-and-learn")
    page.get_by_label("Target").fill("40")
    page.get_by_label("Current value").fill("12")
    page.get_by_label("Unit").fill("people")
    page.get_by_role("button", name="Add milestone").click()
    page.get_by_label("Current value").fill("40")
    with page.expect_response(re.compile(r"/progress/$")) as update:
        page.get_by_role("button", name="Update").click()
    # htmx sent it and swapped the row in place: the page did not reload.
    assert update.value.request.headers.get("hx-request") == "true"
    assert page.url.endswith("/milestones/")
    row = page.locator(".milestone").first
    expect(row).to_contain_text("Reached")
    expect(row).to_contain_text("40 of 40 people")
    assert Activity.objects.filter(verb=Activity.Verb.MILESTONE_REACHED).count() == 1

    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_text("Dana Okafor: Skeptical → Curious")).to_be_visible()
    screenshot(page, "campaign-overview-desktop")
    # She is named in several panels; go through the overview's list of people.
    page.get_by_role("region", name="Stakeholders").get_by_role(
        "link", name="Dana Okafor"
    ).click()
    expect(page.get_by_role("heading", name=re.compile("Dana Okafor"))).to_be_visible()
    screenshot(page, "stakeholder-detail-desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    screenshot(page, "stakeholder-detail-phone")
    page.goto(dana.campaign.get_absolute_url())
    screenshot(page, "campaign-overview-phone")


def test_pages_with_data_on_desktop_and_phone(page, log_in, live_server, screenshot):
    """The busier pages, as a teammate sees them, for people to look at."""
    membership = MembershipFactory(role=Role.MEMBER)
    campaign = CampaignFactory(
        team=membership.team, lead=membership.user, name="Company blog pilot"
    )
    CampaignFactory(team=membership.team, name="Staff advocacy on LinkedIn")
    for name, title, stance in [
        ("Dana Okafor", "Chief executive", Stance.SKEPTICAL),
        ("Priya Raman", "Head of Finance", Stance.OPPOSED),
        ("Lee Chen", "Director of Programmes", Stance.SUPPORTIVE),
        ("Ana Lima", "Board chair", Stance.CHAMPION),
    ]:
        StakeholderFactory(campaign=campaign, name=name, title=title, stance=stance)
    ana = campaign.stakeholders.get(name="Ana Lima")
    dana = campaign.stakeholders.get(name="Dana Okafor")
    adviser = InfluencerFactory(
        campaign=campaign,
        name="Ruth Adeyemi",
        relationship="Former board chair, now an outside adviser",
        notes="Meets Dana for lunch every month.",
    )
    InfluenceFactory(influencer=adviser, stakeholder=dana, strength=5)
    InfluenceFactory(influencer=adviser, stakeholder=ana, strength=2)
    InfluencerFactory(campaign=campaign, name="Dana's daughter", relationship="Family")
    MilestoneFactory(
        campaign=campaign, title="Staff at a lunch-and-learn", unit="people"
    )
    MilestoneFactory(
        campaign=campaign, title="Pilot approved", target_value=1, current_value=0
    )
    ActivityFactory(
        campaign=campaign, actor=membership.user, summary="Added Dana Okafor"
    )
    log_in(page, membership.user)
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        for name, url in [
            ("campaign-list", "/campaigns/"),
            ("stakeholder-list", f"/campaigns/{campaign.pk}/stakeholders/"),
            ("influencer-list", f"/campaigns/{campaign.pk}/influencers/"),
            ("milestone-list", f"/campaigns/{campaign.pk}/milestones/"),
        ]:
            page.goto(url)
            expect(page.locator("main h1")).to_be_visible()
            screenshot(page, f"{name}-{size}")
