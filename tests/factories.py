import datetime

import factory
from django.utils import timezone

from campaigns import models

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = models.Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Invitation

    team = factory.SubFactory(TeamFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = models.Role.MEMBER


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Campaign

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    goal = "Reach more of the people we serve where they already are."
    starts_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=30)
    )


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stakeholder

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Stakeholder {n}")
    title = "Director"
    power = 4
    interest = 3
    stance = models.Stance.SKEPTICAL


class StanceChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StanceChange

    stakeholder = factory.SubFactory(StakeholderFactory)
    from_stance = models.Stance.SKEPTICAL
    to_stance = models.Stance.NEUTRAL
    reason = "Saw the pilot numbers."


class InfluencerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Influencer

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Influencer {n}")
    relationship = "Board member"


class InfluenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Influence

    influencer = factory.SubFactory(InfluencerFactory)
    stakeholder = factory.SubFactory(
        StakeholderFactory, campaign=factory.SelfAttribute("..influencer.campaign")
    )
    strength = 3


class TacticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Tactic

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"Tactic {n}")
    status = models.TacticStatus.BACKLOG
    position = factory.Sequence(lambda n: n)


class TacticCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TacticComment

    tactic = factory.SubFactory(TacticFactory)
    body = "Went well."


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Milestone

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    target_value = 40
    current_value = 10


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Activity

    campaign = factory.SubFactory(CampaignFactory)
    verb = models.Activity.Verb.CAMPAIGN_UPDATED
    summary = "Updated the campaign"


class TacticTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TacticTemplate

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Our template {n}")
    summary = "Invite a respected peer to a lunch-and-learn."
    how_to = "Find the peer\nBook the room"
    risks = "The peer may not turn up."
    milestone_title = "Peers who spoke to us"
    milestone_target = 2
    milestone_unit = "peers"


class PeerMoveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PeerMove

    campaign = factory.SubFactory(CampaignFactory)
    organisation = factory.Sequence(lambda n: f"Rival {n}")
    what = "Launched a staff blog."
    link = "https://example.org/news"
    happened_on = factory.LazyFunction(timezone.localdate)


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Objection

    campaign = factory.SelfAttribute("stakeholder.campaign")
    stakeholder = factory.SubFactory(StakeholderFactory)
    text = "No budget"


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence

    objection = factory.SubFactory(ObjectionFactory)
    kind = models.EvidenceKind.PILOT
    summary = "The pilot cost nothing and reached 400 people."


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProgressReport

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"Report {n}")
    period_start = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=14)
    )
    period_end = factory.LazyFunction(timezone.localdate)
    sections = factory.LazyFunction(
        lambda: {"summary": "We completed 1 tactic.", "done": "- Ran the lunch"}
    )
