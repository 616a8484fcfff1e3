"""Who is calling and for which company, then the operation's gate.

A caller is a personal API token (`Authorization: Bearer <token>`; the token's company is the
company of the request) or a logged-in browser session (the company from the `X-Company` header,
else the session's last company; unsafe methods need the CSRF token as usual). The gate then asks
`authorize()` for the operation's permission (403) and looks up the objects named in the path
inside the company (404), all before the request body is read.
"""

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from tandem.platform import services
from tandem.platform.api import MAX_ID, Caller, Gate
from tandem.platform.authz import authorize, member_company_or_404, remember_membership
from tandem.platform.errors import DomainError, Forbidden, NotFound
from tandem.platform.middleware import requires_mfa_enrolment
from tandem.platform.models import ApiToken, Company, Membership, Role, User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# An operation that declares no gate is refused to everyone (fail closed).
UNDECLARED = Gate(permission="(undeclared)")


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class MfaRequired(Forbidden):
    code = "mfa_required"


def _token_caller(header: str) -> Caller:
    scheme, _, raw = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticated("Send the token as 'Authorization: Bearer <token>'.")
    found = _read_token(services.hash_token(raw.strip()))
    if found is None:
        raise NotAuthenticated("This token is unknown or revoked, or its member was deactivated.")
    services.note_api_token_used(found.token)
    return found


# A token is resolved to its caller in one hand-written query: the token, its user and company,
# the user's membership in that company and the membership's roles. Through the ORM this took
# three queries and about 3 ms of CPU per request on the benchmark machine, a quarter of a list
# request; written out it costs about 0.1 ms (docs/performance.md).
_TOKEN_PARTS = (("t", ApiToken), ("u", User), ("c", Company), ("m", Membership), ("r", Role))


@dataclass(frozen=True)
class _Column:
    model: type[Model]
    attname: str
    converters: list[Callable[[Any, Any, Any], Any]]
    expression: Any


@dataclass(frozen=True)
class _TokenQuery:
    """The query's SQL for one connection, and per column the ORM's own value converters (time
    zones, JSON, booleans), so that rows become model instances as the ORM would make them."""

    sql: str
    columns: list[_Column]

    @classmethod
    def for_connection(cls, connection: BaseDatabaseWrapper) -> "_TokenQuery":
        name = connection.ops.quote_name
        columns, selected = [], []
        for alias, model in _TOKEN_PARTS:
            for field in model._meta.concrete_fields:
                column = field.get_col(alias)
                converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                columns.append(_Column(model, field.attname, converters, column))
                selected.append(f"{alias}.{name(field.column)}")
        table = {model: name(model._meta.db_table) for _, model in _TOKEN_PARTS}
        roles = Membership._meta.get_field("roles")
        through = name(roles.remote_field.through._meta.db_table)
        joins = (
            f"{table[ApiToken]} t JOIN {table[User]} u ON u.id = t.user_id "
            f"JOIN {table[Company]} c ON c.id = t.company_id "
            f"JOIN {table[Membership]} m ON m.user_id = t.user_id AND m.company_id = t.company_id "
            f"LEFT JOIN {through} mr ON mr.{name(roles.m2m_column_name())} = m.id "
            f"LEFT JOIN {table[Role]} r ON r.id = mr.{name(roles.m2m_reverse_name())}"
        )
        sql = (
            f"SELECT {', '.join(selected)} FROM {joins} "  # noqa: S608 - names from the models; values are parameters
            "WHERE t.digest = %s AND t.revoked_at IS NULL "
            "AND u.is_active = %s AND c.is_active = %s AND m.is_active = %s"
        )
        return cls(sql, columns)

    def instances(self, row: Sequence[Any], connection: BaseDatabaseWrapper) -> dict[type[Model], Model | None]:
        """The row's instance of each model (None for a LEFT JOINed model that is missing)."""
        values: dict[type[Model], dict[str, Any]] = {}
        for column, value in zip(self.columns, row, strict=True):
            for convert in column.converters:
                value = convert(value, column.expression, connection)
            values.setdefault(column.model, {})[column.attname] = value
        return {
            model: model.from_db(connection.alias, list(fields), list(fields.values())) if fields["id"] is not None
            else None
            for model, fields in values.items()
        }


_TOKEN_QUERIES: WeakKeyDictionary[BaseDatabaseWrapper, _TokenQuery] = WeakKeyDictionary()


def _read_token(digest: str) -> Caller | None:
    """The caller of a working token (not revoked; its user, company and membership active), with
    the membership's roles remembered for authorize(); None for any other token."""
    connection = connections[ApiToken.objects.db]
    if connection not in _TOKEN_QUERIES:
        _TOKEN_QUERIES[connection] = _TokenQuery.for_connection(connection)
    query = _TOKEN_QUERIES[connection]
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [digest, True, True, True])
        rows = [query.instances(row, connection) for row in cursor.fetchall()]
    if not rows:
        return None
    token, user, company, membership = (rows[0][model] for model in (ApiToken, User, Company, Membership))
    token.user, token.company, membership.user, membership.company = user, company, user, company
    remember_membership(user, company, membership, [row[Role] for row in rows if row[Role] is not None])
    return Caller(user=user, company=company, token=token)


def _session_caller(request: HttpRequest) -> Caller:
    slug = request.headers.get("X-Company", "").strip() or request.session.get("company", "")
    if not slug:
        raise NotFound("Say which company: send its slug in the X-Company header.")
    company = member_company_or_404(request.user, slug)
    if requires_mfa_enrolment(request.user):  # the same rule as the web pages
        raise MfaRequired("Your roles require multi-factor authentication: set up an authenticator app first.")
    if request.method not in SAFE_METHODS and check_csrf(request) is not None:
        raise CsrfFailed("CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.")
    return Caller(user=request.user, company=company)


def identify(request: HttpRequest) -> Caller | None:
    """The caller, or None when the request carries no credentials at all. A token that does not
    work is an error (401), never a fallback to the session."""
    if "_tandem_caller" not in request.__dict__:
        if "Authorization" in request.headers:
            found = _token_caller(request.headers["Authorization"])
        elif request.user.is_authenticated:
            found = _session_caller(request)
        else:
            found = None
        request._tandem_caller = found
    return request._tandem_caller


def _path_id(request: HttpRequest, param: str) -> int | None:
    """The path parameter as an id, or None when it is not one (validation then answers 422)."""
    raw = request.resolver_match.kwargs.get(param, "") if request.resolver_match else ""
    with contextlib.suppress(ValueError):
        value = int(raw)
        if 1 <= value <= MAX_ID:
            return value
    return None


def admit(request: HttpRequest, gate: Gate) -> Caller:
    """The caller, allowed through the gate: authenticated (401), holding the permission in the
    company (403), and every object of the path found in that company and authorized (404)."""
    admitted = request.__dict__.get("_tandem_admitted")
    if admitted is not None and admitted[0] is gate:
        return admitted[1]
    who = identify(request)
    if who is None:
        raise NotAuthenticated("Authentication required: send a bearer token or log in.")
    if gate is UNDECLARED or (gate.permission and not authorize(who.user, who.company, gate.permission)):
        raise Forbidden("Your roles in this company do not allow this.")
    objects = {}
    for param, lookup in gate.objects.items():
        pk = _path_id(request, param)
        if pk is None:
            continue
        obj = lookup(who.company, pk)
        if obj is None or (gate.permission and not authorize(who.user, who.company, gate.permission, obj)):
            raise NotFound("No such record in this company.")
        objects[param] = obj
    who = Caller(user=who.user, company=who.company, token=who.token, objects=objects)
    request._tandem_admitted = (gate, who)
    return who


class BearerToken(AuthBase):
    """A personal API token: `Authorization: Bearer <token>` (create one with `tandem token create`)."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate

    def __call__(self, request: HttpRequest) -> Caller | None:
        return admit(request, self.gate) if "Authorization" in request.headers else None


class SessionCookie(AuthBase):
    """A logged-in browser session; the company comes from the X-Company header (or the company
    last opened in the browser) and unsafe methods need the X-CSRFToken header."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME

    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate

    def __call__(self, request: HttpRequest) -> Caller | None:
        return admit(request, self.gate) if request.user.is_authenticated else None


def gatekeepers(gate: Gate) -> list[AuthBase]:
    """The auth callbacks of an operation: a token first, then a session; neither is a 401."""
    return [BearerToken(gate), SessionCookie(gate)]
