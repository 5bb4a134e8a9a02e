"""Keep Campaign.board_version honest.

Open boards poll the version, and the rendered cards are cached under it, so
it must change with everything a card shows: the tactic itself, its targets'
names and its assignee's name; and with the filter form's choices, cached
with the cards: the team's writers and the campaign's people. Board moves
bump it themselves (they write with UPDATE, which sends no signals);
everything else that saves lands here.
"""

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from . import webhooks
from .backends import forget_user
from .models import Activity, Campaign, Membership, Stakeholder, Tactic, User

# Saving only these fields changes nothing a card shows.
_INVISIBLE_USER_FIELDS = frozenset({"last_login", "password"})


def _bump(**filters):
    Campaign.objects.filter(**filters).update(board_version=F("board_version") + 1)


@receiver(post_save, sender=Tactic)
@receiver(post_delete, sender=Tactic)
@receiver(post_save, sender=Stakeholder)
@receiver(post_delete, sender=Stakeholder)
def card_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _bump(pk=instance.campaign_id)


@receiver(m2m_changed, sender=Tactic.targets.through)
def targets_changed(sender, instance, action, **kwargs):
    # From either side (tactic.targets or stakeholder.tactics) the instance
    # belongs to the campaign whose board shows the link.
    if action.startswith("post_"):
        _bump(pk=instance.campaign_id)


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def teammates_changed(sender, instance, raw=False, **kwargs):
    # Who may be given a tactic, which the board's assignee filter lists.
    if not raw:
        _bump(team_id=instance.team_id)


@receiver(post_save, sender=User)
def person_changed(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created:
        return
    if update_fields is not None and set(update_fields) <= _INVISIBLE_USER_FIELDS:
        return
    _bump(team__memberships__user=instance)


@receiver(pre_delete, sender=User)
def person_leaving(sender, instance, **kwargs):
    # Before the delete: afterwards their memberships are gone, and their
    # cards lose the assignee without a signal of their own.
    _bump(team__memberships__user=instance)


# ---- the cached logged-in user (campaigns/backends.py) ----------------------


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def user_saved(sender, instance, raw=False, **kwargs):
    # Every save: a new password or a deactivation must end sessions at once.
    if not raw:
        forget_user(instance.pk)


# ---- webhooks and chat notifications (campaigns/webhooks.py) ---------------


@receiver(post_save, sender=Activity)
def activity_recorded(sender, instance, created, raw=False, **kwargs):
    # Every path records an Activity (board, forms, CSV import), so every
    # path fires the team's webhooks; the work waits for the commit.
    if created and not raw:
        webhooks.activity_recorded(instance)
