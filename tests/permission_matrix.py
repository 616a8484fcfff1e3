"""The permission matrix: which permission guards every web route and every API operation.

tests/test_permission_matrix.py walks Django's URL resolver and the OpenAPI document; a route or
operation that is not listed here fails the build (fail closed). For each listed entry it asks,
as every system role, in the own company and in another company, and for objects of another
company, and checks the status against the permission named here.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """permission: what guards the route (None: any active member of the company).
    objects: URL parameter → kind of object to put there (see the matrix test's `world`).
    methods: HTTP methods to try (web routes; API operations name their own)."""

    permission: str | None
    objects: dict[str, str] = field(default_factory=dict)
    methods: tuple[str, ...] = ("GET",)
    # The permission is checked on the object too, e.g. "the actor's own token only".
    own_only: bool = False


@dataclass(frozen=True)
class Exempt:
    """A route outside company scope, with the reason it is safe."""

    reason: str


# Web routes by URL name. Routes of these namespaces are checked; everything else must be exempt.
CHECKED_NAMESPACES = ("web", "parties", "platform")

WEB: dict[str, Rule | Exempt] = {
    "web:home": Exempt("redirects a logged-in user to a company they belong to"),
    "parties:party-list": Rule("parties.view_party"),
    "parties:party-detail": Rule("parties.view_party", {"pk": "party"}),
}

# Routes of other apps, exempt by prefix of their URL name.
EXEMPT_PREFIXES = {
    "account_": "django-allauth login, logout and password reset",
    "mfa_": "django-allauth MFA, for the logged-in user only",
    "admin:": "Django's admin site, staff only (operators)",
    "health": "liveness probe",
    "ready": "readiness probe",
    "api:": "the API, checked through the OpenAPI document",
}

# API operations by (method, path template as in the OpenAPI document).
API: dict[tuple[str, str], Rule | Exempt] = {}
