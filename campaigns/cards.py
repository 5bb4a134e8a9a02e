"""The cards of a board column, rendered in one pass.

The markup of a card lives in templates/jinja2/board/cards.html, for a
designer to edit. A board can hold thousands of cards, and through Django's
template language every card costs a few hundred node renders (the same
template took ten times as long there), so that template is Jinja2, the
second engine in settings.TEMPLATES: it compiles to Python and renders a
column's cards in one call at about 1.5 times the cost of the f-strings that
built them before. Jinja2 escapes every value and, like Django, leaves alone
what is already safe (`__html__`, which SafeString has).

The board is cached per board version (see views/board.py), so the
per-request CSRF token is left as CSRF_SLOT and filled in on the way out.
"""

from functools import cache

from django.template import engines
from markupsafe import Markup

# Cannot come from user content: every user value is escaped.
CSRF_SLOT = "<!--csrf-->"
# Markup, so that autoescaping leaves the slot as it is.
CSRF_INPUT = Markup(
    f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_SLOT}">'
)


@cache
def _template():
    # Looked up once per process instead of once per column (the engine keeps
    # it compiled anyway): it is immutable and safe to share between threads.
    # An edit to it therefore shows after a restart, like one to this file.
    return engines["jinja2"].get_template("board/cards.html")


def render(cards, *, tactic_base, writer, move_tail):
    """Every card of a column as HTML, with CSRF_SLOT where a form's token goes."""
    return _template().render(
        {
            # Each card with its targets, read here: `.all()` called in the
            # template would cost a Context.call per card.
            "cards": [(t, t.targets.all()) for t in cards],
            "tactic_base": tactic_base,
            "writer": writer,
            "move_tail": move_tail,
            "csrf_input": CSRF_INPUT,
        }
    )
