"""The parties router: list, create, read, change, archive, restore and merge parties, their
duplicates and timelines. The same services and queries as the web pages."""

from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from tandem.parties import queries, services
from tandem.parties.models import Address, ContactPoint, Party, PartyRole
from tandem.parties.permissions import ADD_PARTY, ARCHIVE_PARTY, CHANGE_PARTY, MERGE_PARTY, VIEW_PARTY
from tandem.parties.services import AddressData, PartyData
from tandem.platform.api import EventPage, Id, In, Out, Text, caller, errors, event_page, gate
from tandem.platform.authz import authorize
from tandem.platform.errors import NotFound

router = Router(tags=["parties"])


class AddressIn(In):
    street: Text = Field(max_length=200, examples=["Hauptstr. 1"])
    street2: Text = Field("", max_length=200)
    postal_code: Text = Field("", max_length=20, examples=["10115"])
    city: Text = Field(max_length=100, examples=["Berlin"])
    region: Text = Field("", max_length=100)
    country: Text = Field(max_length=2, examples=["DE"], description="ISO 3166 code.")


class PartyIn(In):
    kind: Party.Kind
    name: Text = Field(max_length=200, examples=["Initech GmbH"])
    emails: list[Text] = Field(default_factory=list, max_length=20, examples=[["info@initech.example"]])
    phones: list[Text] = Field(default_factory=list, max_length=20, examples=[["+49 30 901820"]],
                               description="With the country code; stored as E.164.")
    websites: list[Text] = Field(default_factory=list, max_length=20, examples=[["initech.example"]])
    tax_id: Text = Field("", max_length=40, description="EU VAT numbers must pass their checksum.")
    external_key: Text = Field("", max_length=100, description="Your own key for this party, unique in the company.")
    notes: Text = Field("", max_length=10_000)
    roles: list[PartyRole.Role] = Field(default_factory=list, max_length=5)
    tags: list[Text] = Field(default_factory=list, max_length=50, examples=[["VIP"]])
    address: AddressIn | None = None


class PartyPatch(In):
    """Only the fields sent change; `address: null` removes the main address."""

    kind: Party.Kind = None
    name: Text = Field(None, max_length=200)
    emails: list[Text] = Field(None, max_length=20)
    phones: list[Text] = Field(None, max_length=20)
    websites: list[Text] = Field(None, max_length=20)
    tax_id: Text = Field(None, max_length=40)
    external_key: Text = Field(None, max_length=100)
    notes: Text = Field(None, max_length=10_000)
    roles: list[PartyRole.Role] = Field(None, max_length=5)
    tags: list[Text] = Field(None, max_length=50)
    address: AddressIn | None = None


class AddressOut(Out):
    street: str
    street2: str
    postal_code: str
    city: str
    region: str
    country: str


class PartyOut(Out):
    id: int
    kind: str
    name: str
    emails: list[str]
    phones: list[str]
    websites: list[str]
    tax_id: str
    external_key: str
    notes: str
    roles: list[str]
    tags: list[str]
    address: AddressOut | None
    is_archived: bool
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime


class PartyRow(Out):
    id: int
    kind: str
    name: str
    email: str | None = Field(description="The primary email address.")
    phone: str | None = Field(description="The primary phone number.")
    roles: list[str]
    tags: list[str]
    is_archived: bool
    created_at: datetime


class PartyPage(Out):
    items: list[PartyRow]
    total: int = Field(description="How many parties match, counted up to 10,000: see total_is_exact.")
    total_is_exact: bool = Field(description="false: more than `total` (10,000) parties match.")
    has_next: bool = Field(description="Another page follows this one.")
    page: int
    page_size: int


class PartyFilters(Schema):
    q: Text = Field("", max_length=200, description="Words in the name, emails, phones, tax id, key or tags.")
    kind: Party.Kind | None = None
    role: PartyRole.Role | None = None
    tag: Text = Field("", max_length=50)
    archived: bool = Field(False, description="true: only archived (and merged) parties.")
    sort: Literal["name", "-name", "created", "-created"] = "name"
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class MergeIn(In):
    duplicate_id: Id = Field(description="The party merged into this one; it is archived as merged.")


class DuplicateOut(Out):
    party: PartyRow
    reasons: list[str]


class DuplicateList(Out):
    items: list[DuplicateOut]


class TimelineQuery(Schema):
    before_id: Id | None = None
    limit: int = Field(50, ge=1, le=200)


def _party_data(payload: PartyIn | PartyPatch, base: PartyData) -> PartyData:
    """The base data with the fields the caller sent."""
    sent = payload.model_dump(exclude_unset=True, mode="json")
    if "address" in sent:
        sent["address"] = AddressData(**sent["address"]) if sent["address"] else None
    return replace(base, **sent)


def _party_out(party: Party) -> dict[str, Any]:
    points = list(party.contact_points.all())
    main = next((a for a in party.addresses.all() if a.kind == Address.Kind.MAIN), None)
    return {
        "id": party.pk, "kind": party.kind, "name": party.name,
        "emails": [p.value for p in points if p.kind == ContactPoint.Kind.EMAIL],
        "phones": [p.value for p in points if p.kind == ContactPoint.Kind.PHONE],
        "websites": [p.value for p in points if p.kind == ContactPoint.Kind.WEBSITE],
        "tax_id": party.tax_id, "external_key": party.external_key, "notes": party.notes,
        "roles": sorted(role.role for role in party.roles.all()),
        "tags": [tag.name for tag in party.tags.all()],
        "address": {
            "street": main.street, "street2": main.street2, "postal_code": main.postal_code,
            "city": main.city, "region": main.region, "country": main.country.code,
        } if main else None,
        "is_archived": party.is_archived, "merged_into_id": party.merged_into_id,
        "created_at": party.created_at, "updated_at": party.updated_at,
    }


def _party(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The party as the API shows it, read afresh after a change."""
    return _party_out(queries.get_party(caller(request).company, pk))


@router.get("/parties", response={200: PartyPage, **errors()})
@gate(VIEW_PARTY)
def list_parties(request: HttpRequest, filters: Query[PartyFilters]) -> dict[str, Any]:
    """Parties of the company, filtered, sorted and one page at a time, with their number
    (counted up to 10,000)."""
    parties = queries.list_parties(
        caller(request).company, q=filters.q, kind=filters.kind or "", role=filters.role or "",
        tag=filters.tag, archived=filters.archived, sort=filters.sort,
    )
    found = queries.party_page(parties, filters.page, filters.page_size)
    return {"items": found.rows, "total": found.total, "total_is_exact": found.total_is_exact,
            "has_next": found.has_next, "page": filters.page, "page_size": filters.page_size}


@router.post("/parties", response={201: PartyOut, **errors(400, 409)})
@gate(ADD_PARTY, idempotent=True)
def create_party(request: HttpRequest, payload: PartyIn) -> Status:
    """Create a person or an organisation. Every invalid field is named in the error."""
    who = caller(request)
    data = _party_data(payload, PartyData(kind=payload.kind.value, name=payload.name))
    party = services.create_party(who.company, data, actor=who.user)
    return Status(201, _party(request, party.pk))


@router.get("/parties/{id}", response={200: PartyOut, **errors()})
@gate(VIEW_PARTY, id=queries.get_party)
def get_party(request: HttpRequest, id: Id) -> dict[str, Any]:
    """One party with its contact points, roles, tags and main address."""
    return _party_out(caller(request).objects["id"])


@router.patch("/parties/{id}", response={200: PartyOut, **errors(400, 409)})
@gate(CHANGE_PARTY, id=queries.get_party)
def change_party(request: HttpRequest, id: Id, payload: PartyPatch) -> dict[str, Any]:
    """Change the fields sent and leave the others as they are (a merged party: 409)."""
    who = caller(request)
    party: Party = who.objects["id"]
    services.update_party(party, _party_data(payload, services.party_data_of(party)), actor=who.user)
    return _party(request, id)


@router.post("/parties/{id}/archive", response={200: PartyOut, **errors()})
@gate(ARCHIVE_PARTY, id=queries.get_party)
def archive_party(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Archive the party: it leaves the lists but keeps its history."""
    who = caller(request)
    services.archive_party(who.objects["id"], actor=who.user)
    return _party(request, id)


@router.post("/parties/{id}/restore", response={200: PartyOut, **errors(409)})
@gate(ARCHIVE_PARTY, id=queries.get_party)
def restore_party(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Bring an archived party back (a merged party cannot come back: 409)."""
    who = caller(request)
    services.restore_party(who.objects["id"], actor=who.user)
    return _party(request, id)


@router.post("/parties/{id}/merge", response={200: PartyOut, **errors(400, 409)})
@gate(MERGE_PARTY, id=queries.get_party)
def merge_party(request: HttpRequest, id: Id, payload: MergeIn) -> dict[str, Any]:
    """Merge the duplicate into this party: its contact points, roles, tags, relations, records
    and timeline move here and it is archived as merged."""
    who = caller(request)
    duplicate = queries.get_party(who.company, payload.duplicate_id)
    if duplicate is None or not authorize(who.user, who.company, MERGE_PARTY, duplicate):
        raise NotFound("No such party in this company.", fields={"duplicate_id": ["No such party."]})
    services.merge_parties(who.objects["id"], duplicate, actor=who.user)
    return _party(request, id)


@router.get("/parties/{id}/duplicates", response={200: DuplicateList, **errors()})
@gate(VIEW_PARTY, id=queries.get_party)
def list_duplicates(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Parties that look like this one (same email, phone or tax id, or a similar name)."""
    who = caller(request)
    party: Party = who.objects["id"]
    found = queries.find_duplicates(who.company, services.party_data_of(party), exclude_id=party.pk)
    rows = queries.party_rows(Party.objects.filter(pk__in=[d.party.pk for d in found]), 0, len(found))
    by_id = {row["id"]: row for row in rows}
    return {"items": [{"party": by_id[d.party.pk], "reasons": list(d.reasons)} for d in found]}


@router.get("/parties/{id}/timeline", response={200: EventPage, **errors()})
@gate(VIEW_PARTY, id=queries.get_party)
def party_timeline(request: HttpRequest, id: Id, filters: Query[TimelineQuery]) -> dict[str, Any]:
    """What happened to the party (and parties merged into it) in every app, newest first,
    showing only the kinds of record the caller may see."""
    who = caller(request)
    found = list(queries.party_timeline(
        who.user, who.company, who.objects["id"], limit=filters.limit, before_id=filters.before_id
    ))
    return event_page(found, filters.limit)
