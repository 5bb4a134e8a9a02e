"""The security pass: a strict Content Security Policy on every page, throttled
password resets, user content escaped in pages and emails, error pages that
need no database."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import digests
from campaigns.models import Activity, Role, TacticStatus
from tests import factories as f

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


# ---- Content Security Policy ---------------------------------------------


def test_csp_setting_is_strict():
    policy = settings.SECURE_CSP
    for directive, sources in policy.items():
        assert "'unsafe-inline'" not in sources, directive
        assert "'unsafe-eval'" not in sources, directive
        assert "*" not in sources, directive
    assert "'self'" in policy["default-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def _policy(response):
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def test_every_page_sends_the_policy_with_a_fresh_nonce(owner_client, campaign):
    pages = [
        reverse("campaign_list"),
        reverse("campaign_detail", args=[campaign.pk]),
        reverse("board", args=[campaign.pk]),
        reverse("team_detail", args=[campaign.team_id]),
    ]
    nonces = set()
    for url in pages:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        policy = _policy(response)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        nonce = next(s for s in policy["script-src"] if s.startswith("'nonce-"))
        nonces.add(nonce)
        html = response.text
        # Every script tag carries this response's nonce; no inline handlers
        # or style attributes anywhere.
        value = nonce[len("'nonce-") : -1]
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert f'nonce="{value}"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"\sstyle\s*=", html), url
        assert "hx-on" not in html, url
    assert len(nonces) == len(pages)


def test_the_login_page_sends_the_policy(client, db):
    response = client.get(reverse("login"))
    assert "'nonce-" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_error_pages_carry_the_policy_too(client, owner_client):
    assert "Content-Security-Policy" in client.get("/no-such-page/")
    assert "Content-Security-Policy" in owner_client.get("/campaigns/999999/")


# ---- password resets -----------------------------------------------------


def _reset(client, email, address="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_is_limited_per_email(client, db):
    f.UserFactory(email="target@example.org")
    answers = [_reset(client, "target@example.org", f"10.0.0.{n}") for n in range(6)]
    # Three emails an hour for one address, whoever asks.
    assert len(django_mail.outbox) == 3
    # Every answer is the same redirect: the limit is not revealed.
    assert {(r.status_code, r.url) for r in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_password_reset_is_limited_per_client_address(client, db):
    for n in range(25):
        f.UserFactory(email=f"person{n}@example.org")
    for n in range(25):
        _reset(client, f"person{n}@example.org", "10.9.9.9")
    assert len(django_mail.outbox) == 20


def test_unknown_and_known_addresses_answer_alike(client, db):
    f.UserFactory(email="known@example.org")
    known = _reset(client, "known@example.org")
    unknown = _reset(client, "unknown@example.org")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)


# ---- user content is escaped ---------------------------------------------


@pytest.fixture
def hostile(team, owner, member):
    campaign = f.CampaignFactory(team=team, lead=owner, name=f"Campaign {XSS}")
    stakeholder = f.StakeholderFactory(
        campaign=campaign, name=f"Boss {XSS}", cares_about=XSS
    )
    influencer = f.InfluencerFactory(campaign=campaign, name=f"Adviser {XSS}")
    f.InfluenceFactory(influencer=influencer, stakeholder=stakeholder)
    tactic = f.TacticFactory(
        campaign=campaign,
        title=f"Tactic {XSS}",
        description=XSS,
        assignee=member,
        status=TacticStatus.IN_PROGRESS,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    tactic.targets.add(stakeholder)
    f.MilestoneFactory(campaign=campaign, title=f"Milestone {XSS}")
    Activity.record(
        campaign,
        owner,
        Activity.Verb.TACTIC_MOVED,
        f"Moved “Tactic {XSS}”",
        tactic=tactic,
    )
    return campaign, stakeholder, tactic


def test_user_content_is_escaped_on_the_main_pages(owner_client, hostile):
    campaign, stakeholder, tactic = hostile
    pages = [
        reverse("campaign_list"),
        reverse("campaign_detail", args=[campaign.pk]),
        reverse("board", args=[campaign.pk]),
        reverse("tactic_detail", args=[campaign.pk, tactic.pk]),
        reverse("stakeholder_list", args=[campaign.pk]),
        reverse("stakeholder_detail", args=[campaign.pk, stakeholder.pk]),
        reverse("influencer_list", args=[campaign.pk]),
        reverse("milestone_list", args=[campaign.pk]),
        reverse("team_audit", args=[campaign.team_id]),
    ]
    for url in pages:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert XSS not in response.text, url
        assert ESCAPED in response.text or "alert(1)" in response.text, url


def test_user_content_is_escaped_in_the_digest(hostile, member):
    now = timezone.now()
    built = digests.build_digests([member.pk], now)
    email = digests.render(built[0])
    assert "Tactic" in email.html
    assert XSS not in email.html
    assert ESCAPED in email.html
    # The plain-text part is not HTML: it shows what was typed, as text.
    assert "alert(1)" in email.text


def test_export_is_json_not_html(client_for, hostile, owner):
    campaign = hostile[0]
    response = client_for(owner).get(reverse("team_export", args=[campaign.team_id]))
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


# ---- error pages ---------------------------------------------------------


@pytest.mark.parametrize("name", ["500.html", "404.html", "403.html", "400.html"])
def test_error_pages_render_without_the_database(name, db):
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(name)
    assert len(queries) == 0
    assert "app.css" in html and "<h1>" in html
    assert "<script" not in html


def test_a_viewer_is_told_why_a_write_is_refused(client_for, campaign, team):
    viewer = f.MembershipFactory(team=team, role=Role.VIEWER).user
    response = client_for(viewer).post(reverse("campaign_edit", args=[campaign.pk]))
    assert response.status_code == 403
    assert "Viewers can read but not change anything." in response.text


# ---- the account defences are configured -----------------------------------


def test_login_throttling_and_password_rules_are_on():
    assert "axes" in settings.INSTALLED_APPS
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_FAILURE_LIMIT <= 10
    validators = {
        v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS
    }
    assert {
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "UserAttributeSimilarityValidator",
    } <= validators
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.INVITATION_MAX_AGE_DAYS <= 14
    assert settings.PASSWORD_RESET_TIMEOUT <= 60 * 60 * 24 * 3
