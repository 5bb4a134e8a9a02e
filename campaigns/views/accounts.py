"""Accounts: sign up, log in and out, passwords, and accepting an invitation."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from .. import people, throttle
from ..client_address import client_ip
from ..forms.accounts import PASSWORD_HELP, LoginForm, NewAccountForm, SignupForm
from ..models import Membership, User
from ..teams import switch_team

# Two backends are configured (throttling and passwords); a person who just
# created an account or set a password is logged in with the password one.
PASSWORD_BACKEND = "campaigns.backends.CachedUserBackend"
ACCOUNT_EXISTS = "There is already an account with this email. Please log in."
# Password reset emails per typed address, and per client address, an hour.
RESETS_PER_EMAIL = 3
RESETS_PER_ADDRESS = 20

log = logging.getLogger(__name__)


def throttle_username(request, credentials):
    """The account a login attempt is counted against (see AXES_* settings)."""
    source = credentials or getattr(request, "POST", None) or {}
    return (source.get("username") or "").strip().lower() or None


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("campaign_list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                membership = people.create_team(form.cleaned_data["team_name"], user)
        except IntegrityError:
            # The same address signed up a moment ago (a double submit).
            form.add_error("email", ACCOUNT_EXISTS)
        else:
            login(request, user, backend=PASSWORD_BACKEND)
            switch_team(request, membership)
            messages.success(
                request, f"Welcome, {user.get_short_name()}. Your team is ready."
            )
            return redirect("campaign_list")
    status = 400 if form.is_bound else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_initial(self):
        # The invitation page links here with the invited address filled in.
        return {"username": self.request.GET.get("email", "")}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have logged out.")
        return response


class PlainLabelsMixin:
    """Django's own password forms, worded like the app's other forms."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": ""}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if "new_password2" in form.fields:
            form.fields["new_password1"].help_text = PASSWORD_HELP
            form.fields["new_password2"].label = "Confirm new password"
            form.fields["new_password2"].help_text = ""
        return form


class PasswordChangeView(PlainLabelsMixin, auth_views.PasswordChangeView):
    success_url = reverse_lazy("campaign_list")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed.")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetView(PlainLabelsMixin, auth_views.PasswordResetView):
    subject_template_name = "emails/password_reset_subject.txt"
    email_template_name = "emails/password_reset.txt"
    html_email_template_name = "emails/password_reset.html"
    # Links in the email are built from SITE_URL rather than the request's
    # Host header, which a stranger could set to their own domain.
    extra_email_context = {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        # Over the limit, nothing is sent but the answer is the same page, so
        # it reveals neither the limit nor whether the account exists.
        email = form.cleaned_data["email"]
        address = client_ip(self.request)
        allowed = throttle.hit("reset-email", email, RESETS_PER_EMAIL)
        allowed = throttle.hit("reset-ip", address, RESETS_PER_ADDRESS) and allowed
        if not allowed:
            log.warning("Password reset throttled for an address or client")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(PlainLabelsMixin, auth_views.PasswordResetConfirmView):
    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# ---- invitations -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    try:
        invitation = people.read_token(token)
    except people.InvalidInvitation as problem:
        return _invalid(request, problem)
    context = {"invitation": invitation, "team": invitation.team}

    if request.user.is_authenticated:
        # A logged-in person may accept even if their address differs from the
        # invited one: the link went to the invitee, who may simply keep a
        # different address on their account. The page says which account
        # will join, and the team page shows owners who actually joined.
        context["other_email"] = request.user.email.lower() != invitation.email.lower()
        context["already_member"] = Membership.objects.filter(
            team=invitation.team, user=request.user
        ).exists()
        if request.method == "POST":
            return _join(request, invitation, request.user)
        return render(request, "teams/invitation.html", context)

    if User.objects.filter(email__iexact=invitation.email).exists():
        # They have an account: log in, then come back here to join.
        query = urlencode({"next": request.path, "email": invitation.email})
        context["login_url"] = f"{reverse('login')}?{query}"
        return render(request, "teams/invitation.html", context)

    form = NewAccountForm(request.POST or None, email=invitation.email)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction: no account is left behind if the link was
            # used up by another click in the meantime.
            with transaction.atomic():
                user = form.save()
                membership, joined = people.accept(invitation, user)
        except people.InvalidInvitation as problem:
            return _invalid(request, problem)
        except IntegrityError:
            form.add_error(None, ACCOUNT_EXISTS)
        else:
            return _welcome(request, user, membership, joined)
    status = 400 if form.is_bound else 200
    return render(request, "teams/invitation.html", context, status=status)


def _join(request, invitation, user):
    try:
        membership, joined = people.accept(invitation, user)
    except people.InvalidInvitation as problem:
        return _invalid(request, problem)
    return _welcome(request, user, membership, joined)


def _welcome(request, user, membership, joined):
    if request.user != user:
        login(request, user, backend=PASSWORD_BACKEND)
    switch_team(request, membership)
    team = membership.team.name
    if joined:
        messages.success(request, f"You have joined {team}.")
    else:
        messages.info(request, f"You are already in {team}; nothing changed.")
    return redirect("campaign_list")


def _invalid(request, problem):
    return render(
        request,
        "teams/invitation_invalid.html",
        {"problem": problem},
        status=problem.status,
    )
