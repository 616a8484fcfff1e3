from django.urls import reverse

from tandem.parties.queries import search_parties
from tandem.platform.search import SearchHit, SearchProvider, register


def _search(user, company, query: str, limit: int) -> list[SearchHit]:
    return [
        SearchHit(
            kind="Party",
            title=party.name,
            subtitle=("Archived · " if party.is_archived else "") + party.get_kind_display(),
            url=reverse("parties:party-detail", kwargs={"company": company.slug, "pk": party.pk}),
        )
        for party in search_parties(company, query, limit)
    ]


register(SearchProvider(key="parties", label="Parties", permission="parties.view_party", search=_search))
