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


def record_stance_change(campaign, stakeholder, move, actor):
    """Keep a move on the ladder (`move`: a valid form's to_stance, reason and
    tactic) with its activity line and the notifications it makes. The
    caller holds the stakeholder's row lock."""
    from_stance, to_stance = stakeholder.stance, move["to_stance"]
    change = StanceChange.objects.create(
        stakeholder=stakeholder,
        from_stance=from_stance,
        to_stance=to_stance,
        reason=move["reason"],
        recorded_by=actor,
        tactic=move["tactic"],
    )
    stakeholder.stance = to_stance
    stakeholder.save(update_fields=["stance"])
    Activity.record(
        campaign,
        actor,
        Activity.Verb.STANCE_CHANGED,
        f"{stakeholder.name}: {Stance(from_stance).label} → {Stance(to_stance).label}",
        stakeholder=stakeholder,
        tactic=move["tactic"],
        data={"from": from_stance, "to": to_stance},
    )
    notices.decider_moved(change, campaign, actor)
    return change


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
            record_stance_change(campaign, stakeholder, form.cleaned_data, actor)
    return stakeholder, form
