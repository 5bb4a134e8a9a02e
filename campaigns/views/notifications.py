"""Email settings (with the person's calendar address), and unsubscribing
from a link in an email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import calendar_feed
from ..api import tokens as api_tokens
from ..forms.api_tokens import ApiTokenForm
from ..forms.notifications import NotificationPreferenceForm
from ..mail import preference_for, read_unsubscribe_token
from ..models import EmailKind, User
from ..reminders import PREFERENCE_OF_KIND, switched_off
from .calendar import renewed

TEMPLATE = "notifications/preferences.html"


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = preference_for(request.user)
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST, instance=preference)
        if form.is_valid():
            form.save()
            if request.htmx:
                context = {"form": form, "saved": True}
                return render(request, f"{TEMPLATE}#settings-form", context)
            messages.success(request, "Email settings saved.")
            return redirect("notification_preferences")
        # htmx swaps only successful responses, so its re-render is a 200.
        status = 200 if request.htmx else 400
    else:
        form = NotificationPreferenceForm(instance=preference)
        status = 200
    if request.htmx:
        return render(
            request, f"{TEMPLATE}#settings-form", {"form": form}, status=status
        )
    return preferences_page(request, form=form, status=status)


def preferences_page(request, form=None, token_form=None, status=200):
    """The whole settings page; the token forms post elsewhere
    (views/api_tokens.py) and come back here with their errors."""
    if form is None:
        form = NotificationPreferenceForm(instance=preference_for(request.user))
    feed = calendar_feed.personal_feed(request.user)
    context = {
        "form": form,
        "calendar_url": calendar_feed.feed_url(feed),
        "calendar_webcal": calendar_feed.webcal_url(feed),
        "calendar_notice": renewed(request, "personal"),
        "token_form": token_form or ApiTokenForm(),
        "tokens": api_tokens.of(request.user),
        "new_token": api_tokens.shown_once(request.session),
    }
    return render(request, TEMPLATE, context, status=status)


def _turn_off(user, kind):
    preference = preference_for(user)
    field = "digest_enabled" if kind == EmailKind.DIGEST else PREFERENCE_OF_KIND[kind]
    setattr(preference, field, switched_off(field))
    if preference._state.adding:
        preference.save()
    else:
        preference.save(update_fields=[field, "updated_at"])


# No CSRF token: mail providers POST here for one-click unsubscribe (RFC
# 8058), and the signed token in the address is what authorises the change.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        user_pk, kind = read_unsubscribe_token(token)
        user = User.objects.get(pk=user_pk)
        # Only what the person's email settings switch (not, say, a report).
        if kind != EmailKind.DIGEST and kind not in PREFERENCE_OF_KIND:
            raise signing.BadSignature("Not a kind of email of the settings.")
    except (signing.BadSignature, User.DoesNotExist):
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    if kind == EmailKind.DIGEST:
        what = "the weekly digest"
    elif PREFERENCE_OF_KIND[kind].endswith("_delivery"):
        # These stay under the bell in the app (campaigns/notices.py).
        what = f"emails for “{kind.label}” (the bell in the app still shows them)"
    else:
        what = f"reminders ({kind.label.lower()})"
    context = {"email": user.email, "what": what, "token": token}
    if request.method == "POST":
        _turn_off(user, kind)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
