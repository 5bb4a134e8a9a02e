"""A markup check that runs offline: the HTML5 parser's own errors, plus the
mistakes an outside audit with the Nu HTML checker found that a parser does
not report.

`problems(html)` returns a list of messages, empty for a page that passes:

- parse errors (html5lib, which follows the WHATWG parsing algorithm): stray
  end tags, a duplicate attribute on one element, an <a> inside an <a>, a
  <form> inside a <p> (the parser closes the <p>, then trips on its </p>);
- `<time datetime>` values that are not one of the spec's date, time,
  datetime, duration or week strings (microseconds are not allowed: at most
  three digits of a second's fraction);
- `id` references (`for`, `aria-describedby`, `aria-labelledby`,
  `aria-controls`, `aria-owns`, `list`, `form`) that name no id on the page;
- ids used twice on one page;
- an empty `action` (omit the attribute to post to the page itself);
- a <form> inside an element whose content must be phrasing content;
- interactive content nested in <a> or <button>, a <label> in a <label>;
- other content models the parser lets through: a block (<div>, <ul>...)
  inside an element that holds phrasing content only, an <li> outside a
  list, a list holding something other than <li>;
- attributes an <input> of its type does not take (maxlength on a number),
  an <img> without alt.

Fragments (`fragment=True`, htmx partials) skip the checks that need the
whole page: id references and the doctype.
"""

import re
from xml.etree.ElementTree import Element

import html5lib

# Elements whose content model is phrasing content (or less): a <form> may
# not be among their descendants.
PHRASING_ONLY = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "button",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "i",
    "kbd",
    "label",
    "legend",
    "mark",
    "output",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "time",
    "u",
    "var",
}

# Phrasing content: what an element of PHRASING_ONLY may hold.
PHRASING = {
    "a", "abbr", "area", "audio", "b", "bdi", "bdo", "br", "button", "canvas",
    "cite", "code", "data", "datalist", "del", "dfn", "em", "embed", "i",
    "iframe", "img", "input", "ins", "kbd", "label", "link", "map", "mark",
    "math", "meta", "meter", "noscript", "object", "output", "picture",
    "progress", "q", "ruby", "s", "samp", "script", "select", "slot", "small",
    "span", "strong", "sub", "sup", "svg", "template", "textarea", "time", "u",
    "var", "video", "wbr",
}  # fmt: skip
# Elements that hold what their parent may hold.
TRANSPARENT = {"a", "ins", "del", "noscript", "object", "map", "audio", "video"}
# Text-like inputs, the only ones maxlength, minlength, pattern, placeholder
# and size apply to; and the ones min, max and step apply to.
TEXT_INPUTS = {"text", "search", "url", "tel", "email", "password"}
RANGE_INPUTS = {
    "date", "month", "week", "time", "datetime-local", "number", "range",
}  # fmt: skip

# Attributes holding one id, or a space-separated list of them.
ID_REFS = {"for", "list", "form"}
ID_LIST_REFS = {"aria-describedby", "aria-labelledby", "aria-controls", "aria-owns"}

_YEAR = r"\d{4,}"
_MONTH = rf"{_YEAR}-(0[1-9]|1[0-2])"
_DATE = rf"{_MONTH}-(0[1-9]|[12]\d|3[01])"
_YEARLESS = r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
# A second's fraction has one to three digits: no microseconds.
_TIME = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?"
_ZONE = r"(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)"
_WEEK = rf"{_YEAR}-W(0[1-9]|[1-4]\d|5[0-3])"
_DURATION = (
    r"P(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,3})?S)?)?"
    r"|(\s*\d+(\.\d{1,3})?\s*[WDHMS])+\s*"
)
DATETIME_VALUE = re.compile(
    "|".join(
        f"(?:{p})"
        for p in [
            _YEAR,
            _MONTH,
            _DATE,
            _YEARLESS,
            _TIME,
            rf"{_DATE}[T ]{_TIME}",
            rf"{_DATE}[T ]{_TIME}{_ZONE}",
            _ZONE,
            _WEEK,
            _DURATION,
        ]
    )
)


def valid_datetime(value):
    """Whether `value` is a valid <time datetime> value per the HTML spec."""
    if value in ("", "P"):
        return False
    return DATETIME_VALUE.fullmatch(value) is not None


def _interactive(element):
    tag = element.tag
    if tag in ("button", "details", "embed", "iframe", "label", "select"):
        return True
    if tag == "textarea":
        return True
    if tag == "a":
        return "href" in element.attrib
    if tag == "input":
        return element.get("type", "").lower() != "hidden"
    if tag in ("audio", "video"):
        return "controls" in element.attrib
    if tag in ("img", "object"):
        return "usemap" in element.attrib
    return "tabindex" in element.attrib


def describe(element):
    """`<tag id=… class=… name=…>`, enough to find the element in a template."""
    parts = [element.tag]
    for name in ("id", "class", "name", "href", "action", "for", "datetime"):
        if name in element.attrib:
            parts.append(f'{name}="{element.get(name)}"')
    return "<" + " ".join(parts) + ">"


def _walk(element, ancestors=()):
    """Every element with the elements it sits in, outermost first."""
    for child in element:
        if not isinstance(child.tag, str):
            continue  # A comment or processing instruction.
        yield child, ancestors
        yield from _walk(child, ancestors + (child,))


def parse(html, fragment=False):
    parser = html5lib.HTMLParser(
        tree=html5lib.getTreeBuilder("etree"),
        strict=False,
        namespaceHTMLElements=False,
    )
    if fragment:
        root = Element("fragment")
        for node in parser.parseFragment(html):
            root.append(node)
        tree = root
    else:
        tree = parser.parse(html)
    errors = []
    for (line, col), code, data in parser.errors:
        if fragment and code == "expected-doctype-but-got-start-tag":
            continue
        detail = ", ".join(f"{k}={v!r}" for k, v in (data or {}).items())
        errors.append(f"line {line}:{col} parse error {code} {detail}".rstrip())
    return tree, errors


def problems(html, fragment=False):
    """Every markup error in `html`, a list of strings."""
    if isinstance(html, bytes):
        html = html.decode()
    tree, found = parse(html, fragment=fragment)
    elements = list(_walk(tree))

    ids = {}
    for element, _ in elements:
        if "id" in element.attrib:
            ids.setdefault(element.get("id"), []).append(element)
    for value, holders in ids.items():
        if value == "" or re.search(r"\s", value):
            found.append(f"invalid id {value!r} on {describe(holders[0])}")
        if len(holders) > 1:
            found.append(f"duplicate id {value!r} on {len(holders)} elements")

    for element, ancestors in elements:
        tag = element.tag
        if tag == "time" and "datetime" in element.attrib:
            value = element.get("datetime")
            if not valid_datetime(value):
                found.append(f"bad datetime {value!r} on {describe(element)}")
        if tag == "form":
            if element.get("action") == "":
                found.append(f"empty action on {describe(element)}")
            inline = [a for a in ancestors if a.tag in PHRASING_ONLY]
            if inline:
                found.append(f"form {describe(element)} inside {describe(inline[-1])}")
        if tag.startswith("{"):
            continue  # SVG or MathML: content models of their own.
        if tag not in PHRASING and tag not in ("form", "option", "optgroup"):
            for outer in reversed(ancestors):
                if outer.tag in TRANSPARENT:
                    continue  # Holds what its own parent may hold.
                if outer.tag in PHRASING_ONLY and not (
                    outer.tag in ("summary", "legend") and re.fullmatch("h[1-6]", tag)
                ):
                    found.append(f"block {describe(element)} inside {describe(outer)}")
                break
        parent = ancestors[-1].tag if ancestors else None
        if tag == "li" and parent not in ("ul", "ol", "menu"):
            found.append(f"{describe(element)} outside a list, in <{parent}>")
        if parent in ("ul", "ol", "menu") and tag not in ("li", "script", "template"):
            found.append(f"{describe(element)} inside <{parent}>: only <li> may be")
        if tag == "img" and "alt" not in element.attrib:
            found.append(f"no alt on {describe(element)}")
        if tag == "input":
            kind = element.get("type", "text").lower()
            for name in ("maxlength", "minlength", "pattern", "placeholder", "size"):
                if name in element.attrib and kind not in TEXT_INPUTS:
                    found.append(f"{name} on {describe(element)} type={kind}")
            for name in ("min", "max", "step"):
                if name in element.attrib and kind not in RANGE_INPUTS:
                    found.append(f"{name} on {describe(element)} type={kind}")
            if kind == "hidden" and "required" in element.attrib:
                found.append(f"required on hidden {describe(element)}")
        if _interactive(element):
            for outer in ancestors:
                if outer.tag in ("a", "button") or (
                    tag == "label" and outer.tag == "label"
                ):
                    found.append(
                        f"interactive {describe(element)} inside {describe(outer)}"
                    )
                    break
        if fragment:
            continue
        for name in ID_REFS | ID_LIST_REFS:
            if name not in element.attrib:
                continue
            if name == "for" and tag not in ("label", "output"):
                continue
            if name == "form" and tag not in (
                "button",
                "fieldset",
                "input",
                "object",
                "output",
                "select",
                "textarea",
            ):
                continue
            wanted = element.get(name).split() if name in ID_LIST_REFS else None
            wanted = wanted if wanted is not None else [element.get(name)]
            if not wanted:
                found.append(f"empty {name} on {describe(element)}")
            for ref in wanted:
                if ref not in ids:
                    found.append(f"{name}={ref!r} on {describe(element)} names no id")
    return found


def assert_valid(html, where="", fragment=False):
    errors = problems(html, fragment=fragment)
    assert not errors, f"{where}: {len(errors)} markup errors\n" + "\n".join(errors)
