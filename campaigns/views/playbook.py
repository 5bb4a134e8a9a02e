"""The playbook: reading the templates, the team's own templates, adding
templates to a board, and starting a campaign from the playbook."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from .. import lessons, tactic_templates, versions
from ..access import get_membership
from ..forms.playbook import AddToBoardForm, StartCampaignForm, TacticTemplateForm
from ..models import Activity, Campaign, Milestone, Stakeholder, TacticTemplate
from .campaigns import only_reading, send_back


def _team_membership(request, team_pk):
    """The membership; a viewer's POST is refused before its data is read."""
    return get_membership(request, team_pk, write=request.method == "POST")


def _render_playbook(request, membership, templates, add_form=None, status=200):
    can_write = membership.can_write
    if can_write and add_form is None:
        initial = {}
        if request.GET.get("campaign", "").isdigit():
            initial["campaign"] = int(request.GET["campaign"])
        add_form = AddToBoardForm(
            team=membership.team, templates=templates, initial=initial
        )
    # How each template went in the team's campaigns (two queries in all).
    record = lessons.records(membership.team_id, with_private=can_write).get
    return render(
        request,
        "playbook/playbook.html",
        {
            "nav": "playbook",
            "team": membership.team,
            "builtin": [(t, record(t.key)) for t in templates if t.builtin],
            "own": [(t, record(t.key)) for t in templates if not t.builtin],
            "can_write": can_write,
            "add_form": add_form,
        },
        status=status,
    )


@login_required
def playbook(request, team_pk):
    membership = get_membership(request, team_pk)
    if refused := only_reading(request):
        return refused
    return _render_playbook(
        request, membership, tactic_templates.library(membership.team_id)
    )


@login_required
def playbook_add(request, team_pk):
    membership = _team_membership(request, team_pk)
    if request.method != "POST":
        return redirect("playbook", membership.team_id)
    templates = tactic_templates.library(membership.team_id)
    form = AddToBoardForm(request.POST, team=membership.team, templates=templates)
    if not form.is_valid():
        return _render_playbook(request, membership, templates, form, status=400)
    campaign = form.cleaned_data["campaign"]
    chosen = form.cleaned_data["templates"]
    before = _records_of(membership.team_id, chosen)
    tactics, _ = tactic_templates.add_to_campaign(campaign, chosen, request.user)
    messages.success(
        request,
        f"Added {len(tactics)} tactic{'s' if len(tactics) != 1 else ''} "
        f"to the Backlog of “{campaign.name}”.",
    )
    _say_how_they_went(request, chosen, before)
    return redirect("board", campaign.pk)


def _records_of(team_id, templates):
    """Read before the templates are added: not counting the new cards."""
    return lessons.records(team_id, with_private=True, keys=[t.key for t in templates])


def _say_how_they_went(request, templates, before):
    """A note per template the team tried before (only writers add them)."""
    for template in templates:
        record = before.get(template.key)
        if record is None:
            continue
        times = "once" if record.tried == 1 else f"{record.tried} times"
        lessons_note = " Its card shows the lessons." if record.lessons else ""
        messages.info(
            request,
            f"“{template.title}” was tried {times} before: {record.worked} "
            f"worked, {record.failed} didn't.{lessons_note}",
        )


@login_required
def playbook_start(request, team_pk):
    membership = _team_membership(request, team_pk)
    if not membership.can_write:
        return send_back(request, "playbook", membership.team_id)
    team = membership.team
    templates = tactic_templates.library(team.pk)
    if request.method == "POST":
        form = StartCampaignForm(request.POST, team=team, templates=templates)
        if form.is_valid():
            before = _records_of(team.pk, form.cleaned_data["templates"])
            campaign = _start_campaign(form, team, request.user)
            messages.success(
                request,
                f"Campaign “{campaign.name}” started with "
                f"{campaign.tactic_count} tactics in the Backlog.",
            )
            _say_how_they_went(request, form.cleaned_data["templates"], before)
            return redirect("board", campaign.pk)
        status = 400
    else:
        chosen = [k for k in request.GET.getlist("template") if k]
        form = StartCampaignForm(
            team=team,
            templates=templates,
            initial={"templates": chosen or ["start-small", "report-often"]},
        )
        status = 200
    return render(
        request,
        "playbook/start.html",
        {"nav": "playbook", "team": team, "form": form},
        status=status,
    )


@transaction.atomic
def _start_campaign(form, team, actor):
    data = form.cleaned_data
    campaign = Campaign.objects.create(
        team=team,
        name=data["name"],
        goal=data["goal"],
        lead=actor,
        starts_on=data["starts_on"],
    )
    Activity.record(
        campaign,
        actor,
        Activity.Verb.CAMPAIGN_CREATED,
        f"Started the campaign “{campaign.name}” from the playbook",
    )
    decider = Stakeholder.objects.create(
        campaign=campaign,
        name=data["decider_name"].strip(),
        title=data["decider_title"].strip(),
        cares_about=data["cares_about"],
        power=5,
        interest=3,
        is_decider=True,
        # Their starting point: set here, never recorded as a stance change.
        stance=data["decider_stance"],
    )
    Activity.record(
        campaign,
        actor,
        Activity.Verb.STAKEHOLDER_ADDED,
        f"Added {decider.name} ({decider.get_stance_display().lower()}), who decides",
        stakeholder=decider,
        data={"stance": decider.stance},
    )
    # The first step is the campaign's first measurable goal.
    first = Milestone.objects.create(
        campaign=campaign,
        title=f"First step approved: {data['first_step']}"[:200],
        target_value=1,
        unit="approval",
        due_on=form.first_step_due,
    )
    Activity.record(
        campaign,
        actor,
        Activity.Verb.MILESTONE_ADDED,
        f"Added the milestone “{first.title}”",
        milestone=first,
    )
    tactics, _ = tactic_templates.add_to_campaign(campaign, data["templates"], actor)
    campaign.tactic_count = len(tactics)
    return campaign


def _render_template_form(request, membership, form, saved=None, status=200):
    return render(
        request,
        "playbook/template_form.html",
        {"nav": "playbook", "team": membership.team, "form": form, "saved": saved},
        status=status,
    )


@login_required
def template_create(request, team_pk):
    membership = _team_membership(request, team_pk)
    if not membership.can_write:
        return send_back(request, "playbook", membership.team_id)
    if request.method == "POST":
        form = TacticTemplateForm(request.POST)
        if form.is_valid():
            saved = form.save(commit=False)
            saved.team = membership.team
            saved.created_by = request.user
            saved.save()
            messages.success(request, f"Template “{saved.title}” saved.")
            return redirect("playbook", membership.team_id)
        return _render_template_form(request, membership, form, status=400)
    return _render_template_form(request, membership, TacticTemplateForm())


def _own_template(membership, template_pk):
    return get_object_or_404(TacticTemplate, pk=template_pk, team=membership.team)


@login_required
def template_edit(request, team_pk, template_pk):
    membership = _team_membership(request, team_pk)
    saved = _own_template(membership, template_pk)
    if not membership.can_write:
        return send_back(request, "playbook", membership.team_id)
    if request.method == "POST":
        form = TacticTemplateForm(request.POST, instance=saved)
        if form.is_valid() and versions.save(form):
            messages.success(request, f"Template “{saved.title}” saved.")
            return redirect("playbook", membership.team_id)
        # Headings keep the saved title, whatever was typed.
        saved = _own_template(membership, template_pk)
        return _render_template_form(
            request, membership, form, saved, status=versions.status(form)
        )
    form = TacticTemplateForm(instance=saved)
    return _render_template_form(request, membership, form, saved)


@login_required
def template_delete(request, team_pk, template_pk):
    membership = _team_membership(request, team_pk)
    saved = _own_template(membership, template_pk)
    if request.method != "POST":
        return redirect("template_edit", membership.team_id, saved.pk)
    title = saved.title
    saved.delete()
    messages.success(request, f"Template “{title}” deleted.")
    return redirect("playbook", membership.team_id)
