"""What every parties view needs: the party looked up within the company, htmx-aware partials
and redirects, and query strings with a parameter changed."""

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from tandem.parties import queries
from tandem.parties.models import Party
from tandem.platform.models import Company


def party_or_404(company: Company, pk: int) -> Party:
    party = queries.get_party(company, pk)
    if party is None:
        raise Http404("No such party.")
    return party


def partial_for(request: HttpRequest, name: str) -> str | None:
    """The partial to render for htmx; a history restore needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return name if htmx and not htmx.history_restore_request else None


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect; htmx is told to load the page rather than swap it into a fragment."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)


def detail_url(company: Company, party: Party | int) -> str:
    pk = party if isinstance(party, int) else party.pk
    return reverse("parties:party-detail", kwargs={"company": company.slug, "pk": pk})


def with_query(query: QueryDict, **changes) -> str:
    """The query string with some parameters changed ("" or None removes them)."""
    query = query.copy()
    for key, value in changes.items():
        if value in ("", None):
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()
