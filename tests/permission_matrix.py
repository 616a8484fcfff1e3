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
    "web:profile": Exempt("the logged-in user's own name, theme, locale and time zone; no company data"),
    "web:theme": Exempt("stores the logged-in user's own theme choice (POST); no company data"),
    "platform:home": Rule(None),
    "platform:search": Rule(None),
    "platform:notifications": Rule(None),
    "platform:notifications-read": Rule(None, methods=("GET", "POST")),
    # Comments and files name their record in the POST body; the record's own view permission
    # then decides (403 for a role that may not see that kind of record, 404 when not visible).
    "platform:comment-add": Rule(None, methods=("GET", "POST")),
    "platform:attachment-add": Rule(None, methods=("GET", "POST")),
    # The matrix's attachment hangs on a party, so the party's view permission guards it.
    "platform:attachment-download": Rule("parties.view_party", {"pk": "attachment"}),
    "platform:view-save": Rule(None, methods=("GET", "POST")),
    "platform:view-delete": Rule(None, methods=("GET", "POST")),
    "platform:members": Rule("platform.manage_members", methods=("GET", "POST")),
    "platform:member-edit": Rule("platform.manage_members", {"pk": "membership"}, methods=("GET", "POST")),
    "platform:member-remove": Rule("platform.manage_members", {"pk": "membership"}, methods=("GET", "POST")),
    "platform:roles": Rule("platform.manage_roles"),
    "platform:role-create": Rule("platform.manage_roles", methods=("GET", "POST")),
    "platform:role-edit": Rule("platform.manage_roles", {"pk": "role"}, methods=("GET", "POST")),
    "platform:company-settings": Rule("platform.manage_company", methods=("GET", "POST")),
    "platform:audit-log": Rule("platform.view_audit_log"),
    "platform:tokens": Rule(None, methods=("GET", "POST")),
    "platform:token-revoke": Rule(None, methods=("GET", "POST")),
    "parties:party-list": Rule("parties.view_party"),
    "parties:party-detail": Rule("parties.view_party", {"pk": "party"}),
    # Bulk actions check the action's own permission (change or archive) inside the view.
    "parties:party-bulk": Rule("parties.view_party", methods=("POST",)),
    "parties:party-export-csv": Rule("parties.export_party"),
    "parties:party-export-xlsx": Rule("parties.export_party"),
    "parties:party-create": Rule("parties.add_party", methods=("GET", "POST")),
    "parties:party-duplicates": Rule("parties.add_party", methods=("POST",)),
    "parties:party-pick": Rule("parties.view_party"),
    "parties:party-timeline": Rule("parties.view_party", {"pk": "party"}),
    "parties:party-edit": Rule("parties.change_party", {"pk": "party"}, methods=("GET", "POST")),
    "parties:party-archive": Rule("parties.archive_party", {"pk": "party"}, methods=("POST",)),
    "parties:party-restore": Rule("parties.archive_party", {"pk": "party"}, methods=("POST",)),
    "parties:party-consent": Rule("parties.manage_consent", {"pk": "party"}, methods=("POST",)),
    "parties:party-relation-add": Rule("parties.change_party", {"pk": "party"}, methods=("POST",)),
    "parties:party-merge": Rule("parties.merge_party", {"pk": "party"}),
    "parties:party-merge-confirm": Rule("parties.merge_party", {"pk": "party", "other": "person"},
                                        methods=("GET", "POST")),
    "parties:party-import": Rule("parties.import_party", methods=("GET", "POST")),
    "parties:party-import-job": Rule("parties.import_party", {"job": "import_job"}, methods=("GET", "POST")),
    "parties:party-import-commit": Rule("parties.import_party", {"job": "import_job"}, methods=("POST",)),
    "parties:party-import-errors": Rule("parties.import_party", {"job": "import_job"}),
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
API: dict[tuple[str, str], Rule | Exempt] = {
    ("GET", "/api/v1/me"): Rule(None),
    ("GET", "/api/v1/search"): Rule(None),
    # Any member may ask; the record's own view permission then decides (404 when not visible).
    ("GET", "/api/v1/events"): Rule(None),
    ("GET", "/api/v1/members"): Rule("platform.manage_members"),
    ("POST", "/api/v1/members"): Rule("platform.manage_members"),
    ("PATCH", "/api/v1/members/{id}"): Rule("platform.manage_members", {"id": "membership"}),
    ("POST", "/api/v1/members/{id}/deactivate"): Rule("platform.manage_members", {"id": "membership"}),
    ("GET", "/api/v1/roles"): Rule("platform.manage_roles"),
    ("POST", "/api/v1/roles"): Rule("platform.manage_roles"),
    ("PUT", "/api/v1/roles/{id}"): Rule("platform.manage_roles", {"id": "role"}),
    ("GET", "/api/v1/parties"): Rule("parties.view_party"),
    ("POST", "/api/v1/parties"): Rule("parties.add_party"),
    ("GET", "/api/v1/parties/{id}"): Rule("parties.view_party", {"id": "party"}),
    ("PATCH", "/api/v1/parties/{id}"): Rule("parties.change_party", {"id": "party"}),
    ("POST", "/api/v1/parties/{id}/archive"): Rule("parties.archive_party", {"id": "party"}),
    ("POST", "/api/v1/parties/{id}/restore"): Rule("parties.archive_party", {"id": "party"}),
    ("POST", "/api/v1/parties/{id}/merge"): Rule("parties.merge_party", {"id": "party"}),
    ("GET", "/api/v1/parties/{id}/duplicates"): Rule("parties.view_party", {"id": "party"}),
    ("GET", "/api/v1/parties/{id}/timeline"): Rule("parties.view_party", {"id": "party"}),
}
