"""The cards of a board column, rendered in one pass.

A board can hold hundreds of cards; through the template engine every card
costs a few hundred node renders, here it is one string format. The markup of
a card lives only here.

The board is cached per board version (see views/board.py), so the
per-request CSRF token is left as CSRF_SLOT and filled in on the way out.
"""

from django.utils.html import conditional_escape as esc

# Cannot come from user content: every user value below is escaped.
CSRF_SLOT = "<!--csrf-->"
CSRF_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_SLOT}">'


DUE = {
    "overdue": ("badge badge--danger", "Overdue · "),
    "soon": ("badge badge--warn", "Due soon · "),
    "later": ("badge", "Due "),
}

# A padlock drawn inline: emoji fonts are not everywhere.
LOCK = (
    '<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">'
    '<path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 '
    '1 0-4 0v2z"/></svg>'
)


def _card(t, base, writer, move_tail, csrf):
    pk = t.pk
    url = f"{base}{pk}/"
    parts = [
        f'<li id="tactic-{pk}" class="card{" card--overdue" if t.overdue else ""}"'
        f' data-position="{t.index}"',
        ' draggable="true" tabindex="0" aria-describedby="board-keys">'
        if writer
        else ">",
        '<div class="card__top">',
        '<span class="card__handle" aria-hidden="true"></span>' if writer else "",
        f'<h3 class="card__title"><a href="{url}" draggable="false">'
        f"{esc(t.title)}</a></h3>",
    ]
    if t.is_private:
        parts.append(
            '<span class="card__private" title="Private to the team">'
            f"{LOCK}"
            '<span class="visually-hidden">Private to the team</span></span>'
        )
    if t.assignee_id:
        name = esc(str(t.assignee))
        parts.append(
            f'<span class="avatar avatar--sm card__avatar" title="{name}">'
            f'<span aria-hidden="true">{esc(t.assignee.initials)}</span>'
            f'<span class="visually-hidden">Assigned to {name}</span></span>'
        )
    parts.append("</div>")
    if t.due_on or t.risk:
        parts.append('<p class="card__meta">')
        if t.due_on:
            css, prefix = DUE[
                "overdue" if t.overdue else "soon" if t.due_soon else "later"
            ]
            parts.append(
                f'<span class="{css}">{prefix}<time datetime="{t.due_on.isoformat()}">'
                f"{t.due_on.day} {t.due_on:%b}</time></span>"
            )
        if t.risk:
            parts.append(
                f' <span class="badge badge--warn card__risk" title="{esc(t.risk)}">'
                '<span aria-hidden="true">⚠</span> Risk</span>'
            )
        parts.append("</p>")
    targets = t.targets.all()
    if targets:
        parts.append('<ul class="card__targets" aria-label="Targets">')
        parts.extend(f"<li>{esc(s.name)}</li>" for s in targets)
        parts.append("</ul>")
    if writer:
        parts.append(
            '<details class="card__move"><summary>Move to…</summary>'
            f'<form method="post" action="{url}move/{move_tail}"'
            ' class="card__move-form">'
            f'{csrf}<label for="m{pk}s">Column</label>'
            f'<select id="m{pk}s" name="status">{t.move_options}</select>'
            f'<label for="m{pk}p">Place<span class="visually-hidden"> (1 = top)'
            f'</span></label><input id="m{pk}p" name="position" type="number" min="1"'
            f' value="{t.place}"><button type="submit" class="button button--small">'
            "Move</button></form></details>"
        )
    parts.append("</li>")
    return "".join(parts)


def render(cards, *, tactic_base, writer, move_tail):
    """Every card of a column as HTML, with CSRF_SLOT where a form's token goes."""
    base = esc(tactic_base)
    tail = esc(move_tail)
    csrf = CSRF_INPUT if writer else ""
    return "\n".join(_card(t, base, writer, tail, csrf) for t in cards)
