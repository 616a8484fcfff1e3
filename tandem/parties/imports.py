"""The parties importer: one row per party, read into PartyData and written with upsert_party, so
a re-import of rows with the same external key updates those parties instead of duplicating
them. The columns are described in the app's README ("Import format")."""

import re

from django_countries import countries

from tandem.parties.errors import PartyInvalid
from tandem.parties.models import Party, PartyRole
from tandem.parties.permissions import IMPORT_PARTY
from tandem.parties.services import AddressData, PartyData, upsert_party, validate_party_data
from tandem.platform.imports import Importer, ImportField, Row, register
from tandem.platform.models import Company, User

FIELDS = (
    ImportField("kind", "Kind", aliases=("type", "party type", "person or organisation", "entity type"),
                help="person or organisation; empty means organisation"),
    ImportField("name", "Name", required=True,
                aliases=("full name", "company", "company name", "organisation", "organization", "display name")),
    ImportField("email", "Emails", aliases=("email", "e-mail", "email address", "mail"),
                help="several separated by ; or ,"),
    ImportField("phone", "Phones", aliases=("phone", "telephone", "tel", "mobile", "phone number"),
                help="with the country code, or read in the company's country"),
    ImportField("website", "Websites", aliases=("website", "web", "url", "homepage", "site")),
    ImportField("tax_id", "Tax id", aliases=("vat", "vat id", "vat number", "tax number", "ust-idnr")),
    ImportField("external_key", "External key",
                aliases=("id", "external id", "key", "customer number", "reference", "ref"),
                help="your key from the other system; a re-import updates the party with the same key"),
    ImportField("notes", "Notes", aliases=("note", "comment", "comments", "description")),
    ImportField("roles", "Roles", aliases=("role", "relationship"),
                help="prospect, customer, supplier, employee, visitor; several separated by ;"),
    ImportField("tags", "Tags", aliases=("tag", "labels", "groups"), help="several separated by ;"),
    ImportField("street", "Street", aliases=("address", "street address", "address line 1", "address 1")),
    ImportField("street2", "Street 2", aliases=("address line 2", "address 2")),
    ImportField("postal_code", "Postal code", aliases=("zip", "zip code", "postcode", "plz", "post code")),
    ImportField("city", "City", aliases=("town", "locality")),
    ImportField("region", "Region", aliases=("state", "province", "county")),
    ImportField("country", "Country", aliases=("country code",),
                help="ISO code or English name; empty means the company's country"),
)

KINDS = {
    "person": Party.Kind.PERSON, "individual": Party.Kind.PERSON, "private": Party.Kind.PERSON,
    "organisation": Party.Kind.ORGANISATION, "organization": Party.Kind.ORGANISATION,
    "company": Party.Kind.ORGANISATION, "business": Party.Kind.ORGANISATION, "org": Party.Kind.ORGANISATION,
}
ROLES = {key: value for value, label in PartyRole.Role.choices for key in (value, label.casefold())}
# Keys of PartyInvalid.fields (services) → the importer's field keys.
SERVICE_FIELDS = {
    "emails": "email", "phones": "phone", "websites": "website", "address.street": "street",
    "address.street2": "street2", "address.postal_code": "postal_code", "address.city": "city",
    "address.region": "region", "address.country": "country",
}


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,\n|]", value) if part.strip()]


def _country(value: str, company: Company) -> str:
    value = value.strip()
    if not value:
        return company.country.code
    return countries.alpha2(value) or countries.by_name(value) or value.upper()


def party_data_from_row(company: Company, row: Row) -> PartyData:
    """The row as PartyData; what needs the services' rules is left for them to judge."""
    kind = row["kind"].strip().casefold()
    address = None
    if any(row[key].strip() for key in ("street", "street2", "postal_code", "city")):
        address = AddressData(
            street=row["street"], street2=row["street2"], postal_code=row["postal_code"], city=row["city"],
            region=row["region"], country=_country(row["country"], company),
        )
    return PartyData(
        kind=KINDS.get(kind, kind) if kind else Party.Kind.ORGANISATION,
        name=row["name"], emails=_split(row["email"]), phones=_split(row["phone"]),
        websites=[part.strip() for part in re.split(r"[;\n|\s]", row["website"]) if part.strip()],
        tax_id=row["tax_id"], external_key=row["external_key"], notes=row["notes"],
        roles=[ROLES.get(role.casefold(), role) for role in _split(row["roles"])],
        tags=_split(row["tags"]), address=address,
    )


def _as_import_error(error: PartyInvalid) -> PartyInvalid:
    fields: dict[str, list[str]] = {}
    for key, messages in error.fields.items():
        fields.setdefault(SERVICE_FIELDS.get(key, key), []).extend(messages)
    return PartyInvalid(error.message, fields=fields)


def validate_row(company: Company, row: Row) -> PartyData:
    """Check one row as the import will write it; writes nothing."""
    try:
        return validate_party_data(company, party_data_from_row(company, row))
    except PartyInvalid as error:
        raise _as_import_error(error) from error


def upsert_row(company: Company, row: Row, actor: User) -> bool:
    """Create or update (same external key) the party of one row; True when created."""
    try:
        _, created = upsert_party(company, party_data_from_row(company, row), actor=actor)
    except PartyInvalid as error:
        raise _as_import_error(error) from error
    return created


PARTIES = register(Importer(
    key="parties", label="Parties", permission=IMPORT_PARTY.code, fields=FIELDS,
    validate=validate_row, upsert=upsert_row,
))
