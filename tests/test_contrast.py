"""Colour contrast of the stance chips and the badges, read from app.css.

WCAG 2.2 success criterion 1.4.3 asks for 4.5:1 between text and its
background; the chips and badges are small bold text, so 4.5:1 it is. The
pairs come from the stylesheet itself: each `.stance--*` and `.badge--*`
rule, with what it leaves out taken from its base rule (`.stance`,
`.badge`), and `var(--x)` resolved from `:root`.
"""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"
MINIMUM = 4.5
# The chip families: a base class and its modifiers.
FAMILIES = ("stance", "badge")
STANCES = ("opposed", "skeptical", "neutral", "curious", "supportive", "champion")


def rules(css):
    """(selector, {property: value}) for every rule, nested ones included."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            name, colon, value = declaration.partition(":")
            if colon:
                declarations[name.strip()] = value.strip()
        for selector in selectors.split(","):
            yield selector.strip(), declarations


def custom_properties(css):
    found = {}
    for selector, declarations in rules(css):
        if selector == ":root":
            found.update({k: v for k, v in declarations.items() if k.startswith("--")})
    return found


def resolve(value, variables):
    """A colour value with `var(--x)` (and `var(--x, fallback)`) replaced."""
    for _ in range(10):
        match = re.search(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^)]*))?\)", value)
        if not match:
            return value
        name, fallback = match.groups()
        replacement = variables.get(name, fallback)
        assert replacement is not None, f"{name} is not defined in :root"
        value = value[: match.start()] + replacement + value[match.end() :]
    raise AssertionError(f"var() nested too deeply in {value}")


def rgb(colour):
    """(r, g, b) in 0..255 from #rgb, #rrggbb or the keywords used here."""
    colour = colour.strip().lower()
    colour = {"white": "#fff", "black": "#000"}.get(colour, colour)
    match = re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})", colour)
    assert match, f"not an opaque hex colour: {colour!r}"
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))


def relative_luminance(colour):
    """WCAG 2.x relative luminance."""

    def channel(value):
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def chip_pairs(css):
    """{class: (text colour, background)} for every chip and badge class."""
    variables = custom_properties(css)
    found = {}
    for family in FAMILIES:
        pattern = re.compile(rf"\.{family}(--[\w-]+)?")
        base = {}
        modifiers = {}
        for selector, declarations in rules(css):
            if not pattern.fullmatch(selector):
                continue
            colours = {
                k: v
                for k, v in declarations.items()
                if k in ("color", "background", "background-color")
            }
            if selector == f".{family}":
                base.update(colours)
            else:
                modifiers.setdefault(selector, {}).update(colours)
        # The base class is a chip of its own only if it has both colours
        # (a `.badge` does, a bare `.stance` does not).
        complete = "color" in base and base.keys() & {"background", "background-color"}
        chips = {f".{family}": {}, **modifiers} if complete else modifiers
        for selector, colours in chips.items():
            merged = {**base, **colours}
            background = merged.get("background-color", merged.get("background"))
            text = merged.get("color")
            assert background and text, f"{selector}: no colour or background"
            found[selector] = (resolve(text, variables), resolve(background, variables))
    return found


PAIRS = chip_pairs(CSS.read_text(encoding="utf-8"))


def test_the_contrast_formula():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#fff", "#fff") == pytest.approx(1)
    # WebAIM's checker: #767676 on white is the lightest grey that passes.
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#777777", "#ffffff") < MINIMUM


def test_every_chip_and_badge_is_found():
    assert {f".stance--{s}" for s in STANCES} <= set(PAIRS)
    assert {".badge", ".badge--danger", ".badge--warn", ".badge--ok"} <= set(PAIRS)


@pytest.mark.parametrize("selector", sorted(PAIRS))
def test_chip_text_contrast_is_at_least_4_5(selector):
    text, background = PAIRS[selector]
    ratio = contrast(text, background)
    assert ratio >= MINIMUM, (
        f"{selector}: {text} on {background} is {ratio:.2f}:1, under {MINIMUM}:1"
    )
