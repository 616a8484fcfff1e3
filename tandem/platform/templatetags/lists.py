"""`{% load lists %}{% saved_views list_key %}`: the "Views" menu of a list page — the user's
saved views and the company's shared ones — and the form that saves the current filters."""

from django import template

from tandem.platform.forms import SaveViewForm
from tandem.platform.queries import saved_views_for

register = template.Library()


@register.inclusion_tag("platform/saved_views.html", takes_context=True)
def saved_views(context: template.Context, list_key: str) -> dict:
    request = context["request"]
    company = getattr(request, "company", None)
    if company is None:
        return {"hidden": True}
    query = request.GET.copy()
    query.pop("page", None)
    current = query.urlencode()
    views = list(saved_views_for(request.user, company, list_key))
    return {
        "request": request,
        "company": company,
        "list_key": list_key,
        "current_query": current,
        "own": [view for view in views if view.owner_id == request.user.pk],
        "shared": [view for view in views if view.owner_id != request.user.pk],
        "form": SaveViewForm(initial={"list_key": list_key, "query": current, "next": request.path},
                             auto_id=SaveViewForm.AUTO_ID),
    }
