"""Who can reach a decision maker, directly or in two steps.

The model links influencers to the stakeholders they pull on, nothing more.
A second step exists when a stakeholder is also someone else's influencer:
the same person entered twice, once on each list. We match those by name
(case-insensitive, spaces trimmed) rather than adding a link field, because
the two lists are kept by hand on different pages and a name is what people
already type consistently; nothing has to be set up for the map to see it.

A route's strength is the product of its links scaled back to 1–5 (two
links of 5 stay 5, two of 3 give 1.8): a second-hand word carries less.
Routes are ranked by that strength, then by how supportive the go-between
is (for a direct route the influencer themself, when they are also on the
stakeholder list), then by fewer steps.
"""

from dataclasses import dataclass, field

from ..models import Influence, Stakeholder, Stance


def same_person_key(name):
    return " ".join(name.split()).casefold()


@dataclass
class Route:
    influencer: object
    target: object
    strength: float
    # The stakeholder the word passes through on a two-step route.
    via: object = None
    first: int = 0  # strength of influencer -> via (or -> target)
    second: int = 0  # strength of via -> target
    # The person carrying the message to the target and their stance.
    go_between_stance: int | None = None
    influence_ids: list = field(default_factory=list)

    @property
    def steps(self):
        return 2 if self.via else 1

    @property
    def go_between_slug(self):
        if self.go_between_stance is None:
            return None
        return Stance(self.go_between_stance).name.lower()

    @property
    def go_between_label(self):
        if self.go_between_stance is None:
            return None
        return Stance(self.go_between_stance).label

    def rank_key(self):
        stance = self.go_between_stance or Stance.NEUTRAL
        return (-self.strength, -stance, self.steps, self.influencer.name.lower())


def _scaled(*strengths):
    value = 1.0
    for s in strengths:
        value *= s / 5
    return round(value * 5, 1)


def routes_to(target, influences, stakeholders):
    """Ranked routes to `target`, the best one per influencer.

    `influences` are the campaign's Influence rows with their influencer
    loaded; `stakeholders` the campaign's stakeholders. Cycles (A pulls on B
    who pulls on A) cannot loop: only one- and two-step paths are walked, and
    any path that starts or passes through the target itself is dropped.
    """
    by_key = {same_person_key(s.name): s for s in stakeholders}
    influencer_twin = {}  # influencer id -> the stakeholder who is the same person
    into = {}  # stakeholder id -> influences pulling on them
    for link in influences:
        into.setdefault(link.stakeholder_id, []).append(link)
        twin = by_key.get(same_person_key(link.influencer.name))
        if twin is not None:
            influencer_twin[link.influencer_id] = twin

    def is_target(influencer):
        twin = influencer_twin.get(influencer.pk)
        return twin is not None and twin.pk == target.pk

    best = {}

    def offer(route):
        current = best.get(route.influencer.pk)
        if current is None or route.rank_key() < current.rank_key():
            best[route.influencer.pk] = route

    for link in into.get(target.pk, []):
        if is_target(link.influencer):
            continue
        twin = influencer_twin.get(link.influencer_id)
        offer(
            Route(
                influencer=link.influencer,
                target=target,
                strength=float(link.strength),
                first=link.strength,
                go_between_stance=twin.stance if twin else None,
                influence_ids=[link.pk],
            )
        )
        # Two steps: someone who pulls on this influencer's stakeholder twin.
        if twin is None:
            continue
        for first in into.get(twin.pk, []):
            if is_target(first.influencer) or first.influencer_id == link.influencer_id:
                continue
            offer(
                Route(
                    influencer=first.influencer,
                    target=target,
                    strength=_scaled(first.strength, link.strength),
                    via=twin,
                    first=first.strength,
                    second=link.strength,
                    go_between_stance=twin.stance,
                    influence_ids=[first.pk, link.pk],
                )
            )
    return sorted(best.values(), key=Route.rank_key)


def campaign_graph(campaign_id):
    """The campaign's influence links and stakeholders, in two queries."""
    influences = list(
        Influence.objects.filter(stakeholder__campaign_id=campaign_id)
        .select_related("influencer")
        .order_by("-strength", "pk")
    )
    stakeholders = list(
        Stakeholder.objects.filter(campaign_id=campaign_id).order_by("-power", "name")
    )
    return influences, stakeholders


def target_choices(stakeholders):
    """(deciders, others) for "Who must be won?": the people whose yes counts
    come first, each group keeping the order it was given in."""
    deciders = [s for s in stakeholders if s.is_decider]
    others = [s for s in stakeholders if not s.is_decider]
    return deciders, others


def start_here(stakeholder, limit=3):
    """The few best ways in to `stakeholder`, for their page (two queries)."""
    influences, stakeholders = campaign_graph(stakeholder.campaign_id)
    return routes_to(stakeholder, influences, stakeholders)[:limit]


# ---- SVG geometry of the influence map ------------------------------------

MAP_W = 760
NODE_W = 220
ROW = 52  # a box and the gap under it
NODE_GAP = 8  # between two boxes of one column
# Height each end of a curve needs on its box: a 10-unit arrowhead and a
# sliver of space. A box with more links than fit grows to make room.
ARROW_ROOM = 11
MAP_TOP = 34  # room for the column headings
MAP_BOTTOM = 10
NAME_CHARS = 26
# Each step of strength adds this much line width (user units): 1.5 for a
# nudge, 7.5 for decisive, far enough apart to tell at a glance.
WIDTH_PER_STRENGTH = 1.5
# The arrowhead is drawn past the end of its line (refX near the back of the
# marker), so a curve stops this far short of the box its arrow points at.
ARROW_REACH = 10


def _short(text, limit=NAME_CHARS):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def map_layout(influences, stakeholders, routes=(), target=None):
    """Influencers on the left, stakeholders on the right, one curve per link.

    Influencers are ordered by the average row of the people they pull on,
    which keeps most curves from crossing. The curves leaving one box, and
    those arriving at one, are spread over its height in the order of the
    boxes at their other end, so their arrowheads do not pile up or cross;
    a box with many links grows to fit them. With a target chosen, the links
    on its routes are highlighted and the rest fade back. `reached` and
    `unreached` are the same map as a list, for reading on a phone or with a
    screen reader.
    """
    row_of = {s.pk: i for i, s in enumerate(stakeholders)}
    names = {s.pk: s.name for s in stakeholders}
    influencers, pulls = {}, {}
    for link in influences:
        influencers[link.influencer_id] = link.influencer
        pulls.setdefault(link.influencer_id, []).append(
            row_of.get(link.stakeholder_id, 0)
        )
    ordered = sorted(
        influencers.values(),
        key=lambda i: (sum(pulls[i.pk]) / len(pulls[i.pk]), i.name.lower()),
    )
    twins = {same_person_key(s.name) for s in stakeholders}
    drawn = [link for link in influences if link.stakeholder_id in row_of]
    leaving, arriving = {}, {}
    for link in drawn:
        leaving.setdefault(link.influencer_id, []).append(link)
        arriving.setdefault(link.stakeholder_id, []).append(link)

    def box_height(links):
        return max(ROW - NODE_GAP, len(links) * ARROW_ROOM)

    left_h = [box_height(leaving.get(p.pk, ())) for p in ordered]
    right_h = [box_height(arriving.get(p.pk, ())) for p in stakeholders]

    def column_height(heights):
        return sum(h + NODE_GAP for h in heights)

    tallest = max(column_height(left_h), column_height(right_h), ROW)
    height = MAP_TOP + tallest + MAP_BOTTOM

    def tops(heights):
        # Centre the shorter column against the taller one.
        y = MAP_TOP + (tallest - column_height(heights)) / 2 + NODE_GAP / 2
        result = []
        for h in heights:
            result.append(y)
            y += h + NODE_GAP
        return result

    def spread(top, box_h, count):
        # Evenly over a box, each point in the middle of its own slot: one
        # link sits at the centre, several never share a y.
        return [top + box_h * (k + 0.5) / count for k in range(count)]

    on_route = {pk for r in routes for pk in r.influence_ids}
    route_people = {r.influencer.pk for r in routes}
    via_people = {r.via.pk for r in routes if r.via}
    left_nodes, left_box = [], {}
    for person, y, box_h in zip(ordered, tops(left_h), left_h, strict=True):
        left_box[person.pk] = (y, box_h)
        left_nodes.append(
            {
                "influencer": person,
                "y": round(y, 1),
                "h": box_h,
                "name": _short(person.name),
                "note": _short(
                    " · ".join(
                        part
                        for part in (
                            person.relationship,
                            "also a stakeholder"
                            if same_person_key(person.name) in twins
                            else "",
                        )
                        if part
                    ),
                    34,
                ),
                "on_route": person.pk in route_people,
            }
        )
    right_nodes, right_box = [], {}
    right_x = MAP_W - NODE_W
    for person, y, box_h in zip(stakeholders, tops(right_h), right_h, strict=True):
        right_box[person.pk] = (y, box_h)
        right_nodes.append(
            {
                "stakeholder": person,
                "y": round(y, 1),
                "h": box_h,
                "cy": round(y + box_h / 2, 1),
                "name": _short(person.name, NAME_CHARS - 3),
                "note": _short(person.title, 30),
                "slug": Stance(person.stance).name.lower(),
                "is_target": target is not None and person.pk == target.pk,
                "is_via": person.pk in via_people,
            }
        )
    # Start points first, ordered by the row each link goes to; then the end
    # points, ordered by where their curve now starts. Ties keep link order.
    starts, ends = {}, {}
    for pk, links in leaving.items():
        links.sort(key=lambda link: row_of[link.stakeholder_id])
        for link, y in zip(links, spread(*left_box[pk], len(links)), strict=True):
            starts[link.pk] = y
    for pk, links in arriving.items():
        links.sort(key=lambda link: starts[link.pk])
        for link, y in zip(links, spread(*right_box[pk], len(links)), strict=True):
            ends[link.pk] = y
    edges = []
    x1, x2 = NODE_W, right_x - ARROW_REACH
    middle = (x1 + x2) / 2
    for link in drawn:
        y1, y2 = starts[link.pk], ends[link.pk]
        edges.append(
            {
                "link": link,
                "to_name": names[link.stakeholder_id],
                "y1": round(y1, 1),
                "y2": round(y2, 1),
                "d": f"M{x1},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y2:.1f} "
                f"{x2},{y2:.1f}",
                "width": link.strength * WIDTH_PER_STRENGTH,
                "on_route": link.pk in on_route,
                "faded": target is not None and link.pk not in on_route,
            }
        )
    # Highlighted curves last, so they are drawn on top of the faded ones.
    edges.sort(key=lambda e: (e["on_route"], e["link"].strength))
    by_stakeholder = [
        {
            "node": node,
            # Strongest pull first, as the routes are ranked.
            "links": sorted(
                arriving.get(node["stakeholder"].pk, []),
                key=lambda link: (-link.strength, link.influencer.name.lower()),
            ),
        }
        for node in right_nodes
    ]
    return {
        "width": MAP_W,
        "height": round(height),
        "node_w": NODE_W,
        "right_x": right_x,
        "left": left_nodes,
        "right": right_nodes,
        "edges": edges,
        "has_target": target is not None,
        "reached": [row for row in by_stakeholder if row["links"]],
        "unreached": [row["node"] for row in by_stakeholder if not row["links"]],
    }
