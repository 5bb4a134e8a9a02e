"""Forms for signing up, logging in and joining a team by invitation."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from ..models import User

PASSWORD_HELP = "At least 10 characters; not a common password or all numbers."


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
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirm password",
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
        user = User.objects.create_user(
            email=self.get_email(),
            password=self.cleaned_data["password1"],
            name=self.cleaned_data["name"],
        )
        password_validation.password_changed(self.cleaned_data["password1"], user)
        return user


class SignupForm(NewAccountForm):
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

    field_order = ["name", "email", "password1", "password2", "team_name"]

    def get_email(self):
        return self.cleaned_data.get("email") if hasattr(self, "cleaned_data") else ""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "There is already an account with this email. Log in, or reset "
                "your password if you have forgotten it."
            )
        return email


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
