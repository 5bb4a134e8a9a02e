"""Where the board's time goes: pyinstrument over a few renders of the
500-card board (run after bench/run.py has seeded the bench database).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/profile_board.py [board|board-cold|digest]

"board" reads the cards from the cache, as most views do; "board-cold"
bumps the board version before each render, as every move does, so the
cards are built and rendered again (campaigns/cards.py).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from campaigns import board as logic  # noqa: E402
from campaigns import digests  # noqa: E402
from campaigns.models import Campaign, User  # noqa: E402


def board(cold=False):
    campaign = Campaign.objects.get(name="Scale campaign 201")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email="user1@scale.example"))
    url = reverse("board", args=[campaign.pk])
    client.get(url)
    profiler = Profiler()
    with profiler:
        for _ in range(5):
            if cold:
                logic.bump_version(campaign.pk)
            assert client.get(url).status_code == 200
    return profiler


def digest():
    ids = list(
        User.objects.filter(email__endswith="@scale.example").values_list(
            "pk", flat=True
        )[:2000]
    )
    now = timezone.now()
    profiler = Profiler()
    with profiler:
        for chunk in digests.chunks(ids):
            cache = {}
            for one in digests.build_digests(chunk, now):
                if digests.should_send(one):
                    digests.render(one, cache)
    return profiler


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "board"
    profiler = {
        "board": board,
        "board-cold": lambda: board(cold=True),
        "digest": digest,
    }[what]()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
