"""The Jinja2 environment of the second template engine (settings.TEMPLATES),
which only renders the board's cards (campaigns/cards.py)."""

import re

import jinja2
from jinja2.ext import Extension

from campaigns import recurring
from campaigns.templatetags.html_time import datetime_attr

# A line break and the indentation around it, between two tags (or template
# tags). Spaces inside a line, as in "Due <time>" or "{{ day }} {{ month }}",
# are text and stay.
LAYOUT = re.compile(r"(?<=[>}])[ \t]*\n\s*(?=[<{])")


class DropLayout(Extension):
    """Removes the template's own line breaks and indentation as it compiles.

    The template stays laid out for people to read, and a 500-card board
    does not send a tenth of its bytes as indentation. Once per template,
    not per render.
    """

    def preprocess(self, source, name, filename=None):
        return LAYOUT.sub("", source)


def strftime(value, fmt):
    # A filter is a plain call; date.strftime() called in a template goes
    # through Context.call, which costs several times more per card.
    return value.strftime(fmt)


def environment(**options):
    # A misspelt name fails loudly instead of rendering nothing on every card
    # (Django's default is Undefined, or DebugUndefined with DEBUG).
    options["undefined"] = jinja2.StrictUndefined
    options["extensions"] = [*options.get("extensions", ()), DropLayout]
    env = jinja2.Environment(**options)
    env.filters["strftime"] = strftime
    env.filters["datetime_attr"] = datetime_attr
    env.filters["repeat_label"] = recurring.describe
    return env
