"""The bell's page: a person's notifications, opening one, marking them
read; and the team's writers for the @mention autocomplete."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .. import notices
from ..access import get_campaign

TEMPLATE = "notifications/notices.html"
PER_PAGE = 25


def _own(request, value):
    """One of the person's notifications by the id sent, else a 404."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404("No such notification.") from None
    if not 0 < pk < 2**63:
        raise Http404("No such notification.")
    notice = notices.visible(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404("No such notification.")
    return notice


def _page(request):
    listed = notices.visible(request.user).select_related("actor", "campaign")
    # get_page: a page out of range, or not a number, shows the last or first.
    return Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))


def _list_url(page_number=None):
    url = reverse("notice_list")
    return f"{url}?page={page_number}" if page_number and page_number > 1 else url


@login_required
@require_GET
def notice_list(request):
    page = _page(request)
    context = {"page": page, "page_number": page.number, "nav": "notices"}
    return render(request, TEMPLATE, {**context, "bell_oob": False})


@login_required
@require_GET
def notice_open(request):
    """A notification's link: marks it read and goes to what it is about."""
    if "n" not in request.GET:
        return redirect("notice_list")
    notice = _own(request, request.GET["n"])
    notices.mark_read(request.user, notice.pk)
    return redirect(notice.target_url())


def _page_number(request):
    try:
        return max(1, int(request.POST.get("page", 1)))
    except ValueError:
        return 1


def _post_only(request):
    """A GET of a URL that only takes posts (a form that failed without
    JavaScript, opened again) goes to the page with the forms."""
    if request.method in ("GET", "HEAD"):
        return redirect("notice_list")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


@login_required
def notice_read(request):
    if refused := _post_only(request):
        return refused
    if not request.POST.get("notice"):
        return HttpResponseBadRequest("Say which notification to mark read.")
    notice = _own(request, request.POST["notice"])
    notices.mark_read(request.user, notice.pk)
    if request.htmx:
        notice.refresh_from_db(fields=["read_at"])
        context = {
            "notice": notice,
            "page_number": _page_number(request),
            "bell_oob": True,
        }
        return render(request, f"{TEMPLATE}#read", context)
    return redirect(_list_url(_page_number(request)))


@login_required
def notice_read_all(request):
    if refused := _post_only(request):
        return refused
    notices.mark_read(request.user)
    return redirect(_list_url(_page_number(request)))


@login_required
def campaign_writers(request, campaign_pk):
    """Who can be @mentioned in this campaign: its team's writers, with the
    handle that mentions each (campaigns/notices.py)."""
    campaign = get_campaign(request, campaign_pk)
    if request.method != "GET":
        # After the access check: another team's campaign is a 404 for all.
        return HttpResponseNotAllowed(["GET"])
    writers = notices.team_writers(campaign.team_id).only("pk", "name", "email")
    people = [
        {"handle": handle, "name": user.name or user.email}
        for handle, user in notices.handles(list(writers))
        if user.pk != request.user.pk
    ]
    response = JsonResponse({"writers": people})
    response["Cache-Control"] = "private, no-cache"
    return response
