"""The team's webhook endpoints (owners only: the page shows each secret)
and a campaign's chat notifications (its writers), with their recent
deliveries and a button to send one again."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from .. import webhooks
from ..access import get_membership
from ..forms.hooks import ChatHookForm, WebhookEndpointForm
from ..models import Activity, ChatHook, HookDelivery, WebhookEndpoint
from .campaigns import campaign_post, send_back, writable_campaign


def _with_recent(queryset):
    """The targets, each with its newest deliveries as `recent` (one query
    for all of them, however long their history)."""
    newest = HookDelivery.objects.order_by("-created_at", "-pk")
    return queryset.prefetch_related(
        Prefetch(
            "deliveries",
            queryset=newest[: webhooks.RECENT_DELIVERIES],
            to_attr="recent",
        )
    )


# ---- webhook endpoints (team owners) ---------------------------------------


def _endpoints_page(request, team, form=None, status=200):
    endpoints = _with_recent(WebhookEndpoint.objects.filter(team=team))
    return render(
        request,
        "teams/webhooks.html",
        {
            "team": team,
            "nav": "team",
            "endpoints": endpoints,
            "form": form or WebhookEndpointForm(team=team),
            "hours": settings.WEBHOOK_DISABLE_AFTER_HOURS,
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
def team_webhooks(request, team_pk):
    """GET: the endpoints. POST: add one, with a new secret."""
    team = get_membership(request, team_pk, owner=True).team
    if request.method == "POST":
        form = WebhookEndpointForm(request.POST, team=team)
        if not form.is_valid():
            return _endpoints_page(request, team, form, status=400)
        endpoint = form.save(commit=False)
        endpoint.team = team
        endpoint.secret = webhooks.new_secret()
        endpoint.created_by = request.user
        endpoint.save()
        messages.success(
            request, "Endpoint added. Its signing secret is shown below it."
        )
        return redirect("team_webhooks", team.pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _endpoints_page(request, team)


def _owner_post(request, team_pk, endpoint_pk):
    """The team and endpoint an owner's POST acts on, or the answer to give
    instead for another method."""
    team = get_membership(request, team_pk, owner=True).team
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_pk, team=team)
    if request.method != "POST":
        return team, endpoint, redirect("team_webhooks", team.pk)
    return team, endpoint, None


@login_required
def webhook_rotate(request, team_pk, endpoint_pk):
    team, endpoint, answer = _owner_post(request, team_pk, endpoint_pk)
    if answer:
        return answer
    webhooks.rotate_secret(endpoint)
    messages.success(
        request,
        "New secret made. The previous one also signs until "
        f"{endpoint.previous_secret_until:%-d %b %H:%M} UTC, so your receiver "
        "can switch over.",
    )
    return redirect("team_webhooks", team.pk)


@login_required
def webhook_enable(request, team_pk, endpoint_pk):
    team, endpoint, answer = _owner_post(request, team_pk, endpoint_pk)
    if answer:
        return answer
    if webhooks.enable(endpoint):
        messages.success(request, f"Sending to {endpoint.url} again.")
    else:
        messages.info(request, "That endpoint was on already.")
    return redirect("team_webhooks", team.pk)


@login_required
def webhook_remove(request, team_pk, endpoint_pk):
    team, endpoint, answer = _owner_post(request, team_pk, endpoint_pk)
    if answer:
        return answer
    endpoint.delete()
    messages.success(request, f"Removed the endpoint {endpoint.url}.")
    return redirect("team_webhooks", team.pk)


@login_required
def webhook_resend(request, team_pk, delivery_pk):
    team = get_membership(request, team_pk, owner=True).team
    delivery = get_object_or_404(
        HookDelivery.objects.select_related("endpoint"),
        pk=delivery_pk,
        endpoint__team=team,
    )
    if request.method != "POST":
        return redirect("team_webhooks", team.pk)
    _resend(request, delivery)
    return redirect("team_webhooks", team.pk)


def _resend(request, delivery):
    with transaction.atomic():
        sent = webhooks.resend(delivery)
    if sent:
        messages.success(request, f"Sending {delivery.event} again.")
    elif not delivery.target.is_active:
        messages.warning(request, "It is turned off: turn it on first.")
    else:
        messages.info(request, "That delivery is on its way already.")


# ---- chat notifications (a campaign's writers) -----------------------------


def _chat_page(request, campaign, form=None, status=200):
    hooks = _with_recent(campaign.chat_hooks.all())
    return render(
        request,
        "campaigns/chat_hooks.html",
        {
            "nav": "campaigns",
            "campaign": campaign,
            "hooks": hooks,
            "form": form or ChatHookForm(campaign=campaign),
        },
        status=status,
    )


@login_required
def chat_hooks(request, campaign_pk):
    """GET (writers): the campaign's chat notifications. POST: add one."""
    campaign = writable_campaign(request, campaign_pk)
    if not request.membership.can_write:
        # The addresses let anyone post to the channel: writers only.
        return send_back(request, campaign)
    if request.method == "POST":
        form = ChatHookForm(request.POST, campaign=campaign)
        if not form.is_valid():
            return _chat_page(request, campaign, form, status=400)
        with transaction.atomic():
            hook = form.save(commit=False)
            hook.campaign = campaign
            hook.created_by = request.user
            hook.save()
            Activity.record(
                campaign,
                request.user,
                Activity.Verb.CAMPAIGN_UPDATED,
                f"Connected {hook.get_service_display()} notifications",
                data={"chat_hook": hook.pk},
            )
        messages.success(
            request, f"{hook.get_service_display()} will hear about this campaign."
        )
        return redirect("chat_hooks", campaign.pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _chat_page(request, campaign)


def _writer_post(request, campaign_pk):
    return campaign_post(request, campaign_pk, "chat_hooks")


@login_required
def chat_hook_remove(request, campaign_pk, chat_hook_pk):
    campaign, answer = _writer_post(request, campaign_pk)
    hook = get_object_or_404(ChatHook, pk=chat_hook_pk, campaign=campaign)
    if answer:
        return answer
    with transaction.atomic():
        hook.delete()
        Activity.record(
            campaign,
            request.user,
            Activity.Verb.CAMPAIGN_UPDATED,
            f"Disconnected {hook.get_service_display()} notifications",
        )
    messages.success(request, f"No more {hook.get_service_display()} messages.")
    return redirect("chat_hooks", campaign.pk)


@login_required
def chat_hook_enable(request, campaign_pk, chat_hook_pk):
    campaign, answer = _writer_post(request, campaign_pk)
    hook = get_object_or_404(ChatHook, pk=chat_hook_pk, campaign=campaign)
    if answer:
        return answer
    if webhooks.enable(hook):
        messages.success(request, f"Sending to {hook.get_service_display()} again.")
    else:
        messages.info(request, "It was on already.")
    return redirect("chat_hooks", campaign.pk)


@login_required
def chat_resend(request, campaign_pk, chat_delivery_pk):
    campaign, answer = _writer_post(request, campaign_pk)
    delivery = get_object_or_404(
        HookDelivery.objects.select_related("chat_hook"),
        pk=chat_delivery_pk,
        chat_hook__campaign=campaign,
    )
    if answer:
        return answer
    _resend(request, delivery)
    return redirect("chat_hooks", campaign.pk)
