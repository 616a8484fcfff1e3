"""Per-request context: a request id for logs and audit records, the MFA rule for members
holding sensitive roles, and full-page redirects for htmx requests whose session ended."""

import uuid

import structlog
from django.conf import settings
from django.db.models import Exists
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url

from tandem.platform.context import request_id

MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health", "/ready", "/api/", "/admin/logout")


def requires_mfa_enrolment(user) -> bool:
    """True when the user holds a sensitive role somewhere and has not enrolled in TOTP."""
    if not settings.TANDEM_REQUIRE_MFA_FOR_SENSITIVE or not user.is_authenticated:
        return False
    from allauth.mfa.models import Authenticator

    from tandem.platform.models import Role

    enrolled = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
    return Role.objects.filter(  # one query: this runs on every page a member opens
        ~Exists(enrolled), is_sensitive=True, memberships__user=user, memberships__is_active=True
    ).exists()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = request_id.set(rid)
        structlog.contextvars.bind_contextvars(request_id=rid)
        try:
            if not request.path.startswith(MFA_EXEMPT_PREFIXES) and requires_mfa_enrolment(request.user):
                return redirect("mfa_activate_totp")
            response = self.get_response(request)
        finally:
            request_id.reset(token)
            structlog.contextvars.clear_contextvars()
        response["X-Request-ID"] = rid
        return _whole_page_redirect_for_htmx(request, response)


def _whole_page_redirect_for_htmx(request, response):
    """An htmx request sent to the login or MFA page must move the whole page there, not swap the
    login form into a fragment."""
    if not request.headers.get("HX-Request") or response.status_code != 302:
        return response
    location = response["Location"]
    if not location.startswith((resolve_url(settings.LOGIN_URL), "/accounts/2fa/")):
        return response
    redirected = HttpResponse(status=204)
    redirected["HX-Redirect"] = location
    redirected["X-Request-ID"] = response["X-Request-ID"]
    return redirected
