"""The playbook: tactics that have worked for people winning over their own
leadership, kept as built-in templates a campaign can start from.

Each entry explains what the tactic is, why it tends to work, how to go about
it, what can go wrong, and a milestone that shows whether it is paying off.
"""

from dataclasses import dataclass

from django.db import transaction

from .board import bottom_ranks, lock_campaign
from .models import Activity, Milestone, Tactic, TacticStatus
from .recurring import WEEKLY


@dataclass(frozen=True)
class SuggestedMilestone:
    title: str
    target_value: int
    unit: str


@dataclass(frozen=True)
class PlaybookEntry:
    key: str
    title: str
    summary: str
    why_it_works: str
    how_to: tuple[str, ...]
    risks: str
    milestone: SuggestedMilestone
    # An RRULE for tactics that are a habit rather than a one-off.
    repeat: str = ""

    @property
    def description(self):
        """The text a new tactic starts with: what it is, then the steps."""
        steps = "\n".join(f"{n}. {step}" for n, step in enumerate(self.how_to, 1))
        return f"{self.summary}\n\nWhy it works: {self.why_it_works}\n\n{steps}"


PLAYBOOK = (
    PlaybookEntry(
        key="trusted-voices",
        title="Win over the people leadership already trusts",
        summary=(
            "Find out whose opinion each decision maker values, a fellow "
            "trustee, a long-standing adviser, a peer in another organisation, "
            "and bring those people round before making any request."
        ),
        why_it_works=(
            "A suggestion from someone they rely on gets a hearing that the "
            "same suggestion from further down the organisation rarely does."
        ),
        how_to=(
            "For every decision maker, list two or three people they turn to "
            "for advice.",
            "Note how strong each pull is and whether that person is already "
            "friendly to the idea.",
            "Start with the strongest, friendliest link: a coffee, a short "
            "demo, an honest ask for their view.",
            "Ask them to mention it in their own words, in their own time.",
        ),
        risks=(
            "It can look like lobbying behind someone's back. Be open about "
            "what you are asking for and never script what the ally says."
        ),
        milestone=SuggestedMilestone(
            "Trusted advisers openly backing the idea", 3, "advisers"
        ),
    ),
    PlaybookEntry(
        key="peer-examples",
        title="Show what comparable organisations already do",
        summary=(
            "Gather concrete examples of peers and competitors doing the thing "
            "you propose, with what it has brought them."
        ),
        why_it_works=(
            "Leaders measure themselves against similar organisations. Seeing "
            "a respected peer ahead of them makes the change feel safe and a "
            "little urgent."
        ),
        how_to=(
            "Pick five to ten organisations your leadership compares itself with.",
            "Capture what each one does, how often, and any results they share.",
            "Put it on one page with screenshots, not a long report.",
            "Bring it to a conversation you were already going to have.",
        ),
        risks=(
            "A weak or unflattering comparison can backfire; choose peers the "
            "decision makers actually respect."
        ),
        milestone=SuggestedMilestone("Peer examples documented", 5, "examples"),
    ),
    PlaybookEntry(
        key="quiet-pilot",
        title="Run a small pilot and come back with numbers",
        summary=(
            "Try the idea at a modest scale for a fixed period, measure what "
            "happens, and present outcomes instead of a plan."
        ),
        why_it_works=(
            "Real figures from your own organisation are far harder to dismiss "
            "than a forecast, and a small trial asks for little."
        ),
        how_to=(
            "Choose one contained use: an event, a service, a single audience.",
            "Agree in advance what you will count and for how long.",
            "Keep it inside what you are already allowed to do.",
            "Write up what happened, including what disappointed.",
        ),
        risks=(
            "Warning: done badly, this burns trust. A pilot that looks like "
            "going around the decision makers, breaks a rule, or embarrasses "
            "the organisation in public can set the campaign back for years. "
            "Stay within your remit, and tell a sympathetic senior person "
            "before you start."
        ),
        milestone=SuggestedMilestone(
            "Pilot results presented to decision makers", 1, "presentation"
        ),
    ),
    PlaybookEntry(
        key="teach-sessions",
        title="Teach rather than fight: regular show-and-tell sessions",
        summary=(
            "Host short, informal sessions where doubtful colleagues see real "
            "examples and can ask anything without being sold to."
        ),
        why_it_works=(
            "People resist what they do not understand. Familiarity built a "
            "little at a time turns unease into curiosity."
        ),
        how_to=(
            "Book a recurring slot, for example a weekly lunch.",
            "Show real posts, accounts and comments relevant to your work.",
            "Leave more time for questions than for slides.",
            "Invite the most sceptical people personally.",
        ),
        risks=(
            "Preaching to the converted: if only enthusiasts come, the "
            "sessions change nobody's mind."
        ),
        milestone=SuggestedMilestone("Colleagues attending a session", 40, "people"),
        repeat=WEEKLY,
    ),
    PlaybookEntry(
        key="their-goals",
        title="Speak in leadership's goals, not about the tool",
        summary=(
            "Present the idea as a route to something the decision makers are "
            "already trying to achieve, using their vocabulary."
        ),
        why_it_works=(
            "Nobody approves a channel for its own sake. They approve what "
            "moves the targets they will be judged on."
        ),
        how_to=(
            "Read the strategy, the annual plan and recent board papers.",
            "Pick the two or three goals your idea serves best.",
            "Rewrite your pitch so each point starts from one of those goals.",
            "Drop the jargon of the tool itself.",
        ),
        risks=(
            "Over-promising: claiming the idea will deliver a goal on its own "
            "invites a hard fall if it does not."
        ),
        milestone=SuggestedMilestone(
            "Leadership goals linked to the proposal", 3, "goals"
        ),
    ),
    PlaybookEntry(
        key="audience-first",
        title="Let the audience make the case",
        summary=(
            "Show where and how the people you serve want to hear from you, so "
            "the discussion is about them instead of personal taste."
        ),
        why_it_works=(
            "A debate about likes and dislikes has no winner. Evidence about "
            "the audience gives everyone a shared reference point."
        ),
        how_to=(
            "Ask the audience directly: a short survey, a few conversations.",
            "Add any data you already hold on how they find you.",
            "Quote them in their own words.",
        ),
        risks=(
            "A small or skewed sample is easy to pick apart; say how the "
            "evidence was gathered."
        ),
        milestone=SuggestedMilestone("Audience responses collected", 100, "responses"),
    ),
    PlaybookEntry(
        key="listening-alerts",
        title="Let leadership hear the conversation already happening",
        summary=(
            "Set up alerts so decision makers regularly see what people are "
            "already saying about the organisation online, with or without it."
        ),
        why_it_works=(
            "Realising the conversation goes on anyway shifts the question "
            "from whether to take part to how."
        ),
        how_to=(
            "Choose search terms: your name, services, places, key people.",
            "Set up free alerts and route them to a simple weekly summary.",
            "Send the summary to the decision maker, with one line of comment.",
        ),
        risks=(
            "Flooding people with noise, or with only negative mentions, can "
            "make them want to stay away; curate what you send."
        ),
        milestone=SuggestedMilestone(
            "Decision makers receiving the weekly summary", 2, "people"
        ),
    ),
    PlaybookEntry(
        key="ground-rules",
        title="Agree the ground rules early",
        summary=(
            "Draft a short usage policy with the people who worry most, so "
            "everyone knows what is allowed before anything goes live."
        ),
        why_it_works=(
            "Clear rules take the fear out of the unknown and give cautious "
            "leaders a way to say yes safely."
        ),
        how_to=(
            "Start from policies that similar organisations publish.",
            "Cover who may post, tone, privacy, and what to do when things go wrong.",
            "Review it with legal, communications and the most doubtful "
            "decision maker.",
            "Keep it to one or two pages.",
        ),
        risks=(
            "A policy written only to reassure can be so strict that nothing "
            "can happen; agree how it will be reviewed."
        ),
        milestone=SuggestedMilestone("Usage policy signed off", 1, "policy"),
    ),
    PlaybookEntry(
        key="start-small",
        title="Begin small, with goals you can measure",
        summary=(
            "Ask for a narrow, clearly bounded first step whose success can "
            "be counted, rather than a big programme."
        ),
        why_it_works=(
            "A modest request is easy to grant, and a measured success earns "
            "the right to ask for the next step."
        ),
        how_to=(
            "Write down the one thing you want to try first.",
            "Attach a number and a date to it.",
            "Agree with a decision maker what would count as success.",
        ),
        risks=(
            "Starting so small that the result proves nothing; make sure the "
            "measure matters to the decision makers."
        ),
        milestone=SuggestedMilestone("Measurable goals agreed", 3, "goals"),
    ),
    PlaybookEntry(
        key="report-often",
        title="Report progress often, and share the credit",
        summary=(
            "Keep the decision makers informed at a steady rhythm about what "
            "has been done and shown, crediting them for what they made possible."
        ),
        why_it_works=(
            "Regular short updates build confidence, and leaders back what "
            "they are seen to have championed."
        ),
        how_to=(
            "Set a cadence, every two weeks is a good start, and keep to it.",
            "Lead with results, then what you learned, then what is next.",
            "Name what the decision makers did that helped.",
        ),
        risks=(
            "Updates that only cheerlead lose credibility; include what did "
            "not go well."
        ),
        milestone=SuggestedMilestone("Progress reports sent", 6, "reports"),
    ),
    PlaybookEntry(
        key="keep-learning",
        title="Stay patient and write down every lesson",
        summary=(
            "Treat the campaign as a long game: when something fails, record "
            "what happened and what it taught you, then adjust."
        ),
        why_it_works=(
            "Minds change over months, not meetings, and a visible record of "
            "learning shows you can be trusted with more."
        ),
        how_to=(
            "Close every tactic with an outcome, good or bad.",
            "Review the lessons together once a month.",
            "Carry each lesson into the next tactic you plan.",
        ),
        risks=(
            "Pressing on without ever stepping back can wear out your allies; "
            "know when to pause."
        ),
        milestone=SuggestedMilestone("Lessons recorded", 5, "lessons"),
    ),
)

BY_KEY = {entry.key: entry for entry in PLAYBOOK}


def get_entry(key):
    """The playbook entry for `key`; KeyError if there is none."""
    return BY_KEY[key]


def choices():
    """(key, title) pairs for a form's choice field."""
    return [(entry.key, entry.title) for entry in PLAYBOOK]


@transaction.atomic
def add_to_campaign(campaign, keys, actor=None):
    """Create a Backlog tactic and its suggested milestone for each chosen key.

    Unknown keys raise KeyError before anything is written. Returns the new
    tactics and milestones, in the order the keys were given.
    """
    entries = [get_entry(key) for key in dict.fromkeys(keys)]
    # Same lock as every board change; new cards go to the bottom of Backlog.
    lock_campaign(campaign.pk)
    ranks = bottom_ranks(campaign, TacticStatus.BACKLOG, len(entries))
    tactics, milestones = [], []
    for rank, entry in zip(ranks, entries, strict=True):
        milestone = Milestone.objects.create(
            campaign=campaign,
            title=entry.milestone.title,
            target_value=entry.milestone.target_value,
            unit=entry.milestone.unit,
        )
        # What each occurrence adds (the people at a session) counts
        # towards the suggested milestone.
        tactic = Tactic.objects.create(
            campaign=campaign,
            title=entry.title,
            description=entry.description,
            status=TacticStatus.BACKLOG,
            position=rank,
            risk=entry.risks,
            playbook_key=entry.key,
            created_by=actor,
            repeat=entry.repeat,
            milestone=milestone,
        )
        Activity.record(
            campaign,
            actor,
            Activity.Verb.TACTIC_CREATED,
            f"Added “{tactic.title}” from the playbook",
            tactic=tactic,
            data={"playbook_key": entry.key},
        )
        Activity.record(
            campaign,
            actor,
            Activity.Verb.MILESTONE_ADDED,
            f"Added the milestone “{milestone.title}”",
            milestone=milestone,
        )
        tactics.append(tactic)
        milestones.append(milestone)
    return tactics, milestones
