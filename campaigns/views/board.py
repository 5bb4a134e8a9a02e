"""The campaign board: columns of tactics, moving and adding cards, the card
panel with its comments, and each person's own tactics across campaigns.

With JavaScript the board talks HTMX (partials and out-of-band swaps); without
it every form posts normally and redirects back.
"""

import hashlib
import json
from collections import defaultdict
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import F
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from .. import board as logic
from .. import cards, lessons, notices, recurring, versions
from ..access import get_campaign, get_in_campaign
from ..forms.board import (
    BoardFilterForm,
    CommentForm,
    MoveForm,
    OutcomeForm,
    QuickAddForm,
    TacticForm,
    WipLimitsForm,
)
from ..insights.panels import tactic_panels
from ..models import (
    Activity,
    Membership,
    Role,
    Tactic,
    TacticStatus,
    User,
)

BOARD = "board/board.html"
# A rendered board is keyed on its version, so it never goes stale; this only
# bounds how long an unused one stays in the cache.
BOARD_CACHE_SECONDS = 600
DETAIL = "board/tactic_detail.html"


def _filter_query(request):
    """The board's filters as "?…", carried through forms so they survive."""
    query = request.GET.urlencode()
    return f"?{query}" if query else ""


def _board_url(campaign, request):
    return reverse("board", args=[campaign.pk]) + _filter_query(request)


def _wrong_method(request, allowed):
    """Checked after the access check, so another team's URL is a 404 for
    every method and a viewer's write a 403."""
    if request.method != allowed:
        return HttpResponseNotAllowed([allowed])
    return None


def _opened_as_page(request):
    """A GET of a URL that only takes posts: where a form that failed without
    JavaScript re-rendered, opened again (a bookmark, the address bar). It
    redirects to the page that holds the form, rather than a 405."""
    return request.method in ("GET", "HEAD")


def _writing(request):
    return request.method == "POST"


def _invalid(request):
    # HTMX swaps only 2xx answers; a plain post gets a proper 400.
    return 200 if request.htmx else 400


def _visible(request, tactics):
    """Viewers do not see quiet tactics (Tactic.is_private)."""
    if request.membership.can_write:
        return tactics
    return tactics.filter(is_private=False)


class _Targets(tuple):
    """A card's target stakeholders, read by the card renderer as `.all()`."""

    def all(self):
        return self


def _cards(tactics):
    """The cards of a board as plain rows with the attributes a card shows.

    Model instances with their assignee and prefetched targets cost more than
    rendering the cards (a 500-card board spent 30 ms building them); rows
    read with values_list() and two queries give the same cards in a sixth of
    that.
    """
    rows = list(
        tactics.values_list(
            "pk",
            "title",
            "status",
            "position",
            "due_on",
            "risk",
            "is_private",
            "assignee_id",
            "assignee__name",
            "assignee__email",
            "repeat",
        )
    )
    targets = defaultdict(list)
    links = (
        Tactic.targets.through.objects.filter(tactic_id__in=[row[0] for row in rows])
        .order_by("-stakeholder__power", "stakeholder__name")
        .values_list("tactic_id", "stakeholder__name")
    )
    for tactic_id, name in links:
        targets[tactic_id].append(SimpleNamespace(name=name))
    people = {}
    cards = []
    for row in rows:
        pk, title, status, position, due_on, risk, private, assignee_id = row[:8]
        assignee = None
        if assignee_id:
            assignee = people.get(assignee_id)
            if assignee is None:
                # Unsaved, only for its name and initials.
                assignee = people[assignee_id] = User(
                    pk=assignee_id, name=row[8], email=row[9]
                )
        cards.append(
            SimpleNamespace(
                pk=pk,
                id=pk,
                title=title,
                status=status,
                position=position,
                due_on=due_on,
                risk=risk,
                is_private=private,
                assignee_id=assignee_id,
                assignee=assignee,
                targets=_Targets(targets.get(pk, ())),
                # A closed occurrence has handed over to the next one.
                repeat="" if status in logic.CLOSED else row[10],
            )
        )
    return cards


def _columns(request, campaign, filters, statuses=None, add_form=None):
    """The board's columns (or just `statuses`), filtered as the URL says,
    each with its cards' HTML (cards.CSRF_SLOT where the token goes).

    A fixed number of queries whatever the number of cards.
    """
    statuses = list(statuses or TacticStatus.values)
    in_columns = _visible(
        request, Tactic.objects.filter(campaign=campaign, status__in=statuses)
    ).order_by("position", "pk")
    tactics = filters.filter(in_columns, request.user)
    totals = places = None
    if filters.active:
        # The whole columns, for their sizes and each card's place in them.
        totals, places = {}, {}
        for pk, status in in_columns.values_list("pk", "status"):
            places[pk] = totals.get(status, 0)
            totals[status] = places[pk] + 1
    base = reverse("tactic_detail", args=[campaign.pk, 0])[:-2]
    columns = []
    for column in logic.build_columns(campaign, _cards(tactics), totals, places):
        if column.status not in statuses:
            continue
        column.shown = len(column.cards)
        column.cards_html = mark_safe(  # noqa: S308 - cards.render escapes
            cards.render(
                column.cards,
                tactic_base=base,
                writer=request.membership.can_write,
                move_tail=_filter_query(request),
            )
        )
        if add_form is not None and add_form["status"].value() == column.status:
            column.add_form = add_form
        else:
            column.add_form = QuickAddForm(status=column.status)
        columns.append(column)
    return columns


def _with_token(request, html):
    return mark_safe(html.replace(cards.CSRF_SLOT, get_token(request)))  # noqa: S308


def _board_key(request, campaign):
    """Everything the rendered board depends on.

    The board version changes with every change a card shows (see
    campaigns/signals.py); the date because "overdue" and "due soon" do; the
    user only when filters apply ("mine" is personal). The version is read
    before the cards, so a render that races a change can only store newer
    cards under the older version, never older ones under the newer.
    """
    query = _filter_query(request)
    who = request.user.pk if query else "team"
    digest = hashlib.blake2b(query.encode(), digest_size=8).hexdigest()
    role = "write" if request.membership.can_write else "read"
    return (
        f"board:{campaign.pk}:{campaign.board_version}:{role}:"
        f"{timezone.localdate().isoformat()}:{who}:{digest}"
    )


def _board_html(request, campaign, filters):
    """The board's filter form and its columns and cards, from the cache
    while the version stands; returns (filters HTML, board HTML).

    Rendered without the request, with CSRF_SLOT for the token, which is
    filled in for each reader. The filter form's choices (the team's writers,
    the campaign's people) move the version when they change, as cards do.
    """
    key = _board_key(request, campaign)
    parts = cache.get(key)
    if parts is None:
        context = _context(
            request,
            campaign,
            columns=_columns(request, campaign, filters),
            filters=filters,
            csrf_token=mark_safe(cards.CSRF_SLOT),  # noqa: S308
        )
        parts = (
            render_to_string(f"{BOARD}#filters", context),
            render_to_string(f"{BOARD}#board", context),
        )
        cache.set(key, parts, BOARD_CACHE_SECONDS)
    filters_html, board_html = parts
    return mark_safe(filters_html), _with_token(request, board_html)  # noqa: S308


def _context(request, campaign, **extra):
    can_write = request.membership.can_write
    return {
        "campaign": campaign,
        "nav": "campaigns",
        "can_write": can_write,
        "filter_query": _filter_query(request),
        **extra,
    }


def _filters(request, campaign):
    return BoardFilterForm(request.GET or None, campaign=campaign)


def _render_board(request, campaign, status=200, add_form=None, limits_form=None):
    filters = _filters(request, campaign)
    if add_form is None:
        filters_html, board_html = _board_html(request, campaign, filters)
        if request.htmx:
            return HttpResponse(board_html, status=status)
        context = _context(
            request, campaign, filters_html=filters_html, board_html=board_html
        )
    else:
        # A quick-add with errors shows them in its column: not cached.
        columns = _columns(request, campaign, filters, add_form=add_form)
        for column in columns:
            column.cards_html = _with_token(request, column.cards_html)
        context = _context(request, campaign, columns=columns)
        if request.htmx:
            return render(request, f"{BOARD}#board", context, status=status)
    context.update(
        filters=filters,
        limits_form=limits_form or WipLimitsForm(campaign=campaign),
        limits_open=limits_form is not None,
    )
    return render(request, BOARD, context, status=status)


def _render_columns(request, campaign, statuses, extra=None, add_form=None):
    """Affected columns (and the version poller) as out-of-band swaps."""
    campaign.refresh_from_db(fields=["board_version"])
    filters = _filters(request, campaign)
    columns = _columns(request, campaign, filters, statuses, add_form=add_form)
    context = _context(
        request, campaign, columns=columns, filters=filters, oob=True, **(extra or {})
    )
    html = render_to_string(f"{BOARD}#oob", context, request)
    return HttpResponse(_with_token(request, html))


def _render_heads(campaign, result):
    """The answer to a move the browser has already shown: the two column
    heads (counts, WIP limits) and the poller's new version.

    Rendered without the request, so without context processors: no query.
    """
    totals = {result.from_status: result.from_total, result.to_status: result.to_total}
    columns = [
        logic.Column(
            status, label, total=totals[status], limit=logic.wip_limit(campaign, status)
        )
        for status, label in TacticStatus.choices
        if status in totals
    ]
    campaign.board_version = result.version
    html = render_to_string(
        f"{BOARD}#moved",
        {"campaign": campaign, "columns": columns, "oob": True, "oob_head": True},
    )
    return HttpResponse(html)


@login_required
def board(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk)
    if wrong := _wrong_method(request, "GET"):
        return wrong
    return _render_board(request, campaign)


@login_required
def board_version(request, campaign_pk):
    """A cheap check the open board polls: 204 while nothing changed."""
    campaign = get_campaign(request, campaign_pk)
    if wrong := _wrong_method(request, "GET"):
        return wrong
    version = str(campaign.board_version)
    # The bell in the header rides on this poll rather than polling itself
    # (static/js/notices.js reads the header); the ETag covers both.
    unread = notices.count_label(notices.unread_count(request.user))
    etag = f'"board-{campaign.pk}-{version}-{unread}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    elif request.GET.get("v") == version:
        response = HttpResponse(status=204)
    else:
        # Tells the board element to fetch itself again.
        response = HttpResponse(status=200)
        response["HX-Trigger"] = "board-changed"
    response["ETag"] = etag
    response["X-Unread-Notices"] = unread
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def board_limits(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk, write=_writing(request))
    if _opened_as_page(request):
        return redirect(_board_url(campaign, request))
    if wrong := _wrong_method(request, "POST"):
        return wrong
    form = WipLimitsForm(request.POST, campaign=campaign)

    def write():
        campaign.wip_limits = form.limits()
        campaign.save(update_fields=["wip_limits", "updated_at"])
        logic.bump_version(campaign.pk)
        Activity.record(
            campaign,
            request.user,
            Activity.Verb.CAMPAIGN_UPDATED,
            "Changed the board's WIP limits",
            data={"wip_limits": campaign.wip_limits, "version": campaign.version},
        )

    if not (form.is_valid() and versions.save(form, write)):
        return _render_board(
            request, campaign, status=versions.status(form), limits_form=form
        )
    messages.success(request, "WIP limits saved.")
    return redirect(_board_url(campaign, request))


@login_required
def tactic_create(request, campaign_pk):
    campaign = get_campaign(request, campaign_pk, write=_writing(request))
    if _opened_as_page(request):
        return redirect(_board_url(campaign, request))
    if wrong := _wrong_method(request, "POST"):
        return wrong
    status = request.POST.get("status")
    # The form's element ids are built from the column: only a real one.
    form = QuickAddForm(
        request.POST, status=status if status in TacticStatus.values else None
    )
    if not form.is_valid():
        if request.htmx and form["status"].value() in TacticStatus.values:
            status = form["status"].value()
            return _render_columns(request, campaign, [status], add_form=form)
        return _render_board(request, campaign, status=400, add_form=form)
    tactic = logic.create_tactic(
        campaign, request.user, form.cleaned_data["title"], form.cleaned_data["status"]
    )
    if request.htmx:
        fresh = QuickAddForm(status=tactic.status)
        fresh.fields["title"].widget.attrs["autofocus"] = True
        return _render_columns(request, campaign, [tactic.status], add_form=fresh)
    messages.success(request, f"Added “{tactic.title}”.")
    return redirect(_board_url(campaign, request))


@login_required
def tactic_move(request, campaign_pk, tactic_pk):
    campaign = get_campaign(request, campaign_pk, write=_writing(request))
    if wrong := _wrong_method(request, "POST"):
        # A foreign id is a 404 whatever the method; a POST finds out in the move.
        get_in_campaign(campaign, Tactic.objects.only("pk"), tactic_pk)
        if _opened_as_page(request):
            return redirect(_board_url(campaign, request) + f"#tactic-{tactic_pk}")
        return wrong
    form = MoveForm(request.POST)
    if not form.is_valid():
        # A stale or foreign card is a 404 before the input is judged.
        get_in_campaign(campaign, Tactic.objects.only("pk"), tactic_pk)
        return HttpResponseBadRequest("Choose a column and a place in it.")
    result = logic.move_tactic(
        campaign,
        tactic_pk,
        form.cleaned_data["status"],
        form.cleaned_data["position"],
        request.user,
    )
    detail_url = reverse("tactic_detail", args=[campaign.pk, tactic_pk])
    if request.htmx:
        if result.closed_now:
            # Ask what happened while it is fresh; the answer may stay empty.
            tactic = get_in_campaign(campaign, Tactic, tactic_pk)
            extra = {
                "tactic": tactic,
                "outcome_form": OutcomeForm(instance=tactic),
                "next_occurrence": result.next_occurrence,
            }
            statuses = {result.from_status, result.to_status}
            if result.next_occurrence:
                statuses.add(TacticStatus.PLANNED)
            return _render_columns(request, campaign, statuses, extra)
        # The browser moved the card already. If its board was current and
        # unfiltered, it now matches ours: only the column heads change.
        # Otherwise (someone else moved cards meanwhile) it reloads the board.
        if not result.changed or _filter_query(request) or "v" not in request.POST:
            return _render_columns(
                request, campaign, {result.from_status, result.to_status}
            )
        if request.POST["v"] != str(result.version - 1):
            response = HttpResponse(status=200)
            response["HX-Trigger"] = json.dumps(
                {"board-changed": {"version": result.version}}
            )
            return response
        return _render_heads(campaign, result)
    if result.closed_now:
        if following := result.next_occurrence:
            messages.info(request, _next_planned(following))
        messages.info(
            request,
            f"Moved to {TacticStatus(result.to_status).label}. "
            "What happened, and what was learned?",
        )
        return redirect(f"{detail_url}?outcome=1#id_outcome")
    return redirect(_board_url(campaign, request) + f"#tactic-{tactic_pk}")


def _next_planned(following):
    return f"The next one is in Planned, due {following.due_on:%-d %b %Y}."


def _detail_context(request, campaign, tactic, **extra):
    in_panel = bool(request.htmx)
    comments = tactic.comments.select_related("author")
    return _context(
        request,
        campaign,
        tactic=tactic,
        in_panel=in_panel,
        comments=comments,
        comment_form=extra.pop("comment_form", None) or CommentForm(),
        board_url=reverse("board", args=[campaign.pk]),
        # The stance moves credited to the tactic (one query, however many).
        **tactic_panels(tactic),
        # How its playbook template went on the team's other tactics.
        before=lessons.before(
            tactic, campaign.team_id, with_private=request.membership.can_write
        ),
        **extra,
    )


def _render_detail(request, campaign, tactic, status=200, **extra):
    template = f"{DETAIL}#panel" if request.htmx else DETAIL
    context = _detail_context(request, campaign, tactic, **extra)
    return render(request, template, context, status=status)


@login_required
def tactic_detail(request, campaign_pk, tactic_pk):
    """The card: GET shows it, POST (writers) saves every field."""
    writing = request.method == "POST"
    campaign = get_campaign(request, campaign_pk, write=writing)
    tactic = get_in_campaign(
        campaign,
        _visible(
            request,
            Tactic.objects.select_related("assignee", "influencer", "created_by"),
        ),
        tactic_pk,
    )
    if not writing:
        form = None
        if request.membership.can_write:
            form = TacticForm(instance=tactic, campaign=campaign)
            if request.GET.get("outcome"):
                form.fields["outcome"].widget.attrs["autofocus"] = True
        return _render_detail(request, campaign, tactic, form=form)

    form = TacticForm(request.POST, instance=tactic, campaign=campaign)
    if not (form.is_valid() and logic.save_card(form, request.user)):
        if form.conflict:
            # The heading as saved now, not as typed.
            tactic = get_in_campaign(
                campaign,
                Tactic.objects.select_related("assignee", "influencer", "created_by"),
                tactic_pk,
            )
        return _render_detail(
            request,
            campaign,
            tactic,
            status=versions.status(form, _invalid(request)),
            form=form,
        )
    if request.htmx:
        tactic = get_in_campaign(
            campaign, Tactic.objects.select_related("assignee"), tactic_pk
        )
        response = _render_detail(
            request,
            campaign,
            tactic,
            form=TacticForm(instance=tactic, campaign=campaign),
            saved=True,
        )
        # The card on the board shows the new title, assignee and dates.
        columns = _render_columns(request, campaign, [tactic.status])
        response.content += columns.content
        return response
    overdue = " Its due date has passed: it shows as overdue." if form.overdue else ""
    messages.success(request, f"Saved “{tactic.title}”.{overdue}")
    return redirect(_board_url(campaign, request) + f"#tactic-{tactic.pk}")


@login_required
def tactic_outcome(request, campaign_pk, tactic_pk):
    """The short form a move into Done or Didn't work asks for."""
    campaign = get_campaign(request, campaign_pk, write=_writing(request))
    tactic = get_in_campaign(campaign, Tactic, tactic_pk)
    if _opened_as_page(request):
        detail = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
        return redirect(f"{detail}?outcome=1#id_outcome")
    if wrong := _wrong_method(request, "POST"):
        return wrong
    form = OutcomeForm(request.POST, instance=tactic)
    if not (form.is_valid() and logic.save_card(form, request.user)):
        return _render_detail(
            request,
            campaign,
            tactic,
            status=versions.status(form, _invalid(request)),
            outcome_form=form,
            form=None,
        )
    if request.htmx:
        tactic = get_in_campaign(
            campaign,
            Tactic.objects.select_related("assignee", "influencer", "created_by"),
            tactic_pk,
        )
        return _render_detail(
            request,
            campaign,
            tactic,
            form=TacticForm(instance=tactic, campaign=campaign),
            saved=True,
        )
    messages.success(request, "Outcome saved.")
    return redirect(_board_url(campaign, request) + f"#tactic-{tactic.pk}")


@login_required
def tactic_stop_series(request, campaign_pk, tactic_pk):
    """Stop a repeating tactic: no occurrence plans a next one any more."""
    campaign = get_campaign(request, campaign_pk, write=_writing(request))
    tactic = get_in_campaign(campaign, _visible(request, Tactic.objects), tactic_pk)
    detail = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
    if _opened_as_page(request):
        return redirect(detail)
    if wrong := _wrong_method(request, "POST"):
        return wrong
    stopped = recurring.stop_series(tactic, request.user)
    tactic.refresh_from_db()
    text = f"“{tactic.title}” no longer repeats." if stopped else "It did not repeat."
    if request.htmx:
        return _render_detail(
            request,
            campaign,
            tactic,
            form=TacticForm(instance=tactic, campaign=campaign),
            notice=text,
        )
    messages.success(request, text)
    return redirect(detail)


@login_required
def tactic_comment(request, campaign_pk, tactic_pk):
    campaign = get_campaign(request, campaign_pk, write=_writing(request))
    tactic = get_in_campaign(campaign, Tactic, tactic_pk)
    if _opened_as_page(request):
        detail = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
        return redirect(f"{detail}#comments")
    if wrong := _wrong_method(request, "POST"):
        return wrong
    form = CommentForm(request.POST)
    if form.is_valid():
        comment = form.save(commit=False)
        comment.tactic = tactic
        comment.author = request.user
        comment.save()
        Activity.record(
            campaign,
            request.user,
            Activity.Verb.TACTIC_COMMENTED,
            f"Commented on “{tactic.title}”",
            tactic=tactic,
            data={"comment": comment.pk},
        )
        notices.comment_mentions(comment, tactic, request.user)
        form = None
        if not request.htmx:
            detail = reverse("tactic_detail", args=[campaign.pk, tactic.pk])
            return redirect(f"{detail}#comments")
    elif not request.htmx:
        return _render_detail(
            request,
            campaign,
            tactic,
            status=400,
            comment_form=form,
            form=TacticForm(instance=tactic, campaign=campaign),
        )
    context = _detail_context(request, campaign, tactic, comment_form=form)
    return render(request, f"{DETAIL}#comments", context)


@login_required
@require_GET
def my_tactics(request):
    """The user's open tactics across all campaigns of all their teams."""
    # Quiet tactics of teams the user now only views stay hidden.
    viewing = Membership.objects.filter(user=request.user, role=Role.VIEWER)
    tactics = (
        Tactic.objects.filter(
            assignee=request.user,
            campaign__team__memberships__user=request.user,
        )
        .exclude(status__in=logic.CLOSED)
        .exclude(is_private=True, campaign__team__in=viewing.values("team_id"))
        .select_related("campaign")
        .order_by(F("due_on").asc(nulls_last=True), "campaign__name", "position")
    )
    groups = logic.week_groups(tactics)
    return render(
        request,
        "board/my_tactics.html",
        {
            "nav": "my_tactics",
            "groups": groups,
            "total": sum(len(g[2]) for g in groups),
        },
    )
