"""Forms for signing up, logging in and joining a team by invitation."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from ..models import User
from ..people import pending_accounts

PASSWORD_HELP = "At least 10 characters; not a common password or all numbers."
# Far beyond any passphrase or password manager, and it bounds the work of
# hashing and of the similarity validator.
PASSWORD_MAX = 1_000


class PlainLabels:
    """Labels without Django's trailing colon: they read as plain words."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NewAccountForm(PlainLabels, forms.Form):
    """Name and password for a new account; the email comes from elsewhere."""

    name = forms.CharField(
        label="Your name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label="Password",
        max_length=PASSWORD_MAX,
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirm password",
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email=None, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def get_email(self):
        return self.email

    def clean_password2(self):
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            raise forms.ValidationError("The two passwords don't match.")
        return password2

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password:
            # Validators compare the password with the person's name and email.
            probe = User(email=self.get_email() or "", name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self):
        email, name = self.get_email(), self.cleaned_data["name"]
        password = self.cleaned_data["password1"]
        user = pending_accounts().filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, name=name)
        else:
            # A sign-up never finished: the invitation link reached the same
            # mailbox the sign-up link would have, so it finishes the account.
            user.name = name
            user.set_password(password)
            user.is_active = True
            user.save()
        password_validation.password_changed(password, user)
        return user


class SignupForm(PlainLabels, forms.Form):
    """Who is signing up and their first team. The password is chosen from
    the emailed link, so whoever sets it holds the mailbox."""

    name = forms.CharField(
        label="Your name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    team_name = forms.CharField(
        label="Team name",
        max_length=120,
        help_text="The people you will run campaigns with. You can invite them next.",
    )

    def clean_email(self):
        # Whether the address is taken is not checked here: the answer must
        # be the same either way (see views.accounts.signup).
        return self.cleaned_data["email"].strip().lower()


class LoginForm(PlainLabels, AuthenticationForm):
    """Email and password. The field keeps the name `username`, which is what
    the login throttling reads."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password don't match an account. "
        "Check them and try again.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()
