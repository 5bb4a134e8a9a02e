"""Personal access tokens for the API, on the settings page: make one (its
key is shown once, on the page the making redirects to) and revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ..api import tokens
from ..forms.api_tokens import ApiTokenForm, ApiTokenRevokeForm
from .notifications import preferences_page


def _back():
    return redirect(reverse("notification_preferences") + "#api-tokens")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_create(request):
    if request.method != "POST":
        return _back()  # the form lives on the settings page
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return preferences_page(request, token_form=form, status=400)
    token, key = tokens.create(
        request.user,
        form.cleaned_data["name"],
        read_only=form.cleaned_data["read_only"],
        expires_at=form.expires_at(),
    )
    tokens.show_once(request.session, token, key)
    return _back()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_revoke(request):
    if request.method != "POST":
        return _back()
    form = ApiTokenRevokeForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form.errors["token"][0])
        return preferences_page(request, status=400)
    token = form.cleaned_data["token"]
    tokens.revoke(request.user, token.pk)
    messages.success(request, f"Revoked “{token.name}”: it stops working at once.")
    return _back()
