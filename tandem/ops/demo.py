"""Demo data: realistic companies, one login per role, parties with people, contacts, addresses,
consents and comments — all made through the real services, idempotently (a second run adds
nothing: companies are found by slug, users by email, parties by external key)."""

import random
from dataclasses import dataclass
from functools import cache

import phonenumbers
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from tandem.parties import services as parties
from tandem.parties.models import Party
from tandem.platform import services as platform
from tandem.platform.models import Company, Membership, User
from tandem.platform.roles import SYSTEM_ROLES

DEMO_PASSWORD = "demo"  # noqa: S105 - published on purpose; only set in demo mode


class DemoModeRequired(Exception):
    pass


@dataclass(frozen=True)
class CompanySpec:
    slug: str
    name: str
    currency: str
    country: str
    timezone: str
    locale: str
    cities: tuple[tuple[str, str], ...]  # (postal code, city)
    streets: tuple[str, ...]


SPECS = [
    CompanySpec("demo", "Demo Trading GmbH", "EUR", "DE", "Europe/Berlin", "de_DE",
                (("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"), ("50667", "Köln")),
                ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee")),
    CompanySpec("client-2", "Harbour Lane Ltd", "GBP", "GB", "Europe/London", "en_GB",
                (("SW1A 1AA", "London"), ("M1 1AE", "Manchester"), ("EH1 1YZ", "Edinburgh")),
                ("High Street", "Station Road", "Church Lane", "Mill Road")),
    CompanySpec("client-3", "Prairie Supply Inc.", "USD", "US", "America/Chicago", "en_US",
                (("60601", "Chicago"), ("55401", "Minneapolis"), ("64105", "Kansas City")),
                ("Main Street", "Oak Avenue", "Maple Drive", "Lake Street")),
    CompanySpec("client-4", "Atelier Lumière SARL", "EUR", "FR", "Europe/Paris", "fr_FR",
                (("75001", "Paris"), ("69001", "Lyon"), ("13001", "Marseille")),
                ("Rue de la Paix", "Avenue Victor Hugo", "Rue du Commerce")),
    CompanySpec("client-5", "Polder Logistiek B.V.", "EUR", "NL", "Europe/Amsterdam", "nl_NL",
                (("1012 AB", "Amsterdam"), ("3011 AA", "Rotterdam"), ("3511 AA", "Utrecht")),
                ("Dorpsstraat", "Kerkstraat", "Molenweg")),
]

ORGANISATION_WORDS = (
    ("Nordwind", "Blue Harbour", "Granite", "Silverline", "Evergreen", "Redwood", "Brightstone", "Ironbridge",
     "Sunfield", "Clearwater", "Northstar", "Copperleaf", "Oakridge", "Riverside", "Highland", "Westwind",
     "Summit", "Lakeside", "Maplewood", "Stonegate"),
    ("Logistics", "Foods", "Engineering", "Textiles", "Software", "Medical", "Furniture", "Energy",
     "Packaging", "Consulting", "Print", "Tools", "Coffee", "Optics", "Chemicals"),
)
LEGAL = {"DE": "GmbH", "GB": "Ltd", "US": "Inc.", "FR": "SARL", "NL": "B.V."}
GIVEN = ("Anna", "Ben", "Clara", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Liam",
         "Maya", "Noah", "Olga", "Paul", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe")
FAMILY = ("Fischer", "Okafor", "Nowak", "García", "Smith", "Dubois", "Jansen", "Rossi", "Kowalski", "Schmidt",
          "Brown", "Müller", "Yilmaz", "Haddad", "Larsen", "Moreau", "Silva", "Weber", "Novak", "Tanaka")
JOBS = ("Purchasing manager", "CFO", "Office manager", "Head of IT", "Sales director", "Accounts payable",
        "Managing director", "Operations lead")
TAGS = ("key account", "newsletter", "trade fair", "wholesale", "retail", "partner")
COMMENTS = ("Asked for a quote on the spring range; follow up next week.",
            "Prefers invoices by email, PDF only.",
            "Met at the trade fair, interested in a framework agreement.",
            "Payment usually arrives a few days late; keep an eye on it.")


@dataclass
class Login:
    email: str
    roles: dict[str, list[str]]  # company slug → roles


def _phone(rng: random.Random, country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.FIXED_LINE)
    national = str(example.national_number)
    for _ in range(20):
        candidate = national[:-3] + f"{rng.randrange(1000):03d}"
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@cache
def _demo_password_hash() -> str:
    """Hashed once: the password hasher is deliberately slow, and every demo user shares it."""
    return make_password(DEMO_PASSWORD)


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, full_name=full_name)
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


def _member(company: Company, user: User, roles: list[str], admin: User | None) -> None:
    membership = Membership.objects.filter(company=company, user=user, is_active=True).first()
    if membership is None:
        platform.add_member(company, email=user.email, roles=roles, actor=admin, full_name=user.full_name)


def _company(spec: CompanySpec) -> Company:
    company = Company.objects.filter(slug=spec.slug).first()
    if company is None:
        company = platform.create_company(
            actor=None, name=spec.name, slug=spec.slug, base_currency=spec.currency, country=spec.country,
            timezone=spec.timezone, locale=spec.locale,
        )
    return company


def _parties(company: Company, spec: CompanySpec, actor: User, count: int) -> int:
    """Seed `count` organisations (each with one or two people); returns how many were new."""
    rng = random.Random(f"tandem-demo-{spec.slug}")
    created = 0
    domain_suffix = {"DE": "de", "GB": "co.uk", "US": "com", "FR": "fr", "NL": "nl"}[spec.country]
    for index in range(count):
        first, second = rng.choice(ORGANISATION_WORDS[0]), rng.choice(ORGANISATION_WORDS[1])
        key = f"demo-org-{index + 1}"
        name = f"{first} {second} {LEGAL[spec.country]}"
        slug_name = f"{first}{second}".lower().replace(" ", "")
        postal_code, city = rng.choice(spec.cities)
        roles = rng.choice([["customer"], ["customer"], ["prospect"], ["supplier"], ["customer", "supplier"]])
        tags = rng.sample(TAGS, rng.randrange(0, 3))
        phone = _phone(rng, spec.country)
        people = [(rng.choice(GIVEN), rng.choice(FAMILY), rng.choice(JOBS)) for _ in range(rng.randrange(1, 3))]
        comment = rng.choice(COMMENTS) if index % 4 == 0 else ""
        consent = index % 3 == 0
        if Party.objects.filter(company=company, external_key=key).exists():
            continue
        with transaction.atomic():
            organisation = parties.create_party(company, parties.PartyData(
                kind="organisation", name=name, external_key=key, roles=roles, tags=tags,
                emails=[f"info@{slug_name}{index + 1}.{domain_suffix}"], phones=[phone],
                websites=[f"https://www.{slug_name}{index + 1}.{domain_suffix}"],
                address=parties.AddressData(street=f"{rng.choice(spec.streets)} {rng.randrange(1, 200)}",
                                            postal_code=postal_code, city=city, country=spec.country),
            ), actor=actor)
            for number, (given, family, job) in enumerate(people):
                person = parties.create_party(company, parties.PartyData(
                    kind="person", name=f"{given} {family}", external_key=f"{key}-person-{number + 1}",
                    emails=[f"{given}.{family}@{slug_name}{index + 1}.{domain_suffix}".lower()
                            .replace("ü", "ue").replace("í", "i")],
                    phones=[_phone(rng, spec.country)], roles=list(roles),
                ), actor=actor)
                parties.add_relation(person, organisation, job_title=job, actor=actor)
                if consent:
                    parties.record_consent(person, channel="email", given=True, source="trade fair sign-up",
                                           actor=actor)
            if comment:
                platform.add_comment(company, organisation, body=comment, actor=actor)
        created += 1
    return created


def seed(companies: int = 1, *, parties_per_company: int = 30) -> list[Login]:
    """Seed the demo installation and return the logins to print. Demo mode only."""
    if not settings.DEMO_MODE:
        raise DemoModeRequired("Demo data sets published passwords: run with TANDEM_DEMO=1 (never in production).")
    if not 1 <= companies <= len(SPECS):
        raise ValueError(f"--companies must be between 1 and {len(SPECS)}.")
    logins: dict[str, Login] = {}
    for spec in SPECS[:companies]:
        company = _company(spec)
        domain = "demo.test" if spec.slug == "demo" else f"{spec.slug}.test"
        admin = _user(f"admin@{domain}", f"{spec.name.split()[0]} Admin")
        _member(company, admin, ["company_admin"], None)
        logins.setdefault(admin.email, Login(admin.email, {}))
        logins[admin.email].roles[spec.slug] = ["company_admin"]
        if spec.slug == "demo":
            for code, role in SYSTEM_ROLES.items():
                if code == "company_admin":
                    continue
                user = _user(f"{code}@demo.test", f"Demo {role.name}")
                _member(company, user, [code], admin)
                logins[user.email] = Login(user.email, {spec.slug: [code]})
        _parties(company, spec, admin, parties_per_company)
    if companies > 1:
        # The outsourcing provider's staff serve several clients with different roles.
        staff = [
            ("accountant@provider.test", "Pat Provider", ["accountant", "finance_manager"]),
            ("support@provider.test", "Sam Service", ["support_agent", "support_lead"]),
            ("sales@provider.test", "Alex Account", ["sales_rep", "sales_manager"]),
        ]
        for email, full_name, alternating in staff:
            user = _user(email, full_name)
            logins[email] = Login(email, {})
            for index, spec in enumerate(SPECS[:companies]):
                role = alternating[index % len(alternating)]
                company = Company.objects.get(slug=spec.slug)
                _member(company, user, [role], None)
                logins[email].roles[spec.slug] = [role]
    return list(logins.values())
