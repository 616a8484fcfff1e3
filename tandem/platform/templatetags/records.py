"""`{% load records %}{% record_activity obj %}`: a record's comments and attachments, with the
forms to add them, for any record type registered in platform.records."""

from django import template
from django.db.models import Model

from tandem.platform.views import activity_context

register = template.Library()


@register.inclusion_tag("platform/record_activity.html", takes_context=True)
def record_activity(context: template.Context, obj: Model) -> dict:
    """Renders nothing unless the page is a company page of the record's own company."""
    request = context["request"]
    company = getattr(request, "company", None)
    if company is None or getattr(obj, "company_id", None) != company.pk:
        return {"hidden": True}
    return activity_context(request, company, obj)
