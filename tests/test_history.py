"""Back, Forward and Reload: what the browser may keep, and what every URL a
form posts to answers when it is opened as a page.

- Every HTML page is `Cache-Control: private, no-cache` with `Vary:
  HX-Request` (campaigns/cache_headers.py): revalidated before reuse, never
  kept by a shared cache, and never the fragment HTMX fetched from the same
  URL. Answers that chose their own headers, downloads and static files keep
  theirs.
- htmx keeps no snapshots of pages (base.html's htmx-config), so a history
  restore is never an old copy of the board.
- A form that fails without JavaScript re-renders at the URL it posted to;
  that URL then sits in the address bar, so opening, bookmarking or
  reloading it as a GET shows the page with the form (or redirects to it).
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from campaigns import board as logic
from campaigns import calendar_feed, listening_mail, report_mail
from campaigns.mail import unsubscribe_token
from campaigns.models import EmailKind, TacticStatus
from campaigns.people import make_token
from tests.world import (
    OWNER_ONLY,
    OWNER_READ,
    World,
    all_patterns,
    is_api,
    row_counts,
)

# GET is meaningless here and the answer is a deliberate 405. Each of these
# takes a bare button whose POST always redirects (it has no form that can
# fail), so the URL never reaches the address bar; and a GET must not act.
DELIBERATE_405 = {
    # Logging out on GET would let any link or prefetch end a session;
    # Django's LogoutView refuses GET (tests/test_accounts.py pins it).
    "logout": "a GET must not log out",
    # Switching the working team is a change of the session, made from the
    # header's team menu (tests/test_teams.py pins it).
    "team_switch": "a GET must not switch the team",
}


@pytest.fixture
def world(db):
    return World()


# Not pages: answered for scripts, empty by design.
NOT_PAGES = {
    # The board's poll: an empty 204, or 200 with HX-Trigger: board-changed.
    "board_version": "the open board's version check",
}


def url_for(world, pattern):
    """The pattern's URL, with working tokens where it takes one: a bad
    token is a deliberate "this link is not valid" page, not what is tested."""
    if pattern.name == "invitation":
        return reverse("invitation", args=[make_token(world.objects["invitation"])])
    if pattern.name == "unsubscribe":
        token = unsubscribe_token(world.member.pk, EmailKind.DIGEST)
        return reverse("unsubscribe", args=[token])
    if pattern.name == "calendar_feed":
        feed = calendar_feed.personal_feed(world.member)
        return reverse("calendar_feed", args=[feed.token])
    if pattern.name == "report_shared":
        link = world.objects["link"]
        type(link.report).objects.filter(pk=link.report_id).update(status="sent")
        return reverse("report_shared", args=[report_mail.link_token(link)])
    if pattern.name == "listening_unsubscribe":
        token = listening_mail.unsubscribe_token(world.objects["listener"])
        return reverse("listening_unsubscribe", args=[token])
    if pattern.name == "password_reset_confirm":
        uid = urlsafe_base64_encode(force_bytes(world.member.pk))
        token = default_token_generator.make_token(world.member)
        return reverse("password_reset_confirm", args=[uid, token])
    return world.url(pattern)


def opened(web, url, hops=5):
    """GET `url` and follow redirects: (statuses on the way, last answer)."""
    statuses = []
    response = web.get(url)
    statuses.append(response.status_code)
    while response.status_code in (301, 302, 303, 307, 308) and hops:
        url = urljoin(url, response["Location"])
        response = web.get(url)
        statuses.append(response.status_code)
        hops -= 1
    return statuses, response


def reader_for(world, name):
    """Members open everything but the owners' own pages."""
    return world.owner if name in OWNER_READ else world.member


# ---- every URL a form posts to answers a GET ---------------------------------


def test_every_url_pattern_answers_a_get_with_a_page(client_for, world):
    """Every pattern in campaigns/urls.py, opened as a page by a member (the
    owner for owners' pages, and for the team administration too): 200, or a
    redirect to a page that answers 200; never 405, 500 or a blank; and
    nothing changes."""
    patterns = all_patterns()
    assert len(patterns) >= 70
    webs = {user: client_for(user) for user in (world.member, world.owner)}
    before = row_counts()
    wrong = []
    for pattern in patterns:
        if is_api(pattern):
            continue  # JSON for scripts, not pages: tests/test_api_access.py
        users = [reader_for(world, pattern.name)]
        if pattern.name in OWNER_ONLY and world.owner not in users:
            users.append(world.owner)
        for user in users:
            url = url_for(world, pattern)
            statuses, response = opened(webs[user], url)
            if pattern.name in DELIBERATE_405:
                if statuses != [405]:
                    wrong.append((pattern.name, url, statuses, "not the listed 405"))
                continue
            blank = not response.content.strip() and pattern.name not in NOT_PAGES
            if statuses[-1] != 200 or blank:
                wrong.append((pattern.name, url, statuses))
    assert not wrong, wrong
    assert row_counts() == before


class _Forms(HTMLParser):
    """The action of every form on a page that posts."""

    def __init__(self):
        super().__init__()
        self.actions = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.actions.append(attrs.get("action") or "")


def post_actions(html):
    parser = _Forms()
    parser.feed(html)
    return parser.actions


def test_every_form_on_every_page_posts_to_a_url_that_answers_a_get(client_for, world):
    """The actions as the pages write them (with the board's filters and
    the like in their query): each opened as a page answers one."""
    webs = {user: client_for(user) for user in (world.member, world.owner)}
    actions = {}
    for pattern in all_patterns():
        user = reader_for(world, pattern.name)
        url = url_for(world, pattern)
        response = webs[user].get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        for action in post_actions(response.text):
            actions.setdefault(urljoin(url, action), user)
    assert len(actions) >= 30, sorted(actions)
    wrong = []
    for action, user in sorted(actions.items(), key=lambda item: item[0]):
        name = resolve(action.split("?")[0]).url_name
        statuses, response = opened(webs[user], action)
        if name in DELIBERATE_405:
            continue
        if statuses[-1] != 200:
            wrong.append((name, action, statuses))
    assert not wrong, wrong


def test_a_failed_quick_add_without_javascript_is_safe_to_reload(client_for, world):
    member = client_for(world.member)
    campaign = world.objects["campaign"]
    url = reverse("tactic_create", args=[campaign.pk])
    # The board with the error, at the URL the form posted to.
    failed = member.post(url, {"status": TacticStatus.PLANNED, "title": ""})
    assert failed.status_code == 400
    assert "Give the tactic a title." in failed.text
    # Opened again as a page (a bookmark, the address bar, a reload that
    # the browser turned into a GET): the board, with the form.
    again = member.get(url)
    assert again.status_code == 302
    assert again["Location"] == reverse("board", args=[campaign.pk])
    board = member.get(again["Location"])
    assert board.status_code == 200
    assert f'action="{url}"' in board.text


def test_a_failed_card_action_opened_as_a_page_shows_the_card(client_for, world):
    member = client_for(world.member)
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    detail = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    comment_url = reverse("tactic_comment", args=[campaign.pk, tactic.pk])
    assert member.post(comment_url, {"body": ""}).status_code == 400
    response = member.get(comment_url)
    assert response.status_code == 302
    assert response["Location"] == f"{detail}#comments"
    outcome = member.get(reverse("tactic_outcome", args=[campaign.pk, tactic.pk]))
    assert outcome["Location"] == f"{detail}?outcome=1#id_outcome"
    # The move form keeps the board's filters.
    move = reverse("tactic_move", args=[campaign.pk, tactic.pk])
    response = member.get(f"{move}?q=pilot")
    board = reverse("board", args=[campaign.pk])
    assert response["Location"] == f"{board}?q=pilot#tactic-{tactic.pk}"


def test_get_on_a_form_url_of_another_team_is_still_404(client_for, world):
    outsider = client_for(world.outsider)
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    names = ("tactic_move", "tactic_outcome", "tactic_comment", "tactic_stop_series")
    for name in names:
        url = reverse(name, args=[campaign.pk, tactic.pk])
        assert outsider.get(url).status_code == 404, name
    foreign = world.foreign["tactic"]
    member = client_for(world.member)
    url = reverse("tactic_move", args=[campaign.pk, foreign.pk])
    assert member.get(url).status_code == 404


def test_other_methods_on_post_only_urls_are_still_refused(client_for, world):
    member = client_for(world.member)
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    for url in (
        reverse("tactic_create", args=[campaign.pk]),
        reverse("tactic_move", args=[campaign.pk, tactic.pk]),
        reverse("board_limits", args=[campaign.pk]),
    ):
        assert member.put(url).status_code == 405, url
        assert member.delete(url).status_code == 405, url


# ---- cache headers -----------------------------------------------------------


def cache_control(response):
    return {
        part.strip().split("=")[0]
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }


def varies_on(response):
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


def revalidated(response):
    return {"private", "no-cache"} <= cache_control(response) and (
        "hx-request" in varies_on(response)
    )


def test_the_board_and_its_fragment_are_revalidated(client_for, world):
    member = client_for(world.member)
    campaign = world.objects["campaign"]
    url = reverse("board", args=[campaign.pk])
    page = member.get(url)
    assert page.status_code == 200
    assert revalidated(page), (page.get("Cache-Control"), page.get("Vary"))
    assert "no-store" not in cache_control(page)  # keeps the back-forward cache
    fragment = member.get(url, headers={"HX-Request": "true"})
    assert revalidated(fragment)
    assert b"<!doctype html>" not in fragment.content


def test_the_tactic_page_and_its_panel_are_revalidated(client_for, world):
    member = client_for(world.member)
    campaign, tactic = world.objects["campaign"], world.objects["tactic"]
    url = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    page = member.get(url)
    assert b"<!doctype html>" in page.content
    assert revalidated(page)
    panel = member.get(url, headers={"HX-Request": "true"})
    assert b"<!doctype html>" not in panel.content
    assert revalidated(panel)


def test_every_html_page_is_revalidated(client_for, world):
    webs = {user: client_for(user) for user in (world.member, world.owner)}
    pages = 0
    wrong = []
    for pattern in all_patterns():
        response = webs[reader_for(world, pattern.name)].get(url_for(world, pattern))
        if "text/html" not in response.get("Content-Type", ""):
            continue
        pages += response.status_code == 200
        if not revalidated(response):
            wrong.append(
                (pattern.name, response.get("Cache-Control"), response.get("Vary"))
            )
    assert pages >= 40
    assert not wrong, wrong


def test_answers_with_their_own_headers_keep_them(client_for, world, client):
    owner = client_for(world.owner)
    campaign = world.objects["campaign"]
    # never_cache: the login page and the health check.
    assert "no-store" in cache_control(client.get(reverse("login")))
    assert "no-store" in cache_control(client.get(reverse("healthz")))
    # The team's export is no-store.
    export = owner.get(reverse("team_export", args=[world.team.pk]))
    assert cache_control(export) == {"no-store"}
    # Downloads are not pages: whatever they say is theirs.
    csv = owner.get(reverse("export_tactics", args=[campaign.pk]))
    assert csv["Content-Type"].startswith("text/csv")
    assert "no-cache" not in cache_control(csv)
    assert "hx-request" not in varies_on(csv)


def test_static_files_keep_their_own_headers(client):
    response = client.get("/static/js/board.js")
    assert response.status_code == 200
    assert "private" not in cache_control(response)
    assert "hx-request" not in varies_on(response)


def test_the_middleware_leaves_other_answers_alone():
    from campaigns.cache_headers import RevalidateHtmlMiddleware

    request = RequestFactory().get("/")

    def answer(content_type, **headers):
        response = HttpResponse(b"x", content_type=content_type)
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return RevalidateHtmlMiddleware(lambda request: response)(request)

    pdf = answer("application/pdf")
    assert not pdf.has_header("Cache-Control")
    assert not pdf.has_header("Vary")
    own = answer("text/html; charset=utf-8", Cache_Control="max-age=60")
    assert own["Cache-Control"] == "max-age=60"
    page = answer("text/html; charset=utf-8")
    assert cache_control(page) == {"private", "no-cache"}
    assert varies_on(page) == {"hx-request"}


def test_the_version_check_is_private_and_revalidated(client_for, world):
    member = client_for(world.member)
    campaign = world.objects["campaign"]
    url = reverse("board_version", args=[campaign.pk])
    first = member.get(url)
    assert {"private", "no-cache"} <= cache_control(first)
    assert first["HX-Trigger"] == "board-changed"
    etag = first["ETag"]
    assert member.get(url, headers={"If-None-Match": etag}).status_code == 304
    logic.move_tactic(
        campaign, world.objects["tactic"].pk, TacticStatus.DONE, 0, world.owner
    )
    assert member.get(url, headers={"If-None-Match": etag}).status_code == 200


# ---- htmx's own history ------------------------------------------------------


def htmx_config(html):
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert match, "no htmx-config meta tag"
    return json.loads(match.group(1))


def test_htmx_keeps_no_snapshots_of_pages(client_for, world):
    """htmx would save the page to sessionStorage before a push of its own
    and put that copy back on Back: a board as it was. No snapshots, and a
    history entry it cannot restore is loaded again, whole."""
    member = client_for(world.member)
    campaign = world.objects["campaign"]
    html = member.get(reverse("board", args=[campaign.pk])).text
    config = htmx_config(html)
    assert config["historyCacheSize"] == 0
    assert config["refreshOnHistoryMiss"] is True
    # Nothing on the board asks htmx to push URLs: board.js keeps the
    # panel's history entries itself.
    assert "hx-push-url" not in html
    assert "hx-boost" not in html
