from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from .views import (
    accounts,
    board,
    campaigns,
    health,
    influencers,
    insights,
    milestones,
    notifications,
    objections,
    owner_tools,
    playbook,
    reports,
    stakeholders,
    teams,
    transfer,
)

account_patterns = [
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/reset/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", accounts.accept_invitation, name="invitation"),
]

team_patterns = [
    path("teams/new/", teams.team_create, name="team_create"),
    path("teams/<int:team_pk>/", teams.team_detail, name="team_detail"),
    path("teams/<int:team_pk>/switch/", teams.team_switch, name="team_switch"),
    path("teams/<int:team_pk>/invite/", teams.invite, name="team_invite"),
    path(
        "teams/<int:team_pk>/invitations/<int:invitation_pk>/revoke/",
        teams.revoke_invitation,
        name="invitation_revoke",
    ),
    path(
        "teams/<int:team_pk>/members/<int:membership_pk>/role/",
        teams.change_role,
        name="member_role",
    ),
    path(
        "teams/<int:team_pk>/members/<int:membership_pk>/remove/",
        teams.remove_member,
        name="member_remove",
    ),
    path("teams/<int:team_pk>/audit/", owner_tools.team_audit, name="team_audit"),
    path("teams/<int:team_pk>/export/", owner_tools.team_export, name="team_export"),
    path("teams/<int:team_pk>/delete/", owner_tools.team_delete, name="team_delete"),
    path("teams/<int:team_pk>/leave/", owner_tools.team_leave, name="team_leave"),
]

campaign_patterns = [
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path(
        "campaigns/<int:campaign_pk>/",
        campaigns.campaign_detail,
        name="campaign_detail",
    ),
    path(
        "campaigns/<int:campaign_pk>/edit/",
        campaigns.campaign_edit,
        name="campaign_edit",
    ),
]

stakeholder_patterns = [
    path(
        "campaigns/<int:campaign_pk>/stakeholders/",
        stakeholders.stakeholder_list,
        name="stakeholder_list",
    ),
    path(
        "campaigns/<int:campaign_pk>/stakeholders/new/",
        stakeholders.stakeholder_create,
        name="stakeholder_create",
    ),
    path(
        "campaigns/<int:campaign_pk>/stakeholders/<int:stakeholder_pk>/",
        stakeholders.stakeholder_detail,
        name="stakeholder_detail",
    ),
    path(
        "campaigns/<int:campaign_pk>/stakeholders/<int:stakeholder_pk>/edit/",
        stakeholders.stakeholder_edit,
        name="stakeholder_edit",
    ),
    path(
        "campaigns/<int:campaign_pk>/stakeholders/<int:stakeholder_pk>/stance/",
        stakeholders.stance_change,
        name="stance_change",
    ),
]

influencer_patterns = [
    path(
        "campaigns/<int:campaign_pk>/influencers/",
        influencers.influencer_list,
        name="influencer_list",
    ),
    path(
        "campaigns/<int:campaign_pk>/influencers/new/",
        influencers.influencer_create,
        name="influencer_create",
    ),
    path(
        "campaigns/<int:campaign_pk>/influencers/<int:influencer_pk>/edit/",
        influencers.influencer_edit,
        name="influencer_edit",
    ),
    path(
        "campaigns/<int:campaign_pk>/influencers/<int:influencer_pk>/links/",
        influencers.influence_add,
        name="influence_add",
    ),
    path(
        "campaigns/<int:campaign_pk>/influencers/<int:influencer_pk>/links/"
        "<int:influence_pk>/delete/",
        influencers.influence_delete,
        name="influence_delete",
    ),
]

milestone_patterns = [
    path(
        "campaigns/<int:campaign_pk>/milestones/",
        milestones.milestone_list,
        name="milestone_list",
    ),
    path(
        "campaigns/<int:campaign_pk>/milestones/new/",
        milestones.milestone_create,
        name="milestone_create",
    ),
    path(
        "campaigns/<int:campaign_pk>/milestones/<int:milestone_pk>/edit/",
        milestones.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "campaigns/<int:campaign_pk>/milestones/<int:milestone_pk>/progress/",
        milestones.milestone_progress,
        name="milestone_progress",
    ),
]

board_patterns = [
    path("campaigns/<int:campaign_pk>/board/", board.board, name="board"),
    path(
        "campaigns/<int:campaign_pk>/board/version/",
        board.board_version,
        name="board_version",
    ),
    path(
        "campaigns/<int:campaign_pk>/board/limits/",
        board.board_limits,
        name="board_limits",
    ),
    path(
        "campaigns/<int:campaign_pk>/tactics/new/",
        board.tactic_create,
        name="tactic_create",
    ),
    path(
        "campaigns/<int:campaign_pk>/tactics/<int:tactic_pk>/",
        board.tactic_detail,
        name="tactic_detail",
    ),
    path(
        "campaigns/<int:campaign_pk>/tactics/<int:tactic_pk>/move/",
        board.tactic_move,
        name="tactic_move",
    ),
    path(
        "campaigns/<int:campaign_pk>/tactics/<int:tactic_pk>/outcome/",
        board.tactic_outcome,
        name="tactic_outcome",
    ),
    path(
        "campaigns/<int:campaign_pk>/tactics/<int:tactic_pk>/comments/",
        board.tactic_comment,
        name="tactic_comment",
    ),
    path("my-tactics/", board.my_tactics, name="my_tactics"),
]

insight_patterns = [
    path(
        "campaigns/<int:campaign_pk>/grid/",
        insights.stakeholder_grid,
        name="stakeholder_grid",
    ),
    path(
        "campaigns/<int:campaign_pk>/influence-map/",
        insights.influence_map,
        name="influence_map",
    ),
    path(
        "campaigns/<int:campaign_pk>/pipeline/",
        insights.stance_pipeline,
        name="stance_pipeline",
    ),
    path(
        "campaigns/<int:campaign_pk>/pipeline/<int:stakeholder_pk>/move/",
        insights.stance_move,
        name="stance_move",
    ),
    path(
        "campaigns/<int:campaign_pk>/what-worked/",
        insights.what_worked,
        name="what_worked",
    ),
    path(
        "campaigns/<int:campaign_pk>/over-time/",
        insights.stance_history,
        name="stance_history",
    ),
    path(
        "campaigns/<int:campaign_pk>/stakeholders/<int:stakeholder_pk>/contact/",
        insights.stakeholder_contact,
        name="stakeholder_contact",
    ),
]

notification_patterns = [
    path(
        "settings/notifications/",
        notifications.preferences,
        name="notification_preferences",
    ),
    path(
        "unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="unsubscribe",
    ),
]

playbook_patterns = [
    path("teams/<int:team_pk>/playbook/", playbook.playbook, name="playbook"),
    path(
        "teams/<int:team_pk>/playbook/start/",
        playbook.playbook_start,
        name="playbook_start",
    ),
    path(
        "teams/<int:team_pk>/playbook/add/",
        playbook.playbook_add,
        name="playbook_add",
    ),
    path(
        "teams/<int:team_pk>/playbook/templates/new/",
        playbook.template_create,
        name="template_create",
    ),
    path(
        "teams/<int:team_pk>/playbook/templates/<int:template_pk>/edit/",
        playbook.template_edit,
        name="template_edit",
    ),
    path(
        "teams/<int:team_pk>/playbook/templates/<int:template_pk>/delete/",
        playbook.template_delete,
        name="template_delete",
    ),
]

objection_patterns = [
    path(
        "campaigns/<int:campaign_pk>/objections/",
        objections.objection_list,
        name="objection_list",
    ),
    path(
        "campaigns/<int:campaign_pk>/stakeholders/<int:stakeholder_pk>/objections/",
        objections.objection_create,
        name="objection_create",
    ),
    path(
        "campaigns/<int:campaign_pk>/objections/<int:objection_pk>/",
        objections.objection_detail,
        name="objection_detail",
    ),
    path(
        "campaigns/<int:campaign_pk>/objections/<int:objection_pk>/evidence/",
        objections.evidence_add,
        name="evidence_add",
    ),
    path(
        "campaigns/<int:campaign_pk>/objections/<int:objection_pk>/answer/",
        objections.objection_answer,
        name="objection_answer",
    ),
    path(
        "campaigns/<int:campaign_pk>/peer-moves/",
        objections.peer_moves,
        name="peer_moves",
    ),
]

report_patterns = [
    path(
        "campaigns/<int:campaign_pk>/reports/",
        reports.report_list,
        name="report_list",
    ),
    path(
        "campaigns/<int:campaign_pk>/reports/new/",
        reports.report_create,
        name="report_create",
    ),
    path(
        "campaigns/<int:campaign_pk>/reports/<int:report_pk>/",
        reports.report_detail,
        name="report_detail",
    ),
    path(
        "campaigns/<int:campaign_pk>/reports/<int:report_pk>/edit/",
        reports.report_edit,
        name="report_edit",
    ),
    path(
        "campaigns/<int:campaign_pk>/reports/<int:report_pk>/pdf/",
        reports.report_pdf,
        name="report_pdf",
    ),
    path(
        "campaigns/<int:campaign_pk>/reports/<int:report_pk>/send/",
        reports.report_send,
        name="report_send",
    ),
]

transfer_patterns = [
    path(
        "campaigns/<int:campaign_pk>/import-export/",
        transfer.transfer,
        name="transfer",
    ),
    path(
        "campaigns/<int:campaign_pk>/export/stakeholders.csv",
        transfer.export_stakeholders,
        name="export_stakeholders",
    ),
    path(
        "campaigns/<int:campaign_pk>/export/tactics.csv",
        transfer.export_tactics,
        name="export_tactics",
    ),
    path(
        "campaigns/<int:campaign_pk>/export/milestones.csv",
        transfer.export_milestones,
        name="export_milestones",
    ),
    path(
        "campaigns/<int:campaign_pk>/import/stakeholders/",
        transfer.import_stakeholders,
        name="import_stakeholders",
    ),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="campaign_list"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    *account_patterns,
    *team_patterns,
    *campaign_patterns,
    *stakeholder_patterns,
    *influencer_patterns,
    *milestone_patterns,
    *board_patterns,
    *insight_patterns,
    *notification_patterns,
    *playbook_patterns,
    *objection_patterns,
    *report_patterns,
    *transfer_patterns,
]
