"""The address of the person making a request, for lockouts and throttles.

Without trusted proxies (TRUSTED_PROXY_HOPS = 0) it is the peer of the
connection. Behind N proxies that each append the address they saw to
X-Forwarded-For, the last N entries were written by our proxies and the Nth
from the right is the client; anything to its left came from the client and
proves nothing. A request that did not pass through all N proxies (a health
probe sent straight to the app, say) is counted by its peer address.
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    peer = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    if len(chain) < hops:
        return peer
    candidate = chain[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
