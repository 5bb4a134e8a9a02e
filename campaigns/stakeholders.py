"""Adding a stakeholder and recording their moves on the stance ladder: the
stakeholder pages' logic, shared with the API."""

from django.db import IntegrityError, transaction

from . import notices, versions
from .access import get_in_campaign
from .forms.insights import StakeholderStanceForm
from .models import Activity, Stakeholder, Stance, StanceChange

DUPLICATE_NAME = "This campaign already has a stakeholder with this name."


def save(form, write=None):
    """Saves over the version the form was loaded from (None on a conflict),
    turning a name taken in a concurrent request into a field error."""
    try:
        return versions.save(form, write)
    except IntegrityError:
        form.add_error("name", DUPLICATE_NAME)
        return None


def add(form, campaign, actor):
    """Save a valid new-stakeholder form; the stakeholder, or None with the
    form's errors."""
    stakeholder = save(form)
    if stakeholder is not None:
        Activity.record(
            campaign,
            actor,
            Activity.Verb.STAKEHOLDER_ADDED,
            f"Added {stakeholder.name} ({stakeholder.get_stance_display().lower()})",
            stakeholder=stakeholder,
            # Their starting point, not a move: no StanceChange is written.
            data={"stance": stakeholder.stance},
        )
    return stakeholder


def save_edit(form, campaign, stakeholder, actor):
    """Save an edit form over the version it was loaded from, recording what
    changed; None on a conflict or a name taken meanwhile."""

    def write():
        versions.save_fields(form)
        Activity.record(
            campaign,
            actor,
            Activity.Verb.STAKEHOLDER_UPDATED,
            f"Updated {stakeholder.name}",
            stakeholder=stakeholder,
            data={"fields": form.changed_data, "version": stakeholder.version},
        )

    return save(form, write)


def credit_tactics(campaign, can_write):
    """The tactics a stance change may be credited to, as the user sees them."""
    tactics = campaign.tactics.order_by("title", "pk")
    if not can_write:
        tactics = tactics.filter(is_private=False)  # quiet tactics stay in the team
    return list(tactics)


def stance_form(stakeholder, tactics, data=None):
    return StakeholderStanceForm(
        data,
        stakeholder=stakeholder,
        tactics=tactics,
        initial={"to_stance": stakeholder.stance},
    )


def change_stance(campaign, stakeholder_pk, data, actor, can_write):
    """Record a move on the ladder from posted `data`: (stakeholder, form),
    the form invalid when nothing was recorded. Raises Http404 for another
    campaign's stakeholder."""
    tactics = credit_tactics(campaign, can_write)
    with transaction.atomic():
        # Lock the row so two people recording at once each see the other's move.
        stakeholder = get_in_campaign(
            campaign, Stakeholder.objects.select_for_update(), stakeholder_pk
        )
        form = stance_form(stakeholder, tactics, data)
        if form.is_valid():
            from_stance, to_stance = stakeholder.stance, form.cleaned_data["to_stance"]
            tactic = form.cleaned_data["tactic"]
            change = StanceChange.objects.create(
                stakeholder=stakeholder,
                from_stance=from_stance,
                to_stance=to_stance,
                reason=form.cleaned_data["reason"],
                recorded_by=actor,
                tactic=tactic,
            )
            stakeholder.stance = to_stance
            stakeholder.save(update_fields=["stance"])
            Activity.record(
                campaign,
                actor,
                Activity.Verb.STANCE_CHANGED,
                f"{stakeholder.name}: {Stance(from_stance).label} → "
                f"{Stance(to_stance).label}",
                stakeholder=stakeholder,
                tactic=tactic,
                data={"from": from_stance, "to": to_stance},
            )
            notices.decider_moved(change, campaign, actor)
    return stakeholder, form
