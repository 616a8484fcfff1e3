"""Reads of parties shared by the web, the API, exports and search."""

from contextlib import suppress
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Prefetch, Q, QuerySet

from tandem.parties.models import Consent, ContactPoint, Party, PartyRole
from tandem.parties.services import PartyData, fold, name_key, normalize_phone, normalize_tax_id
from tandem.platform import queries as platform_queries
from tandem.platform.models import Company, EventRecord

SORTS = {
    "name": ("name", "id"), "-name": ("-name", "-id"),
    "created": ("created_at", "id"), "-created": ("-created_at", "-id"),
}


def list_parties(
    company: Company, *, q: str = "", kind: str = "", role: str = "", tag: str = "",
    archived: bool | None = False, sort: str = "name",
) -> QuerySet[Party]:
    """Parties of the company, filtered and sorted, with what a list row shows prefetched."""
    parties = Party.objects.filter(company=company)
    if archived is not None:
        parties = parties.filter(is_archived=archived)
    if q.strip():
        for word in fold(q).split()[:5]:
            parties = parties.filter(search_text__contains=word)
    if kind:
        parties = parties.filter(kind=kind)
    if role:
        parties = parties.filter(pk__in=PartyRole.objects.filter(role=role).values("party_id"))
    if tag:
        parties = parties.filter(tags__name__iexact=tag)
    return parties.order_by(*SORTS.get(sort, SORTS["name"])).prefetch_related(
        "roles", "tags",
        Prefetch("contact_points", queryset=ContactPoint.objects.filter(is_primary=True), to_attr="primary_points"),
    )


def get_party(company: Company, pk: int) -> Party | None:
    return (
        Party.objects.filter(company=company, pk=pk)
        .prefetch_related("roles", "tags", "contact_points", "addresses",
                          "employers__organisation", "people__person")
        .first()
    )


@dataclass(frozen=True)
class Duplicate:
    party: Party
    reasons: tuple[str, ...]


def find_duplicates(company: Company, data: PartyData, *, exclude_id: int | None = None,
                    limit: int = 5) -> list[Duplicate]:
    """Existing parties that look like the same one: same email, phone or tax id, or a similar
    name. Raw (unvalidated) input is fine; what cannot be normalised is ignored."""
    reasons: dict[int, list[str]] = {}

    def note(ids, reason: str) -> None:
        for pk in ids:
            if pk != exclude_id:
                reasons.setdefault(pk, []).append(reason)

    emails = [e.strip().lower() for e in data.emails if e.strip()]
    phones = []
    for raw in data.phones:
        with suppress(ValueError):
            phones.append(normalize_phone(raw, company.country.code))
    points = ContactPoint.objects.filter(company=company).filter(
        Q(kind=ContactPoint.Kind.EMAIL, value__in=emails) | Q(kind=ContactPoint.Kind.PHONE, value__in=phones)
    ).values_list("party_id", "kind", "value")[:50]
    for party_id, kind, value in points:
        note([party_id], f"same {kind} {value}")
    if data.tax_id.strip():
        with suppress(ValueError):
            tax_id = normalize_tax_id(data.tax_id)
            note(Party.objects.filter(company=company, tax_id=tax_id).values_list("pk", flat=True)[:20],
                 f"same tax id {tax_id}")
    key = name_key(data.name)
    if len(key) >= 3:
        candidates = Party.objects.filter(company=company, name_key__startswith=key[:3]).values_list(
            "pk", "name_key")[:500]
        for pk, other in candidates:
            if other == key or SequenceMatcher(None, key, other).ratio() >= 0.85:
                note([pk], "similar name")
    if not reasons:
        return []
    parties = Party.objects.filter(company=company, pk__in=reasons, merged_into=None).in_bulk()
    ranked = sorted(reasons, key=lambda pk: (-len(reasons[pk]), pk))
    return [Duplicate(parties[pk], tuple(reasons[pk])) for pk in ranked if pk in parties][:limit]


def merged_ids(party: Party) -> list[int]:
    """The party and every party merged into it (directly or through earlier merges)."""
    ids, frontier = [party.pk], [party.pk]
    while frontier:
        frontier = list(Party.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def party_timeline(user, company: Company, party: Party, *, limit: int = 50,
                   before_id: int | None = None) -> QuerySet[EventRecord]:
    return platform_queries.timeline(
        user, company, object_type="parties.party", object_id=party.pk, party_ids=merged_ids(party),
        limit=limit, before_id=before_id,
    )


def current_consents(party: Party) -> dict[str, Consent]:
    """The latest consent row per channel."""
    latest: dict[str, Consent] = {}
    for consent in Consent.objects.filter(party=party).order_by("channel", "-recorded_at", "-id"):
        latest.setdefault(consent.channel, consent)
    return latest


def search_parties(company: Company, query: str, limit: int) -> list[Party]:
    words = fold(query).split()[:5]
    if not words:
        return []
    parties = Party.objects.filter(company=company, merged_into=None)
    for word in words:
        parties = parties.filter(search_text__contains=word)
    return list(parties.order_by("is_archived", "name", "id")[:limit])
