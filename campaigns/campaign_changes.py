"""Saving an edited campaign over the version it was loaded from, with the
activity it records: the campaign's edit page and the API's."""

from . import versions
from .models import Activity


def save(form, campaign, actor):
    """The campaign, or None with `form.conflict` when a newer version was
    saved meanwhile (campaigns/versions.py)."""

    def write():
        versions.save_fields(form)
        Activity.record(
            campaign,
            actor,
            Activity.Verb.CAMPAIGN_UPDATED,
            f"Updated {', '.join(form.changed_data).replace('_', ' ')}"
            if form.changed_data
            else "Saved the campaign",
            data={"fields": form.changed_data, "version": campaign.version},
        )

    return versions.save(form, write)
