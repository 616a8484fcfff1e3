"""Global search: apps register a provider per searchable record type; the command palette and
the search API ask every provider whose permission the user holds."""

from collections.abc import Callable
from dataclasses import dataclass

from tandem.platform.authz import authorize
from tandem.platform.models import Company


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: str
    permission: str
    search: Callable[[object, Company, str, int], list[SearchHit]]


PROVIDERS: dict[str, SearchProvider] = {}


def register(provider: SearchProvider) -> SearchProvider:
    PROVIDERS[provider.key] = provider
    return provider


def global_search(user, company: Company, query: str, *, limit: int = 8) -> list[SearchHit]:
    """Hits from every provider the user may use, at most `limit` per provider."""
    query = " ".join(query.split())[:100]
    if len(query) < 2:
        return []
    hits: list[SearchHit] = []
    for provider in PROVIDERS.values():
        if authorize(user, company, provider.permission):
            hits.extend(provider.search(user, company, query, limit))
    return hits
