"""Chat notifications: one short message per event in the format each
service documents for its incoming webhooks, linking back to the card.

- Slack: {"text": fallback, "blocks": [...]} with mrkdwn, where &, < and >
  are control characters and must be escaped (api.slack.com, formatting).
- Mattermost: {"text": markdown} (developers.mattermost.com, incoming webhooks).
- Microsoft Teams (a Workflows incoming webhook): a message with one Adaptive
  Card attachment (learn.microsoft.com, incoming webhooks and Adaptive Cards).
"""

import re
from dataclasses import dataclass

from .models import ChatService

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams renders 1.4 in channels; newer elements are not used here.
ADAPTIVE_CARD_VERSION = "1.4"
# Short: a line in a channel, not the card itself.
MAX_HEADLINE = 200


@dataclass(frozen=True)
class Note:
    """What a chat message says: who did what, in which campaign, and where
    to read more."""

    headline: str
    campaign: str
    url: str
    link_text: str = "Open in Advocacy"


def _short(text, limit=MAX_HEADLINE):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")


def markdown_escape(text):
    """Mattermost's markdown: a name with * or _ stays a name."""
    return _MARKDOWN.sub(r"\\\1", text)


def slack(note):
    headline = _short(note.headline)
    line = f"<{note.url}|{slack_escape(headline)}>"
    context = slack_escape(_short(note.campaign, 150))
    return {
        # The fallback shown in notifications and by clients without blocks.
        "text": f"{headline} ({_short(note.campaign, 150)})",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": line}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": context}],
            },
        ],
    }


def mattermost(note):
    headline = markdown_escape(_short(note.headline))
    campaign = markdown_escape(_short(note.campaign, 150))
    return {"text": f"[{headline}]({note.url})\n{campaign}"}


def teams(note):
    card = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": [
            {
                "type": "TextBlock",
                "text": _short(note.headline),
                "wrap": True,
                "weight": "Bolder",
            },
            {
                "type": "TextBlock",
                "text": _short(note.campaign, 150),
                "wrap": True,
                "isSubtle": True,
                "spacing": "None",
            },
        ],
        "actions": [
            {"type": "Action.OpenUrl", "title": note.link_text, "url": note.url}
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}
        ],
    }


FORMATS = {
    ChatService.SLACK: slack,
    ChatService.MATTERMOST: mattermost,
    ChatService.TEAMS: teams,
}


def message(service, note):
    """The JSON body for `service` (a ChatService value)."""
    return FORMATS[service](note)
