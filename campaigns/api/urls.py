"""/api/v1/: the routes mirror the web's (campaigns/urls.py), ids and all."""

from django.urls import include, path, re_path

from . import docs, views

campaign_urls = [
    path("", views.CampaignDetail.as_view(), name="api_campaign"),
    path("stakeholders/", views.StakeholderList.as_view(), name="api_stakeholders"),
    path(
        "stakeholders/<id:stakeholder_pk>/",
        views.StakeholderDetail.as_view(),
        name="api_stakeholder",
    ),
    path(
        "stakeholders/<id:stakeholder_pk>/stance/",
        views.StanceChangeCreate.as_view(),
        name="api_stance_change",
    ),
    path(
        "stakeholders/<id:stakeholder_pk>/objections/",
        views.ObjectionCreate.as_view(),
        name="api_objection_create",
    ),
    path("influencers/", views.InfluencerList.as_view(), name="api_influencers"),
    path(
        "influencers/<id:influencer_pk>/",
        views.InfluencerDetail.as_view(),
        name="api_influencer",
    ),
    path(
        "influencers/<id:influencer_pk>/links/",
        views.InfluenceCreate.as_view(),
        name="api_influence_add",
    ),
    path(
        "influencers/<id:influencer_pk>/links/<id:influence_pk>/",
        views.InfluenceDetail.as_view(),
        name="api_influence",
    ),
    path("tactics/", views.TacticList.as_view(), name="api_tactics"),
    path("tactics/<id:tactic_pk>/", views.TacticDetail.as_view(), name="api_tactic"),
    path(
        "tactics/<id:tactic_pk>/move/",
        views.TacticMove.as_view(),
        name="api_tactic_move",
    ),
    path("milestones/", views.MilestoneList.as_view(), name="api_milestones"),
    path(
        "milestones/<id:milestone_pk>/",
        views.MilestoneDetail.as_view(),
        name="api_milestone",
    ),
    path(
        "milestones/<id:milestone_pk>/progress/",
        views.MilestoneProgress.as_view(),
        name="api_milestone_progress",
    ),
    path("objections/", views.ObjectionList.as_view(), name="api_objections"),
    path(
        "objections/<id:objection_pk>/answer/",
        views.ObjectionAnswer.as_view(),
        name="api_objection_answer",
    ),
    path("reports/", views.ReportList.as_view(), name="api_reports"),
    path("reports/<id:report_pk>/", views.ReportDetail.as_view(), name="api_report"),
    path("activity/", views.ActivityList.as_view(), name="api_activity"),
]

urlpatterns = [
    path("schema/", docs.schema, name="api_schema"),
    path("docs/", docs.docs_page, name="api_docs"),
    path("teams/", views.TeamList.as_view(), name="api_teams"),
    path("teams/<id:team_pk>/", views.TeamDetail.as_view(), name="api_team"),
    path("campaigns/", views.CampaignList.as_view(), name="api_campaigns"),
    path("campaigns/<id:campaign_pk>/", include(campaign_urls)),
    # Last: anything else here is a JSON 404, not the site's HTML page.
    re_path(r"^(?P<rest>.*)$", docs.not_found),
]
