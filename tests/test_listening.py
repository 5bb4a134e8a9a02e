"""Listening: feeds served from loopback, good and bad. Every item is stored
once however often the feed is scanned; every bad feed gets its message and
never stops the scan; a typed URL reaches nothing private."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import fetch, listening
from campaigns.models import (
    EvidenceKind,
    Feed,
    FeedLabel,
    Mention,
    MentionStatus,
    PeerMove,
)
from tests import factories as f
from tests.feeds import FeedServer


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def follow(campaign, url, label=FeedLabel.ORGANISATION):
    return Feed.objects.create(campaign=campaign, url=url, label=label)


def test_rss_and_atom_items_are_stored_once(campaign, server):
    rss = follow(campaign, server.url("/rss"))
    atom = follow(campaign, server.url("/atom"), FeedLabel.PEER)
    assert listening.scan(rss) == 2
    assert listening.scan(atom) == 1
    award = Mention.objects.get(guid="rss-1")
    assert award.title == "Riverside Library wins digital award"
    assert award.summary == "The library was praised."  # tags stripped
    assert award.link == "https://news.example.org/award"
    assert award.published_at == datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC)
    assert award.campaign == campaign and award.status == MentionStatus.NEW
    rss.refresh_from_db()
    assert rss.title == "Alerts: Riverside Library" and rss.error == ""
    assert rss.etag == '"v1"'
    # Again and again: nothing twice. The second fetch is conditional (304).
    for _ in range(3):
        rss.refresh_from_db()
        assert listening.scan(rss) == 0
        assert listening.scan(atom) == 0
    assert Mention.objects.count() == 3
    conditional = [h for p, h in server.hits if p == "/rss"][1:]
    assert all(h.get("If-None-Match") == '"v1"' for h in conditional)


def test_a_redirect_to_another_http_address_is_followed(campaign, server):
    moved = follow(campaign, server.url("/moved"))
    assert listening.scan(moved) == 2


@pytest.mark.parametrize(
    "path, message",
    [
        ("/missing", "The server answered 404."),
        ("/malformed", "That address is not an RSS or Atom feed."),
        ("/huge", "The answer is larger than 2048 KB."),
        ("/slow", "The server took too long to answer."),
        ("/to-file", "Only http and https addresses are fetched."),
    ],
)
def test_each_bad_feed_gets_its_message(campaign, server, path, message):
    feed = follow(campaign, server.url(path))
    assert listening.scan(feed) == 0
    feed.refresh_from_db()
    assert feed.error == message
    assert feed.checked_at is not None
    assert not Mention.objects.exists()


def test_a_scan_goes_on_past_bad_feeds(campaign, server):
    for path in ("/malformed", "/missing", "/to-file", "/rss", "/atom"):
        follow(campaign, server.url(path))
    assert listening.scan_due() == 3
    errors = dict(Feed.objects.values_list("url", "error"))
    assert errors[server.url("/rss")] == "" and errors[server.url("/atom")] == ""
    assert errors[server.url("/missing")] == "The server answered 404."
    # Checked just now: the next round leaves them until their turn.
    assert listening.claim_due() == []
    later = timezone.now() + datetime.timedelta(hours=2)
    assert len(listening.claim_due(later)) == 5


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/feed",
        "http://10.1.2.3/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed",
        "http://192.168.0.1/",
        "http://localhost/feed",
        "http://0.0.0.0/",
    ],
)
def test_private_and_local_addresses_are_not_fetched(settings, url):
    settings.FETCH_ALLOWED_NETWORKS = []
    with pytest.raises(fetch.FetchError, match="private or local address"):
        fetch.get(url)


@pytest.mark.parametrize(
    "url, message",
    [
        ("file:///etc/passwd", "Only http and https"),
        ("ftp://example.org/feed", "Only http and https"),
        ("gopher://example.org/", "Only http and https"),
        ("http://user:secret@example.org/", "user name or password"),
        ("http:///feed", "no host name"),
        ("http://example.org:99999/", "impossible port"),
    ],
)
def test_addresses_that_are_not_plain_web_addresses_are_refused(url, message):
    with pytest.raises(fetch.FetchError, match=message):
        fetch.get(url)


def test_a_redirect_into_a_private_network_is_refused(settings, server, campaign):
    # Allowed to reach the server, but not what it redirects to.
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    feed = follow(campaign, server.url("/moved").replace("127.0.0.1", "127.0.0.1"))
    assert listening.scan(feed) == 2  # to itself: allowed
    settings.FETCH_ALLOWED_NETWORKS = []
    with pytest.raises(fetch.FetchError, match="private or local"):
        fetch.get(server.url("/moved"))


# ---- the page ---------------------------------------------------------------


def listening_url(campaign):
    return reverse("listening", args=[campaign.pk])


def test_following_a_feed_fetches_it_and_the_page_lists_new_mentions(
    client_for, member, campaign, server
):
    client = client_for(member)
    response = client.post(
        listening_url(campaign), {"url": server.url("/rss"), "label": "organisation"}
    )
    assert response.status_code == 302
    page = client.get(listening_url(campaign)).content.decode()
    assert "Riverside Library wins digital award" in page
    assert "About us <small>(2 new)</small>" in page
    again = client.post(
        listening_url(campaign), {"url": server.url("/rss"), "label": "peer"}
    )
    assert again.status_code == 400
    assert "The campaign follows this feed already." in again.content.decode()
    bad = client.post(
        listening_url(campaign), {"url": "ftp://x.org/f", "label": "peer"}
    )
    assert bad.status_code == 400 and 'value="ftp://x.org/f"' in bad.content.decode()


def test_a_feed_that_fails_says_so_on_the_page(client_for, member, campaign, server):
    client = client_for(member)
    client.post(
        listening_url(campaign), {"url": server.url("/malformed"), "label": "rival"}
    )
    page = client.get(listening_url(campaign)).content.decode()
    assert "That address is not an RSS or Atom feed." in page


def test_dismiss_keep_as_evidence_and_record_as_a_peer_move(
    client_for, member, campaign, server
):
    feed = follow(campaign, server.url("/rss"))
    listening.scan(feed)
    one, two = Mention.objects.order_by("guid")
    stakeholder = f.StakeholderFactory(campaign=campaign)
    objection = f.ObjectionFactory(
        campaign=campaign, stakeholder=stakeholder, text="Nobody will notice"
    )
    client = client_for(member)
    keep = reverse("mention_keep", args=[campaign.pk, one.pk])
    assert client.post(keep, {"objection": objection.pk}).status_code == 302
    one.refresh_from_db()
    assert one.status == MentionStatus.KEPT
    evidence = one.evidence
    assert evidence.objection == objection and evidence.kind == EvidenceKind.MENTION
    assert evidence.link == "https://news.example.org/award"
    # The objection shows it.
    objection_page = client.get(reverse("objection_list", args=[campaign.pk]))
    assert "Riverside Library wins digital award" in objection_page.content.decode()
    move = reverse("mention_peer_move", args=[campaign.pk, two.pk])
    assert client.post(move, {"organisation": "City Council"}).status_code == 302
    recorded = PeerMove.objects.get()
    assert recorded.organisation == "City Council"
    assert recorded.happened_on == datetime.date(2026, 12, 1)
    peer_page = client.get(reverse("peer_moves", args=[campaign.pk])).content.decode()
    assert "City Council" in peer_page
    # Dealt with: off the list of new ones; a second go changes nothing.
    page = client.get(listening_url(campaign)).content.decode()
    assert "Nothing new." in page
    dismiss = reverse("mention_dismiss", args=[campaign.pk, two.pk])
    assert client.post(dismiss).status_code == 302
    two.refresh_from_db()
    assert two.status == MentionStatus.KEPT


def test_bad_choices_on_a_mention_are_explained(client_for, member, campaign):
    feed = follow(campaign, "https://news.example.org/feed")
    mention = Mention.objects.create(
        feed=feed, campaign=campaign, guid="g", title="Something"
    )
    theirs = f.ObjectionFactory()
    keep = reverse("mention_keep", args=[campaign.pk, mention.pk])
    response = client_for(member).post(keep, {"objection": theirs.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    move = reverse("mention_peer_move", args=[campaign.pk, mention.pk])
    response = client_for(member).post(move, {"organisation": "x" * 151})
    assert response.status_code == 400
    mention.refresh_from_db()
    assert mention.status == MentionStatus.NEW


def test_viewers_read_and_other_teams_get_nothing(
    client_for, viewer, outsider, campaign
):
    feed = follow(campaign, "https://news.example.org/feed")
    mention = Mention.objects.create(
        feed=feed, campaign=campaign, guid="g", title="Something said"
    )
    page = client_for(viewer).get(listening_url(campaign))
    assert "Something said" in page.content.decode()
    assert "Dismiss" not in page.content.decode()
    for name, pk in (("mention_dismiss", mention.pk), ("feed_remove", feed.pk)):
        url = reverse(name, args=[campaign.pk, pk])
        assert client_for(viewer).post(url).status_code == 403
        assert client_for(outsider).post(url).status_code == 404
    assert Feed.objects.count() == 1 and Mention.objects.get().status == "new"


def test_the_page_s_queries_do_not_grow_with_mentions(
    client_for, member, campaign, django_assert_max_num_queries
):
    feed = follow(campaign, "https://news.example.org/feed")
    client = client_for(member)
    for round_ in range(2):
        Mention.objects.bulk_create(
            Mention(feed=feed, campaign=campaign, guid=f"{round_}-{n}", title="T")
            for n in range(40)
        )
        f.ObjectionFactory(campaign=campaign)
        with django_assert_max_num_queries(16):
            assert client.get(listening_url(campaign)).status_code == 200


def test_two_teammates_keeping_one_mention_make_one_record(member, owner, campaign):
    feed = follow(campaign, "https://news.example.org/feed")
    mention = Mention.objects.create(
        feed=feed, campaign=campaign, guid="g", title="Said once"
    )
    objection = f.ObjectionFactory(campaign=campaign)
    # Both loaded it while it was new; the second arrives after the first.
    assert listening.keep_as_evidence(mention, objection, member)
    assert listening.record_peer_move(mention, "Rival", owner) is None
    assert listening.keep_as_evidence(mention, objection, owner) is None
    assert listening.dismiss(mention) == 0
    assert objection.evidence.count() == 1 and not PeerMove.objects.exists()
