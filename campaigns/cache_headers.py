"""Cache headers for the app's pages: a browser asks again before it reuses
one, and never mistakes an HTMX fragment for the page.

Pages show what teammates change all the time (the board above all), so
every HTML answer that chose no Cache-Control of its own gets

- `private`: one person's page, never kept by a proxy or CDN;
- `no-cache`: the browser may keep it, but revalidates it before each use
  (opening a link, Enter in the address bar, a reload).

Deliberately not `no-store`. It would also keep the pages out of the
back-forward cache, so Back would build the board again from scratch
(slower, and the scroll position and anything typed are gone), and the
board would still not be current for long. Back and Forward show a page as
it was whatever the headers say (from the back-forward cache, or from the
HTTP cache without revalidating), so the board catches up by itself when it
is shown that way: static/js/board.js asks the board's version URL on
`pageshow` (one 204 when nothing changed) and fetches the columns when it
moved.

`Vary: HX-Request`: the board and the tactic page answer an HTMX request with
a fragment and a plain one with the whole page, at the same URL. Without it
the browser could show the fragment it last fetched for the side panel or
the board's refresh as the page, on Back or a reload.

Answers that set their own Cache-Control keep it (never_cache on the login,
password and health pages, no-store on the team export, the board's version
check), and so do downloads (CSV, PDF, JSON), which are not HTML. Static
files never get here: WhiteNoise, before this in MIDDLEWARE, answers them.
"""

from django.utils.cache import patch_cache_control, patch_vary_headers


class RevalidateHtmlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ["HX-Request"])
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
        return response
