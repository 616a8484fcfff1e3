"""The party list: search, filters, sort, pages, CSV/XLSX export and bulk actions."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import push_url

from tandem.parties import queries, services
from tandem.parties.forms import PER_PAGE, BulkForm, PartyFilterForm
from tandem.parties.models import ContactPoint, Party, Tag
from tandem.parties.permissions import ADD_PARTY, ARCHIVE_PARTY, CHANGE_PARTY, EXPORT_PARTY, IMPORT_PARTY, VIEW_PARTY
from tandem.parties.views.common import partial_for, with_query
from tandem.platform.authz import authorize
from tandem.platform.errors import DomainError
from tandem.platform.exports import Column, csv_response, xlsx_response
from tandem.platform.http import company_view, render_page
from tandem.platform.models import Company


def _list_context(request: HttpRequest, company: Company, query: QueryDict) -> dict:
    form = PartyFilterForm(query)
    filters = form.filters()
    paginator = Paginator(queries.list_parties(company, **filters), PER_PAGE)
    page = paginator.get_page(query.get("page"))
    sort = filters["sort"]
    page_links = [
        {"label": number, "query": None if number == Paginator.ELLIPSIS else with_query(query, page=number),
         "current": number == page.number}
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    user = request.user
    return {
        "list_url": reverse("parties:party-list", kwargs={"company": company.slug}),
        "filter_form": form, "page": page, "parties": page.object_list, "total": paginator.count,
        "page_links": page_links, "sort": sort,
        "prev_query": with_query(query, page=page.previous_page_number()) if page.has_previous() else None,
        "next_query": with_query(query, page=page.next_page_number()) if page.has_next() else None,
        "sort_name_query": with_query(query, sort="-name" if sort == "name" else "name", page=None),
        "sort_created_query": with_query(query, sort="created" if sort == "-created" else "-created", page=None),
        "filter_query": with_query(query, page=None),
        "list_query": query.urlencode(),
        "tags": Tag.objects.filter(company=company).values_list("name", flat=True)[:200],
        "can_add": authorize(user, company, ADD_PARTY),
        "can_import": authorize(user, company, IMPORT_PARTY),
        "can_export": authorize(user, company, EXPORT_PARTY),
        "can_tag": authorize(user, company, CHANGE_PARTY),
        "can_archive": authorize(user, company, ARCHIVE_PARTY),
    }


@company_view(VIEW_PARTY)
def party_list(request: HttpRequest, company: Company) -> HttpResponse:
    partial = partial_for(request, "results")
    context = _list_context(request, company, request.GET) | {"refresh_saved_views": partial is not None}
    response = render_page(request, "parties/party_list.html", context, partial=partial)
    if partial:
        # The filter form sends every field; the address bar gets only those that filter.
        query = QueryDict(mutable=True)
        for key, values in request.GET.lists():
            query.setlist(key, [value for value in values if value])
        push_url(response, f"{context['list_url']}?{query.urlencode()}" if query else context["list_url"])
    return response


@company_view(VIEW_PARTY)
@require_POST
def party_bulk(request: HttpRequest, company: Company) -> HttpResponse:
    """Run one action over the selected rows, each through the service; report every failure.
    Ids are looked up in the company only, so rows of another company are never touched."""
    form = BulkForm(request.POST)
    report: dict = {"form": form, "done": [], "failed": []}
    status = 200
    if form.is_valid():
        action = form.cleaned_data["action"]
        if not authorize(request.user, company, CHANGE_PARTY if action == "tag" else ARCHIVE_PARTY):
            raise PermissionDenied("Your roles in this company do not allow this action.")
        ids = form.cleaned_data["ids"]
        found = Party.objects.filter(company=company, pk__in=ids).in_bulk()
        for pk in ids:
            party = found.get(pk)
            if party is None:
                report["failed"].append((f"#{pk}", "No such party."))
                continue
            try:
                if action == "tag":
                    services.tag_party(party, tag=form.cleaned_data["tag"], actor=request.user)
                else:
                    services.archive_party(party, actor=request.user)
            except DomainError as error:
                report["failed"].append((party.name, error.message))
            else:
                report["done"].append(party.name)
        report["action"] = dict(BulkForm.ACTIONS)[action]
        if not getattr(request, "htmx", False):
            _report_as_messages(request, report)
            list_url = reverse("parties:party-list", kwargs={"company": company.slug})
            return redirect(f"{list_url}?{request.GET.urlencode()}")
    else:
        status = 422
    context = _list_context(request, company, request.GET) | {"bulk": report}
    return render_page(request, "parties/party_list.html", context, partial=partial_for(request, "results"),
                       status=status)


def _report_as_messages(request: HttpRequest, report: dict) -> None:
    """Without htmx the bulk result travels to the list page as messages (post/redirect/get)."""
    summary = f"{report['action']}: {len(report['done'])} done"
    if report["failed"]:
        messages.warning(request, f"{summary}, {len(report['failed'])} failed.")
        for name, reason in report["failed"]:
            messages.warning(request, f"{name}: {reason}")
    else:
        messages.success(request, f"{summary}.")


def _joined(party: Party, kind: str) -> str:
    return "; ".join(point.value for point in party.contact_points.all() if point.kind == kind)


def _address(party: Party, name: str) -> str:
    addresses = party.main_addresses
    if not addresses:
        return ""
    value = getattr(addresses[0], name)
    return value.code if name == "country" else value


# Headers match the importer's labels, so an export can be edited and imported again.
EXPORT_COLUMNS = [
    Column("ID", lambda p: p.pk),
    Column("Kind", lambda p: p.get_kind_display()),
    Column("Name", lambda p: p.name),
    Column("Emails", lambda p: _joined(p, ContactPoint.Kind.EMAIL)),
    Column("Phones", lambda p: _joined(p, ContactPoint.Kind.PHONE)),
    Column("Websites", lambda p: _joined(p, ContactPoint.Kind.WEBSITE)),
    Column("Tax id", lambda p: p.tax_id),
    Column("External key", lambda p: p.external_key),
    Column("Roles", lambda p: "; ".join(role.role for role in p.roles.all())),
    Column("Tags", lambda p: "; ".join(tag.name for tag in p.tags.all())),
    Column("Street", lambda p: _address(p, "street")),
    Column("Street 2", lambda p: _address(p, "street2")),
    Column("Postal code", lambda p: _address(p, "postal_code")),
    Column("City", lambda p: _address(p, "city")),
    Column("Region", lambda p: _address(p, "region")),
    Column("Country", lambda p: _address(p, "country")),
    Column("Notes", lambda p: p.notes),
    Column("Archived", lambda p: p.is_archived),
    Column("Created", lambda p: p.created_at),
]


def _export(request: HttpRequest, company: Company, fmt: str) -> HttpResponse:
    filters = PartyFilterForm(request.GET).filters()
    rows = queries.list_parties_for_export(company, **filters).iterator(chunk_size=500)
    filename = f"parties-{company.slug}-{timezone.localdate().isoformat()}.{fmt}"
    zone = zoneinfo.ZoneInfo(company.timezone)
    if fmt == "csv":
        return csv_response(filename, EXPORT_COLUMNS, rows, zone=zone)
    return xlsx_response(filename, EXPORT_COLUMNS, rows, zone=zone, sheet="Parties")


@company_view(EXPORT_PARTY)
def party_export_csv(request: HttpRequest, company: Company) -> HttpResponse:
    return _export(request, company, "csv")


@company_view(EXPORT_PARTY)
def party_export_xlsx(request: HttpRequest, company: Company) -> HttpResponse:
    return _export(request, company, "xlsx")
