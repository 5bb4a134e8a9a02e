"""The API's endpoints. Each reaches its objects the way the web pages do
(campaigns/access.py): another team's id is a 404, a viewer's write a 403,
and viewers never see quiet tactics or draft reports. Writes go through the
board's and the reports' own logic and the web's own forms, so ranks,
versions, activity and emails come out as they do in the browser.
"""

import datetime

from django import forms
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .. import board as logic
from .. import campaign_changes, influencers, milestones, objections, versions
from .. import reports as content
from .. import stakeholders as people
from ..access import get_campaign, get_in_campaign, get_membership
from ..forms.board import BoardFilterForm, MoveForm, QuickAddForm, TacticForm
from ..forms.campaigns import (
    CampaignForm,
    InfluenceForm,
    InfluencerForm,
    MilestoneForm,
    StakeholderForm,
)
from ..forms.objections import ObjectionForm
from ..forms.reports import ReportPeriodForm
from ..models import (
    Activity,
    Campaign,
    Influence,
    Influencer,
    Membership,
    Milestone,
    Objection,
    ReportStatus,
    Stakeholder,
    StanceChange,
    Tactic,
    TacticStatus,
)
from . import serializers as s
from .errors import Conflict, Invalid, form_errors
from .pagination import ActivityCursor

READ_ONLY_TOKEN = (
    "This token is read-only: make one without “Read only” to change things."
)
ErrorSerializer = s.ErrorSerializer
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="No valid token"),
    403: OpenApiResponse(ErrorSerializer, description="Your role may not"),
    404: OpenApiResponse(ErrorSerializer, description="Not in your teams"),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests"),
}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Changed meanwhile")}
# The board's column order, for listing tactics as the board shows them.
COLUMN_ORDER = Case(
    *(When(status=value, then=Value(i)) for i, value in enumerate(TacticStatus)),
    output_field=IntegerField(),
)


def form_data(data, base=None):
    """A JSON object as the form data a browser would post: every value a
    string, a list for several values, null as empty."""
    if not isinstance(data, dict):
        raise Invalid({"non_field_errors": ["Send a JSON object."]})
    posted = QueryDict(mutable=True)
    for name, value in (base or {}).items():
        posted.setlist(name, value if isinstance(value, list) else [value])
    wrong = {}
    for name, value in data.items():
        if isinstance(value, list) and all(_scalar(v) for v in value):
            posted.setlist(name, [_text(v) for v in value])
        elif value is None or _scalar(value):
            posted.setlist(name, [_text(value)])
        else:
            wrong[name] = ["Send a single value, or a list of values."]
    if wrong:
        raise Invalid(wrong)
    return posted


def _scalar(value):
    return isinstance(value, (str, int, float, bool))


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _form_values(form):
    """What an unbound form shows, as posted data (for a partial update)."""
    values = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, (list, tuple)):
            values[name] = [_text(v) for v in value]
        elif value is not None:
            values[name] = _text(value)
        if field.show_hidden_initial and name in values:
            # A field with a callable default (a campaign's start) tells
            # what changed by the initial value the page carries beside it.
            values[form[name].html_initial_name] = values[name]
    return values


class ApiView(generics.GenericAPIView):
    """Scoping shared by every endpoint."""

    # No OPTIONS answer that skips the access check: every method is
    # answered after it, as on the web (another team's id is a 404 first).
    http_method_names = ["get", "post", "patch", "put", "delete", "head"]

    def campaign(self, write=False, queryset=None):
        campaign = get_campaign(
            self.request, self.kwargs["campaign_pk"], write=write, queryset=queryset
        )
        if write:
            self.check_token_writes()
        return campaign

    def check_token_writes(self):
        token = self.request.auth
        if token is not None and token.read_only:
            raise PermissionDenied(READ_ONLY_TOKEN)

    @property
    def can_write(self):
        return self.request.membership.can_write

    def locate(self):
        """Whatever the URL names, found (404) before a wrong method (405)."""
        if "campaign_pk" in self.kwargs:
            self.campaign()

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.locate()
        return super().http_method_not_allowed(request, *args, **kwargs)

    def edit(self, make_form, save, answer, what):
        """A partial update through the web's edit form: the record's values
        as its page shows them, the fields sent over them, saved over the
        version sent (409 when a newer one was saved)."""
        base = _form_values(make_form(None))
        base.pop("version", None)  # the caller's, or the save is refused
        form = make_form(form_data(self.request.data, base))
        if not form.is_valid():
            raise Invalid(form_errors(form))
        if save(form):
            return Response(answer())
        if form.conflict is None or form.conflict.missing:
            raise Invalid(form_errors(form))  # e.g. a name taken meanwhile
        raise Conflict(
            f"Someone saved a newer version of this {what} meanwhile; nothing "
            "was saved. Read it again, then send your change with its version.",
            current=answer(),
            fields={
                name: ["Saved meanwhile as shown in `current`."]
                for name in form.conflict.saved
            },
        )

    def list_response(self, queryset, serializer=None):
        page = self.paginate_queryset(queryset)
        data = (serializer or self.get_serializer)(page, many=True).data
        return self.get_paginated_response(data)


def _id_param(name, description):
    return OpenApiParameter(name, int, description=description)


# ---- teams and campaigns ---------------------------------------------------


class TeamList(ApiView):
    serializer_class = s.TeamSerializer

    @extend_schema(
        summary="Your teams, with your role in each",
        responses={200: s.TeamSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        memberships = Membership.objects.filter(user=request.user).select_related(
            "team"
        )
        teams = []
        for membership in memberships.order_by("team__name", "team_id"):
            team = membership.team
            team.role = membership.role
            teams.append(team)
        return self.list_response(teams)


class TeamDetail(ApiView):
    serializer_class = s.TeamSerializer

    def locate(self):
        return get_membership(self.request, self.kwargs["team_pk"])

    @extend_schema(
        summary="One of your teams", responses={200: s.TeamSerializer, **ERRORS}
    )
    def get(self, request, team_pk):
        membership = self.locate()
        team = membership.team
        team.role = membership.role
        return Response(self.get_serializer(team).data)


class CampaignList(ApiView):
    serializer_class = s.CampaignSerializer

    @extend_schema(
        summary="The campaigns of your teams",
        parameters=[
            _id_param("team", "Only this team's campaigns."),
            OpenApiParameter("status", str, enum=["active", "paused", "won", "lost"]),
        ],
        responses={200: s.CampaignSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        filters = _Filters(request.GET)
        team = filters.integer("team")
        wanted = filters.choice("status", ["active", "paused", "won", "lost"])
        filters.done()
        campaigns = (
            Campaign.objects.filter(team__memberships__user=request.user)
            .select_related("lead")
            .order_by("team_id", "status", "name", "pk")
        )
        if team is not None:
            campaigns = campaigns.filter(team_id=team)
        if wanted:
            campaigns = campaigns.filter(status=wanted)
        return self.list_response(campaigns)


class CampaignDetail(ApiView):
    serializer_class = s.CampaignSerializer

    @extend_schema(
        summary="One campaign", responses={200: s.CampaignSerializer, **ERRORS}
    )
    def get(self, request, campaign_pk):
        campaign = self.campaign(queryset=Campaign.objects.select_related("lead"))
        return Response(self.get_serializer(campaign).data)

    @extend_schema(
        summary="Change a campaign's name, goal, lead, status, dates or cadence",
        description="Send `version` as you read it and only the fields to "
        "change. A save over a newer version is refused with 409 and the "
        "campaign as saved now in `current`.",
        request=s.CampaignEditSerializer,
        responses={200: s.CampaignSerializer, **ERRORS, **CONFLICT},
    )
    def patch(self, request, campaign_pk):
        campaign = self.campaign(write=True)
        return self.edit(
            lambda data: CampaignForm(data, instance=campaign, team=campaign.team),
            lambda form: campaign_changes.save(form, campaign, request.user),
            lambda: (
                self.get_serializer(
                    self.campaign(queryset=Campaign.objects.select_related("lead"))
                ).data
            ),
            "campaign",
        )


# ---- stakeholders and influencers -----------------------------------------


def _hidden_tactics(view, campaign):
    if view.can_write:
        return set()
    return set(
        Tactic.objects.filter(campaign=campaign, is_private=True).values_list(
            "pk", flat=True
        )
    )


class StakeholderList(ApiView):
    serializer_class = s.StakeholderSerializer

    @extend_schema(
        summary="Add a stakeholder",
        request=s.StakeholderCreateSerializer,
        responses={201: s.StakeholderSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign(write=True)
        form = StakeholderForm(form_data(request.data), campaign=campaign)
        if not (form.is_valid() and people.add(form, campaign, request.user)):
            raise Invalid(form_errors(form))
        return Response(
            self.get_serializer(form.instance).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="The campaign's stakeholders",
        parameters=[OpenApiParameter("stance", int, description="1 (opposed) to 6.")],
        responses={200: s.StakeholderSerializer(many=True), **ERRORS},
    )
    def get(self, request, campaign_pk):
        campaign = self.campaign()
        filters = _Filters(request.GET)
        stance = filters.integer("stance", 1, 6)
        filters.done()
        stakeholders = campaign.stakeholders.order_by("-power", "name", "pk")
        if stance is not None:
            stakeholders = stakeholders.filter(stance=stance)
        return self.list_response(stakeholders)


class StakeholderDetail(ApiView):
    serializer_class = s.StakeholderDetailSerializer

    def locate(self):
        campaign = self.campaign()
        return campaign, get_in_campaign(
            campaign, Stakeholder, self.kwargs["stakeholder_pk"]
        )

    @extend_schema(
        summary="One stakeholder, with every change of stance (newest first)",
        responses={200: s.StakeholderDetailSerializer, **ERRORS},
    )
    def get(self, request, campaign_pk, stakeholder_pk):
        campaign, stakeholder = self.locate()
        return Response(self._answer(campaign, stakeholder.pk))

    def _answer(self, campaign, stakeholder_pk):
        stakeholder = get_in_campaign(campaign, Stakeholder, stakeholder_pk)
        stakeholder.history = StanceChange.objects.filter(
            stakeholder=stakeholder
        ).select_related("recorded_by")
        context = {**self.get_serializer_context()}
        context["hidden_tactics"] = _hidden_tactics(self, campaign)
        return s.StakeholderDetailSerializer(stakeholder, context=context).data

    @extend_schema(
        summary="Change a stakeholder's details (their stance: see stance)",
        description="Send `version` as you read it and only the fields to "
        "change; a save over a newer version is a 409.",
        request=s.StakeholderEditSerializer,
        responses={200: s.StakeholderDetailSerializer, **ERRORS, **CONFLICT},
    )
    def patch(self, request, campaign_pk, stakeholder_pk):
        campaign = self.campaign(write=True)
        stakeholder = get_in_campaign(campaign, Stakeholder, stakeholder_pk)
        return self.edit(
            lambda data: StakeholderForm(data, instance=stakeholder, campaign=campaign),
            lambda form: people.save_edit(form, campaign, stakeholder, request.user),
            lambda: self._answer(campaign, stakeholder_pk),
            "stakeholder",
        )


class StanceChangeCreate(ApiView):
    serializer_class = s.StakeholderDetailSerializer

    def locate(self):
        campaign = self.campaign()
        get_in_campaign(campaign, Stakeholder, self.kwargs["stakeholder_pk"])

    @extend_schema(
        summary="Record a move on the stance ladder",
        description="As on the stakeholder's page: the new stance, why, and "
        "optionally the tactic that moved them (credited on What worked).",
        request=s.StanceChangeCreateSerializer,
        responses={201: s.StakeholderDetailSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk, stakeholder_pk):
        campaign = self.campaign(write=True)
        get_in_campaign(campaign, Stakeholder, stakeholder_pk)
        stakeholder, form = people.change_stance(
            campaign, stakeholder_pk, form_data(request.data), request.user, True
        )
        if not form.is_valid():
            raise Invalid(form_errors(form))
        stakeholder.history = StanceChange.objects.filter(
            stakeholder=stakeholder
        ).select_related("recorded_by")
        return Response(
            self.get_serializer(stakeholder).data, status=status.HTTP_201_CREATED
        )


class InfluenceDetail(ApiView):
    def locate(self):
        campaign = self.campaign()
        influencer = get_in_campaign(campaign, Influencer, self.kwargs["influencer_pk"])
        return get_object_or_404(
            Influence, pk=self.kwargs["influence_pk"], influencer=influencer
        )

    @extend_schema(
        summary="Remove a link between an influencer and a stakeholder",
        responses={204: None, **ERRORS},
    )
    def delete(self, request, campaign_pk, influencer_pk, influence_pk):
        self.campaign(write=True)
        influencers.unlink(self.locate())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _influencers(campaign):
    return campaign.influencers.prefetch_related(
        Prefetch(
            "influences",
            Influence.objects.select_related("stakeholder").order_by("-strength", "pk"),
        )
    ).order_by("name", "pk")


class InfluencerList(ApiView):
    serializer_class = s.InfluencerSerializer

    @extend_schema(
        summary="The campaign's influencers and whom they reach",
        responses={200: s.InfluencerSerializer(many=True), **ERRORS},
    )
    def get(self, request, campaign_pk):
        return self.list_response(_influencers(self.campaign()))

    @extend_schema(
        summary="Add an influencer",
        request=s.InfluencerCreateSerializer,
        responses={201: s.InfluencerSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign(write=True)
        form = InfluencerForm(form_data(request.data), campaign=campaign)
        if not (form.is_valid() and influencers.add(form, campaign, request.user)):
            raise Invalid(form_errors(form))
        influencer = _influencers(campaign).get(pk=form.instance.pk)
        return Response(
            self.get_serializer(influencer).data, status=status.HTTP_201_CREATED
        )


class InfluenceCreate(ApiView):
    serializer_class = s.InfluencerSerializer

    def locate(self):
        return get_in_campaign(
            self.campaign(), Influencer, self.kwargs["influencer_pk"]
        )

    @extend_schema(
        summary="Link an influencer to a stakeholder they sway",
        request=s.InfluenceCreateSerializer,
        responses={201: s.InfluencerSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk, influencer_pk):
        campaign = self.campaign(write=True)
        influencer = get_in_campaign(campaign, Influencer, influencer_pk)
        form = InfluenceForm(
            form_data(request.data),
            influencer=influencer,
            stakeholders=list(campaign.stakeholders.order_by("name")),
        )
        if not (
            form.is_valid()
            and influencers.link(form, campaign, influencer, request.user)
        ):
            raise Invalid(form_errors(form))
        influencer = _influencers(campaign).get(pk=influencer.pk)
        return Response(
            self.get_serializer(influencer).data, status=status.HTTP_201_CREATED
        )


class InfluencerDetail(ApiView):
    serializer_class = s.InfluencerSerializer

    def locate(self):
        campaign = self.campaign()
        return get_in_campaign(
            campaign, _influencers(campaign), self.kwargs["influencer_pk"]
        )

    @extend_schema(
        summary="One influencer and whom they reach",
        responses={200: s.InfluencerSerializer, **ERRORS},
    )
    def get(self, request, campaign_pk, influencer_pk):
        return Response(self.get_serializer(self.locate()).data)

    @extend_schema(
        summary="Change an influencer's name, relationship or notes",
        description="Send `version` as you read it and only the fields to "
        "change; a save over a newer version is a 409.",
        request=s.InfluencerEditSerializer,
        responses={200: s.InfluencerSerializer, **ERRORS, **CONFLICT},
    )
    def patch(self, request, campaign_pk, influencer_pk):
        campaign = self.campaign(write=True)
        influencer = get_in_campaign(campaign, Influencer, influencer_pk)
        return self.edit(
            lambda data: InfluencerForm(data, instance=influencer, campaign=campaign),
            influencers.save,
            lambda: (
                self.get_serializer(
                    get_in_campaign(campaign, _influencers(campaign), influencer_pk)
                ).data
            ),
            "influencer",
        )


# ---- tactics: the board ----------------------------------------------------


def _visible(view, tactics):
    """Viewers do not see quiet tactics (Tactic.is_private), as on the board."""
    return tactics if view.can_write else tactics.filter(is_private=False)


def _tactics(view, campaign):
    return _visible(
        view,
        Tactic.objects.filter(campaign=campaign)
        .select_related("assignee")
        .prefetch_related("targets"),
    )


class TacticList(ApiView):
    serializer_class = s.TacticSerializer

    @extend_schema(
        summary="The board's cards, column by column, as the board orders them",
        description="The filters are the board's: `q` searches titles and "
        "descriptions, `assignee` is a person's id or `mine`, `stakeholder` a "
        "target's id, `overdue=true` the open cards past their date; "
        "`status` picks one column.",
        parameters=[
            OpenApiParameter("status", str, enum=TacticStatus.values),
            OpenApiParameter("q", str),
            OpenApiParameter("assignee", str, description="A person's id, or mine."),
            _id_param("stakeholder", "Cards that target this stakeholder."),
            OpenApiParameter("overdue", bool),
        ],
        responses={200: s.TacticSerializer(many=True), **ERRORS},
    )
    def get(self, request, campaign_pk):
        campaign = self.campaign()
        filters = _Filters(request.GET)
        column = filters.choice("status", TacticStatus.values)
        board_filters = BoardFilterForm(request.GET, campaign=campaign)
        if not board_filters.is_valid():
            filters.wrong.update(form_errors(board_filters))
        filters.done()
        tactics = _tactics(self, campaign)
        if column:
            tactics = tactics.filter(status=column)
        tactics = board_filters.filter(tactics, request.user).order_by(
            COLUMN_ORDER, "position", "pk"
        )
        return self.list_response(tactics)

    @extend_schema(
        summary="Add a card at the top of a column",
        request=s.TacticCreateSerializer,
        responses={201: s.TacticSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign(write=True)
        data = form_data(request.data)
        column = data.get("status")
        form = QuickAddForm(
            data, status=column if column in TacticStatus.values else None
        )
        if not form.is_valid():
            raise Invalid(form_errors(form))
        tactic = logic.create_tactic(
            campaign,
            request.user,
            form.cleaned_data["title"],
            form.cleaned_data["status"],
        )
        tactic = _tactics(self, campaign).get(pk=tactic.pk)
        return Response(
            self.get_serializer(tactic).data, status=status.HTTP_201_CREATED
        )


class TacticDetail(ApiView):
    serializer_class = s.TacticSerializer

    def locate(self, write=False):
        campaign = self.campaign(write=write)
        return campaign, get_in_campaign(
            campaign, _tactics(self, campaign), self.kwargs["tactic_pk"]
        )

    @extend_schema(summary="One card", responses={200: s.TacticSerializer, **ERRORS})
    def get(self, request, campaign_pk, tactic_pk):
        _, tactic = self.locate()
        return Response(self.get_serializer(tactic).data)

    @extend_schema(
        summary="Change a card's fields (not its column: see move)",
        description="Send `version` as you read it and only the fields to "
        "change. A save over a newer version is refused with 409, the card "
        "as saved now in `current` and the fields that differ in `fields`.",
        request=s.TacticEditSerializer,
        responses={200: s.TacticSerializer, **ERRORS, **CONFLICT},
    )
    def patch(self, request, campaign_pk, tactic_pk):
        campaign, tactic = self.locate(write=True)
        return self.edit(
            lambda data: TacticForm(data, instance=tactic, campaign=campaign),
            lambda form: logic.save_card(form, request.user),
            lambda: (
                self.get_serializer(_tactics(self, campaign).get(pk=tactic.pk)).data
            ),
            "card",
        )


class _MoveForm(MoveForm):
    board_version = forms.IntegerField(
        required=False, min_value=0, max_value=versions.VERSION_MAX
    )


class TacticMove(ApiView):
    serializer_class = s.MoveResultSerializer

    def locate(self):
        campaign = self.campaign()
        get_in_campaign(
            campaign,
            _visible(self, Tactic.objects.only("pk")),
            self.kwargs["tactic_pk"],
        )

    @extend_schema(
        summary="Move a card to a column and a place in it, as on the board",
        description="`position` 1 is the top (the default); a place past the "
        "end is the bottom. With `board_version` the move is made only if "
        "the board has not changed since (else 409).",
        request=s.MoveSerializer,
        responses={200: s.MoveResultSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, campaign_pk, tactic_pk):
        campaign = self.campaign(write=True)
        # A stale or foreign card is a 404 before the input is judged.
        get_in_campaign(campaign, Tactic.objects.only("pk"), tactic_pk)
        form = _MoveForm(form_data(request.data))
        if not form.is_valid():
            raise Invalid(form_errors(form))
        expected = form.cleaned_data["board_version"]
        with transaction.atomic():
            if expected is not None:
                # Under the board's lock: nobody moves a card in between.
                current = logic.lock_campaign(campaign.pk)
                if current != expected:
                    raise Conflict(
                        f"The board changed meanwhile (it is at version {current}, "
                        f"not {expected}); nothing moved. Read it again first.",
                        current={"board_version": current},
                    )
            result = logic.move_tactic(
                campaign,
                tactic_pk,
                form.cleaned_data["status"],
                form.cleaned_data["position"],
                request.user,
            )
        tactic = _tactics(self, campaign).get(pk=tactic_pk)
        campaign.refresh_from_db(fields=["board_version"])
        following = result.next_occurrence
        return Response(
            {
                "tactic": s.TacticSerializer(tactic).data,
                "moved": result.changed,
                "from_status": result.from_status,
                "board_version": campaign.board_version,
                "next_occurrence": following.pk if following else None,
            }
        )


# ---- milestones, objections, reports, activity ----------------------------


class MilestoneList(ApiView):
    serializer_class = s.MilestoneSerializer

    @extend_schema(
        summary="The campaign's milestones",
        responses={200: s.MilestoneSerializer(many=True), **ERRORS},
    )
    def get(self, request, campaign_pk):
        return self.list_response(self.campaign().milestones.order_by("due_on", "pk"))

    @extend_schema(
        summary="Add a milestone",
        request=s.MilestoneCreateSerializer,
        responses={201: s.MilestoneSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign(write=True)
        form = MilestoneForm(form_data(request.data), campaign=campaign)
        if not form.is_valid():
            raise Invalid(form_errors(form))
        milestone = milestones.add(form, campaign, request.user)
        return Response(
            self.get_serializer(milestone).data, status=status.HTTP_201_CREATED
        )


class MilestoneDetail(ApiView):
    serializer_class = s.MilestoneSerializer

    def locate(self):
        return get_in_campaign(self.campaign(), Milestone, self.kwargs["milestone_pk"])

    @extend_schema(
        summary="One milestone", responses={200: s.MilestoneSerializer, **ERRORS}
    )
    def get(self, request, campaign_pk, milestone_pk):
        return Response(self.get_serializer(self.locate()).data)

    @extend_schema(
        summary="Change a milestone",
        description="Send `version` as you read it and only the fields to "
        "change; a save over a newer version is a 409.",
        request=s.MilestoneEditSerializer,
        responses={200: s.MilestoneSerializer, **ERRORS, **CONFLICT},
    )
    def patch(self, request, campaign_pk, milestone_pk):
        campaign = self.campaign(write=True)
        milestone = get_in_campaign(campaign, Milestone, milestone_pk)
        was_reached = bool(milestone.reached_at)
        return self.edit(
            lambda data: MilestoneForm(data, instance=milestone, campaign=campaign),
            lambda form: milestones.save_edit(
                form, campaign, request.user, was_reached
            ),
            lambda: (
                self.get_serializer(
                    get_in_campaign(campaign, Milestone, milestone_pk)
                ).data
            ),
            "milestone",
        )


class MilestoneProgress(ApiView):
    serializer_class = s.MilestoneSerializer

    def locate(self):
        get_in_campaign(self.campaign(), Milestone, self.kwargs["milestone_pk"])

    @extend_schema(
        summary="Move a milestone's current value",
        description="Send `version` as you read it: a save over a newer one is "
        "refused with 409 and the milestone as saved now in `current`.",
        request=s.MilestoneProgressSerializer,
        responses={200: s.MilestoneSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, campaign_pk, milestone_pk):
        campaign = self.campaign(write=True)
        get_in_campaign(campaign, Milestone, milestone_pk)
        milestone, form, saved = milestones.set_progress(
            campaign, milestone_pk, form_data(request.data), request.user
        )
        if saved:
            milestone.refresh_from_db()
            return Response(self.get_serializer(milestone).data)
        if form.conflict and not form.conflict.missing:
            raise Conflict(
                "Someone saved a newer version of this milestone meanwhile; "
                "nothing was saved. Read it again, then send the value with "
                "its version.",
                current=self.get_serializer(milestone).data,
            )
        raise Invalid(form_errors(form))


class ObjectionList(ApiView):
    serializer_class = s.ObjectionSerializer

    @extend_schema(
        summary="What stakeholders object, open ones first",
        parameters=[
            OpenApiParameter("open", bool, description="Only open (or answered)."),
            _id_param("stakeholder", "Only this stakeholder's."),
        ],
        responses={200: s.ObjectionSerializer(many=True), **ERRORS},
    )
    def get(self, request, campaign_pk):
        campaign = self.campaign()
        filters = _Filters(request.GET)
        is_open = filters.boolean("open")
        stakeholder = filters.integer("stakeholder")
        filters.done()
        objections = campaign.objections.order_by("answered_at", "-created_at", "-pk")
        if is_open is not None:
            objections = objections.filter(answered_at__isnull=is_open)
        if stakeholder is not None:
            objections = objections.filter(stakeholder_id=stakeholder)
        return self.list_response(objections)


class ObjectionCreate(ApiView):
    serializer_class = s.ObjectionSerializer

    def locate(self):
        campaign = self.campaign()
        return campaign, get_in_campaign(
            campaign, Stakeholder, self.kwargs["stakeholder_pk"]
        )

    @extend_schema(
        summary="Record a stakeholder's objection",
        request=s.ObjectionCreateSerializer,
        responses={201: s.ObjectionSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk, stakeholder_pk):
        campaign = self.campaign(write=True)
        stakeholder = get_in_campaign(campaign, Stakeholder, stakeholder_pk)
        form = ObjectionForm(form_data(request.data))
        if not form.is_valid():
            raise Invalid(form_errors(form))
        objection = objections.raise_objection(
            form, campaign, stakeholder, request.user
        )
        return Response(
            self.get_serializer(objection).data, status=status.HTTP_201_CREATED
        )


class ObjectionAnswer(ApiView):
    serializer_class = s.ObjectionSerializer

    def locate(self):
        get_in_campaign(self.campaign(), Objection, self.kwargs["objection_pk"])

    @extend_schema(
        summary="Mark an objection answered, or open again",
        request=s.ObjectionAnswerSerializer,
        responses={200: s.ObjectionSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk, objection_pk):
        campaign = self.campaign(write=True)
        get_in_campaign(campaign, Objection, objection_pk)
        form = _AnswerForm(form_data(request.data))
        if not form.is_valid():
            raise Invalid(form_errors(form))
        objection = objections.mark_answered(
            campaign, objection_pk, form.cleaned_data["answered"], request.user
        )
        return Response(self.get_serializer(objection).data)


class _AnswerForm(forms.Form):
    answered = forms.TypedChoiceField(
        choices=[("true", "Answered"), ("false", "Open")],
        coerce=lambda value: value == "true",
        error_messages={"required": "Say whether it is answered: true or false."},
    )


def _reports(view, campaign):
    reports = campaign.reports.order_by("-period_end", "-pk")
    if not view.can_write:
        # Drafts are the team's work in progress; viewers read what was sent.
        reports = reports.filter(status=ReportStatus.SENT)
    return reports


class ReportList(ApiView):
    serializer_class = s.ReportSerializer

    @extend_schema(
        summary="The campaign's progress reports, newest period first",
        responses={200: s.ReportSerializer(many=True), **ERRORS},
    )
    def get(self, request, campaign_pk):
        return self.list_response(_reports(self, self.campaign()))

    @extend_schema(
        summary="Draft a progress report for a period",
        description="Written from the campaign's data as the report page "
        "drafts it; edit and send it on the web.",
        request=s.ReportCreateSerializer,
        responses={201: s.ReportDetailSerializer, **ERRORS},
    )
    def post(self, request, campaign_pk):
        campaign = self.campaign(write=True)
        form = ReportPeriodForm(form_data(request.data))
        if not form.is_valid():
            raise Invalid(form_errors(form))
        report = content.draft(
            campaign,
            form.cleaned_data["period_start"],
            form.cleaned_data["period_end"],
            request.user,
        )
        return Response(
            s.ReportDetailSerializer(report).data, status=status.HTTP_201_CREATED
        )


class ReportDetail(ApiView):
    serializer_class = s.ReportDetailSerializer

    def locate(self):
        campaign = self.campaign()
        return get_in_campaign(
            campaign, _reports(self, campaign), self.kwargs["report_pk"]
        )

    @extend_schema(
        summary="One progress report with its sections",
        responses={200: s.ReportDetailSerializer, **ERRORS},
    )
    def get(self, request, campaign_pk, report_pk):
        return Response(self.get_serializer(self.locate()).data)


class ActivityList(ApiView):
    serializer_class = s.ActivitySerializer
    pagination_class = ActivityCursor

    @extend_schema(
        summary="What happened in the campaign, newest first",
        description="`since` and `until` take an ISO 8601 date or date and "
        "time (UTC unless it says); follow `next` for older entries.",
        parameters=[
            OpenApiParameter("since", str, description="From this moment on."),
            OpenApiParameter("until", str, description="Before this moment."),
            OpenApiParameter("verb", str, enum=Activity.Verb.values),
        ],
        responses={200: s.ActivitySerializer(many=True), **ERRORS},
    )
    def get(self, request, campaign_pk):
        campaign = self.campaign()
        filters = _Filters(request.GET)
        since = filters.moment("since")
        until = filters.moment("until")
        verb = filters.choice("verb", Activity.Verb.values)
        filters.done()
        activities = Activity.objects.filter(campaign=campaign).select_related("actor")
        if not self.can_write:
            activities = activities.exclude(tactic__is_private=True)
        if since:
            activities = activities.filter(created_at__gte=since)
        if until:
            activities = activities.filter(created_at__lt=until)
        if verb:
            activities = activities.filter(verb=verb)
        return self.list_response(activities)


class _Filters:
    """Query parameters, each judged; all that are wrong are a 400 together."""

    def __init__(self, query):
        self.query = query
        self.wrong = {}

    def _raw(self, name):
        value = self.query.get(name, "").strip()
        return value or None

    def integer(self, name, low=1, high=2**63 - 1):
        value = self._raw(name)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            self.wrong[name] = [f"Give a whole number from {low} to {high}."]
            return None
        return int(value)

    def choice(self, name, choices):
        value = self._raw(name)
        if value is not None and value not in choices:
            self.wrong[name] = [f"Choose one of: {', '.join(choices)}."]
            return None
        return value

    def boolean(self, name):
        value = self._raw(name)
        if value is None:
            return None
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        self.wrong[name] = ["Give true or false."]
        return None

    def moment(self, name):
        value = self._raw(name)
        if value is None:
            return None
        try:
            moment = parse_datetime(value)
            if moment is None and (day := parse_date(value)):
                moment = datetime.datetime.combine(day, datetime.time.min)
        except ValueError:
            moment = None
        if moment is None:
            self.wrong[name] = ["Give an ISO 8601 date, or date and time."]
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return moment

    def done(self):
        if self.wrong:
            raise Invalid(self.wrong)
