"""Realistic parties for the benchmarks: made through the service one by one, or bulk-inserted
with the denormalised fields computed by the same service helpers."""

import random
import re
from dataclasses import dataclass, replace
from itertools import islice

from django.db import connection, transaction

from tandem.parties.models import Address, ContactPoint, Party, PartyRole
from tandem.parties.services import (
    AddressData,
    PartyData,
    fold,
    name_key,
    search_text_of,
)
from tandem.platform import services as platform
from tandem.platform.models import Company, User

GIVEN = (
    "Anna", "Ben", "Clara", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Liam", "Maya",
    "Noah", "Olga", "Paul", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe", "Aylin", "Bruno",
    "Chiara", "Dmitri", "Emil", "Fatima", "Gustav", "Hanna", "Ivan", "Jana", "Karim", "Lena", "Mateo", "Nina",
    "Oskar", "Pia", "Ruben", "Sofia", "Theo", "Ulla", "Viktor", "Wanda", "Xaver", "Yusuf", "Zeynep", "Amélie",
)
FAMILY = (
    "Fischer", "Okafor", "Nowak", "García", "Smith", "Dubois", "Jansen", "Rossi", "Kowalski", "Schmidt", "Brown",
    "Müller", "Yilmaz", "Haddad", "Larsen", "Moreau", "Silva", "Weber", "Novak", "Tanaka", "Becker", "Hoffmann",
    "Schulz", "Koch", "Richter", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
    "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Maier", "Herrmann", "König", "Walter",
    "Peters", "Kaiser", "Fuchs", "Scholz", "Vogel", "Engel", "Sommer", "Brandt",
)
ORGANISATION = (
    ("Nordwind", "Blue Harbour", "Granite", "Silverline", "Evergreen", "Redwood", "Brightstone", "Ironbridge",
     "Sunfield", "Clearwater", "Northstar", "Copperleaf", "Oakridge", "Riverside", "Highland", "Westwind",
     "Summit", "Lakeside", "Maplewood", "Stonegate", "Alpenblick", "Hafenstadt", "Rheintal", "Elbufer"),
    ("Logistics", "Foods", "Engineering", "Textiles", "Software", "Medical", "Furniture", "Energy", "Packaging",
     "Consulting", "Print", "Tools", "Coffee", "Optics", "Chemicals", "Bau", "Handel", "Technik"),
    ("GmbH", "AG", "KG", "GmbH & Co. KG", "UG", "e.K."),
)
CITIES = (("10115", "Berlin", "030"), ("80331", "München", "089"), ("20095", "Hamburg", "040"),
          ("50667", "Köln", "0221"), ("60311", "Frankfurt am Main", "069"), ("70173", "Stuttgart", "0711"),
          ("04109", "Leipzig", "0341"), ("01067", "Dresden", "0351"))
STREETS = ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße", "Goethestraße",
           "Kirchweg", "Am Markt", "Industriestraße", "Parkallee")
ROLES = ("customer", "customer", "customer", "prospect", "supplier")


def realistic_party(rng: random.Random, number: int) -> PartyData:
    """A German person or organisation with an email, a phone, a role and a main address, as a
    form or the API would send it (raw, unnormalised)."""
    postal_code, city, area = rng.choice(CITIES)
    if rng.random() < 0.4:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        kind, name = "person", f"{given} {family}"
        email = f"{given}.{family}.{number}@example.de"
    else:
        stem, trade, legal = (rng.choice(words) for words in ORGANISATION)
        kind, name = "organisation", f"{stem} {trade} {legal}"
        email = f"info{number}@{stem}-{trade}.example.de"
    return PartyData(
        kind=kind, name=name, emails=[fold(email).replace(" ", "-")],
        phones=[f"{area} {rng.randint(100, 999)} {number % 100000:05d}"],
        roles=[rng.choice(ROLES)],
        address=AddressData(street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}", postal_code=postal_code,
                            city=city, country="DE"),
    )


@dataclass(frozen=True)
class Tenant:
    company: Company
    admin: User


def make_tenant() -> Tenant:
    """A company with its first admin, through the platform services."""
    company = platform.create_company(
        actor=None, name="Bench Handel GmbH", slug="bench", base_currency="EUR", country="DE",
        timezone="Europe/Berlin", locale="de",
    )
    membership = platform.add_member(company, email="admin@bench.example", roles=["company_admin"], actor=None)
    return Tenant(company=company, admin=membership.user)


def api_token(tenant: Tenant) -> str:
    _, raw = platform.create_api_token(tenant.company, actor=tenant.admin, name="benchmark")
    return raw


def normalized(data: PartyData) -> PartyData:
    """The party as validate_party_data stores it (German numbers in E.164), without its cost."""
    phones = ["+49" + re.sub(r"\D", "", phone)[1:] for phone in data.phones]
    return replace(data, name=data.name.strip(), emails=[email.lower() for email in data.emails], phones=phones)


def bulk_seed(company: Company, count: int, *, rng: random.Random, start: int = 0, batch: int = 5000) -> None:
    """Insert `count` parties with their contact points, role and address in large batches.

    Search text and name key are computed by the service's own helpers; only the per-row audit
    events and history are skipped, which lists and search never read."""
    numbers = iter(range(start, start + count))
    while chunk := list(islice(numbers, batch)):
        with transaction.atomic():
            _insert(company, [normalized(realistic_party(rng, n)) for n in chunk])


def settle() -> None:
    """After a bulk load, what autovacuum soon does on PostgreSQL: visibility map and planner
    statistics, so the measurement sees a database in its steady state."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _insert(company: Company, rows: list[PartyData]) -> None:
    parties = Party.objects.bulk_create([
        Party(company=company, kind=data.kind, name=data.name, name_key=name_key(data.name),
              search_text=search_text_of(data))
        for data in rows
    ])
    points, roles, addresses = [], [], []
    for party, data in zip(parties, rows, strict=True):
        points += [ContactPoint(company=company, party=party, kind=kind, value=value, is_primary=True)
                   for kind, value in (("email", data.emails[0]), ("phone", data.phones[0]))]
        roles += [PartyRole(party=party, role=role) for role in data.roles]
        addresses.append(Address(company=company, party=party, **vars(data.address)))
    ContactPoint.objects.bulk_create(points)
    PartyRole.objects.bulk_create(roles)
    Address.objects.bulk_create(addresses)


def search_queries(company: Company, rng: random.Random, count: int) -> list[str]:
    """What people type into global search, drawn from seeded parties: a name or its first word,
    an email address, or the last seven digits of a phone number."""
    last = Party.objects.filter(company=company).order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = rng.sample(range(1, last + 1), min(count, last))
    rows = ContactPoint.objects.filter(party_id__in=sample).values_list("party_id", "kind", "value")
    points = {(party_id, kind): value for party_id, kind, value in rows}
    queries = []
    for party_id, name in Party.objects.filter(pk__in=sample).values_list("pk", "name"):
        draw = rng.random()
        if draw < 0.5:
            words = name.split()
            queries.append(" ".join(words[: rng.randint(1, 2)]))
        elif draw < 0.75:
            queries.append(points[party_id, "email"])
        else:
            queries.append(re.sub(r"\D", "", points[party_id, "phone"])[-7:])
    return queries
