"""A loopback HTTP server that receives webhook and chat deliveries: it keeps
every POST (path, headers, body) and answers each path with the statuses it
was told, in turn (the last one repeats)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HookServer:
    def __init__(self, answers=None):
        # path -> statuses to answer in turn; unknown paths get 204.
        self.answers = {path: list(codes) for path, codes in (answers or {}).items()}
        self.received = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server.lock:
                    server.received.append((self.path, dict(self.headers), body))
                    codes = server.answers.get(self.path, [204])
                    status = codes.pop(0) if len(codes) > 1 else codes[0]
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def to(self, path):
        with self.lock:
            return [r for r in self.received if r[0] == path]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
