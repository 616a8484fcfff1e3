"""The API vocabulary every app's router speaks, and the platform's own operations: who am I,
search, the event timeline of a record, members and roles.

An app's router marks each operation with `@gate(PERMISSION, id=lookup)`. The API face
(`tandem.api`) enforces the gate before the request body is even read: it authenticates the
caller (401), checks the permission in the caller's company (403) and looks up the objects named
in the path inside that company (404). The operation then finds them in `caller(request)`.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from django.db.models import Model
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, BaseModel, ConfigDict

from tandem.platform import queries, services
from tandem.platform.authz import Permission, granted_permissions, membership_of
from tandem.platform.events import summarize
from tandem.platform.models import ApiToken, Company, EventRecord, Membership, Role, User
from tandem.platform.permissions import MANAGE_MEMBERS, MANAGE_ROLES
from tandem.platform.records import get_visible_record
from tandem.platform.search import global_search

# --- Schemas shared by every router --------------------------------------------------------

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_ID = 2**63 - 1


def _printable(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("Control characters are not allowed.")
    return value


# Text from a caller: no control characters (line breaks and tabs are fine). The database would
# refuse some of them (PostgreSQL rejects NUL), and no person types them.
Text = Annotated[str, AfterValidator(_printable)]
# A database id: positive and within a 64-bit integer, so a lookup never overflows.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class In(Schema):
    """Base of every input schema: an unknown field is an error, never silently ignored, so a
    caller cannot smuggle in company, id, state or other fields it may not set."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Base of every output schema: plain pydantic, read from dicts or attributes. (Ninja's
    Schema wraps every nested object for Django lookups, which makes a page of rows slow.)"""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(Out):
    code: str = Field(description="Stable machine-readable code, e.g. party_invalid.")
    message: str = Field(description="What went wrong, for a person.")
    fields: dict[str, list[str]] = Field(
        description="Messages per input field (dotted paths such as address.postal_code)."
    )


class ErrorOut(Out):
    """The one shape of every error the API answers."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Error responses of an operation: 401, 403, 404 and 422 can come from any operation (the
    gate and parameter validation); add 400 for a JSON body and 409 for conflicts."""
    return dict.fromkeys(sorted({401, 403, 404, 422, *statuses}), ErrorOut)


class EventOut(Out):
    id: int
    occurred_at: datetime
    code: str
    summary: str
    actor: str | None
    object_type: str
    object_id: int


class EventPage(Out):
    items: list[EventOut]
    next_before_id: int | None = Field(description="Pass as before_id for older events; null at the end.")


def event_page(events: list[EventRecord], limit: int) -> dict[str, Any]:
    """A page of timeline events with the cursor to the next (older) page."""
    return {
        "items": [
            {"id": event.pk, "occurred_at": event.occurred_at, "code": event.code, "summary": summarize(event),
             "actor": event.actor.display_name if event.actor else None, "object_type": event.object_type,
             "object_id": event.object_id}
            for event in events
        ],
        "next_before_id": events[-1].pk if len(events) == limit else None,
    }


# --- Gates: what guards an operation ---------------------------------------------------------

Lookup = Callable[[Company, int], Model | None]


@dataclass(frozen=True)
class Gate:
    """permission: what the caller needs in the company (None: any active member).
    objects: path parameter → lookup of that object inside the company (None: no such object).
    idempotent: the operation creates something and honours the Idempotency-Key header."""

    permission: str | None
    objects: Mapping[str, Lookup] = field(default_factory=dict)
    idempotent: bool = False


def gate(permission: str | Permission | None, *, idempotent: bool = False, **objects: Lookup) -> Callable:
    """Declare what guards an API operation; the API face enforces it (fail closed: an operation
    without a gate answers 403 to everyone)."""
    code = permission.code if isinstance(permission, Permission) else permission

    def mark(view: Callable) -> Callable:
        view.tandem_gate = Gate(code, dict(objects), idempotent)
        return view

    return mark


@dataclass(frozen=True)
class Caller:
    """Who is calling, in which company, through which token (None: a browser session), and the
    objects of the path, already looked up inside the company and authorized."""

    user: User
    company: Company
    token: ApiToken | None = None
    objects: Mapping[str, Model] = field(default_factory=dict)


def caller(request: HttpRequest) -> Caller:
    return request.auth


# --- The platform's operations ---------------------------------------------------------------

router = Router(tags=["platform"])


class UserOut(Out):
    id: int
    email: str
    full_name: str


class CompanyOut(Out):
    id: int
    slug: str
    name: str


class MeOut(Out):
    user: UserOut
    company: CompanyOut
    roles: list[str]
    permissions: list[str]
    authenticated_by: str = Field(description="token or session")


@router.get("/me", response={200: MeOut, **errors()})
@gate(None)
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller, the company the request acts in, and the permissions held there."""
    who = caller(request)
    membership = membership_of(who.user, who.company)
    return {
        "user": who.user, "company": who.company,
        "roles": sorted(role.code for role in membership.roles.all()) if membership else [],
        "permissions": sorted(granted_permissions(who.user, who.company)),
        "authenticated_by": "token" if who.token else "session",
    }


class SearchHitOut(Out):
    kind: str
    title: str
    subtitle: str
    url: str


class SearchOut(Out):
    items: list[SearchHitOut]


class SearchQuery(Schema):
    q: Text = Field("", max_length=100, description="At least two characters.")
    limit: int = Field(8, ge=1, le=50, description="Hits per kind of record.")


@router.get("/search", response={200: SearchOut, **errors()})
@gate(None)
def search(request: HttpRequest, filters: Query[SearchQuery]) -> dict[str, Any]:
    """Global search over every kind of record the caller may see."""
    who = caller(request)
    return {"items": global_search(who.user, who.company, filters.q, limit=filters.limit)}


class EventQuery(Schema):
    object_type: Text = Field(max_length=100, examples=["parties.party"], description="A record type.")
    object_id: Id
    before_id: Id | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("/events", response={200: EventPage, **errors()})
@gate(None)
def events(request: HttpRequest, filters: Query[EventQuery]) -> dict[str, Any]:
    """The event timeline of one record the caller may see (404 otherwise), newest first,
    showing only the kinds of event the caller's roles may read."""
    who = caller(request)
    get_visible_record(who.user, who.company, filters.object_type, filters.object_id)
    found = list(queries.timeline(
        who.user, who.company, object_type=filters.object_type, object_id=filters.object_id,
        limit=filters.limit, before_id=filters.before_id,
    ))
    return event_page(found, filters.limit)


RoleCode = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class MemberOut(Out):
    id: int
    user_id: int
    email: str
    full_name: str
    roles: list[str]
    is_active: bool
    created_at: datetime


class MemberList(Out):
    items: list[MemberOut]


class MemberIn(In):
    email: Text = Field(min_length=3, max_length=254, examples=["new.colleague@example.com"])
    roles: list[RoleCode] = Field(max_length=50, examples=[["sales_rep"]])
    full_name: Text = Field("", max_length=200)


class MemberRolesIn(In):
    roles: list[RoleCode] = Field(max_length=50)


def _member_out(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.pk, "user_id": membership.user_id, "email": membership.user.email,
        "full_name": membership.user.full_name, "roles": sorted(role.code for role in membership.roles.all()),
        "is_active": membership.is_active, "created_at": membership.created_at,
    }


def _member(company: Company, pk: int) -> dict[str, Any]:
    return _member_out(queries.get_membership(company, pk))


@router.get("/members", response={200: MemberList, **errors()})
@gate(MANAGE_MEMBERS)
def list_members(request: HttpRequest) -> dict[str, Any]:
    """Every membership of the company, active ones first."""
    return {"items": [_member_out(m) for m in queries.list_members(caller(request).company)]}


@router.post("/members", response={201: MemberOut, **errors(400, 409)})
@gate(MANAGE_MEMBERS, idempotent=True)
def add_member(request: HttpRequest, payload: MemberIn) -> Status:
    """Give a person (new or existing user) a membership with the roles. A new user sets a
    password through the password-reset link."""
    who = caller(request)
    membership = services.add_member(
        who.company, email=payload.email, roles=payload.roles, full_name=payload.full_name, actor=who.user
    )
    return Status(201, _member(who.company, membership.pk))


@router.patch("/members/{id}", response={200: MemberOut, **errors(400, 409)})
@gate(MANAGE_MEMBERS, id=queries.get_membership)
def set_member_roles(request: HttpRequest, id: Id, payload: MemberRolesIn) -> dict[str, Any]:
    """Replace a member's roles. The company always keeps an active company admin (409)."""
    who = caller(request)
    services.set_member_roles(who.objects["id"], roles=payload.roles, actor=who.user)
    return _member(who.company, id)


@router.post("/members/{id}/deactivate", response={200: MemberOut, **errors(409)})
@gate(MANAGE_MEMBERS, id=queries.get_membership)
def deactivate_member(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Remove a member from the company and revoke their tokens here; not the last admin (409)."""
    who = caller(request)
    services.deactivate_member(who.objects["id"], actor=who.user)
    return _member(who.company, id)


class RoleOut(Out):
    id: int
    code: str
    name: str
    description: str
    office: str
    is_system: bool = Field(description="System roles come from Tandem and cannot be edited.")
    is_sensitive: bool = Field(description="Members holding it must use multi-factor authentication.")
    permissions: list[str]


class RoleList(Out):
    items: list[RoleOut]


class RoleChangeIn(In):
    name: Text = Field(min_length=1, max_length=100)
    description: Text = Field("", max_length=300)
    permissions: list[Text] = Field(max_length=500)
    is_sensitive: bool = False


class RoleIn(RoleChangeIn):
    code: RoleCode


@router.get("/roles", response={200: RoleList, **errors()})
@gate(MANAGE_ROLES)
def list_roles(request: HttpRequest) -> dict[str, Any]:
    """The company's roles: the system roles and its custom roles."""
    return {"items": list(queries.list_roles(caller(request).company))}


@router.post("/roles", response={201: RoleOut, **errors(400, 409)})
@gate(MANAGE_ROLES, idempotent=True)
def create_role(request: HttpRequest, payload: RoleIn) -> Status:
    """Create a custom role with any declared permissions (409 when the code is taken)."""
    who = caller(request)
    role = services.create_role(
        who.company, actor=who.user, code=payload.code, name=payload.name, permissions=payload.permissions,
        description=payload.description, is_sensitive=payload.is_sensitive,
    )
    return Status(201, role)


@router.put("/roles/{id}", response={200: RoleOut, **errors(400, 409)})
@gate(MANAGE_ROLES, id=queries.get_role)
def change_role(request: HttpRequest, id: Id, payload: RoleChangeIn) -> Role:
    """Replace a custom role's name, description, permissions and sensitivity. System roles are
    defined by Tandem and answer 403."""
    who = caller(request)
    role: Role = who.objects["id"]
    return services.save_role(
        who.company, actor=who.user, code=role.code, name=payload.name, permissions=payload.permissions,
        description=payload.description, is_sensitive=payload.is_sensitive,
    )
