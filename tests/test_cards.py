"""The board's cards (campaigns/cards.py and its Jinja2 template): the markup a
card had when it was built in f-strings, user content kept inert, and the
CSRF slot that views/board.py fills per reader.

tests/test_cards_golden.html was written by the f-string renderer before the
markup moved into templates/jinja2/board/cards.html; the template must keep
producing the same elements, attributes and text (whitespace between tags
aside). Regenerate it only for a deliberate change of the card's markup:

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -c "import django;
    django.setup(); from tests.test_cards import *; print(golden_document(
    sample_cards()), end='')" > tests/test_cards_golden.html
"""

import datetime
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from django.template import TemplateDoesNotExist, engines, loader
from django.test import RequestFactory
from django.utils.safestring import SafeString, mark_safe

from campaigns import board as logic
from campaigns import cards
from campaigns.models import TacticStatus, User
from campaigns.views import board as board_views

GOLDEN = Path(__file__).with_name("test_cards_golden.html")
BASE = "/campaigns/7/tactics/"
# Raw, as views/board.py passes it: the renderer escapes the "&".
TAIL = "?q=memo&mine=1"
XSS = "<script>alert(1)</script>"
# Every element a card is made of: user content adds none.
CARD_TAGS = {
    *("li", "div", "span", "h3", "a", "svg", "path", "p", "time", "ul"),
    *("details", "summary", "form", "input", "label", "select", "option"),
    "button",
}


class Targets(list):
    """Like views/board.py's rows: the renderer reads `targets.all()`."""

    def all(self):
        return self


def card(pk, title, *, status=TacticStatus.PLANNED, index=0, **extra):
    """One card row with the attributes logic.build_columns() adds."""
    fields = {
        "due_on": None,
        "risk": "",
        "is_private": False,
        "assignee": None,
        "targets": (),
        "overdue": False,
        "due_soon": False,
        "repeat": "",
    }
    fields.update(extra)
    assignee = fields["assignee"]
    fields["assignee_id"] = assignee.pk if assignee else None
    fields["targets"] = Targets(SimpleNamespace(name=n) for n in fields["targets"])
    return SimpleNamespace(
        pk=pk,
        id=pk,
        title=title,
        status=status,
        position=index * 1024,
        index=index,
        place=index + 1,
        move_options=logic.move_options()[status],
        **fields,
    )


def sample_cards():
    """A column's worth of cards covering every branch of the markup."""
    ann = User(pk=3, name="Ann O'Neil", email="ann@example.com")
    nameless = User(pk=4, name="", email="bo@example.com")
    hostile = User(pk=5, name='Eve "<b>bold</b>" & co', email="eve@example.com")
    return [
        card(101, "Plain card"),
        card(
            102,
            "Lunch-and-learn & Q&A <for> \"all\" 'staff'",
            index=1,
            assignee=ann,
            due_on=datetime.date(2026, 2, 27),
            overdue=True,
            risk='Could "burn" trust <script>alert(1)</script>',
            targets=["Dana the CFO", "Sam <COO>", "O'Brien & partners"],
        ),
        card(
            103,
            "Coffee with the COO",
            index=2,
            assignee=nameless,
            due_on=datetime.date(2026, 3, 4),
            due_soon=True,
            is_private=True,
        ),
        card(
            104,
            "Peer deck",
            index=3,
            due_on=datetime.date(2026, 12, 1),
            targets=["Board"],
        ),
        card(105, "Only a risk", index=4, risk="Budget freeze", assignee=hostile),
        card(
            106,
            f"Title {XSS}",
            status=TacticStatus.DONE,
            index=0,
            due_on=datetime.date(2026, 1, 9),
            is_private=True,
            targets=[XSS],
        ),
    ]


def render(cs, writer):
    return cards.render(cs, tactic_base=BASE, writer=writer, move_tail=TAIL)


def golden_document(cs):
    """Both renders of `cs`, each in the <ol> the board puts cards in."""
    return (
        f'<ol data-render="writer">\n{render(cs, True)}\n</ol>\n'
        f'<ol data-render="viewer">\n{render(cs, False)}\n</ol>\n'
    )


class Tree(HTMLParser):
    """Parsed HTML as a flat list of events: tags with their attributes
    (entities decoded, so &quot; and &#34; compare equal) and text, with the
    whitespace-only text between tags dropped."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.events = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, tuple(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if data.strip():
            self.events.append(("text", data))

    def handle_comment(self, data):
        self.events.append(("comment", data))

    def tags(self, name):
        return [dict(e[2]) for e in self.events if e[:2] == ("start", name)]

    def text(self):
        return "".join(e[1] for e in self.events if e[0] == "text")


def test_cards_match_the_markup_they_had_as_f_strings():
    got = Tree(golden_document(sample_cards())).events
    want = Tree(GOLDEN.read_text(encoding="utf-8")).events
    assert got == want


def test_every_card_renders_in_one_call_in_order():
    cs = sample_cards()
    ids = [a["id"] for a in Tree(render(cs, True)).tags("li") if "id" in a]
    assert ids == [f"tactic-{c.pk}" for c in cs]
    assert render([], True) == render([], False) == ""


def test_writer_and_viewer_cards():
    cs = sample_cards()
    writer, viewer = Tree(render(cs, True)), Tree(render(cs, False))
    for attrs in writer.tags("li"):
        if "id" in attrs:
            assert attrs["draggable"] == "true"
            assert attrs["aria-describedby"] == "board-keys"
    assert len(writer.tags("form")) == len(cs)
    assert writer.tags("form")[0]["action"] == f"{BASE}101/move/{TAIL}"
    for attrs in viewer.tags("li"):
        assert "draggable" not in attrs and "tabindex" not in attrs
    assert viewer.tags("form") == viewer.tags("select") == []
    assert "card__handle" not in render(cs, False)


def test_due_private_assignee_and_targets():
    html = render(sample_cards(), False)
    tree = Tree(html)
    cls = {a["id"]: a["class"] for a in tree.tags("li") if "id" in a}
    assert cls["tactic-102"] == "card card--overdue"
    assert cls["tactic-101"] == "card"
    times = {a["datetime"] for a in tree.tags("time")}
    assert times == {"2026-02-27", "2026-03-04", "2026-12-01", "2026-01-09"}
    for text in ("Overdue · 27 Feb", "Due soon · 4 Mar", "Due 1 Dec", "Due 9 Jan"):
        assert text in tree.text()
    assert html.count('class="card__private"') == 2
    avatars = [a for a in tree.tags("span") if "card__avatar" in a.get("class", "")]
    assert [a["title"] for a in avatars] == [
        "Ann O'Neil",
        "bo@example.com",
        'Eve "<b>bold</b>" & co',
    ]
    assert "Assigned to Ann O'Neil" in tree.text()
    lists = [a for a in tree.tags("ul") if a.get("class") == "card__targets"]
    assert len(lists) == 3  # cards without targets have no list
    assert "Sam <COO>" in tree.text()


def test_user_content_cannot_add_markup():
    html = render(sample_cards(), True)
    tree = Tree(html)
    assert "<script" not in html and "<b>" not in html and "<COO>" not in html
    assert {e[1] for e in tree.events if e[0] == "start"} <= CARD_TAGS
    # The risk marker is a toggletip: its summary's title, and the note.
    risks = [a["title"] for a in tree.tags("summary") if "title" in a]
    assert risks == ['Could "burn" trust <script>alert(1)</script>', "Budget freeze"]
    assert len([a for a in tree.tags("details") if a["class"] == "card__risk"]) == 2
    assert 'Could "burn" trust <script>alert(1)</script>' in tree.text()
    assert "Lunch-and-learn & Q&A <for> \"all\" 'staff'" in tree.text()
    assert f"Title {XSS}" in tree.text()


def test_safe_strings_are_honoured_and_move_options_not_escaped_twice():
    assert isinstance(logic.move_options()[TacticStatus.PLANNED], SafeString)
    cs = [card(1, mark_safe("<em>kept</em>")), card(2, "x", index=1)]
    tree = Tree(render(cs, True))
    assert tree.tags("em") == [{}]
    options = tree.tags("option")
    assert len(options) == 2 * len(TacticStatus.values)
    selected = [o["value"] for o in options if "selected" in o]
    assert selected == [TacticStatus.PLANNED] * 2


def test_one_csrf_slot_per_writer_form_filled_per_reader():
    cs = sample_cards()
    # A title spelling the slot out must not become one.
    cs.append(card(107, cards.CSRF_SLOT, index=5, risk=cards.CSRF_SLOT))
    html = render(cs, True)
    assert html.count(cards.CSRF_SLOT) == len(cs)
    assert cards.CSRF_SLOT not in render(cs, False)
    request = RequestFactory().get("/")
    filled = Tree(str(board_views._with_token(request, html)))
    tokens = [
        a["value"]
        for a in filled.tags("input")
        if a.get("name") == "csrfmiddlewaretoken"
    ]
    assert len(tokens) == len(filled.tags("form")) == len(cs)
    assert len(set(tokens)) == 1 and len(tokens[0]) == 64
    assert cards.CSRF_SLOT in filled.text()  # the title, as text


def test_the_django_engine_comes_first_and_never_finds_the_cards():
    first, second = engines.all()
    assert first.name == "django" and second.name == "jinja2"
    assert loader.get_template("board/board.html").backend is first
    with pytest.raises(TemplateDoesNotExist):
        first.get_template("board/cards.html")
    assert cards._template() is cards._template()  # looked up once
    assert cards._template().backend is second


def test_a_name_the_template_misspells_fails_instead_of_printing_nothing():
    broken = card(1, "x")
    del broken.place
    with pytest.raises(jinja2.UndefinedError):
        render([broken], True)
