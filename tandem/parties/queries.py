"""Reads of parties shared by the web, the API, exports and search."""

from contextlib import suppress
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import connections
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable

from tandem.parties import search_index
from tandem.parties.models import Address, Consent, ContactPoint, Party, PartyRole, Relation, Tag
from tandem.parties.services import PartyData, fold, name_key, normalize_phone, normalize_tax_id, party_data_of
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
    parties = _PartyList(Party).filter(company=company)
    if archived is not None:
        parties = parties.filter(is_archived=archived)
    words = fold(q).split()[:5]
    if words:
        parties = containing(parties, words)
    if kind:
        parties = parties.filter(kind=kind)
    if role:
        parties = parties.filter(pk__in=PartyRole.objects.filter(role=role).values("party_id"))
    if tag:
        parties = parties.filter(tags__name__iexact=tag)
    parties = _ordered(parties, SORTS.get(sort, SORTS["name"]), searched=bool(words))
    return parties.defer("search_text").prefetch_related(
        "roles", "tags",
        Prefetch("contact_points", queryset=ContactPoint.objects.filter(is_primary=True), to_attr="primary_points"),
    )


class _PartyList(QuerySet):
    """A party list whose later pages are read in two steps: the page's ids from the ordering
    index first, then only those rows. Skipping tens of thousands of whole rows (PostgreSQL reads
    each from the table) becomes skipping index entries; the rows and their order are the same.
    (A values() list is left alone: it reads only what it selects.)"""

    DEEP_OFFSET = 200

    def __getitem__(self, key):
        if (isinstance(key, slice) and key.step is None and key.stop is not None and not self.query.is_sliced
                and (key.start or 0) >= self.DEEP_OFFSET and self._iterable_class is ModelIterable):
            page_ids = QuerySet.__getitem__(self.prefetch_related(None).values("pk"), key)
            # Only the ids filter the rows: the list's own filters would tempt the planner to walk
            # the ordering index again, probing the 50 ids.
            page = _PartyList(self.model, using=self._db).filter(pk__in=page_ids)
            if self.query.order_by:
                page = page.order_by(*self.query.order_by)
            page.query.deferred_loading = self.query.deferred_loading
            page._prefetch_related_lookups = self._prefetch_related_lookups
            return page
        return super().__getitem__(key)


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
    """Parties of the company (never merged ones) whose search text contains every word typed,
    as containing() matches them: active ones first, then names starting with the first word,
    then names containing it, then by name. search_text is not read."""
    words = fold(query).split()[:5]
    if not words:
        return []
    # Global search runs on every keystroke of the command palette. Through the ORM, building and
    # compiling this query (its CASE and COALESCE ordering) cost 1.6 ms of CPU on the benchmark
    # machine, as much as the database's work; written out it costs nothing to build.
    connection = connections[Party.objects.db]
    name = connection.ops.quote_name
    matching, params = _matching(connection, words)
    first = connection.ops.prep_for_like_query(words[0])
    columns = ", ".join(name(field.column) for field in Party._meta.concrete_fields if field.name != "search_text")
    sql = (
        f"SELECT {columns} FROM {name(Party._meta.db_table)} "  # noqa: S608 - names from the model; values are parameters
        f"WHERE company_id = %s AND merged_into_id IS NULL AND {matching} "
        # COALESCE: see _ordered(); people look for a name first ("nordw" puts Nordwind GmbH before its staff).
        "ORDER BY COALESCE(is_archived, is_archived), "
        f"CASE WHEN name_key {connection.operators['startswith']} THEN 0 "
        f"WHEN name_key {connection.operators['contains']} THEN 1 ELSE 2 END, "
        "COALESCE(name, name), COALESCE(id, id) "
        "LIMIT %s"
    )
    return list(Party.objects.raw(sql, [company.pk, *params, f"{first}%", f"%{first}%", limit]))


def _matching(connection, words: list[str]) -> tuple[str, list[str]]:
    """containing()'s condition as SQL on parties_party's own columns, with its parameters."""
    conditions, params = [], []
    if connection.vendor == "sqlite":
        indexed = [word for word in words if len(word) >= search_index.MIN_INDEXED_LENGTH]
        if indexed:
            conditions.append(f"id IN ({search_index.SQLITE_MATCHING_IDS})")
            params.append(search_index.sqlite_match_expression(indexed))
            words = [word for word in words if word not in indexed]
    for word in words:
        conditions.append(f"search_text {connection.operators['contains']}")
        params.append(f"%{connection.ops.prep_for_like_query(word)}%")
    return " AND ".join(conditions), params


def containing(parties: QuerySet[Party], words: list[str]) -> QuerySet[Party]:
    """The parties whose search text contains every word (folded), through the search index."""
    if connections[parties.db].vendor == "sqlite":
        indexed = [word for word in words if len(word) >= search_index.MIN_INDEXED_LENGTH]
        if indexed:
            expression = search_index.sqlite_match_expression(indexed)
            parties = parties.filter(pk__in=RawSQL(search_index.SQLITE_MATCHING_IDS, (expression,)))  # noqa: S611
            words = [word for word in words if word not in indexed]
    # PostgreSQL's trigram index serves these LIKEs; on SQLite only words too short to index remain.
    for word in words:
        parties = parties.filter(search_text__contains=word)
    return parties


def _ordered(parties: QuerySet[Party], fields: tuple[str, ...], *, searched: bool) -> QuerySet[Party]:
    """Order by the fields. When searching, the sort must not come from the ordering index: both
    planners would walk every party in name order testing each against the search, a whole scan
    when the matches sort late (measured: 150-200 ms at 100,000 parties). `COALESCE(x, x)` is x
    with x's collation, but no index provides it, so the plan starts from the search index's
    matches and sorts them: proportional to the number of matches."""
    if not searched:
        return parties.order_by(*fields)
    return parties.order_by(*(
        Coalesce(F(name), F(name)).desc() if field.startswith("-") else Coalesce(F(name), F(name)).asc()
        for field in fields
        for name in [field.removeprefix("-")]
    ))


def list_parties_for_export(company: Company, **filters) -> QuerySet[Party]:
    """list_parties with every contact point and the main address, for CSV/XLSX exports."""
    return list_parties(company, **filters).prefetch_related(
        "contact_points", Prefetch("addresses", queryset=Address.objects.filter(kind=Address.Kind.MAIN),
                                   to_attr="main_addresses"),
    )


def pick_parties(company: Company, query: str, *, kind: str = "", exclude: tuple[int, ...] = (),
                 limit: int = 10) -> list[Party]:
    """Parties matching the words typed, for pickers (merge, relations); merged ones never."""
    words = fold(query).split()[:5]
    if not words:
        return []
    parties = containing(Party.objects.filter(company=company, merged_into=None).exclude(pk__in=exclude), words)
    if kind:
        parties = parties.filter(kind=kind)
    return list(_ordered(parties, ("is_archived", "name", "id"), searched=True).defer("search_text")[:limit])


def consent_history(party: Party, *, limit: int = 50) -> QuerySet[Consent]:
    return Consent.objects.filter(party=party).select_related("recorded_by").order_by("-recorded_at", "-id")[:limit]


@dataclass(frozen=True)
class MergePreview:
    """What merging `duplicate` into `keep` would change on the party kept."""

    emails: list[str]
    phones: list[str]
    websites: list[str]
    roles: list[str]
    tags: list[str]
    tax_id: str
    address: str
    relations: int
    records: dict[str, int]
    events: int


def records_pointing_at(party: Party) -> dict[str, int]:
    """How many rows of every other model (any app) point at the party, by model name."""
    counts: dict[str, int] = {}
    for relation in Party._meta.related_objects:
        model = relation.related_model
        if model in (Party, ContactPoint, PartyRole, Address, Relation, Consent) \
                or model.__name__.startswith("Historical") \
                or not (relation.field.many_to_one or relation.field.one_to_one):
            continue
        count = model._default_manager.filter(**{relation.field.name: party}).count()
        if count:
            counts[str(model._meta.verbose_name_plural)] = count
    return counts


def merge_preview(keep: Party, duplicate: Party) -> MergePreview:
    kept, merged = party_data_of(keep), party_data_of(duplicate)
    consents = Consent.objects.filter(party=duplicate).count()
    records = records_pointing_at(duplicate) | ({"consent records": consents} if consents else {})
    return MergePreview(
        emails=[e for e in merged.emails if e not in kept.emails],
        phones=[p for p in merged.phones if p not in kept.phones],
        websites=[w for w in merged.websites if w not in kept.websites],
        roles=sorted(set(merged.roles) - set(kept.roles)),
        tags=sorted(set(merged.tags) - set(kept.tags), key=str.casefold),
        tax_id=merged.tax_id if not kept.tax_id else "",
        address=str(duplicate.addresses.filter(kind=Address.Kind.MAIN).first() or "")
        if kept.address is None and merged.address else "",
        relations=Relation.objects.filter(Q(person=duplicate) | Q(organisation=duplicate)).count(),
        records=records,
        events=EventRecord.objects.filter(company_id=duplicate.company_id, party_id=duplicate.pk).count(),
    )


def party_rows(parties: QuerySet[Party], start: int, stop: int) -> list[dict]:
    """Rows start:stop of a party list (e.g. from list_parties) as plain values: id, kind, name,
    primary email and phone, roles, tags, archived, created. Three small queries and no model
    instances, so a page stays fast however long the list is."""
    return _with_details(_page_values(parties, start, stop))


# Counting every match is a scan of them all (100,000 parties: 5 ms of SQLite, 30 ms of
# PostgreSQL, per page); nobody pages through more than this many, and "10,000+" says enough.
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class PartyPage:
    """A page of party rows. total_is_exact: total is the number of parties in the list;
    otherwise more than `total` (the count limit) are. has_next: another page follows."""

    rows: list[dict]
    total: int
    total_is_exact: bool
    has_next: bool


def party_page(parties: QuerySet[Party], page: int, page_size: int, *, count_limit: int = COUNT_LIMIT) -> PartyPage:
    """Page `page` (from 1) of a party list as party_rows, with the number of parties in the list
    counted up to count_limit. The count only runs when the page cannot tell: the last page
    knows the total, and a full page reaching past the limit proves there are more."""
    start = (page - 1) * page_size
    rows = _page_values(parties, start, start + page_size + 1)
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    if not has_next and (rows or start == 0):  # the last page (or an empty list) knows the total
        total, exact = start + len(rows), True
    else:
        at_least = start + len(rows) + has_next if rows else 0
        counted = at_least if at_least > count_limit else parties.order_by().values("pk")[:count_limit + 1].count()
        total, exact = min(counted, count_limit), counted <= count_limit
    return PartyPage(rows=_with_details(rows), total=total, total_is_exact=exact, has_next=has_next)


def _page_values(parties: QuerySet[Party], start: int, stop: int) -> list[dict]:
    """Rows start:stop of the list as id, kind, name, is_archived and created_at, in two steps:
    the ids in the list's order (an index-only read however deep the page), then those rows."""
    ids = list(parties.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    connection = connections[parties.db]
    name = connection.ops.quote_name
    columns = [Party._meta.get_field(column) for column in ("id", "kind", "name", "is_archived", "created_at")]
    sql = (
        f"SELECT {', '.join(name(field.column) for field in columns)} "  # noqa: S608 - names from the model
        f"FROM {name(Party._meta.db_table)} WHERE id IN ({', '.join(['%s'] * len(ids))})"
    )
    converters = []
    for field in columns:
        column = field.get_col(Party._meta.db_table)
        converters.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    by_id = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        for values in cursor.fetchall():
            row = {}
            for field, (column, convert), value in zip(columns, converters, values, strict=True):
                for converter in convert:
                    value = converter(value, column, connection)
                row[field.attname] = value
            by_id[row["id"]] = row
    return [by_id[pk] for pk in ids if pk in by_id]


def _with_details(rows: list[dict]) -> list[dict]:
    """The rows with their roles, tags and primary email and phone, read in one query."""
    details = {row["id"]: {"roles": [], "tags": [], "email": None, "phone": None} for row in rows}
    if details:
        connection = connections[Party.objects.db]
        with connection.cursor() as cursor:
            cursor.execute(_details_sql(connection, len(details)), [
                *details, *details, True, ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE, *details
            ])
            for party_id, what, value in cursor.fetchall():
                if what in ("roles", "tags"):
                    details[party_id][what].append(value)
                else:
                    details[party_id][what] = value
    return [row | details[row["id"]] for row in rows]


def _details_sql(connection, count: int) -> str:
    """Roles, tags and primary email and phone of `count` parties, as (party id, what, value) in
    the order each list shows them. Written out: through the ORM, the three queries it replaces
    cost about 3 ms of CPU per page on the benchmark machine; this one costs a tenth of that."""
    name = connection.ops.quote_name
    ids = ", ".join(["%s"] * count)
    tags = Party._meta.get_field("tags")
    tagged, tag = name(tags.m2m_column_name()), name(tags.m2m_reverse_name())
    return (
        f"SELECT party_id, 'roles' AS what, role AS value FROM {name(PartyRole._meta.db_table)} "  # noqa: S608 - names from the models; values are parameters
        f"WHERE party_id IN ({ids}) "
        f"UNION ALL SELECT pt.{tagged}, 'tags', t.name FROM {name(tags.remote_field.through._meta.db_table)} pt "
        f"JOIN {name(Tag._meta.db_table)} t ON t.id = pt.{tag} WHERE pt.{tagged} IN ({ids}) "
        f"UNION ALL SELECT party_id, kind, value FROM {name(ContactPoint._meta.db_table)} "
        f"WHERE is_primary = %s AND kind IN (%s, %s) AND party_id IN ({ids}) "
        "ORDER BY 2, 3"
    )
