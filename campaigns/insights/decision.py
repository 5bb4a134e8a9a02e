"""The decision count: like a whip count, how many of the people who decide
are in favour, and how far the campaign is from the number it needs."""

from dataclasses import dataclass, field

from ..models import Stance

IN_FAVOUR = (Stance.SUPPORTIVE, Stance.CHAMPION)
LEANING = (Stance.CURIOUS,)
UNDECIDED = (Stance.NEUTRAL,)
AGAINST = (Stance.OPPOSED, Stance.SKEPTICAL)


@dataclass
class DecisionCount:
    deciders: int
    needed: int  # the threshold actually applied (all deciders when unset)
    asked: int | None  # the campaign's setting, as entered
    in_favour: list = field(default_factory=list)
    leaning: list = field(default_factory=list)
    undecided: list = field(default_factory=list)
    against: list = field(default_factory=list)

    @property
    def has_deciders(self):
        return self.deciders > 0

    @property
    def threshold_unreachable(self):
        """More yeses are needed than there are deciders marked."""
        return self.needed > self.deciders

    @property
    def short_by(self):
        """How many more deciders must come round (0 when the count is met)."""
        return max(0, self.needed - len(self.in_favour))

    @property
    def is_met(self):
        return (
            self.has_deciders and not self.threshold_unreachable and not self.short_by
        )

    @property
    def groups(self):
        return [
            ("in_favour", "In favour", self.in_favour),
            ("leaning", "Leaning", self.leaning),
            ("undecided", "Undecided", self.undecided),
            ("against", "Against", self.against),
        ]


def decision_count(stakeholders, deciders_needed):
    """Counts the deciders among already loaded `stakeholders`.

    `deciders_needed` is Campaign.deciders_needed: None means every decider
    must agree. A threshold above the number of deciders is kept as asked and
    flagged, so the page can say so instead of pretending it can be met.
    """
    deciders = sorted(
        (s for s in stakeholders if s.is_decider), key=lambda s: s.name.lower()
    )
    needed = len(deciders) if deciders_needed is None else deciders_needed
    count = DecisionCount(deciders=len(deciders), needed=needed, asked=deciders_needed)
    for s in deciders:
        if s.stance in IN_FAVOUR:
            count.in_favour.append(s)
        elif s.stance in LEANING:
            count.leaning.append(s)
        elif s.stance in UNDECIDED:
            count.undecided.append(s)
        else:
            count.against.append(s)
    return count
