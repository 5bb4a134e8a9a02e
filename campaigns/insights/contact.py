"""The rhythm of contact: how often each quadrant should hear from the team,
and who has gone cold."""

import datetime

from django.utils import timezone

from .grid import quadrant


def last_touch(stakeholder):
    """The last contact, or the day they were added if nobody has called."""
    if stakeholder.last_contacted_on:
        return stakeholder.last_contacted_on
    return timezone.localtime(stakeholder.created_at).date()


def next_contact_due(stakeholder):
    days = quadrant(stakeholder.power, stakeholder.interest).contact_days
    return last_touch(stakeholder) + datetime.timedelta(days=days)


def rhythm(stakeholder, today=None):
    today = today or timezone.localdate()
    q = quadrant(stakeholder.power, stakeholder.interest)
    due = next_contact_due(stakeholder)
    return {
        "stakeholder": stakeholder,
        "quadrant": q,
        "every_days": q.contact_days,
        "due_on": due,
        "days_overdue": max(0, (today - due).days),
        "is_cold": due < today,
    }


def gone_cold(stakeholders, today=None):
    """Who is overdue for contact, longest overdue first."""
    today = today or timezone.localdate()
    rows = [rhythm(s, today) for s in stakeholders]
    cold = [r for r in rows if r["is_cold"]]
    cold.sort(
        key=lambda r: (
            -r["days_overdue"],
            -r["stakeholder"].power,
            r["stakeholder"].name.lower(),
        )
    )
    return cold


def cold_in_campaign(campaign, today=None):
    """gone_cold() for a whole campaign in one query, owners included."""
    return gone_cold(campaign.stakeholders.select_related("relationship_owner"), today)
