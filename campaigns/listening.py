"""Listening: the feeds a campaign follows (alerts for the organisation's
name, peers, rivals), fetched on a schedule, each item stored once as a
mention for the team to dismiss, keep as evidence or record as a peer move.

A scan never crashes on a bad feed: each feed gets its own message
(unreachable, not a feed, too large), shown on the Listening page.
"""

import calendar
import datetime
import hashlib
import logging

import feedparser
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags

from . import fetch
from .models import (
    Activity,
    Evidence,
    EvidenceKind,
    Feed,
    Mention,
    MentionStatus,
    PeerMove,
)

log = logging.getLogger(__name__)

# A scan stores at most this many items of one feed: alerts come a few a day.
ITEMS_PER_SCAN = 50
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


def _clip(text, limit):
    text = " ".join(strip_tags(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _web_link(value):
    value = (value or "").strip()
    if value.startswith(("http://", "https://")) and len(value) <= 1000:
        return value
    return ""


def _published(entry):
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.datetime.fromtimestamp(calendar.timegm(parsed), datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _guid(entry):
    key = entry.get("id") or entry.get("link") or entry.get("title") or ""
    if len(key) > 500 or not key:
        key = (
            "sha256:" + hashlib.sha256(repr(sorted(entry.items())).encode()).hexdigest()
        )
    return key


def _mentions(feed, parsed, now):
    for entry in parsed.entries[:ITEMS_PER_SCAN]:
        title = _clip(entry.get("title"), 300) or "(untitled)"
        yield Mention(
            feed=feed,
            campaign_id=feed.campaign_id,
            guid=_guid(entry),
            title=title,
            link=_web_link(entry.get("link")),
            summary=_clip(entry.get("summary"), 2000),
            published_at=_published(entry),
            found_at=now,
        )


def _fail(feed, message, now):
    Feed.objects.filter(pk=feed.pk).update(error=message[:300], checked_at=now)
    return 0


def scan(feed, now=None):
    """Fetch one feed and store its new items; returns how many were new."""
    now = now or timezone.now()
    headers = {"Accept": ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        response = fetch.get(feed.url, headers=headers)
    except fetch.FetchError as error:
        return _fail(feed, str(error), now)
    if response.not_modified:
        Feed.objects.filter(pk=feed.pk).update(error="", checked_at=now)
        return 0
    if response.status != 200:
        return _fail(feed, f"The server answered {response.status}.", now)
    parsed = feedparser.parse(response.body)
    if not parsed.entries and (parsed.bozo or not parsed.feed):
        return _fail(feed, "That address is not an RSS or Atom feed.", now)
    items = list(_mentions(feed, parsed, now))
    with transaction.atomic():
        # Stored once: an item already there (same feed, same id) is skipped.
        before = Mention.objects.filter(feed=feed).count()
        Mention.objects.bulk_create(items, ignore_conflicts=True)
        added = Mention.objects.filter(feed=feed).count() - before
        Feed.objects.filter(pk=feed.pk).update(
            error="",
            checked_at=now,
            title=_clip(parsed.feed.get("title"), 200) or feed.title,
            etag=(response.headers.get("etag") or "")[:200],
            last_modified=(response.headers.get("last-modified") or "")[:100],
        )
    return added


def claim_due(now=None, limit=100):
    """Feeds whose turn has come, each claimed by moving its checked_at, so
    two schedulers or workers never fetch the same feed in the same round."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.FEED_SCAN_MINUTES)
    due = Feed.objects.filter(Q(checked_at__isnull=True) | Q(checked_at__lt=cutoff))
    claimed = []
    for feed in due.order_by("checked_at", "pk")[:limit]:
        taken = (
            Feed.objects.filter(pk=feed.pk)
            .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=cutoff))
            .update(checked_at=now)
        )
        if taken:
            claimed.append(feed)
    return claimed


def scan_due(now=None):
    """Run by the worker on a schedule: scan every feed whose turn has come.
    Returns how many new mentions were stored."""
    added = 0
    for feed in claim_due(now):
        try:
            added += scan(feed, now)
        except Exception:
            # One feed's surprise is that feed's problem, not the scan's.
            log.exception("Feed %s could not be scanned", feed.pk)
            _fail(feed, "The feed could not be read.", now or timezone.now())
    return added


# ---- what the team makes of a mention --------------------------------------------


def dismiss(mention):
    """1 if dismissed now, 0 if a teammate dealt with it meanwhile."""
    return Mention.objects.filter(pk=mention.pk, status=MentionStatus.NEW).update(
        status=MentionStatus.DISMISSED
    )


def _claim(mention):
    """Take a new mention for this request: of two teammates keeping it at
    once, one wins and the other is told it was dealt with (None)."""
    return Mention.objects.filter(pk=mention.pk, status=MentionStatus.NEW).update(
        status=MentionStatus.KEPT
    )


def _kept(mention):
    """What a kept mention says, where it is and when, in any record."""
    return {
        "link": mention.link if len(mention.link) <= 500 else "",
        "happened_on": mention.published_at.date() if mention.published_at else None,
    }


def _text(mention):
    return _clip(f"{mention.title}. {mention.summary}", 2000)


def keep_as_evidence(mention, objection, actor):
    """The mention as evidence answering `objection` (of the same campaign),
    or None if a teammate dealt with it meanwhile."""
    with transaction.atomic():
        if not _claim(mention):
            return None
        evidence = Evidence.objects.create(
            objection=objection,
            kind=EvidenceKind.MENTION,
            summary=_text(mention),
            created_by=actor,
            **_kept(mention),
        )
        Mention.objects.filter(pk=mention.pk).update(evidence=evidence)
        Activity.record(
            mention.campaign,
            actor,
            Activity.Verb.EVIDENCE_ADDED,
            f"Kept “{mention.title[:120]}” as evidence for “{objection.text[:80]}”",
            stakeholder_id=objection.stakeholder_id,
        )
    return evidence


def record_peer_move(mention, organisation, actor):
    """The mention as a peer move, or None if a teammate dealt with it."""
    with transaction.atomic():
        if not _claim(mention):
            return None
        move = PeerMove.objects.create(
            campaign_id=mention.campaign_id,
            organisation=organisation,
            what=_text(mention),
            created_by=actor,
            **_kept(mention),
        )
        Mention.objects.filter(pk=mention.pk).update(peer_move=move)
        Activity.record(
            mention.campaign,
            actor,
            Activity.Verb.PEER_MOVE_LOGGED,
            f"Logged a move by {organisation}",
            data={"peer_move": move.pk},
        )
    return move
