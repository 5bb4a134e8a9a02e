"""Search across all of the user's campaigns (campaigns/search.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..search import PER_CAMPAIGN, Q_MAX, SearchForm, search


@login_required
@require_GET
def search_page(request):
    """A GET form: no search shows the empty form, a refused one (too short,
    too long) the form with what was typed and why, as a 400."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = None
    status = 200
    if form.is_bound:
        if not form.is_valid():
            status = 400
        elif form.cleaned_data["q"]:
            results = search(request.user, form.cleaned_data["q"])
    return render(
        request,
        "search/search.html",
        {
            "nav": "search",
            "form": form,
            "results": results,
            "per_campaign": PER_CAMPAIGN,
            "q_max": Q_MAX,
        },
        status=status,
    )
