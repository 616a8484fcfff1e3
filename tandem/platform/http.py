"""What every company-scoped view needs: the company from the URL (404 for strangers), the
permission check (403 inside one's own company), times shown in the reader's time zone, and
htmx-aware rendering."""

import zoneinfo
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tandem.platform.authz import Permission, authorize, member_company_or_404


def company_view(permission: str | Permission | None = None) -> Callable:
    """Decorate a view taking (request, company, ...) from a URL with a <slug:company> part."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, company: str, *args, **kwargs) -> HttpResponse:
            company_obj = member_company_or_404(request.user, company)
            if permission is not None and not authorize(request.user, company_obj, permission):
                raise PermissionDenied("Your roles in this company do not allow this.")
            request.company = company_obj
            if request.session.get("company") != company_obj.slug:
                request.session["company"] = company_obj.slug
            with timezone.override(zoneinfo.ZoneInfo(request.user.timezone or company_obj.timezone)):
                return view(request, company_obj, *args, **kwargs)

        wrapper.tandem_permission = permission  # read by the permission-matrix test
        return wrapper

    return decorator


def render_page(request: HttpRequest, template: str, context: dict, *, partial: str | None = None,
                status: int = 200) -> HttpResponse:
    """Render the whole page, or only the named template partial when htmx asks for it."""
    name = f"{template}#{partial}" if partial and getattr(request, "htmx", False) else template
    return render(request, name, context, status=status)
