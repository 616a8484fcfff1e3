"""Create and edit a party, its page (details, people, consent, timeline), archive and restore,
relations and merge."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.parties import queries, services
from tandem.parties.errors import PartyInvalid
from tandem.parties.forms import ConsentForm, PartyForm, RelationForm
from tandem.parties.models import Consent, ContactPoint, Party
from tandem.parties.permissions import ADD_PARTY, ARCHIVE_PARTY, CHANGE_PARTY, MANAGE_CONSENT, MERGE_PARTY, VIEW_PARTY
from tandem.parties.views.common import detail_url, go, partial_for, party_or_404
from tandem.platform.authz import authorize
from tandem.platform.errors import DomainError
from tandem.platform.events import summarize
from tandem.platform.http import company_view, render_page
from tandem.platform.models import Company

TIMELINE_PAGE = 50


@company_view(ADD_PARTY)
def party_create(request: HttpRequest, company: Company) -> HttpResponse:
    """Create a party; possible duplicates must be looked at and waved through explicitly."""
    form = PartyForm(request.POST or None, default_country=company.country.code)
    duplicates: list[queries.Duplicate] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.party_data()
            try:
                # Field errors first: duplicates of data that cannot be saved are beside the point.
                services.validate_party_data(company, data)
                if not form.cleaned_data["create_anyway"]:
                    duplicates = queries.find_duplicates(company, data)
                if not duplicates:
                    party = services.create_party(company, data, actor=request.user)
                    messages.success(request, f"{party.name} created.")
                    return go(request, detail_url(company, party))
            except PartyInvalid as error:
                form.add_service_errors(error)
        status = 422 if form.errors else 200
    context = {"form": form, "duplicates": duplicates, "creating": True}
    return render_page(request, "parties/party_form.html", context, partial=partial_for(request, "form"), status=status)


@company_view(ADD_PARTY)
@require_POST
def party_duplicates(request: HttpRequest, company: Company) -> HttpResponse:
    """Duplicate hints while the create form is filled in. POST, although it reads, so that the
    names, emails and phones typed do not land in access logs."""
    form = PartyForm(request.POST)
    data = form.raw_party_data()
    typed = any([data.name, data.emails, data.phones, data.tax_id])
    duplicates = queries.find_duplicates(company, data) if typed else []
    return render(request, "parties/party_form.html#duplicates", {"duplicates": duplicates, "hint": True})


@company_view(CHANGE_PARTY)
def party_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    party = party_or_404(company, pk)
    if party.merged_into_id:
        messages.error(request, "A merged party cannot be changed; edit the party it was merged into.")
        return go(request, detail_url(company, party))
    form = PartyForm(request.POST or None, initial=PartyForm.initial_from(services.party_data_of(party)),
                     default_country=company.country.code)
    del form.fields["create_anyway"]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_party(party, form.party_data(), actor=request.user)
            except DomainError as error:
                form.add_service_errors(error)
                status = error.status
            else:
                messages.success(request, f"{form.cleaned_data['name']} saved.")
                return go(request, detail_url(company, party))
        else:
            status = 422
    context = {"form": form, "party": party, "creating": False}
    return render_page(request, "parties/party_form.html", context, partial=partial_for(request, "form"), status=status)


# --- The party page -------------------------------------------------------------------------


def _timeline(request: HttpRequest, company: Company, party: Party, before_id: int | None) -> dict:
    records = list(queries.party_timeline(request.user, company, party, limit=TIMELINE_PAGE + 1,
                                          before_id=before_id))
    shown = records[:TIMELINE_PAGE]
    return {
        "entries": [{"record": record, "summary": summarize(record)} for record in shown],
        "next_before": shown[-1].pk if len(records) > TIMELINE_PAGE else None,
    }


def _consent_context(company: Company, party: Party, form: ConsentForm | None = None) -> dict:
    current = queries.current_consents(party)
    return {
        "consent_rows": [(label, current.get(value)) for value, label in Consent.Channel.choices],
        "consent_history": queries.consent_history(party),
        "consent_form": form or ConsentForm(),
    }


def _detail_context(request: HttpRequest, company: Company, party: Party, **overrides) -> dict:
    user = request.user
    merged_into = (
        Party.objects.filter(company=company, pk=party.merged_into_id).first() if party.merged_into_id else None
    )
    points = list(party.contact_points.all())
    live = merged_into is None
    context = {
        "party": party, "merged_into": merged_into,
        "emails": [p for p in points if p.kind == ContactPoint.Kind.EMAIL],
        "phones": [p for p in points if p.kind == ContactPoint.Kind.PHONE],
        "websites": [p for p in points if p.kind == ContactPoint.Kind.WEBSITE],
        "addresses": list(party.addresses.all()),
        "relations": party.employers.all() if party.is_person else party.people.all(),
        "relation_form": RelationForm(),
        "relation_kind": Party.Kind.ORGANISATION if party.is_person else Party.Kind.PERSON,
        "can_edit": live and authorize(user, company, CHANGE_PARTY, party),
        "can_archive": live and not party.is_archived and authorize(user, company, ARCHIVE_PARTY, party),
        "can_restore": live and party.is_archived and authorize(user, company, ARCHIVE_PARTY, party),
        "can_merge": live and authorize(user, company, MERGE_PARTY, party),
        "can_consent": authorize(user, company, MANAGE_CONSENT, party),
        **_consent_context(company, party),
        **_timeline(request, company, party, None),
    }
    return context | overrides


@company_view(VIEW_PARTY)
def party_detail(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    party = party_or_404(company, pk)
    return render_page(request, "parties/party_detail.html", _detail_context(request, company, party))


@company_view(VIEW_PARTY)
def party_timeline(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Older timeline entries ("Load more"): the entries before the event id given."""
    party = party_or_404(company, pk)
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 19 else None
    context = _detail_context(request, company, party, **_timeline(request, company, party, before_id))
    return render_page(request, "parties/party_detail.html", context, partial=partial_for(request, "timeline-page"))


@company_view(ARCHIVE_PARTY)
@require_POST
def party_archive(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    party = services.archive_party(party_or_404(company, pk), actor=request.user)
    messages.success(request, f"{party.name} archived.")
    return go(request, detail_url(company, party))


@company_view(ARCHIVE_PARTY)
@require_POST
def party_restore(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    party = party_or_404(company, pk)
    try:
        services.restore_party(party, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{party.name} restored.")
    return go(request, detail_url(company, party))


@company_view(MANAGE_CONSENT)
@require_POST
def party_consent(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Record a change of marketing consent; the section comes back with the history."""
    party = party_or_404(company, pk)
    form = ConsentForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.record_consent(party, channel=form.cleaned_data["channel"], given=form.cleaned_data["given"],
                                    source=form.cleaned_data["source"], actor=request.user)
        except DomainError as error:
            form.add_service_errors(error)
        else:
            if not getattr(request, "htmx", False):
                messages.success(request, "Consent recorded.")
                return redirect(detail_url(company, party) + "#consent")
            form, status = None, 200
    context = _detail_context(request, company, party, **_consent_context(company, party, form))
    return render_page(request, "parties/party_detail.html", context, partial=partial_for(request, "consent"),
                       status=status)


@company_view(CHANGE_PARTY)
@require_POST
def party_relation_add(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Say that a person works at an organisation (from either side)."""
    party = party_or_404(company, pk)
    form = RelationForm(request.POST)
    status = 422
    if form.is_valid():
        other = queries.get_party(company, form.cleaned_data["other"])
        if other is None or other.merged_into_id:
            form.add_error("other", "Choose from the search results.")
        else:
            person, organisation = (party, other) if party.is_person else (other, party)
            try:
                services.add_relation(person, organisation, job_title=form.cleaned_data["job_title"],
                                      actor=request.user)
            except DomainError as error:
                form.add_service_errors(error)
            else:
                if not getattr(request, "htmx", False):
                    messages.success(request, f"{person.name} now works at {organisation.name}.")
                    return redirect(detail_url(company, party) + "#relations")
                form, status = RelationForm(), 200
                party = party_or_404(company, pk)
    context = _detail_context(request, company, party, relation_form=form)
    return render_page(request, "parties/party_detail.html", context, partial=partial_for(request, "relations"),
                       status=status)


@company_view(VIEW_PARTY)
def party_pick(request: HttpRequest, company: Company) -> HttpResponse:
    """Parties matching the words typed, as radio buttons for a picker (relations)."""
    kind = request.GET.get("kind", "")
    exclude = request.GET.get("exclude", "")
    parties = queries.pick_parties(
        company, request.GET.get("q", "")[:100], kind=kind if kind in Party.Kind.values else "",
        exclude=(int(exclude),) if exclude.isdigit() and len(exclude) < 19 else (),
    )
    return render(request, "parties/party_pick.html", {"parties": parties, "name": "other"})


# --- Merge ----------------------------------------------------------------------------------


@company_view(MERGE_PARTY)
def party_merge(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Choose the duplicate to merge into this party: suggestions, or a search by name."""
    party = party_or_404(company, pk)
    if party.merged_into_id:
        messages.error(request, "This party was merged into another one already.")
        return go(request, detail_url(company, party))
    q = request.GET.get("q", "")[:100]
    context = {
        "party": party, "q": q,
        "suggestions": queries.find_duplicates(company, services.party_data_of(party), exclude_id=party.pk),
        "results": queries.pick_parties(company, q, exclude=(party.pk,), limit=20) if q.strip() else [],
    }
    return render_page(request, "parties/party_merge.html", context, partial=partial_for(request, "results"))


@company_view(MERGE_PARTY)
def party_merge_confirm(request: HttpRequest, company: Company, pk: int, other: int) -> HttpResponse:
    """Show what will move from the duplicate to the party kept; on POST, merge them."""
    keep, duplicate = party_or_404(company, pk), party_or_404(company, other)
    problem, status = "", 200
    if keep.pk == duplicate.pk:
        problem, status = "A party cannot be merged into itself.", 409
    elif keep.merged_into_id or duplicate.merged_into_id:
        problem, status = "One of these parties was merged already.", 409
    elif request.method == "POST":
        try:
            services.merge_parties(keep, duplicate, actor=request.user)
        except DomainError as error:
            problem, status = error.message, error.status
        else:
            messages.success(request, f"{duplicate.name} merged into {keep.name}.")
            return go(request, detail_url(company, keep))
    context = {
        "keep": keep, "duplicate": duplicate, "problem": problem,
        "preview": None if problem else queries.merge_preview(keep, duplicate),
    }
    return render(request, "parties/party_merge_confirm.html", context, status=status)
