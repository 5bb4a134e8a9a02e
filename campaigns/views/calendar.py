"""Calendar feeds: the private .ics address calendar apps subscribe to, and
the buttons that give a person's or a campaign's feed a new address."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import calendar_feed
from ..access import get_campaign

# Calendar apps look again every few hours at most; a short max-age only
# spares the database a burst of fetches.
MAX_AGE = 300
# Which calendar was just given a new address, said once beside it: the
# page opens at the calendar's section, far below the page's messages.
RENEWED = "calendar_renewed"


def renewed(request, key):
    """What to say beside the calendar `key` after its button, once."""
    if request.session.get(RENEWED, {}).get("key") != key:
        return ""
    return request.session.pop(RENEWED)["text"]


def _say(request, key, text):
    request.session[RENEWED] = {"key": key, "text": text}


# No session and no CSRF token: calendar apps fetch it by the address alone,
# which is the secret. It never changes anything, so a POST is a plain 405.
@csrf_exempt
@require_http_methods(["GET", "HEAD"])
def feed(request, token):
    response = HttpResponse(
        calendar_feed.render(token), content_type="text/calendar; charset=utf-8"
    )
    # One person's dates: no shared cache may keep them.
    patch_cache_control(response, private=True, max_age=MAX_AGE)
    response["Content-Disposition"] = 'inline; filename="advocacy.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def reset_personal(request):
    """A new address for the person's own calendar; the old one stops."""
    page = reverse("notification_preferences") + "#calendar"
    if request.method in ("GET", "HEAD"):
        return redirect(page)  # the page with the button
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    calendar_feed.reset(request.user)
    _say(
        request,
        "personal",
        "Your calendar has a new address. The old one no longer works: "
        "subscribe again with this one.",
    )
    return redirect(page)


@login_required
def reset_campaign(request, campaign_pk):
    """Make the campaign's calendar, or give it a new address: its lead's."""
    campaign = get_campaign(request, campaign_pk)
    page = reverse("campaign_edit", args=[campaign.pk]) + "#calendar"
    if request.method in ("GET", "HEAD"):
        return redirect(page)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if campaign.lead_id != request.user.pk:
        raise PermissionDenied("Only the campaign's lead has its calendar.")
    existed = calendar_feed.campaign_feed(request.user, campaign) is not None
    calendar_feed.reset(request.user, campaign)
    _say(
        request,
        f"campaign-{campaign.pk}",
        "The campaign calendar has a new address. The old one no longer works: "
        "subscribe again with this one."
        if existed
        else "The campaign calendar is ready: subscribe to it with this address.",
    )
    return redirect(page)
