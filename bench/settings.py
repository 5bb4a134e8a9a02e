"""Production settings plus one trivial page, for measuring the floor.

The floor is what the same server and middleware answer for a view that does
nothing: every other page is compared with it, so the numbers say how much a
page costs beyond the fixed price of a request on this machine.
"""

from advocacy.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# Collected and hashed as in production, apart from the real static root.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"  # noqa: F405
WHITENOISE_USE_FINDERS = False
