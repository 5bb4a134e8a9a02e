"""The partials other pages include: decision count, gone cold, start here,
stance path and tactic attribution."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from campaigns.insights import panels
from campaigns.models import Stakeholder, Stance, StanceChange
from tests import factories as f


def render(name, **context):
    request = RequestFactory().get("/campaigns/1/")
    request.user = AnonymousUser()  # the partials need no one; the layout does
    return render_to_string(f"insights/{name}", context, request=request)


@pytest.fixture
def deciders(campaign):
    return [
        f.StakeholderFactory(
            campaign=campaign, name="Ann Yes", stance=Stance.CHAMPION, is_decider=True
        ),
        f.StakeholderFactory(
            campaign=campaign, name="Bob No", stance=Stance.OPPOSED, is_decider=True
        ),
        f.StakeholderFactory(
            campaign=campaign, name="Cy Maybe", stance=Stance.CURIOUS, is_decider=True
        ),
    ]


def decision_html(campaign):
    stakeholders = list(campaign.stakeholders.select_related("relationship_owner"))
    context = panels.campaign_panels(campaign, stakeholders)
    return render("_decision_count.html", campaign=campaign, **context)


def test_decision_count_with_no_deciders(campaign):
    f.StakeholderFactory(campaign=campaign)
    html = decision_html(campaign)
    assert "Nobody is marked as a decider yet" in html
    assert "<meter" not in html


def test_decision_count_needs_everyone_by_default(campaign, deciders):
    html = decision_html(campaign)
    assert "2 more deciders to win" in html
    assert "1 of the 3 needed" in html and "all 3 must agree" in html
    assert 'value="1"' in html and 'max="3"' in html
    assert "Ann Yes" in html and "Bob No" in html and "Cy Maybe" in html


def test_decision_count_met_by_a_single_sponsor(campaign, deciders):
    campaign.deciders_needed = 1
    html = decision_html(campaign)
    assert "Enough deciders are in favour" in html


def test_decision_count_threshold_above_deciders(campaign, deciders):
    campaign.deciders_needed = 5
    html = decision_html(campaign)
    assert "needs 5 deciders in favour, but only 3 are marked" in html


def test_gone_cold_lists_overdue_people_with_a_log_button(campaign, owner):
    cold = f.StakeholderFactory(
        campaign=campaign,
        name="Cold Carol",
        power=5,
        interest=5,
        relationship_owner=owner,
        last_contacted_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    f.StakeholderFactory(
        campaign=campaign, name="Warm Will", last_contacted_on=timezone.localdate()
    )
    stakeholders = list(campaign.stakeholders.select_related("relationship_owner"))
    context = panels.campaign_panels(campaign, stakeholders)
    html = render("_gone_cold.html", campaign=campaign, can_write=True, **context)
    assert "Cold Carol" in html and "Warm Will" not in html
    assert "16 days overdue" in html
    assert f"/stakeholders/{cold.pk}/contact/" in html
    read_only = render("_gone_cold.html", campaign=campaign, can_write=False, **context)
    assert "/contact/" not in read_only


def test_start_here_and_stance_path(campaign):
    boss = f.StakeholderFactory(
        campaign=campaign, name="The Boss", stance=Stance.CURIOUS
    )
    Stakeholder.objects.filter(pk=boss.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    boss.refresh_from_db()
    f.InfluenceFactory(
        influencer=f.InfluencerFactory(campaign=campaign, name="Trusted Peer"),
        stakeholder=boss,
        strength=5,
    )
    f.StanceChangeFactory(
        stakeholder=boss,
        from_stance=Stance.SKEPTICAL,
        to_stance=Stance.CURIOUS,
        recorded_at=timezone.now() - datetime.timedelta(days=5),
    )
    history = list(boss.stance_changes.all())
    context = panels.stakeholder_panels(boss, history)
    html = render("_start_here.html", campaign=campaign, stakeholder=boss, **context)
    assert "Trusted Peer" in html and "strength 5/5" in html
    path = render("_stance_path.html", stakeholder=boss, **context)
    assert "<polyline" in path and "curious on" in path and "style=" not in path
    alone = f.StakeholderFactory(campaign=campaign, name="Nobody's Friend")
    empty = panels.stakeholder_panels(alone, [])
    html = render("_start_here.html", campaign=campaign, stakeholder=alone, **empty)
    assert "Nobody on the map reaches" in html


def test_tactic_attribution(campaign):
    tactic = f.TacticFactory(campaign=campaign)
    s = f.StakeholderFactory(campaign=campaign, name="Moved Mo")
    f.StanceChangeFactory(stakeholder=s, from_stance=2, to_stance=5, tactic=tactic)
    f.StanceChangeFactory(stakeholder=s, from_stance=5, to_stance=4, tactic=tactic)
    context = panels.tactic_panels(tactic)
    assert context["attribution"]["net"] == 2
    html = render("_tactic_attribution.html", campaign=campaign, **context)
    assert "+2" in html and "3 up, 1 down" in html and "Moved Mo" in html
    assert StanceChange.objects.filter(tactic=tactic).count() == 2


def test_contact_rhythm_with_log_button_for_writers(campaign, owner):
    s = f.StakeholderFactory(
        campaign=campaign,
        power=5,
        interest=5,
        relationship_owner=owner,
        last_contacted_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    context = panels.stakeholder_panels(s, [])
    html = render(
        "_contact_rhythm.html",
        campaign=campaign,
        stakeholder=s,
        can_write=True,
        **context,
    )
    assert "6 days overdue" in html
    assert "every 14 days" in html
    assert f"/stakeholders/{s.pk}/contact/" in html and 'name="note"' in html
    read_only = render(
        "_contact_rhythm.html",
        campaign=campaign,
        stakeholder=s,
        can_write=False,
        **context,
    )
    assert "/contact/" not in read_only
