"""Every write to parties: one function per use case, each in its own transaction, each leaving
an audit event. Forms, the API, imports and bulk actions all call these."""

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django_countries import countries
from stdnum.eu import vat as eu_vat

from tandem.parties import events
from tandem.parties.errors import PartyArchivedError, PartyInvalid, PartyNotMergeable
from tandem.parties.models import Address, Consent, ContactPoint, Party, PartyRole, Relation, Tag
from tandem.platform.context import request_id
from tandem.platform.events import publish
from tandem.platform.models import Company, User


@dataclass(kw_only=True)
class AddressData:
    street: str
    city: str
    country: str
    postal_code: str = ""
    street2: str = ""
    region: str = ""


@dataclass(kw_only=True)
class PartyData:
    """Everything a party is made of, as plain values: what forms, the API and imports send."""

    kind: str
    name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    tax_id: str = ""
    external_key: str = ""
    notes: str = ""
    roles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    address: AddressData | None = None


# --- Normalisation --------------------------------------------------------------------------

LEGAL_SUFFIXES = {
    "gmbh", "ag", "kg", "ug", "ltd", "limited", "inc", "llc", "plc", "sa", "sas", "sarl", "srl",
    "spa", "bv", "nv", "co", "corp", "company", "oy", "ab", "as", "aps", "se",
}


def fold(text: str) -> str:
    """Lowercase, accents removed, whitespace collapsed: for search and comparison."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def name_key(name: str) -> str:
    """A party name reduced for duplicate detection: folded, punctuation and legal forms removed."""
    words = re.sub(r"[^\w\s]", " ", fold(name)).split()
    return " ".join(word for word in words if word not in LEGAL_SUFFIXES)


def normalize_phone(raw: str, region: str) -> str:
    """E.164 form of a phone number, read in the company's country when it has no + prefix."""
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"{raw!r} is not a phone number.") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_tax_id(raw: str) -> str:
    """Compact form of a tax id; EU VAT numbers (with a country prefix) must pass their checksum."""
    compact = re.sub(r"[\s.\-/]", "", raw).upper()
    if compact[:2].lower() in eu_vat.MEMBER_STATES | {"el", "xi"} and not eu_vat.is_valid(compact):
        raise ValueError(f"{raw!r} is not a valid EU VAT number.")
    return compact


def _clean_text(value: str, limit: int) -> str:
    value = "".join(ch for ch in value if ch.isprintable() or ch in "\n\t")
    value = value.replace("\u202e", "").replace("\u202d", "")
    return value.strip()[:limit]


def validate_party_data(company: Company, data: PartyData) -> PartyData:
    """Check and normalise party data. Raises PartyInvalid naming every bad field; writes nothing."""
    errors: dict[str, list[str]] = {}
    name = _clean_text(data.name, 200)
    if data.kind not in Party.Kind.values:
        errors["kind"] = ["Choose person or organisation."]
    if not name:
        errors["name"] = ["Enter a name."]
    elif len(data.name.strip()) > 200:
        errors["name"] = ["A name is limited to 200 characters."]

    emails: list[str] = []
    for raw in data.emails:
        email = raw.strip().lower()
        if not email:
            continue
        try:
            EmailValidator()(email)
        except ValidationError:
            errors.setdefault("emails", []).append(f"{raw.strip()!r} is not a valid email address.")
            continue
        if email not in emails:
            emails.append(email)

    phones: list[str] = []
    for raw in data.phones:
        if not raw.strip():
            continue
        try:
            phone = normalize_phone(raw.strip(), company.country.code)
        except ValueError:
            errors.setdefault("phones", []).append(
                f"{raw.strip()!r} is not a valid phone number; include the country code, e.g. +49 30 901820."
            )
            continue
        if phone not in phones:
            phones.append(phone)

    websites: list[str] = []
    for raw in data.websites:
        url = raw.strip()
        if not url:
            continue
        if not re.match(r"^https?://", url, re.IGNORECASE):
            url = "https://" + url
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors.setdefault("websites", []).append(f"{raw.strip()!r} is not a valid web address.")
            continue
        websites.append(url[:254])

    tax_id = ""
    if data.tax_id.strip():
        try:
            tax_id = normalize_tax_id(data.tax_id)
        except ValueError as error:
            errors["tax_id"] = [str(error)]
        if len(tax_id) > 40:
            errors["tax_id"] = ["A tax id is limited to 40 characters."]

    roles = sorted(set(data.roles))
    if bad := [role for role in roles if role not in PartyRole.Role.values]:
        errors["roles"] = [f"Unknown role {role!r}." for role in bad]

    tags = sorted({_clean_text(tag, 50) for tag in data.tags if tag.strip()}, key=str.casefold)

    address = data.address
    if address is not None:
        address = AddressData(
            street=_clean_text(address.street, 200), street2=_clean_text(address.street2, 200),
            postal_code=_clean_text(address.postal_code, 20).upper(), city=_clean_text(address.city, 100),
            region=_clean_text(address.region, 100), country=address.country.strip().upper(),
        )
        if not any([address.street, address.city, address.postal_code]):
            address = None
        else:
            if not address.street:
                errors["address.street"] = ["Enter the street."]
            if not address.city:
                errors["address.city"] = ["Enter the city."]
            if address.country not in countries:
                errors["address.country"] = ["Choose a country."]
            elif (pattern := POSTAL_CODES.get(address.country)) and not re.fullmatch(pattern, address.postal_code):
                errors["address.postal_code"] = [f"Not a valid postal code for {countries.name(address.country)}."]

    external_key = _clean_text(data.external_key, 100)
    if errors:
        raise PartyInvalid("Please correct the highlighted fields.", fields=errors)
    return PartyData(
        kind=data.kind, name=name, emails=emails, phones=phones, websites=websites, tax_id=tax_id,
        external_key=external_key, notes=_clean_text(data.notes, 10_000), roles=roles, tags=tags,
        address=address,
    )


POSTAL_CODES = {
    "DE": r"\d{5}", "FR": r"\d{5}", "IT": r"\d{5}", "ES": r"\d{5}", "AT": r"\d{4}", "CH": r"\d{4}",
    "BE": r"\d{4}", "NL": r"\d{4} ?[A-Z]{2}", "US": r"\d{5}(-\d{4})?", "PL": r"\d{2}-\d{3}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "IE": r"([A-Z]\d{2}|D6W) ?[A-Z\d]{4}", "DK": r"\d{4}",
    "SE": r"\d{3} ?\d{2}", "PT": r"\d{4}-\d{3}", "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
}


# --- Writing --------------------------------------------------------------------------------


def _publish(event: events.DomainEvent) -> None:
    publish(event, request_id=request_id.get())


def search_text_of(data: PartyData) -> str:
    """The folded text search and duplicate pickers match words against (validated data)."""
    digits = [re.sub(r"\D", "", phone) for phone in data.phones]
    parts = [data.name, *data.emails, *data.phones, *digits, data.tax_id, data.external_key, *data.tags]
    return fold(" ".join(part for part in parts if part))


def _write_details(party: Party, data: PartyData) -> None:
    """Replace the party's contact points, roles, tags and main address with those in data."""
    party.contact_points.all().delete()
    ContactPoint.objects.bulk_create(_contact_points(party, data))
    party.roles.exclude(role__in=data.roles).delete()
    existing_roles = set(party.roles.values_list("role", flat=True))
    PartyRole.objects.bulk_create(
        [PartyRole(party=party, role=role) for role in data.roles if role not in existing_roles]
    )
    party.tags.set([_get_or_create_tag(party.company_id, name) for name in data.tags])
    main = party.addresses.filter(kind=Address.Kind.MAIN).first()
    if data.address is None:
        if main is not None:
            main.delete()
    else:
        main = main or Address(company_id=party.company_id, party=party, kind=Address.Kind.MAIN)
        for name, value in vars(data.address).items():
            setattr(main, name, value)
        main.save()


def _add_details(party: Party, data: PartyData) -> None:
    """Write the contact points, roles, tags and main address of a party that has none yet: only
    inserts, none of the reads and deletes that replacing them takes (half of a creation's
    statements, and each costs about a millisecond of ORM work on a small machine)."""
    if points := _contact_points(party, data):
        ContactPoint.objects.bulk_create(points)
    if data.roles:
        PartyRole.objects.bulk_create([PartyRole(party=party, role=role) for role in data.roles])
    if data.tags:
        Tagging = Party.tags.through
        Tagging.objects.bulk_create(
            [Tagging(party=party, tag=_get_or_create_tag(party.company_id, name)) for name in data.tags]
        )
    if data.address is not None:
        Address.objects.create(company_id=party.company_id, party=party, kind=Address.Kind.MAIN,
                               **vars(data.address))


def _contact_points(party: Party, data: PartyData) -> list[ContactPoint]:
    """The party's contact points from data, the first of each kind primary."""
    return [
        ContactPoint(company_id=party.company_id, party=party, kind=kind, value=value, is_primary=index == 0)
        for kind, values in (
            (ContactPoint.Kind.EMAIL, data.emails),
            (ContactPoint.Kind.PHONE, data.phones),
            (ContactPoint.Kind.WEBSITE, data.websites),
        )
        for index, value in enumerate(values)
    ]


def _get_or_create_tag(company_id: int, name: str) -> Tag:
    tag = Tag.objects.filter(company_id=company_id, name__iexact=name).first()
    if tag is None:
        try:
            with transaction.atomic():
                tag = Tag.objects.create(company_id=company_id, name=name)
        except IntegrityError:
            tag = Tag.objects.get(company_id=company_id, name__iexact=name)
    return tag


def _with_external_key(company: Company, key: str):
    """Parties with that external key; the `<> ''` matches the partial unique index, which the
    database then uses instead of scanning the company's parties."""
    return Party.objects.filter(company=company, external_key=key).exclude(external_key="")


def _check_external_key(company: Company, key: str, exclude_id: int | None = None) -> None:
    if key and _with_external_key(company, key).exclude(pk=exclude_id).exists():
        raise PartyInvalid(
            "Another party already has this external key.",
            fields={"external_key": ["Already used by another party."]},
        )


def create_party(company: Company, data: PartyData, *, actor: User | None,
                 now: datetime | None = None) -> Party:
    """Create a party from validated data and record PartyCreated."""
    data = validate_party_data(company, data)
    now = now or timezone.now()
    with transaction.atomic():
        _check_external_key(company, data.external_key)
        party = Party.objects.create(
            company=company, kind=data.kind, name=data.name, tax_id=data.tax_id,
            external_key=data.external_key, notes=data.notes, created_by=actor,
            created_at=now, updated_at=now, name_key=name_key(data.name), search_text=search_text_of(data),
        )
        _add_details(party, data)
        _publish(events.PartyCreated(
            company_id=company.pk, actor_id=actor.pk if actor else None, object_id=party.pk,
            party_id=party.pk, name=party.name, kind_label=party.get_kind_display(),
        ))
    return party


def party_data_of(party: Party) -> PartyData:
    """The party as PartyData, e.g. to change a few fields and pass it to update_party."""
    points = list(party.contact_points.all())
    address = party.addresses.filter(kind=Address.Kind.MAIN).first()
    return PartyData(
        kind=party.kind, name=party.name,
        emails=[p.value for p in points if p.kind == ContactPoint.Kind.EMAIL],
        phones=[p.value for p in points if p.kind == ContactPoint.Kind.PHONE],
        websites=[p.value for p in points if p.kind == ContactPoint.Kind.WEBSITE],
        tax_id=party.tax_id, external_key=party.external_key, notes=party.notes,
        roles=sorted(party.roles.values_list("role", flat=True)),
        tags=sorted(party.tags.values_list("name", flat=True), key=str.casefold),
        address=AddressData(
            street=address.street, street2=address.street2, postal_code=address.postal_code,
            city=address.city, region=address.region, country=address.country.code,
        ) if address else None,
    )


FIELD_LABELS = {
    "kind": "kind", "name": "name", "emails": "emails", "phones": "phones", "websites": "websites",
    "tax_id": "tax id", "external_key": "external key", "notes": "notes", "roles": "roles",
    "tags": "tags", "address": "address",
}


def update_party(party: Party, data: PartyData, *, actor: User | None, now: datetime | None = None) -> Party:
    """Replace the party's data; records which fields changed (nothing changed: no event)."""
    with transaction.atomic():
        party = Party.objects.select_for_update().select_related("company").get(pk=party.pk)
        if party.merged_into_id:
            raise PartyArchivedError("This party was merged into another and cannot be changed.")
        data = validate_party_data(party.company, data)
        _check_external_key(party.company, data.external_key, exclude_id=party.pk)
        before = party_data_of(party)
        changed = [name for name in FIELD_LABELS if getattr(before, name) != getattr(data, name)]
        if not changed:
            return party
        party.kind, party.name, party.tax_id = data.kind, data.name, data.tax_id
        party.external_key, party.notes = data.external_key, data.notes
        party.name_key, party.search_text = name_key(data.name), search_text_of(data)
        party.updated_at = now or timezone.now()
        party.save()
        _write_details(party, data)
        _publish(events.PartyUpdated(
            company_id=party.company_id, actor_id=actor.pk if actor else None, object_id=party.pk,
            party_id=party.pk, changed=changed, changed_text=", ".join(FIELD_LABELS[n] for n in changed),
        ))
    return party


def upsert_party(company: Company, data: PartyData, *, actor: User | None) -> tuple[Party, bool]:
    """Create the party, or update the one with the same external key (re-imports)."""
    existing = (
        _with_external_key(company, data.external_key.strip()).first()
        if data.external_key.strip() else None
    )
    if existing is None:
        return create_party(company, data, actor=actor), True
    return update_party(existing, data, actor=actor), False


def archive_party(party: Party, *, actor: User) -> Party:
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        if not party.is_archived:
            party.is_archived = True
            party.save(update_fields=["is_archived"])
            _publish(events.PartyArchived(
                company_id=party.company_id, actor_id=actor.pk, object_id=party.pk, party_id=party.pk,
                name=party.name,
            ))
    return party


def restore_party(party: Party, *, actor: User) -> Party:
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        if party.merged_into_id:
            raise PartyArchivedError("A merged party cannot be restored.")
        if party.is_archived:
            party.is_archived = False
            party.save(update_fields=["is_archived"])
            _publish(events.PartyRestored(
                company_id=party.company_id, actor_id=actor.pk, object_id=party.pk, party_id=party.pk,
                name=party.name,
            ))
    return party


def tag_party(party: Party, *, tag: str, actor: User) -> Party:
    tag = _clean_text(tag, 50)
    if not tag:
        raise PartyInvalid("Enter a tag.", fields={"tag": ["Enter a tag."]})
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        if party.merged_into_id:
            raise PartyArchivedError("This party was merged into another and cannot be changed.")
        tag_row = _get_or_create_tag(party.company_id, tag)
        if not party.tags.filter(pk=tag_row.pk).exists():
            party.tags.add(tag_row)
            party.search_text = f"{party.search_text} {fold(tag)}"
            party.save(update_fields=["search_text"])
            _publish(events.PartyTagged(
                company_id=party.company_id, actor_id=actor.pk, object_id=party.pk, party_id=party.pk,
                tag=tag_row.name,
            ))
    return party


def record_consent(party: Party, *, channel: str, given: bool, source: str, actor: User | None,
                   now: datetime | None = None) -> Consent:
    """Record a change of marketing consent: who, when, by which channel and from which source."""
    if channel not in Consent.Channel.values:
        raise PartyInvalid("Unknown consent channel.", fields={"channel": ["Unknown channel."]})
    source = _clean_text(source, 200)
    if not source:
        raise PartyInvalid("Say where the consent came from.", fields={"source": ["Required."]})
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        consent = Consent.objects.create(
            company_id=party.company_id, party=party, channel=channel, given=given, source=source,
            recorded_by=actor, recorded_at=now or timezone.now(),
        )
        _publish(events.ConsentRecorded(
            company_id=party.company_id, actor_id=actor.pk if actor else None, object_id=party.pk,
            party_id=party.pk, channel=channel, state="given" if given else "withdrawn", source=source,
        ))
    return consent


def add_relation(person: Party, organisation: Party, *, job_title: str, actor: User) -> Relation:
    """Say that a person works at an organisation."""
    if person.company_id != organisation.company_id:
        raise PartyInvalid("Both parties must belong to the same company.")
    if person.kind != Party.Kind.PERSON or organisation.kind != Party.Kind.ORGANISATION:
        raise PartyInvalid("A relation links a person to an organisation.",
                           fields={"organisation": ["Choose an organisation."]})
    with transaction.atomic():
        relation, created = Relation.objects.get_or_create(
            company_id=person.company_id, person=person, organisation=organisation,
            defaults={"job_title": _clean_text(job_title, 100)},
        )
        if not created:
            relation.job_title, relation.is_active = _clean_text(job_title, 100), True
            relation.save(update_fields=["job_title", "is_active"])
        _publish(events.RelationAdded(
            company_id=person.company_id, actor_id=actor.pk, object_id=person.pk, party_id=person.pk,
            person_name=person.name, organisation_name=organisation.name,
            job_title=relation.job_title or "staff",
        ))
    return relation


def _references_to(party: Party) -> list[tuple[type[Model], str]]:
    """Every (model, field) of any app that points at Party, except history and self-links."""
    references = []
    for relation in Party._meta.related_objects:
        model = relation.related_model
        if model.__module__.startswith("simple_history") or model.__name__.startswith("Historical"):
            continue
        if model is Party or (not relation.field.many_to_one and not relation.field.one_to_one):
            continue
        references.append((model, relation.field.name))
    return references


def merge_parties(keep: Party, duplicate: Party, *, actor: User) -> Party:
    """Move everything that points at the duplicate onto the party kept, then archive the
    duplicate as merged. Contact points, roles and tags are united; the timeline follows."""
    if keep.pk == duplicate.pk:
        raise PartyNotMergeable("A party cannot be merged into itself.")
    if keep.company_id != duplicate.company_id:
        raise PartyNotMergeable("Parties of different companies cannot be merged.")
    with transaction.atomic():
        first, second = sorted([keep.pk, duplicate.pk])
        locked = {p.pk: p for p in Party.objects.select_for_update().filter(pk__in=[first, second])}
        keep, duplicate = locked[keep.pk], locked[duplicate.pk]
        if keep.merged_into_id or duplicate.merged_into_id:
            raise PartyNotMergeable("One of the parties was already merged.")
        merged = party_data_of(duplicate)
        kept = party_data_of(keep)
        union = replace(
            kept,
            emails=kept.emails + [e for e in merged.emails if e not in kept.emails],
            phones=kept.phones + [p for p in merged.phones if p not in kept.phones],
            websites=kept.websites + [w for w in merged.websites if w not in kept.websites],
            roles=sorted(set(kept.roles) | set(merged.roles)),
            tags=sorted(set(kept.tags) | set(merged.tags), key=str.casefold),
            tax_id=kept.tax_id or merged.tax_id,
            address=kept.address or merged.address,
            notes="\n\n".join(n for n in [kept.notes, merged.notes] if n),
        )
        moved: dict[str, int] = {}
        for model, field_name in _references_to(duplicate):
            if model in (ContactPoint, PartyRole, Address) and field_name == "party":
                continue
            if model is Relation:
                continue
            count = model._default_manager.filter(**{field_name: duplicate}).update(**{field_name: keep})
            if count:
                moved[model._meta.label_lower] = count
        for relation in Relation.objects.filter(person=duplicate):
            if not Relation.objects.filter(person=keep, organisation=relation.organisation_id).exists() \
                    and relation.organisation_id != keep.pk:
                relation.person = keep
                relation.save(update_fields=["person"])
        for relation in Relation.objects.filter(organisation=duplicate):
            if not Relation.objects.filter(organisation=keep, person=relation.person_id).exists() \
                    and relation.person_id != keep.pk:
                relation.organisation = keep
                relation.save(update_fields=["organisation"])
        duplicate_external_key = duplicate.external_key
        duplicate.merged_into, duplicate.is_archived, duplicate.external_key = keep, True, ""
        duplicate.save(update_fields=["merged_into", "is_archived", "external_key"])
        if not union.external_key and duplicate_external_key:
            union = replace(union, external_key=duplicate_external_key)
        update_party(keep, union, actor=actor)
        _publish(events.PartiesMerged(
            company_id=keep.company_id, actor_id=actor.pk, object_id=keep.pk, party_id=keep.pk,
            merged_id=duplicate.pk, merged_name=duplicate.name, moved=moved,
        ))
    keep.refresh_from_db()
    return keep
