"""The campaign's two-level navigation: a few sections, each with its pages."""

from django import template
from django.urls import reverse

register = template.Library()

# (section label, [(tab key, page label, url name), ...]); a section with one
# page is a plain tab.
SECTIONS = [
    ("Overview", [("overview", "Overview", "campaign_detail")]),
    ("Board", [("board", "Board", "board")]),
    (
        "People",
        [
            ("stakeholders", "Stakeholders", "stakeholder_list"),
            ("influencers", "Influencers", "influencer_list"),
            ("objections", "Objections", "objection_list"),
            ("pipeline", "Stance pipeline", "stance_pipeline"),
        ],
    ),
    (
        "Insights",
        [
            ("grid", "Power/interest grid", "stakeholder_grid"),
            ("influence", "Influence map", "influence_map"),
            ("history", "Stance over time", "stance_history"),
            ("what_worked", "What worked", "what_worked"),
        ],
    ),
    ("Milestones", [("milestones", "Milestones", "milestone_list")]),
    ("Listening", [("listening", "Listening", "listening")]),
    (
        "Reports",
        [
            ("reports", "Progress reports", "report_list"),
            ("transfer", "Import & export", "transfer"),
        ],
    ),
]


@register.inclusion_tag("campaigns/_nav_tabs.html")
def campaign_tabs(campaign, tab):
    sections = []
    current_pages = []
    for label, pages in SECTIONS:
        links = [
            {
                "label": page_label,
                "url": reverse(url_name, args=[campaign.pk]),
                "current": key == tab,
            }
            for key, page_label, url_name in pages
        ]
        current = any(link["current"] for link in links)
        sections.append({"label": label, "url": links[0]["url"], "current": current})
        if current and len(links) > 1:
            current_pages = links
    return {"sections": sections, "pages": current_pages}
