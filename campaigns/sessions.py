"""Sessions: a save that fails because the database is unreachable is an
outage, answered with the error page, not a "bad request".

Django's database sessions turn any database error while updating a row into
UpdateError, which the middleware reports as SessionInterrupted (400, meant
for a logout in a concurrent request). The underlying error is re-raised
instead, so the person gets the same page as every other request made during
the outage.
"""

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as BaseMiddleware
from django.db import DatabaseError


class SessionMiddleware(BaseMiddleware):
    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except SessionInterrupted as interrupted:
            update_error = interrupted.__context__
            cause = getattr(update_error, "__context__", None)
            if isinstance(cause, DatabaseError):
                raise cause from None
            raise
