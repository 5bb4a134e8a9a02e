"""The playbook a team sees: the built-in entries followed by the team's own
templates, in one shape, and adding any of them to a campaign's board."""

from dataclasses import dataclass

from django.db import transaction

from . import playbook
from .board import bottom_ranks, lock_campaign
from .models import Activity, Milestone, Tactic, TacticStatus, TacticTemplate


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    summary: str
    why_it_works: str
    steps: tuple[str, ...]
    risks: str
    milestone_title: str
    milestone_target: int
    milestone_unit: str
    builtin: bool
    # The team's own row, for edit and delete links; None for built-ins.
    saved: TacticTemplate | None = None
    # A suggested repeat rule (campaigns/recurring.py), e.g. weekly sessions.
    repeat: str = ""

    @property
    def is_warning(self):
        """Risks that open with "Warning" are shown as a warning, not a note."""
        return self.risks.lower().startswith("warning")

    @property
    def description(self):
        steps = "\n".join(f"{n}. {step}" for n, step in enumerate(self.steps, 1))
        parts = [self.summary]
        if self.why_it_works:
            parts.append(f"Why it works: {self.why_it_works}")
        if steps:
            parts.append(steps)
        return "\n\n".join(parts)


def from_entry(entry):
    return Template(
        key=entry.key,
        title=entry.title,
        summary=entry.summary,
        why_it_works=entry.why_it_works,
        steps=entry.how_to,
        risks=entry.risks,
        milestone_title=entry.milestone.title,
        milestone_target=entry.milestone.target_value,
        milestone_unit=entry.milestone.unit,
        builtin=True,
        repeat=entry.repeat,
    )


def from_saved(saved):
    return Template(
        key=saved.key,
        title=saved.title,
        summary=saved.summary,
        why_it_works="",
        steps=tuple(saved.steps),
        risks=saved.risks,
        milestone_title=saved.milestone_title,
        milestone_target=saved.milestone_target,
        milestone_unit=saved.milestone_unit,
        builtin=False,
        saved=saved,
    )


BUILTIN = tuple(from_entry(entry) for entry in playbook.PLAYBOOK)


def library(team_id):
    """Built-ins first, then the team's own templates (one query)."""
    own = TacticTemplate.objects.filter(team_id=team_id).order_by("title", "pk")
    return list(BUILTIN) + [from_saved(t) for t in own]


def choices(templates):
    return [(t.key, t.title) for t in templates]


@transaction.atomic
def add_to_campaign(campaign, templates, actor=None):
    """A Backlog tactic, and its suggested milestone, for each template.

    Built-in entries go through the playbook's own routine so they keep their
    playbook key; the team's templates follow the same steps after them.
    """
    builtin_keys = [t.key for t in templates if t.builtin]
    tactics, milestones = playbook.add_to_campaign(campaign, builtin_keys, actor)
    own = [t for t in templates if not t.builtin]
    if not own:
        return tactics, milestones
    lock_campaign(campaign.pk)
    ranks = bottom_ranks(campaign, TacticStatus.BACKLOG, len(own))
    for rank, template in zip(ranks, own, strict=True):
        milestone = None
        if template.milestone_title:
            milestone = Milestone.objects.create(
                campaign=campaign,
                title=template.milestone_title,
                target_value=template.milestone_target,
                unit=template.milestone_unit,
            )
        tactic = Tactic.objects.create(
            campaign=campaign,
            title=template.title[:200],
            description=template.description,
            status=TacticStatus.BACKLOG,
            position=rank,
            risk=template.risks,
            # "team-<pk>": how the template went before (lessons.py) finds it.
            playbook_key=template.key,
            created_by=actor,
            milestone=milestone,
        )
        Activity.record(
            campaign,
            actor,
            Activity.Verb.TACTIC_CREATED,
            f"Added “{tactic.title}” from the team's playbook",
            tactic=tactic,
        )
        tactics.append(tactic)
        if milestone:
            Activity.record(
                campaign,
                actor,
                Activity.Verb.MILESTONE_ADDED,
                f"Added the milestone “{milestone.title}”",
                milestone=milestone,
            )
            milestones.append(milestone)
    return tactics, milestones
