"""A campaign's measurable goals: adding one and moving its current value,
with the activity each records. The milestone pages' logic, shared with the
API."""

from django.db import transaction

from . import versions
from .access import get_in_campaign
from .forms.campaigns import MilestoneProgressForm
from .models import Activity, Milestone


def record_progress(campaign, actor, milestone, was_reached):
    """The Activity for a milestone whose current value just changed."""
    if milestone.reached_at and not was_reached:
        verb, summary = Activity.Verb.MILESTONE_REACHED, f"Reached “{milestone}”"
    else:
        verb = Activity.Verb.MILESTONE_PROGRESSED
        summary = f"“{milestone}” now at {milestone.current_value} of "
        summary += f"{milestone.target_value} {milestone.unit}".rstrip()
    Activity.record(
        campaign,
        actor,
        verb,
        summary,
        milestone=milestone,
        data={
            "current": milestone.current_value,
            "target": milestone.target_value,
            # For telling a teammate whose save it refuses who saved it.
            "version": milestone.version,
        },
    )


def add(form, campaign, actor):
    """Save a valid new-milestone form and record it."""
    with transaction.atomic():
        milestone = form.save()
        Activity.record(
            campaign,
            actor,
            Activity.Verb.MILESTONE_ADDED,
            f"Added milestone “{milestone}”",
            milestone=milestone,
        )
    return milestone


def save_edit(form, campaign, actor, was_reached):
    """Save an edit form over the version it was loaded from, recording a
    change of its values (`was_reached`: as loaded); None on a conflict."""
    milestone = form.instance

    def write():
        versions.save_fields(form)
        if {"current_value", "target_value"} & set(form.changed_data):
            record_progress(campaign, actor, milestone, was_reached)

    return versions.save(form, write)


def progress_form(milestone, data=None, prefix=None):
    return MilestoneProgressForm(
        data,
        prefix=prefix,
        initial={"current_value": milestone.current_value},
        record=milestone,
    )


def set_progress(campaign, milestone_pk, data, actor, prefix=None):
    """Move a milestone's current value from posted `data`, over the version
    it was loaded from: (milestone as saved now, form, saved or not).
    Raises Http404 for another campaign's milestone."""
    with transaction.atomic():
        milestone = get_in_campaign(
            campaign, Milestone.objects.select_for_update(), milestone_pk
        )
        form = progress_form(milestone, data, prefix)
        changed = form.is_valid() and (
            form.cleaned_data["current_value"] != milestone.current_value
        )

        def write():
            was_reached = bool(milestone.reached_at)
            milestone.set_current_value(form.cleaned_data["current_value"])
            milestone.save(update_fields=["current_value", "reached_at"])
            record_progress(campaign, actor, milestone, was_reached)

        # Over the version the row was loaded from, as an edit is: neither
        # writes over the other.
        saved = form.is_valid() and (not changed or versions.save(form, write))
        if form.conflict and not form.conflict.missing:
            milestone = form.conflict.current
    return milestone, form, bool(saved)
