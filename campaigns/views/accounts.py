"""Accounts: sign up, log in and out, passwords, and accepting an invitation."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.views.decorators.http import require_http_methods

from .. import people, throttle
from ..client_address import client_ip
from ..forms.accounts import (
    PASSWORD_HELP,
    PASSWORD_MAX,
    LoginForm,
    NewAccountForm,
    SignupForm,
)
from ..mail import SEND_ERRORS
from ..models import Membership, Role, Team, User
from ..people import is_pending, pending_accounts
from ..teams import switch_team

# Two backends are configured (throttling and passwords); a person who just
# created an account or set a password is logged in with the password one.
PASSWORD_BACKEND = "campaigns.backends.CachedUserBackend"
ACCOUNT_EXISTS = "There is already an account with this email. Please log in."
# Password reset emails per typed address, and per client address, an hour.
RESETS_PER_EMAIL = 3
RESETS_PER_ADDRESS = 20
# Sign-ups send an email to the typed address too: the same limits.
SIGNUPS_PER_EMAIL = 3
SIGNUPS_PER_ADDRESS = 20

log = logging.getLogger(__name__)


def throttle_username(request, credentials):
    """The account a login attempt is counted against (see AXES_* settings)."""
    source = credentials or getattr(request, "POST", None) or {}
    return (source.get("username") or "").strip().lower() or None


@require_http_methods(["GET", "POST"])
def signup(request):
    """Sign-up answers the same whether the address has an account or not,
    so it tells a stranger nothing: "check your email". A new address gets a
    link to choose a password, which makes the account usable; a taken one
    gets a note saying someone tried, with links to log in or reset."""
    if request.user.is_authenticated:
        return redirect("campaign_list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        allowed = throttle.hit("signup-email", email, SIGNUPS_PER_EMAIL)
        allowed = (
            throttle.hit("signup-ip", client_ip(request), SIGNUPS_PER_ADDRESS)
            and allowed
        )
        if allowed:
            _start_signup(**form.cleaned_data)
        else:
            log.warning("Sign-up throttled for an address or client")
        return render(request, "registration/signup_done.html", {"email": email})
    status = 400 if form.is_bound else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


def _start_signup(*, name, email, team_name):
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                # No password yet, and not active until one is chosen from
                # the link: the account cannot be used without the mailbox.
                user = User.objects.create_user(
                    email=email, password=None, name=name, is_active=False
                )
                people.create_team(team_name, user)
        except IntegrityError:
            return  # The same address a moment ago (a double submit).
        _send_account_email("signup_confirm", user, _finish_link(user))
    elif is_pending(user):
        # Never finished, so nobody has shown the address is theirs: the
        # latest details count, and a fresh link goes to the mailbox.
        with transaction.atomic():
            user.name = name
            # The new link's day counts from now (people.forget_unfinished_signups).
            user.date_joined = timezone.now()
            user.save(update_fields=["name", "date_joined"])
            Team.objects.filter(memberships__user=user).update(name=team_name)
        _send_account_email("signup_confirm", user, _finish_link(user))
    elif user.is_active:
        _send_account_email(
            "signup_exists",
            user,
            {
                "login_url": settings.SITE_URL + reverse("login"),
                "reset_url": settings.SITE_URL + reverse("password_reset"),
            },
        )
    else:
        log.info("Sign-up with the address of a deactivated account; nothing sent")


def _finish_link(user):
    # The password reset link: it expires (PASSWORD_RESET_TIMEOUT) and works
    # once, since choosing the password changes what the token is made of.
    path = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    return {"url": settings.SITE_URL + path}


def _send_account_email(template, user, extra):
    context = {"user": user, "site_url": settings.SITE_URL, **extra}
    subject = "".join(
        render_to_string(f"emails/{template}_subject.txt", context).splitlines()
    )
    message = EmailMultiAlternatives(
        subject, render_to_string(f"emails/{template}.txt", context), to=[user.email]
    )
    message.attach_alternative(
        render_to_string(f"emails/{template}.html", context), "text/html"
    )
    try:
        message.send()
    except SEND_ERRORS:
        # The page says the same either way; signing up again resends.
        log.exception("Could not send %s to user %s", template, user.pk)


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
        for name in ("old_password", "new_password1", "new_password2"):
            if name in form.fields:
                # Django's password fields have no limit; ours do.
                form.fields[name].max_length = PASSWORD_MAX
                form.fields[name].validators.append(MaxLengthValidator(PASSWORD_MAX))
                form.fields[name].widget.attrs["maxlength"] = str(PASSWORD_MAX)
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
    """Also the link that finishes a sign-up: choosing the first password
    makes the account active and logs the person in to their new team."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["finishing_signup"] = bool(self.user) and is_pending(self.user)
        return context

    def form_valid(self, form):
        if not is_pending(form.user):
            return super().form_valid(form)
        user = form.user
        user.is_active = True  # saved with the password by form.save()
        super().form_valid(form)
        login(self.request, user, backend=PASSWORD_BACKEND)
        membership = (
            Membership.objects.filter(user=user)
            .select_related("team")
            .order_by("joined_at", "pk")
            .first()
        )
        if membership:
            switch_team(self.request, membership)
        messages.success(
            self.request, f"Welcome, {user.get_short_name()}. Your team is ready."
        )
        return redirect("campaign_list")

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
        # A logged-in person may accept a member or viewer invitation even if
        # their address differs from the invited one: the link went to the
        # invitee, who may simply keep a different address on their account.
        # The page says which account will join.
        other_email = request.user.email.lower() != invitation.email.lower()
        if other_email and invitation.role == Role.OWNER:
            # Owning a team is too much to hand to whoever holds a forwarded
            # or leaked link: only the invited address may take it.
            return render(
                request,
                "registration/invitation_wrong_account.html",
                context,
                status=403,
            )
        context["other_email"] = other_email
        context["already_member"] = Membership.objects.filter(
            team=invitation.team, user=request.user
        ).exists()
        if request.method == "POST":
            return _join(request, invitation, request.user)
        return render(request, "teams/invitation.html", context)

    # An unfinished sign-up cannot log in; the form below finishes it.
    accounts = User.objects.exclude(pk__in=pending_accounts().values("pk"))
    if accounts.filter(email__iexact=invitation.email).exists():
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
