from django.conf import settings

from tandem.platform.authz import granted_permissions
from tandem.platform.queries import unread_notifications, user_companies


def tandem(request) -> dict:
    """Navigation context: the current company, the user's companies and permissions."""
    company = getattr(request, "company", None)
    user = getattr(request, "user", None)
    context = {"demo_mode": settings.DEMO_MODE, "current_company": company}
    if user is not None and user.is_authenticated:
        context["my_companies"] = user_companies(user)
        if company is not None:
            context["perms_here"] = granted_permissions(user, company)
            context["unread_count"] = unread_notifications(user, company).count()
    return context
