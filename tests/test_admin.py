"""Django's admin: every model of the app is registered, and each list, its
search and each object's page open for staff. The system check validates
list_display and list_filter; search_fields and raw_id_fields are only
resolved when a page is drawn, so a typo there shows up here."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from campaigns.models import EvidenceKind, User
from tests import factories as f
from tests.world import World

MODELS = list(apps.get_app_config("campaigns").get_models())


@pytest.fixture
def staff(client, db):
    World()  # a team with a campaign and most kinds of object
    tactic = f.TacticFactory()
    f.StanceChangeFactory(stakeholder__campaign=tactic.campaign, tactic=tactic)
    f.TacticCommentFactory(tactic=tactic)
    f.ActivityFactory(campaign=tactic.campaign, tactic=tactic)
    move = f.PeerMoveFactory(campaign=tactic.campaign)
    f.EvidenceFactory(
        objection__stakeholder__campaign=tactic.campaign,
        kind=EvidenceKind.PEER_MOVE,
        peer_move=move,
    )
    client.force_login(
        User.objects.create_superuser(email="admin@example.org", name="Ada Admin")
    )
    return client


def test_every_model_is_registered():
    missing = [m.__name__ for m in MODELS if m not in admin.site._registry]
    assert not missing, missing


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_list_search_and_change_pages_open(staff, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert staff.get(changelist).status_code == 200
    assert staff.get(changelist, {"q": "a"}).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )
        assert staff.get(change).status_code == 200
