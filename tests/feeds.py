"""Feeds served from loopback for the listening tests: good ones, and each
way a feed goes wrong."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Alerts: Riverside Library</title>
<link>https://alerts.example.org/</link>
<item><guid>rss-1</guid><title>Riverside Library wins digital award</title>
<link>https://news.example.org/award</link>
<description>&lt;p&gt;The &lt;b&gt;library&lt;/b&gt; was praised.&lt;/p&gt;
</description>
<pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate></item>
<item><guid>rss-2</guid><title>Council debates library budget</title>
<link>https://news.example.org/budget</link>
<description>Opening hours under review.</description>
<pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Northfield Libraries news</title>
<id>urn:northfield</id><updated>2026-12-01T12:00:00Z</updated>
<entry><id>urn:northfield:1</id><title>Northfield launches a community blog</title>
<link href="https://northfield.example.org/blog"/>
<updated>2026-12-01T12:00:00Z</updated><summary>Weekly posts by staff.</summary></entry>
</feed>"""

ETAG = '"v1"'


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 with one path per case."""

    def __init__(self):
        self.hits = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.hits.append((self.path, dict(self.headers)))
                route = ROUTES.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                route(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path):
        return self.base + path

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _send(handler, status, body=b"", kind="application/rss+xml", headers=()):
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def _rss(handler):
    if handler.headers.get("If-None-Match") == ETAG:
        handler.send_response(304)
        handler.end_headers()
        return
    _send(handler, 200, RSS, headers=[("ETag", ETAG)])


def _atom(handler):
    _send(handler, 200, ATOM, kind="application/atom+xml")


def _malformed(handler):
    _send(handler, 200, b"<html><body><p>Not a feed at all</body>", kind="text/html")


def _huge(handler):
    # No Content-Length: the reader must stop counting by itself.
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    chunk = b"<!-- " + b"x" * 65536 + b" -->"
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for _ in range(200):
            handler.wfile.write(chunk)


def _slow(handler):
    time.sleep(6)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        _send(handler, 200, RSS)


def _to_file(handler):
    _send(handler, 302, headers=[("Location", "file:///etc/passwd")])


def _to_rss(handler):
    _send(handler, 301, headers=[("Location", "/rss")])


ROUTES = {
    "/rss": _rss,
    "/atom": _atom,
    "/malformed": _malformed,
    "/huge": _huge,
    "/slow": _slow,
    "/to-file": _to_file,
    "/moved": _to_rss,
}
