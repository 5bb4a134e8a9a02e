"""What the insight partials need, for the pages that include them.

The campaign overview includes _decision_count.html and _gone_cold.html; the
stakeholder page includes _start_here.html, _stance_path.html and
_contact_rhythm.html (with its "Log contact" form); the tactic page and its
side panel on the board include _tactic_attribution.html.
"""

from .attribution import tactic_attribution
from .contact import gone_cold, rhythm
from .decision import decision_count
from .history import stance_path
from .reach import start_here


def campaign_panels(campaign, stakeholders):
    """`stakeholders`: the campaign's, already loaded, with relationship_owner
    selected. Adds no query."""
    return {
        "decision": decision_count(stakeholders, campaign.deciders_needed),
        "cold": gone_cold(stakeholders),
    }


def stakeholder_panels(stakeholder, history):
    """`history`: the stakeholder's stance changes, already loaded, newest
    first (as the stakeholder page lists them). Two queries."""
    return {
        "suggestions": start_here(stakeholder),
        "path": stance_path(stakeholder, list(reversed(history))),
        "rhythm": rhythm(stakeholder),
    }


def tactic_panels(tactic):
    """One query."""
    return {"attribution": tactic_attribution(tactic)}
