"""Who is calling: `Authorization: Bearer <token>`, and how often.

A token request carries no cookie, so CSRF cannot apply to it; a request
with the browser's session instead goes through DRF's SessionAuthentication,
which checks the CSRF token on every write.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from .. import throttle
from . import tokens

SCHEME = "bearer"


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != SCHEME.encode():
            return None  # no token: perhaps the session
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”."
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            key = ""
        token = tokens.find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "This token is not valid: it is unknown, revoked or expired."
            )
        return token.user, token

    def authenticate_header(self, request):
        # Makes a missing or bad token a 401 (with WWW-Authenticate), not a 403.
        return 'Bearer realm="api"'


class TokenRateThrottle(throttling.BaseThrottle):
    """A fixed window per token (or per signed-in person), counted in the
    cache shared by every process, or in the database (campaigns/throttle.py)."""

    def allow_request(self, request, view):
        self.wait_seconds = None
        if request.user is None or not request.user.is_authenticated:
            return True  # refused by the authentication check anyway
        token = request.auth
        who = f"token:{token.pk}" if token is not None else f"user:{request.user.pk}"
        wait = throttle.hit_in_window(
            "api",
            who,
            settings.API_RATE_LIMIT,
            settings.API_RATE_WINDOW_SECONDS,
        )
        if wait:
            self.wait_seconds = wait
            return False
        return True

    def wait(self):
        return self.wait_seconds


class TokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema (registered by being defined)."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from your settings page.",
        }
