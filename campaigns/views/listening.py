"""The Listening page: the feeds a campaign follows and the new mentions in
them, and what the team makes of each mention."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import listening as logic
from .. import listening_mail
from ..access import get_in_campaign
from ..forms.listening import (
    FeedForm,
    KeepAsEvidenceForm,
    ListeningSignupForm,
    PeerMoveFromMentionForm,
)
from ..models import (
    Activity,
    Feed,
    FeedLabel,
    ListeningSubscription,
    Mention,
    MentionStatus,
)
from .campaigns import campaign_post, writable_campaign

# New mentions shown per label; the rest wait until these are dealt with.
SHOWN = 30


def _page(request, campaign, status=200, **forms):
    feeds = list(
        campaign.feeds.annotate(
            new=Count("mentions", filter=Q(mentions__status=MentionStatus.NEW))
        )
    )
    new = Mention.objects.filter(
        campaign=campaign, status=MentionStatus.NEW
    ).select_related("feed")
    groups = []
    for label in FeedLabel:
        mentions = list(
            new.filter(feed__label=label).order_by("-published_at", "-found_at", "-pk")[
                :SHOWN
            ]
        )
        count = sum(f.new for f in feeds if f.label == label)
        groups.append({"label": label, "mentions": mentions, "count": count})
    can_write = request.membership.can_write
    listeners = ListeningSubscription.objects.filter(
        stakeholder__campaign=campaign
    ).select_related("stakeholder", "recorded_by")
    return render(
        request,
        "listening/listening.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "can_write": can_write,
            "feeds": feeds,
            "groups": groups,
            "form": forms.get("form")
            or (FeedForm(campaign=campaign) if can_write else None),
            "keep_form": KeepAsEvidenceForm(campaign=campaign) if can_write else None,
            "move_form": PeerMoveFromMentionForm() if can_write else None,
            "failed": forms.get("failed"),
            "failed_form": forms.get("failed_form"),
            "listeners": listeners,
            "signup_form": forms.get("signup_form")
            or (ListeningSignupForm(campaign=campaign) if can_write else None),
        },
        status=status,
    )


@login_required
def listening(request, campaign_pk):
    """GET: the page. POST (writers): follow a feed."""
    campaign = writable_campaign(request, campaign_pk)
    if request.method == "POST":
        form = FeedForm(request.POST, campaign=campaign)
        if not form.is_valid():
            return _page(request, campaign, status=400, form=form)
        with transaction.atomic():
            feed = form.save(commit=False)
            feed.campaign = campaign
            feed.created_by = request.user
            feed.save()
            Activity.record(
                campaign,
                request.user,
                Activity.Verb.CAMPAIGN_UPDATED,
                f"Followed the feed {feed.url}",
                data={"feed": feed.pk},
            )
        # The first fetch happens now, so the page says at once whether it works.
        logic.scan(feed)
        feed.refresh_from_db()
        if feed.error:
            messages.warning(request, f"Following it, but: {feed.error}")
        else:
            messages.success(request, "Following the feed.")
        return redirect("listening", campaign.pk)
    if request.method not in ("GET", "HEAD"):
        return redirect("listening", campaign.pk)
    return _page(request, campaign)


def _writer_post(request, campaign_pk):
    return campaign_post(request, campaign_pk, "listening")


@login_required
def feed_check(request, campaign_pk, feed_pk):
    campaign, answer = _writer_post(request, campaign_pk)
    feed = get_in_campaign(campaign, Feed, feed_pk)
    if answer:
        return answer
    added = logic.scan(feed)
    feed.refresh_from_db()
    if feed.error:
        messages.warning(request, f"{feed}: {feed.error}")
    else:
        messages.success(request, f"{feed}: {added} new.")
    return redirect("listening", campaign.pk)


@login_required
def feed_remove(request, campaign_pk, feed_pk):
    campaign, answer = _writer_post(request, campaign_pk)
    feed = get_in_campaign(campaign, Feed, feed_pk)
    if answer:
        return answer
    # Kept mentions live on as evidence or peer moves; the rest go with it.
    feed.delete()
    messages.success(request, f"No longer following {feed}.")
    return redirect("listening", campaign.pk)


def _on_mention(request, campaign_pk, mention_pk):
    """The campaign and the mention a writer's POST acts on, and the answer
    to give at once instead: the page for a GET, or a note that a teammate
    dismissed or kept the mention meanwhile."""
    campaign, answer = _writer_post(request, campaign_pk)
    mention = get_in_campaign(
        campaign, Mention.objects.select_related("campaign", "feed"), mention_pk
    )
    if answer is None and mention.status != MentionStatus.NEW:
        answer = _done(request, campaign, None, "")
    return campaign, mention, answer


def _done(request, campaign, result, text):
    if result:
        messages.success(request, text)
    else:
        # Lost a race with a teammate acting on the same mention.
        messages.info(request, "A teammate has dealt with that mention already.")
    return redirect("listening", campaign.pk)


@login_required
def mention_dismiss(request, campaign_pk, mention_pk):
    campaign, mention, answer = _on_mention(request, campaign_pk, mention_pk)
    if answer:
        return answer
    return _done(request, campaign, logic.dismiss(mention), "Dismissed.")


@login_required
def mention_keep(request, campaign_pk, mention_pk):
    """Keep a mention as evidence answering one of the open objections."""
    campaign, mention, answer = _on_mention(request, campaign_pk, mention_pk)
    if answer:
        return answer
    form = KeepAsEvidenceForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _page(request, campaign, status=400, failed=mention.pk, failed_form=form)
    objection = form.cleaned_data["objection"]
    kept = logic.keep_as_evidence(mention, objection, request.user)
    return _done(request, campaign, kept, f"Kept as evidence for “{objection.text}”.")


@login_required
def mention_peer_move(request, campaign_pk, mention_pk):
    campaign, mention, answer = _on_mention(request, campaign_pk, mention_pk)
    if answer:
        return answer
    form = PeerMoveFromMentionForm(request.POST)
    if not form.is_valid():
        return _page(request, campaign, status=400, failed=mention.pk, failed_form=form)
    organisation = form.cleaned_data["organisation"]
    move = logic.record_peer_move(mention, organisation, request.user)
    return _done(request, campaign, move, "Recorded as a peer move.")


@login_required
def listener_signup(request, campaign_pk):
    """Sign a stakeholder who agreed up to the weekly "what is being said"
    email."""
    campaign, answer = _writer_post(request, campaign_pk)
    if answer:
        return answer
    form = ListeningSignupForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _page(request, campaign, status=400, signup_form=form)
    stakeholder = form.cleaned_data["stakeholder"]
    listening_mail.sign_up(stakeholder, form.cleaned_data["consent"], request.user)
    messages.success(
        request,
        f"{stakeholder.name} will get the weekly email of what is being said.",
    )
    return redirect("listening", campaign.pk)


@login_required
def listener_stop(request, campaign_pk, listener_pk):
    campaign, answer = _writer_post(request, campaign_pk)
    listener = get_object_or_404(
        ListeningSubscription.objects.select_related("stakeholder__campaign"),
        pk=listener_pk,
        stakeholder__campaign=campaign,
    )
    if answer:
        return answer
    if listening_mail.stop(listener, request.user):
        messages.success(
            request, f"No more weekly listening emails to {listener.stakeholder.name}."
        )
    else:
        messages.info(request, "That email had been stopped already.")
    return redirect("listening", campaign.pk)


# No CSRF token: mail providers POST here for one-click unsubscribe (RFC
# 8058), and the signed token in the address is what authorises it. A GET
# only asks, so a link checker opening the address changes nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def listening_unsubscribe(request, token):
    listener = listening_mail.subscription_of(token)
    if listener is None:
        return render(
            request, "listening/unsubscribe.html", {"invalid": True}, status=400
        )
    context = {"listener": listener, "token": token}
    if request.method == "POST":
        listening_mail.stop(listener)
        context["done"] = True
    return render(request, "listening/unsubscribe.html", context)
