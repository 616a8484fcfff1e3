"""Who is calling and for which company, then the operation's gate.

A caller is a personal API token (`Authorization: Bearer <token>`; the token's company is the
company of the request) or a logged-in browser session (the company from the `X-Company` header,
else the session's last company; unsafe methods need the CSRF token as usual). The gate then asks
`authorize()` for the operation's permission (403) and looks up the objects named in the path
inside the company (404), all before the request body is read.
"""

import contextlib

from django.conf import settings
from django.http import HttpRequest
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from tandem.platform import services
from tandem.platform.api import MAX_ID, Caller, Gate
from tandem.platform.authz import authorize, member_company_or_404, membership_of
from tandem.platform.errors import DomainError, Forbidden, NotFound
from tandem.platform.middleware import requires_mfa_enrolment
from tandem.platform.models import ApiToken

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
    token = (
        ApiToken.objects.select_related("user", "company")
        .filter(digest=services.hash_token(raw.strip()))
        .first()
    )
    if (
        token is None or token.revoked_at is not None or not token.user.is_active
        or not token.company.is_active or membership_of(token.user, token.company) is None
    ):
        raise NotAuthenticated("This token is unknown or revoked, or its member was deactivated.")
    services.note_api_token_used(token)
    return Caller(user=token.user, company=token.company, token=token)


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
