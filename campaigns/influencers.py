"""Adding an influencer and linking them to the stakeholders they sway, with
the activity each records: the influencer pages' logic, shared with the API."""

from django.db import IntegrityError, transaction

from . import versions
from .models import Activity

ALREADY_LINKED = "These two are already linked."


def save(form):
    """Saves over the version the form was loaded from (None on a conflict)."""
    try:
        return versions.save(form)
    except IntegrityError:
        form.add_error(
            "name", "This campaign already has an influencer with this name."
        )
        return None


def add(form, campaign, actor):
    """Save a valid new-influencer form; the influencer, or None with the
    form's errors."""
    influencer = save(form)
    if influencer is not None:
        Activity.record(
            campaign,
            actor,
            Activity.Verb.INFLUENCER_ADDED,
            f"Added influencer {influencer.name}",
        )
    return influencer


def link(form, campaign, influencer, actor):
    """Save a valid link form; the link, or None with the form's errors."""
    try:
        with transaction.atomic():
            influence = form.save()
    except IntegrityError:
        form.add_error("stakeholder", ALREADY_LINKED)
        return None
    Activity.record(
        campaign,
        actor,
        Activity.Verb.INFLUENCE_LINKED,
        f"Linked {influencer.name} to {influence.stakeholder.name} "
        f"(strength {influence.strength})",
        stakeholder=influence.stakeholder,
        data={"influencer": influencer.pk, "strength": influence.strength},
    )
    return influence


def unlink(influence):
    """Remove a link; what the influencer list's "Remove" does."""
    influence.delete()
