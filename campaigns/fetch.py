"""Fetching a URL that a person typed (or posting to one), without letting
it reach what it must not: only http and https, only public addresses
(unless a setting allows private ones), redirects followed by hand and
checked again, a size limit and a time limit.

The address is resolved once and the connection made to that very address,
so a name that resolves to a public address when checked and a private one
when connecting (DNS rebinding) reaches nothing.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 3
USER_AGENT = "Advocacy feed reader"


class FetchError(Exception):
    """Why a URL could not be fetched, in words for the person who typed it."""


@dataclass
class Response:
    status: int
    url: str
    body: bytes = b""
    headers: dict = field(default_factory=dict)

    @property
    def not_modified(self):
        return self.status == 304


def _allowed(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in ipaddress.ip_network(net) for net in settings.FETCH_ALLOWED_NETWORKS):
        return True  # e.g. an intranet feed, or the tests' loopback servers
    return ip.is_global and not ip.is_multicast


def _resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"The address {host} could not be found.") from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError(f"The address {host} could not be found.")
    if not all(_allowed(address) for address in addresses):
        # One private address among public ones is refused too: which one a
        # connection would use is not ours to choose.
        raise FetchError(f"{host} is a private or local address; it is not fetched.")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def check_address(url):
    """What can be said of an address without resolving it: http(s), a host,
    no credentials, a port that exists, and no private address written as
    digits. Raises FetchError. Names are resolved (and checked) when used."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("Only http and https addresses are allowed.")
    if not parts.hostname:
        raise FetchError("That address has no host name.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password are not allowed.")
    try:
        parts.port  # noqa: B018 - raises for an impossible port
    except ValueError as error:
        raise FetchError("That address has an impossible port.") from error
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None and not _allowed(str(literal)):
        raise FetchError(f"{parts.hostname} is a private or local address.")
    if parts.hostname.lower() == "localhost" and not _allowed("127.0.0.1"):
        raise FetchError("localhost is a private or local address.")


def _one(url, headers, timeout, max_bytes, deadline, method="GET", body=None):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("Only http and https addresses are fetched.")
    if not parts.hostname:
        raise FetchError("That address has no host name.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password are not fetched.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise FetchError("That address has an impossible port.") from error
    address = _resolve(parts.hostname, port)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(parts.hostname, address, port=port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(
            method, path, body=body, headers={"User-Agent": USER_AGENT, **headers}
        )
        answer = connection.getresponse()
        length = answer.getheader("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(_too_large(max_bytes))
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError("The server took too long to answer.")
            chunk = answer.read(64 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(_too_large(max_bytes))
            chunks.append(chunk)
        return Response(
            answer.status,
            url,
            b"".join(chunks),
            {k.lower(): v for k, v in answer.getheaders()},
        )
    except TimeoutError as error:
        raise FetchError("The server took too long to answer.") from error
    except ssl.SSLError as error:
        raise FetchError("The server's certificate could not be trusted.") from error
    except (OSError, http.client.HTTPException) as error:
        raise FetchError("The server could not be reached.") from error
    finally:
        connection.close()


def _too_large(max_bytes):
    return f"The answer is larger than {max_bytes // 1024} KB."


def get(url, headers=None, timeout=None, max_bytes=None):
    """GET `url`, following up to three redirects to http(s) addresses.
    Returns a Response (any status) or raises FetchError."""
    timeout = timeout or settings.FETCH_TIMEOUT_SECONDS
    max_bytes = max_bytes or settings.FETCH_MAX_BYTES
    deadline = time.monotonic() + timeout * 2
    for _ in range(MAX_REDIRECTS + 1):
        response = _one(url, headers or {}, timeout, max_bytes, deadline)
        if response.status not in (301, 302, 303, 307, 308):
            return response
        location = response.headers.get("location")
        if not location:
            return response
        url = urljoin(url, location)
    raise FetchError("The address redirects too many times.")


def post(url, body, headers, timeout=None, max_bytes=64 * 1024):
    """POST `body` (bytes) to `url` under the same rules, for webhooks and chat
    notifications. A redirect is not followed: it is the answer (a POST must
    not be replayed to wherever a server points). Returns a Response (any
    status) or raises FetchError."""
    timeout = timeout or settings.FETCH_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout * 2
    return _one(url, headers, timeout, max_bytes, deadline, "POST", body)
