"""Two teams with one of everything, and every URL pattern built from them.

Used by the access test and by the browser walk over every page.
"""

import datetime

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from campaigns.models import (
    ChatHook,
    ChatService,
    Feed,
    HookDelivery,
    HookDeliveryStatus,
    HookEvent,
    ListeningSubscription,
    Mention,
    NoticeKind,
    Notification,
    ReportLink,
    Role,
    WebhookEndpoint,
)
from tests import factories as f

# Reachable without logging in.
PUBLIC = {
    "home",
    "healthz",
    "signup",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation",
    "unsubscribe",
    "report_shared",
    "calendar_feed",
    "listening_unsubscribe",
    # The API's description: no one's data.
    "api_schema",
    "api_docs",
}

# About the user's own account, not a team's data: a viewer may post here.
PERSONAL = {
    "team_switch",
    "team_create",
    "notification_preferences",
    "password_change",
    "team_leave",
    "calendar_reset",
    # The bell: the person's own notifications, named by a parameter.
    "notice_list",
    "notice_open",
    "notice_read",
    "notice_read_all",
    "api_token_create",
    "api_token_revoke",
}

# Team administration: members and viewers both get 403.
OWNER_ONLY = {
    "team_invite",
    "invitation_revoke",
    "member_role",
    "member_remove",
    "team_audit",
    "team_export",
    "team_delete",
    "team_webhooks",
    "webhook_rotate",
    "webhook_enable",
    "webhook_remove",
    "webhook_resend",
}

# Owners' pages that are not even readable by members and viewers (the
# webhooks page shows the signing secrets).
OWNER_READ = {
    "team_audit",
    "team_export",
    "team_delete",
    "team_webhooks",
    "webhook_rotate",
    "webhook_enable",
    "webhook_remove",
    "webhook_resend",
}

# Writers' forms that viewers cannot even open (403, where other form pages
# send a viewer back to what they can read): the CSV imports.
WRITERS_ONLY = {"import_stakeholders", "import_influencers", "import_tactics"}

# The campaign's lead only (the owner in World): other members and viewers
# get 403 for a POST.
LEAD_ONLY = {"campaign_calendar"}


# The JSON API answers tokens (or the session) with JSON: 401 rather than a
# redirect to the login page. Its own matrix, with every kind of token, is
# tests/test_api_access.py, which fails for an API URL it has no case for.
API_ROUTE = "api/v1/"


def is_api(pattern):
    return str(pattern.pattern).startswith(API_ROUTE) and pattern.name not in PUBLIC


def walk(patterns, prefix=""):
    """Every URL pattern, an included one rebuilt on its full route, so that
    `pattern.pattern.converters` also holds the keywords of its includes
    (`campaign_pk`, `team_pk`)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin has its own staff check, tested below.
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            if prefix:
                route = RoutePattern(
                    prefix + str(entry.pattern), name=entry.name, is_endpoint=True
                )
                entry = URLPattern(
                    route, entry.callback, entry.default_args, entry.name
                )
            yield entry


def all_patterns():
    return [p for p in walk(get_resolver().url_patterns) if p.name]


class World:
    """Two teams with one of everything each."""

    def __init__(self):
        self.owner_membership = f.MembershipFactory(role=Role.OWNER)
        team = self.owner_membership.team
        self.team = team
        self.owner = self.owner_membership.user
        self.member_membership = f.MembershipFactory(team=team, role=Role.MEMBER)
        self.member = self.member_membership.user
        self.viewer = f.MembershipFactory(team=team, role=Role.VIEWER).user
        self.objects = self.build(team, self.owner)
        self.objects["membership"] = self.member_membership

        other = f.MembershipFactory(role=Role.OWNER)
        self.outsider = other.user
        f.MembershipFactory(team=other.team, role=Role.MEMBER)
        self.foreign = self.build(other.team, self.outsider)
        self.foreign["membership"] = other

    @staticmethod
    def build(team, lead):
        campaign = f.CampaignFactory(team=team, lead=lead)
        stakeholder = f.StakeholderFactory(
            campaign=campaign, email=f"decider{campaign.pk}@example.org"
        )
        influencer = f.InfluencerFactory(campaign=campaign)
        # Loopback port 9 (discard): nothing listens, so a send fails at once.
        endpoint = WebhookEndpoint.objects.create(
            team=team,
            url=f"http://127.0.0.1:9/hooks/{team.pk}",
            events=[HookEvent.TACTIC_MOVED],
            secret="whsec_" + "A" * 43 + "=",
        )
        chat_hook = ChatHook.objects.create(
            campaign=campaign,
            service=ChatService.SLACK,
            url=f"http://127.0.0.1:9/chat/{campaign.pk}",
            events=[HookEvent.TACTIC_MOVED],
        )
        return {
            "team": team,
            "campaign": campaign,
            "stakeholder": stakeholder,
            "influencer": influencer,
            "influence": f.InfluenceFactory(
                influencer=influencer, stakeholder=stakeholder
            ),
            "tactic": f.TacticFactory(campaign=campaign, assignee=lead),
            "milestone": f.MilestoneFactory(campaign=campaign),
            "invitation": f.InvitationFactory(team=team),
            "template": f.TacticTemplateFactory(team=team),
            "objection": f.ObjectionFactory(campaign=campaign, stakeholder=stakeholder),
            "report": (report := f.ProgressReportFactory(campaign=campaign)),
            "link": ReportLink.objects.create(
                report=report, expires_at=timezone.now() + datetime.timedelta(days=1)
            ),
            "feed": Feed.objects.create(
                campaign=campaign, url=f"https://news.example.org/{campaign.pk}.rss"
            ),
            # Of a feed of its own: removing the one above keeps it.
            "mention": Mention.objects.create(
                feed=Feed.objects.create(
                    campaign=campaign, url=f"https://rivals.example.org/{campaign.pk}"
                ),
                campaign=campaign,
                guid="item-1",
                title="A mention",
            ),
            "endpoint": endpoint,
            "chat_hook": chat_hook,
            # Sent already, so resending is allowed and queues one attempt.
            "delivery": HookDelivery.objects.create(
                endpoint=endpoint,
                event_id=f"msg_world_{team.pk}",
                event=HookEvent.TACTIC_MOVED,
                status=HookDeliveryStatus.SENT,
                payload={"type": "tactic.moved"},
            ),
            "chat_delivery": HookDelivery.objects.create(
                chat_hook=chat_hook,
                event_id=f"msg_world_{campaign.pk}",
                event=HookEvent.TACTIC_MOVED,
                status=HookDeliveryStatus.SENT,
                payload={"text": "Moved"},
            ),
            # Under the lead's bell.
            "notice": Notification.objects.create(
                user=lead,
                kind=NoticeKind.MENTION,
                key=f"comment:world-{campaign.pk}",
                campaign=campaign,
                text="A teammate mentioned you",
            ),
            "listener": ListeningSubscription.objects.create(
                stakeholder=f.StakeholderFactory(
                    campaign=campaign, email=f"listener{campaign.pk}@example.org"
                ),
                consent="Said yes when asked",
            ),
        }

    def kwargs(self, pattern, parent, children=None):
        """URL kwargs: the campaign or team from `parent`, the rest from
        `children` (the same side unless testing a foreign child)."""
        children = children or parent
        kwargs = {}
        for name in pattern.pattern.converters:
            key = name.removesuffix("_pk")
            if name in ("token", "uidb64"):
                kwargs[name] = "not-a-valid-token"
            elif key in ("campaign", "team"):
                kwargs[name] = parent[key].pk
            elif name.endswith("_pk") and key in children:
                kwargs[name] = children[key].pk
            else:
                raise AssertionError(
                    f"URL {pattern.name!r} has a keyword {name!r} that the access "
                    "test cannot fill: teach World.kwargs about it."
                )
        return kwargs

    def url(self, pattern, parent=None, children=None):
        kwargs = self.kwargs(pattern, parent or self.objects, children)
        return reverse(pattern.name, kwargs=kwargs)


# Rows a reader's GET may add: a report's PDF is queued by the first request
# for it (viewers' included) and is made from the report, not data anyone
# typed. tests/test_access.py checks refused requests queue none. A person's
# calendar address is made the first time their email settings show it.
# The API's rate limit counts requests in the database when there is no
# Redis (campaigns/throttle.py): a count, not data.
DERIVED = {"campaigns.ReportPdf", "campaigns.CalendarFeed", "campaigns.ThrottleWindow"}


def row_counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_app_config("campaigns").get_models()
        if m._meta.label not in DERIVED
    }


def private_patterns():
    """The web's pages and forms that need a login (not the API's)."""
    return [p for p in all_patterns() if p.name not in PUBLIC and not is_api(p)]


def api_patterns():
    return [p for p in all_patterns() if is_api(p)]
