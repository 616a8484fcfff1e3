"""Every web route and API operation × every system role in its own company, plus objects of
another company and routes of a company one is not a member of → the expected status. Built by
walking the URL resolver and the OpenAPI document, so an endpoint missing from
tests/permission_matrix.py fails the build."""

import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tandem.platform import services as platform_services
from tandem.platform.authz import PERMISSIONS, authorize
from tandem.platform.models import Company, ImportJob, Membership, User
from tandem.platform.roles import SYSTEM_ROLES
from tests.parties.factories import make_party, make_person
from tests.permission_matrix import API, EXEMPT_PREFIXES, WEB, Exempt, Rule
from tests.platform.factories import make_company, make_member

DENIED = 403
HIDDEN = 404


def _walk(patterns, namespace: str = "", prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.extend(_walk(pattern.url_patterns, inner, route))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((f"{namespace}{pattern.name}", route))
    return found


def named_routes() -> dict[str, str]:
    """URL name → full route pattern."""
    return dict(_walk(get_resolver().url_patterns))


def _is_exempt_by_prefix(name: str) -> bool:
    return any(name.startswith(prefix) for prefix in EXEMPT_PREFIXES)


def test_every_web_route_is_in_the_matrix():
    missing = [
        name for name in named_routes()
        if name not in WEB and not _is_exempt_by_prefix(name)
    ]

    assert missing == [], f"Add these routes to tests/permission_matrix.py: {missing}"


def test_the_matrix_names_only_routes_and_permissions_that_exist():
    routes = named_routes()

    assert [name for name in WEB if name not in routes] == []
    rules = [*WEB.values(), *API.values()]
    assert [r.permission for r in rules if isinstance(r, Rule) and r.permission and r.permission not in PERMISSIONS] == []


def _openapi_operations(client: Client) -> list[tuple[str, str]]:
    document = client.get("/api/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in document.get("paths", {}).items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.mark.django_db
def test_every_api_operation_is_in_the_matrix(client):
    missing = [op for op in _openapi_operations(client) if op not in API]

    assert missing == [], f"Add these API operations to tests/permission_matrix.py: {missing}"


# --- The world every check runs in ----------------------------------------------------------


@dataclass
class World:
    company: Company
    other: Company
    members: dict[str, User]
    objects: dict[str, dict[str, int]]  # "own"/"foreign" → kind → pk


def _objects_of(company: Company, actor: User) -> dict[str, int]:
    organisation = make_party(company, actor=actor, name=f"{company.name} Customer")
    person = make_person(company, actor=actor, name=f"{company.name} Contact")
    comment = platform_services.add_comment(company, organisation, body="note", actor=actor)
    attachment = platform_services.attach_file(
        company, organisation, upload=SimpleUploadedFile("a.txt", b"hello"), actor=actor
    )
    member = make_member(company, ["sales_rep"])
    role = platform_services.save_role(company, actor=actor, code="custom", name="Custom",
                                       permissions=["parties.view_party"])
    token, _ = platform_services.create_api_token(company, actor=actor, name="matrix")
    view = platform_services.save_view(company, actor=actor, list_key="parties", name="Mine", query="q=a")
    notification = platform_services.notify(company, actor, message="hello")
    job = ImportJob.objects.create(company=company, created_by=actor, importer="parties", filename="x.csv")
    return {
        "party": organisation.pk, "person": person.pk, "comment": comment.pk,
        "attachment": attachment.pk, "membership": Membership.objects.get(user=member, company=company).pk,
        "role": role.pk, "token": token.pk, "saved_view": view.pk, "notification": notification.pk,
        "import_job": job.pk,
    }


@pytest.fixture
def world(db) -> World:
    company = make_company(slug="home", name="Home Ltd")
    other = make_company(slug="away", name="Away Ltd")
    members = {code: make_member(company, [code], email=f"{code}@home.test") for code in SYSTEM_ROLES}
    other_admin = make_member(other, ["company_admin"], email="admin@away.test")
    return World(
        company=company, other=other, members=members,
        objects={"own": _objects_of(company, members["company_admin"]),
                 "foreign": _objects_of(other, other_admin)},
    )


def _web_url(name: str, rule: Rule, company: Company, objects: dict[str, int]) -> str:
    kwargs: dict = {"company": company.slug}
    kwargs |= {param: objects[kind] for param, kind in rule.objects.items()}
    return reverse(name, kwargs=kwargs)


def _ok(status: int) -> bool:
    return status not in (DENIED, HIDDEN) and status < 500


def _web_cases() -> list[str]:
    return [name for name, rule in WEB.items() if isinstance(rule, Rule)]


def _roles_asking_the_other_company(world: World, rule: Rule) -> set[str]:
    """A route of a company one is not a member of is a 404 before any role is looked at, so two
    roles ask it: the home company's admin (who holds every permission there) and, when the route
    is guarded, a role without its permission. Every role asks in its own company."""
    denied = [role for role, user in world.members.items()
              if rule.permission is not None and not authorize(user, world.company, rule.permission)]
    return {"company_admin", *denied[:1]}


@pytest.mark.parametrize("route", _web_cases())
def test_web_route_answers_each_role_as_the_matrix_says(world, route):
    rule = WEB[route]
    problems = []
    away_roles = _roles_asking_the_other_company(world, rule)
    for role, user in world.members.items():
        client = Client()
        client.force_login(user)
        allowed = rule.permission is None or authorize(user, world.company, rule.permission)
        for method in rule.methods:
            call = getattr(client, method.lower())
            own = call(_web_url(route, rule, world.company, world.objects["own"]))
            if allowed and not _ok(own.status_code):
                problems.append(f"{role} {method} own company: {own.status_code}, expected success")
            if not allowed and own.status_code != DENIED:
                problems.append(f"{role} {method} own company: {own.status_code}, expected 403")
            if role in away_roles:
                away = call(_web_url(route, rule, world.other, world.objects["foreign"]))
                if away.status_code != HIDDEN:
                    problems.append(f"{role} {method} other company: {away.status_code}, expected 404")
            if rule.objects and allowed:
                foreign = call(_web_url(route, rule, world.company, world.objects["foreign"]))
                if foreign.status_code != HIDDEN:
                    problems.append(f"{role} {method} foreign object: {foreign.status_code}, expected 404")

    anonymous = Client().get(_web_url(route, rule, world.company, world.objects["own"]))
    if anonymous.status_code != 302 or "/accounts/login/" not in anonymous["Location"]:
        problems.append(f"anonymous: {anonymous.status_code}, expected a redirect to the login page")
    assert problems == []


# --- API --------------------------------------------------------------------------------------

PATH_PARAM = re.compile(r"{(\w+)}")


def _api_cases() -> list[tuple[str, str]]:
    return [key for key, rule in API.items() if isinstance(rule, Rule)]


def _api_path(template: str, rule: Rule, objects: dict[str, int]) -> str:
    return PATH_PARAM.sub(lambda m: str(objects[rule.objects[m.group(1)]]), template)


@pytest.mark.parametrize(("method", "template"), _api_cases())
def test_api_operation_answers_each_role_as_the_matrix_says(world, method, template):
    rule = API[(method, template)]
    problems = []
    for role, user in world.members.items():
        _, raw = platform_services.create_api_token(world.company, actor=user, name="matrix")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        call = getattr(client, method.lower())
        allowed = rule.permission is None or authorize(user, world.company, rule.permission)
        own = call(_api_path(template, rule, world.objects["own"]), content_type="application/json", data={})
        if allowed and not _ok(own.status_code):
            problems.append(f"{role} own company: {own.status_code}, expected success or 4xx input error")
        if not allowed and own.status_code != DENIED:
            problems.append(f"{role} own company: {own.status_code}, expected 403")
        if rule.objects and allowed:
            foreign = call(_api_path(template, rule, world.objects["foreign"]), content_type="application/json", data={})
            if foreign.status_code != HIDDEN:
                problems.append(f"{role} object of another company: {foreign.status_code}, expected 404")

    anonymous = getattr(Client(), method.lower())(_api_path(template, rule, world.objects["own"]))
    if anonymous.status_code != 401:
        problems.append(f"anonymous: {anonymous.status_code}, expected 401")
    assert problems == []


def test_every_permission_is_held_by_some_system_role():
    assert [code for code, p in PERMISSIONS.items() if not p.default_roles] == []


def test_no_exempt_rule_hides_a_company_route():
    company_scoped = [
        name for name, route in named_routes().items()
        if "<slug:company>" in route and (isinstance(WEB.get(name), Exempt) or _is_exempt_by_prefix(name))
    ]

    assert company_scoped == []

