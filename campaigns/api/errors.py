"""Every error as JSON: `{"detail": "<what went wrong>"}`, plus `fields`
({field: [messages]}) when the input was not valid, and `current` when a
newer version was saved meanwhile."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

NOT_FOUND = "Not found: there is no such thing in your teams."
NO_TOKEN = (
    "Send your API token as “Authorization: Bearer <token>” (make one on "
    "your settings page)."
)
INVALID = "Some fields are not valid: see `fields`."


class Conflict(exceptions.APIException):
    """A save over a version that has moved on (campaigns/versions.py)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "It was changed meanwhile; nothing was saved."

    def __init__(self, detail=None, current=None, fields=None):
        super().__init__(detail)
        self.current = current
        self.fields = fields or {}


class Invalid(exceptions.APIException):
    """A form's errors, as the web pages would show them."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = INVALID

    def __init__(self, fields, detail=None):
        super().__init__(detail)
        self.fields = fields


def form_errors(form):
    errors = {
        name: [str(m) for m in messages] for name, messages in form.errors.items()
    }
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors


def handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is None:
        return None
    body = {"detail": INVALID}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            body["fields"] = detail
        else:
            body["fields"] = {"non_field_errors": detail}
    elif isinstance(exc, Invalid):
        body["detail"] = str(exc.detail)
        body["fields"] = exc.fields
    elif isinstance(exc, Conflict):
        body["detail"] = str(exc.detail)
        body["fields"] = exc.fields
        body["current"] = exc.current
    elif isinstance(exc, exceptions.NotAuthenticated):
        body["detail"] = NO_TOKEN
    else:
        body["detail"] = str(exc.detail)
    response.data = body
    return response
