from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tandem.platform.queries import user_companies


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Go to the company last worked in, or let the user pick one."""
    companies = list(user_companies(request.user))
    last = request.session.get("company")
    for company in companies:
        if company.slug == last or len(companies) == 1:
            return redirect("parties:party-list", company=company.slug)
    return render(request, "web/pick_company.html", {"companies": companies})
