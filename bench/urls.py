from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from advocacy.urls import urlpatterns as site_patterns


def floor(request):
    """Nothing but the middleware: the fastest any page can be."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def floor_logged_in(request):
    """The same, plus loading the session and the user, as every page does."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/floor/user/", floor_logged_in),
    *site_patterns,
]
