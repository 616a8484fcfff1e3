from django.http import Http404, HttpRequest, HttpResponse

from tandem.parties import queries
from tandem.parties.permissions import VIEW_PARTY
from tandem.platform.http import company_view, render_page


@company_view(VIEW_PARTY)
def party_list(request: HttpRequest, company) -> HttpResponse:
    parties = queries.list_parties(company, q=request.GET.get("q", ""))[:50]
    return render_page(request, "parties/party_list.html", {"parties": parties})


@company_view(VIEW_PARTY)
def party_detail(request: HttpRequest, company, pk: int) -> HttpResponse:
    party = queries.get_party(company, pk)
    if party is None:
        raise Http404("No such party.")
    return render_page(request, "parties/party_detail.html", {"party": party})
