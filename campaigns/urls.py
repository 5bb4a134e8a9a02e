"""The URL map, one list per concept; `urlpatterns` at the end is the outline.

Names are reversed by plain name from templates and code, so there is no
app_name namespace. Each list's routes are relative to where it is included.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from .converters import IdConverter
from .views import (
    accounts,
    api_tokens,
    board,
    calendar,
    campaigns,
    health,
    hooks,
    influencers,
    insights,
    listening,
    milestones,
    notices,
    notifications,
    objections,
    owner_tools,
    playbook,
    reports,
    search,
    stakeholders,
    teams,
    transfer,
)

# Every id in a URL: out of a bigint's range (or 0) the URL does not match.
register_converter(IdConverter, "id")

# ---- accounts/ --------------------------------------------------------------

account_urls = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/reset/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# ---- notifications/ ---------------------------------------------------------

notice_urls = [
    path("", notices.notice_list, name="notice_list"),
    # The notification is a parameter (?n=, or a posted field), not a path
    # segment: every one of them is the person's own.
    path("open/", notices.notice_open, name="notice_open"),
    path("read/", notices.notice_read, name="notice_read"),
    path("read-all/", notices.notice_read_all, name="notice_read_all"),
]

# ---- teams/<id:team_pk>/ ---------------------------------------------------

playbook_urls = [
    path("", playbook.playbook, name="playbook"),
    path("start/", playbook.playbook_start, name="playbook_start"),
    path("add/", playbook.playbook_add, name="playbook_add"),
    path("templates/new/", playbook.template_create, name="template_create"),
    path(
        "templates/<id:template_pk>/edit/",
        playbook.template_edit,
        name="template_edit",
    ),
    path(
        "templates/<id:template_pk>/delete/",
        playbook.template_delete,
        name="template_delete",
    ),
]

webhook_urls = [
    path("", hooks.team_webhooks, name="team_webhooks"),
    path("<id:endpoint_pk>/rotate/", hooks.webhook_rotate, name="webhook_rotate"),
    path("<id:endpoint_pk>/enable/", hooks.webhook_enable, name="webhook_enable"),
    path("<id:endpoint_pk>/remove/", hooks.webhook_remove, name="webhook_remove"),
    path(
        "deliveries/<id:delivery_pk>/resend/",
        hooks.webhook_resend,
        name="webhook_resend",
    ),
]

team_urls = [
    path("", teams.team_detail, name="team_detail"),
    path("switch/", teams.team_switch, name="team_switch"),
    path("invite/", teams.invite, name="team_invite"),
    path(
        "invitations/<id:invitation_pk>/revoke/",
        teams.revoke_invitation,
        name="invitation_revoke",
    ),
    path(
        "members/<id:membership_pk>/role/",
        teams.change_role,
        name="member_role",
    ),
    path(
        "members/<id:membership_pk>/remove/",
        teams.remove_member,
        name="member_remove",
    ),
    path("audit/", owner_tools.team_audit, name="team_audit"),
    path("export/", owner_tools.team_export, name="team_export"),
    path("delete/", owner_tools.team_delete, name="team_delete"),
    path("leave/", owner_tools.team_leave, name="team_leave"),
    # The team's, not one campaign's: its own templates, and starting a
    # campaign from them or adding them to any of its boards.
    path("playbook/", include(playbook_urls)),
    path("webhooks/", include(webhook_urls)),
]

# ---- campaigns/<id:campaign_pk>/ -------------------------------------------

stakeholder_urls = [
    path("", stakeholders.stakeholder_list, name="stakeholder_list"),
    path("new/", stakeholders.stakeholder_create, name="stakeholder_create"),
    path(
        "<id:stakeholder_pk>/",
        stakeholders.stakeholder_detail,
        name="stakeholder_detail",
    ),
    path(
        "<id:stakeholder_pk>/edit/",
        stakeholders.stakeholder_edit,
        name="stakeholder_edit",
    ),
    path(
        "<id:stakeholder_pk>/stance/",
        stakeholders.stance_change,
        name="stance_change",
    ),
]

influencer_urls = [
    path("", influencers.influencer_list, name="influencer_list"),
    path("new/", influencers.influencer_create, name="influencer_create"),
    path(
        "<id:influencer_pk>/edit/",
        influencers.influencer_edit,
        name="influencer_edit",
    ),
    path(
        "<id:influencer_pk>/links/",
        influencers.influence_add,
        name="influence_add",
    ),
    path(
        "<id:influencer_pk>/links/<id:influence_pk>/delete/",
        influencers.influence_delete,
        name="influence_delete",
    ),
]

milestone_urls = [
    path("", milestones.milestone_list, name="milestone_list"),
    path("new/", milestones.milestone_create, name="milestone_create"),
    path(
        "<id:milestone_pk>/edit/",
        milestones.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "<id:milestone_pk>/progress/",
        milestones.milestone_progress,
        name="milestone_progress",
    ),
]

board_urls = [
    path("", board.board, name="board"),
    path("version/", board.board_version, name="board_version"),
    path("limits/", board.board_limits, name="board_limits"),
]

tactic_urls = [
    path("new/", board.tactic_create, name="tactic_create"),
    path("<id:tactic_pk>/", board.tactic_detail, name="tactic_detail"),
    path("<id:tactic_pk>/move/", board.tactic_move, name="tactic_move"),
    path("<id:tactic_pk>/outcome/", board.tactic_outcome, name="tactic_outcome"),
    path(
        "<id:tactic_pk>/comments/",
        board.tactic_comment,
        name="tactic_comment",
    ),
    path(
        "<id:tactic_pk>/stop-repeating/",
        board.tactic_stop_series,
        name="tactic_stop_series",
    ),
]

# Insights, objections and import/export have no common prefix, so these
# lists are included at the campaign's root and spell out their own.
insight_urls = [
    path("grid/", insights.stakeholder_grid, name="stakeholder_grid"),
    path("influence-map/", insights.influence_map, name="influence_map"),
    path("pipeline/", insights.stance_pipeline, name="stance_pipeline"),
    path(
        "pipeline/<id:stakeholder_pk>/move/",
        insights.stance_move,
        name="stance_move",
    ),
    path("what-worked/", insights.what_worked, name="what_worked"),
    path("over-time/", insights.stance_history, name="stance_history"),
    # Under the stakeholder's URL, but posted from the insights' contact
    # rhythm panels (gone cold, log a contact), whose view it shares.
    path(
        "stakeholders/<id:stakeholder_pk>/contact/",
        insights.stakeholder_contact,
        name="stakeholder_contact",
    ),
]

objection_urls = [
    path("objections/", objections.objection_list, name="objection_list"),
    # An objection is raised by one stakeholder, so it is created from theirs.
    path(
        "stakeholders/<id:stakeholder_pk>/objections/",
        objections.objection_create,
        name="objection_create",
    ),
    path(
        "objections/<id:objection_pk>/",
        objections.objection_detail,
        name="objection_detail",
    ),
    path(
        "objections/<id:objection_pk>/evidence/",
        objections.evidence_add,
        name="evidence_add",
    ),
    path(
        "objections/<id:objection_pk>/answer/",
        objections.objection_answer,
        name="objection_answer",
    ),
    # Peer and competitor moves: logged once, cited as objections' evidence.
    path("peer-moves/", objections.peer_moves, name="peer_moves"),
]

report_urls = [
    path("", reports.report_list, name="report_list"),
    path("new/", reports.report_create, name="report_create"),
    path("<id:report_pk>/", reports.report_detail, name="report_detail"),
    path("<id:report_pk>/edit/", reports.report_edit, name="report_edit"),
    path("<id:report_pk>/pdf/", reports.report_pdf, name="report_pdf"),
    path(
        "<id:report_pk>/pdf/status/",
        reports.report_pdf_status,
        name="report_pdf_status",
    ),
    path("<id:report_pk>/send/", reports.report_send, name="report_send"),
    path("<id:report_pk>/email/", reports.report_email, name="report_email"),
    path(
        "<id:report_pk>/links/<id:link_pk>/revoke/",
        reports.report_link_revoke,
        name="report_link_revoke",
    ),
]

listening_urls = [
    path("", listening.listening, name="listening"),
    path("feeds/<id:feed_pk>/check/", listening.feed_check, name="feed_check"),
    path("feeds/<id:feed_pk>/remove/", listening.feed_remove, name="feed_remove"),
    path(
        "mentions/<id:mention_pk>/dismiss/",
        listening.mention_dismiss,
        name="mention_dismiss",
    ),
    path("mentions/<id:mention_pk>/keep/", listening.mention_keep, name="mention_keep"),
    path("listeners/", listening.listener_signup, name="listener_signup"),
    path(
        "listeners/<id:listener_pk>/stop/",
        listening.listener_stop,
        name="listener_stop",
    ),
    path(
        "mentions/<id:mention_pk>/peer-move/",
        listening.mention_peer_move,
        name="mention_peer_move",
    ),
]

transfer_urls = [
    path("import-export/", transfer.transfer, name="transfer"),
    path(
        "export/stakeholders.csv",
        transfer.export_stakeholders,
        name="export_stakeholders",
    ),
    path(
        "export/influencers.csv",
        transfer.export_influencers,
        name="export_influencers",
    ),
    path("export/tactics.csv", transfer.export_tactics, name="export_tactics"),
    path(
        "export/milestones.csv",
        transfer.export_milestones,
        name="export_milestones",
    ),
    # One view for every kind of file; the route fixes the kind.
    path(
        "import/stakeholders/",
        transfer.import_csv,
        {"kind": "stakeholders"},
        name="import_stakeholders",
    ),
    path(
        "import/influencers/",
        transfer.import_csv,
        {"kind": "influencers"},
        name="import_influencers",
    ),
    path(
        "import/tactics/",
        transfer.import_csv,
        {"kind": "tactics"},
        name="import_tactics",
    ),
]

chat_urls = [
    path("", hooks.chat_hooks, name="chat_hooks"),
    path(
        "deliveries/<id:chat_delivery_pk>/resend/",
        hooks.chat_resend,
        name="chat_resend",
    ),
    path("<id:chat_hook_pk>/enable/", hooks.chat_hook_enable, name="chat_hook_enable"),
    # Last: the access matrix's POSTs run in this order, and this one deletes.
    path("<id:chat_hook_pk>/remove/", hooks.chat_hook_remove, name="chat_hook_remove"),
]

campaign_urls = [
    path("", campaigns.campaign_detail, name="campaign_detail"),
    path("edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("stakeholders/", include(stakeholder_urls)),
    path("influencers/", include(influencer_urls)),
    path("milestones/", include(milestone_urls)),
    path("board/", include(board_urls)),
    path("tactics/", include(tactic_urls)),
    path("", include(insight_urls)),
    path("", include(objection_urls)),
    path("reports/", include(report_urls)),
    path("", include(transfer_urls)),
    path("listening/", include(listening_urls)),
    path("chat/", include(chat_urls)),
    # The lead's calendar of the whole campaign; the button is on its edit page.
    path("calendar/", calendar.reset_campaign, name="campaign_calendar"),
    # Who can be @mentioned here, for the comment and outcome boxes.
    path("writers/", notices.campaign_writers, name="campaign_writers"),
]

# ---- the outline ------------------------------------------------------------

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="campaign_list"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include(account_urls)),
    path("invitations/<str:token>/", accounts.accept_invitation, name="invitation"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("teams/<id:team_pk>/", include(team_urls)),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<id:campaign_pk>/", include(campaign_urls)),
    # Across all the user's campaigns, so under no one campaign.
    path("my-tactics/", board.my_tactics, name="my_tactics"),
    path("search/", search.search_page, name="search"),
    # The bell in the header: the person's own notifications.
    path("notifications/", include(notice_urls)),
    path(
        "settings/notifications/",
        notifications.preferences,
        name="notification_preferences",
    ),
    # Linked from the mail we send: reached without logging in, by the token.
    path("unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    path(
        "listening/unsubscribe/<str:token>/",
        listening.listening_unsubscribe,
        name="listening_unsubscribe",
    ),
    path("settings/api-tokens/new/", api_tokens.token_create, name="api_token_create"),
    path(
        "settings/api-tokens/revoke/", api_tokens.token_revoke, name="api_token_revoke"
    ),
    path(
        "settings/calendar/new-address/",
        calendar.reset_personal,
        name="calendar_reset",
    ),
    # Fetched by calendar apps without logging in: the token is the key.
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
    # A sent progress report's read-only copy, opened from its email.
    path("shared/reports/<str:token>/", reports.report_shared, name="report_shared"),
    # The JSON API, for the team's other tools (campaigns/api/).
    path("api/v1/", include("campaigns.api.urls")),
]
