"""Pages of the frame outside any company: the landing redirect, the user's profile and the theme
switch."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from tandem.platform import services
from tandem.platform.errors import DomainError
from tandem.platform.forms import apply_domain_error
from tandem.platform.queries import user_companies
from tandem.web.forms import ProfileForm, ThemeForm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Go to the company last worked in, or the only one, or let the user pick."""
    companies = list(user_companies(request.user))
    last = request.session.get("company")
    for company in companies:
        if company.slug == last or len(companies) == 1:
            return redirect("platform:home", company=company.slug)
    return render(request, "web/pick_company.html", {"companies": companies})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's name, theme, locale and time zone."""
    user = request.user
    if request.method != "POST":
        form = ProfileForm(initial={name: getattr(user, name) for name in services.PROFILE_FIELDS})
        return render(request, "web/profile.html", {"form": form})
    form = ProfileForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.update_profile(user, actor=user, **form.cleaned_data)
        except DomainError as error:
            status = apply_domain_error(form, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("web:profile")
    return render(request, "web/profile.html", {"form": form}, status=status)


@login_required
@require_POST
def theme(request: HttpRequest) -> HttpResponse:
    """Store the user's theme; htmx gets an event that applies it at once, others a redirect back."""
    form = ThemeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose light, dark or auto.")
    value = form.cleaned_data["theme"]
    services.update_profile(request.user, actor=request.user, theme=value)
    if request.htmx:
        return trigger_client_event(HttpResponse(status=204), "tandem:theme", {"value": value})
    back = form.cleaned_data["next"]
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())
    return redirect(back if back and safe else reverse("web:home"))
