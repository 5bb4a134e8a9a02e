"""Property test through the database: a campaign's stakeholders,
influencers and tactics, with any text a person can type, export and import
into another campaign as the same data; or the import refuses, naming a row.
Few examples: each builds and saves two campaigns."""

import io

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from campaigns import csv_io, csv_read
from campaigns.forms.transfer import row_form_for
from campaigns.models import Influence, Stance, Tactic, TacticStatus
from tests import factories as f

DB_PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text the forms keep as typed: no control characters, no surrounding blanks.
TRICKY = st.sampled_from(['"', ",", ";", "\t", "\n", "\r\n", "=", "+", "-", "@", "'"])
letters = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)
notes = st.lists(TRICKY | letters, max_size=5).map(lambda p: "".join(p).strip())
one_line = notes.map(lambda t: " ".join(t.split()))
names = st.lists(one_line.filter(bool), min_size=1, max_size=4, unique_by=str.casefold)


def exported(kind, rows):
    out = io.StringIO(newline="")
    csv_io.write(out, csv_io.KINDS[kind].columns, rows)
    return out.getvalue().encode()  # as the download sends it


def imported(kind, raw, campaign, actor):
    kind = csv_io.KINDS[kind]
    text = csv_read.decode(raw)
    result = csv_io.parse(text, kind, campaign, row_form_for(kind, campaign))
    if not result.ok:
        assert result.errors and all(number for number, _ in result.errors)
        return False
    csv_io.save(kind, campaign, result, actor)
    return True


@DB_PROPERTY
@given(data=st.data(), people=names, others=names)
def test_exports_import_as_the_same_data(db, data, people, others):
    member = f.MembershipFactory()
    team, actor = member.team, member.user
    source = f.CampaignFactory(team=team)
    stakeholders = [
        f.StakeholderFactory(
            campaign=source,
            name=name,
            title=data.draw(one_line.map(lambda t: t[:150])),
            cares_about=data.draw(notes),
            stance=data.draw(st.sampled_from(Stance.values)),
            relationship_owner=data.draw(st.sampled_from([None, actor])),
        )
        for name in people
    ]
    influencers = []
    for name in others:
        influencer = f.InfluencerFactory(
            campaign=source, name=name, notes=data.draw(notes)
        )
        for s in data.draw(st.lists(st.sampled_from(stakeholders), unique=True)):
            Influence.objects.create(
                influencer=influencer,
                stakeholder=s,
                strength=data.draw(st.integers(1, 5)),
            )
        influencers.append(influencer)
    for _ in range(data.draw(st.integers(0, 3))):
        status = data.draw(st.sampled_from(TacticStatus.values))
        tactic = f.TacticFactory(
            campaign=source,
            title=data.draw(one_line.filter(bool)),
            status=status,
            assignee=data.draw(st.sampled_from([None, actor])),
            influencer=data.draw(st.sampled_from([None, *influencers])),
            risk=data.draw(notes),
            outcome=data.draw(notes),
            is_private=data.draw(st.booleans()),
        )
        if status in (TacticStatus.DONE, TacticStatus.DIDNT_WORK):
            Tactic.objects.filter(pk=tactic.pk).update(completed_at=tactic.created_at)
        tactic.targets.set(data.draw(st.lists(st.sampled_from(stakeholders))))

    target = f.CampaignFactory(team=team)
    for kind, rows in (
        ("stakeholders", csv_io.stakeholder_rows),
        ("influencers", csv_io.influencer_rows),
        ("tactics", lambda c: csv_io.tactic_rows(c, include_private=True)),
    ):
        listed = list(rows(source))
        if not listed:
            continue  # the header alone: "no rows" is the answer, tested elsewhere
        raw = exported(kind, listed)
        if not imported(kind, raw, target, actor):
            event(f"{kind} refused")
            return  # refused, naming its rows: never half-imported
        assert exported(kind, rows(target)) == raw, kind
        event(f"{kind} round trip")
