"""The platform's pages: company home, search, notifications, comments and attachments on any
record, saved list views, members, roles, company settings, audit log and API tokens.

Each view parses its input, lets `company_view` and `authorize` decide, calls one service or
query and renders. Errors come back on the form: the form partial with 422 for htmx, the page with
the message otherwise."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from tandem.platform import queries, services
from tandem.platform.authz import authorize
from tandem.platform.errors import DomainError
from tandem.platform.events import summarize
from tandem.platform.forms import (
    AttachmentForm,
    CommentForm,
    CompanySettingsForm,
    DeleteViewForm,
    MemberAddForm,
    MemberRolesForm,
    NotificationsReadForm,
    RoleForm,
    SaveViewForm,
    TokenCreateForm,
    TokenRevokeForm,
    apply_domain_error,
    permission_groups,
)
from tandem.platform.http import company_view, render_page
from tandem.platform.models import ApiToken, Attachment, Company, Membership, Role, SavedView
from tandem.platform.navigation import menu_for
from tandem.platform.permissions import MANAGE_COMPANY, MANAGE_MEMBERS, MANAGE_ROLES, VIEW_AUDIT_LOG
from tandem.platform.records import RECORD_TYPES, get_visible_record, key_of, record_url
from tandem.platform.search import SearchHit, global_search

AUDIT_PAGE_SIZE = 50


def _local_path(request: HttpRequest, company: Company, value: str) -> str:
    """`value` if it is a path inside this company's pages, else the company's home page."""
    prefix = f"/c/{company.slug}/"
    if value.startswith(prefix) and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("platform:home", kwargs={"company": company.slug})


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect after a successful POST, also when htmx sent it."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- Company home, search, notifications -----------------------------------------------------


@company_view()
def home(request: HttpRequest, company: Company) -> HttpResponse:
    """What the member may see: unread notifications, recent events, the pages they may open."""
    events = [(event, summarize(event), record_url(company, event.object_type, event.object_id))
              for event in queries.recent_events(request.user, company)]
    return render_page(request, "platform/home.html", {
        "company": company,
        "notifications": queries.unread_notifications(request.user, company).order_by("-created_at")[:10],
        "events": events,
        "menu": menu_for(request.user, company),
    })


def _page_hits(user, company: Company, query: str) -> list[SearchHit]:
    """Menu pages whose name matches, so the palette also jumps to pages."""
    words = query.lower().split()
    if not words:
        return []
    return [
        SearchHit(kind="Page", title=entry.label, subtitle=section, url=url)
        for section, entries in menu_for(user, company)
        for entry, url in entries
        if all(word in f"{entry.label} {section}".lower() for word in words)
    ]


@company_view()
def search(request: HttpRequest, company: Company) -> HttpResponse:
    """Global search over every provider the user may use; the palette gets the result list only."""
    query = request.GET.get("q", "")[:200]
    hits = [*_page_hits(request.user, company, query), *global_search(request.user, company, query)]
    return render_page(request, "platform/search.html", {"company": company, "q": query, "hits": hits},
                       partial="results")


@company_view()
def notifications(request: HttpRequest, company: Company) -> HttpResponse:
    return render_page(request, "platform/notifications.html", {
        "company": company, "notifications": queries.list_notifications(request.user, company),
    })


@company_view()
@require_POST
def notifications_read(request: HttpRequest, company: Company) -> HttpResponse:
    """Mark one notification (by id) or all of the user's notifications in the company as read."""
    form = NotificationsReadForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Which notification?")
    number = form.cleaned_data["id"]
    services.mark_notifications_read(request.user, company, ids=[number] if number else None)
    return _go(request, reverse("platform:notifications", kwargs={"company": company.slug}))


# --- Comments and attachments on any registered record ---------------------------------------


def _visible_record(user, company: Company, key: str, object_id: int) -> Model:
    """The record, as its own page would answer: 403 when the user's roles may not see records of
    that kind, 404 when it is not in the company or not visible to the user."""
    record_type = RECORD_TYPES.get(key)
    if record_type is None:
        raise Http404("Unknown record type.")
    if not authorize(user, company, record_type.view_permission):
        raise PermissionDenied("Your roles in this company do not allow this.")
    return get_visible_record(user, company, key, object_id)


def _activity_dom_id(obj: Model) -> str:
    return f"activity-{key_of(obj).replace('.', '-')}-{obj.pk}"


def activity_context(request: HttpRequest, company: Company, obj: Model, *,
                     comment_form: CommentForm | None = None,
                     attachment_form: AttachmentForm | None = None) -> dict:
    """Everything `platform/record_activity.html` shows for one record."""
    key = key_of(obj)
    ref = {"object_type": key, "object_id": obj.pk}
    dom_id = _activity_dom_id(obj)
    comment_form = comment_form or CommentForm(initial=ref)
    attachment_form = attachment_form or AttachmentForm(initial=ref)
    # Several records may show their activity on one page: keep the fields' ids apart.
    comment_form.auto_id = f"{dom_id}-comment-%s"
    attachment_form.auto_id = f"{dom_id}-file-%s"
    return {
        "request": request,
        "company": company,
        "record": obj,
        "record_url": record_url(company, key, obj.pk),
        "dom_id": dom_id,
        "comments": queries.comments_on(company, key, obj.pk),
        "attachments": queries.attachments_on(company, key, obj.pk),
        "comment_form": comment_form,
        "attachment_form": attachment_form,
    }


def _activity_response(request: HttpRequest, context: dict, partial: str, status: int) -> HttpResponse:
    if request.htmx:
        return render_page(request, "platform/record_activity.html", context, partial=partial, status=status)
    return render_page(request, "platform/record_activity_page.html", context, status=status)


def _named_record(request: HttpRequest, company: Company, form: CommentForm | AttachmentForm) -> Model | None:
    """The record a comment or attachment form names, or None when it names none."""
    form.is_valid()
    if form.has_error("object_type") or form.has_error("object_id"):
        return None
    return _visible_record(request.user, company, form.cleaned_data["object_type"], form.cleaned_data["object_id"])


@company_view()
@require_POST
def comment_add(request: HttpRequest, company: Company) -> HttpResponse:
    """Comment on the record named in the form; mentioned members who may see it are notified."""
    return _add_to_record(
        request, company, CommentForm(request.POST), "comments",
        lambda obj, data: services.add_comment(company, obj, body=data["body"], actor=request.user),
    )


@company_view()
@require_POST
def attachment_add(request: HttpRequest, company: Company) -> HttpResponse:
    """Attach an uploaded file to the record named in the form, after the service's checks."""
    return _add_to_record(
        request, company, AttachmentForm(request.POST, request.FILES), "attachments",
        lambda obj, data: services.attach_file(company, obj, upload=data["file"], actor=request.user),
    )


def _add_to_record(request: HttpRequest, company: Company, form: forms.Form, section: str,
                   add: Callable[[Model, dict], object]) -> HttpResponse:
    """Validate the form, call the service on the record it names, and answer with the record's
    comments or files section (422 with the form's errors when refused)."""
    obj = _named_record(request, company, form)
    if obj is None:
        return HttpResponseBadRequest("The form does not name a record.")
    status = 422
    if form.is_valid():
        try:
            add(obj, form.cleaned_data)
        except DomainError as error:
            status = apply_domain_error(form, error)
        else:
            if not request.htmx:
                return redirect(f"{record_url(company, key_of(obj), obj.pk)}#{_activity_dom_id(obj)}-{section}")
            return _activity_response(request, activity_context(request, company, obj), section, 200)
    form_name = {"comments": "comment_form", "attachments": "attachment_form"}[section]
    return _activity_response(request, activity_context(request, company, obj, **{form_name: form}), section,
                              status)


@company_view()
def attachment_download(request: HttpRequest, company: Company, pk: int) -> FileResponse:
    """The stored file, as a download with its checked content type, to whoever may see its record."""
    attachment = Attachment.objects.filter(company=company, pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment.")
    _visible_record(request.user, company, attachment.object_type, attachment.object_id)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Saved list views -------------------------------------------------------------------------


@company_view()
@require_POST
def view_save(request: HttpRequest, company: Company) -> HttpResponse:
    """Save the list's current filters under a name, for oneself or shared with the company."""
    form = SaveViewForm(request.POST, auto_id=SaveViewForm.AUTO_ID)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            view = services.save_view(company, actor=request.user, list_key=data["list_key"], name=data["name"],
                                      query=data["query"], shared=data["shared"])
        except DomainError as error:
            status = apply_domain_error(form, error)
        else:
            target = _local_path(request, company, data["next"])
            return _go(request, f"{target}?{view.query}" if view.query else target)
    return render_page(request, "platform/saved_view_form.html", {"company": company, "form": form},
                       partial="form", status=status)


@company_view()
@require_POST
def view_delete(request: HttpRequest, company: Company) -> HttpResponse:
    """Delete one of the user's own saved views."""
    form = DeleteViewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Which view?")
    view = SavedView.objects.filter(company=company, owner=request.user, pk=form.cleaned_data["view"]).first()
    if view is None:
        raise Http404("No such view of yours.")
    services.delete_view(view, actor=request.user)
    messages.success(request, f"View “{view.name}” deleted.")
    return _go(request, _local_path(request, company, form.cleaned_data["next"]))


# --- Members ----------------------------------------------------------------------------------


def _members_page(request: HttpRequest, company: Company, form: MemberAddForm, status: int = 200,
                  partial: str | None = None) -> HttpResponse:
    return render_page(request, "platform/members.html", {
        "company": company, "members": queries.list_members(company), "form": form,
    }, partial=partial, status=status)


@company_view(MANAGE_MEMBERS)
def members(request: HttpRequest, company: Company) -> HttpResponse:
    """The company's members; POST adds one by email with roles."""
    if request.method != "POST":
        return _members_page(request, company, MemberAddForm(company=company))
    form = MemberAddForm(request.POST, company=company)
    status = 422
    if form.is_valid():
        try:
            membership = services.add_member(
                company, email=form.cleaned_data["email"], roles=form.cleaned_data["roles"],
                full_name=form.cleaned_data["full_name"], actor=request.user,
            )
        except DomainError as error:
            status = apply_domain_error(form, error)
        else:
            messages.success(request, f"{membership.user.email} is now a member.")
            return _go(request, reverse("platform:members", kwargs={"company": company.slug}))
    return _members_page(request, company, form, status=status, partial="add-form")


def _membership_or_404(company: Company, pk: int) -> Membership:
    membership = Membership.objects.filter(company=company, pk=pk).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    return membership


@company_view(MANAGE_MEMBERS)
def member_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """One member's roles; POST replaces them (the company keeps at least one admin)."""
    membership = _membership_or_404(company, pk)
    current = [role.code for role in membership.roles.all()]
    if request.method != "POST":
        form = MemberRolesForm(company=company, initial={"roles": current})
        return render_page(request, "platform/member_edit.html", {"company": company, "membership": membership,
                                                                   "form": form})
    form = MemberRolesForm(request.POST, company=company)
    status = 422
    if form.is_valid():
        try:
            services.set_member_roles(membership, roles=form.cleaned_data["roles"], actor=request.user)
        except DomainError as error:
            status = apply_domain_error(form, error)
        else:
            messages.success(request, f"Roles of {membership.user.email} saved.")
            return _go(request, reverse("platform:members", kwargs={"company": company.slug}))
    return render_page(request, "platform/member_edit.html", {"company": company, "membership": membership,
                                                               "form": form}, partial="form", status=status)


@company_view(MANAGE_MEMBERS)
def member_remove(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Take a member out of the company (their tokens here are revoked); never the last admin."""
    membership = _membership_or_404(company, pk)  # before the method check: a stranger's id is a 404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.deactivate_member(membership, actor=request.user)
    except DomainError as error:
        form = MemberAddForm(company=company)
        return render_page(request, "platform/members.html", {
            "company": company, "members": queries.list_members(company), "form": form, "error": error.message,
        }, status=error.status)
    messages.success(request, f"{membership.user.email} was removed from {company.name}.")
    return _go(request, reverse("platform:members", kwargs={"company": company.slug}))


# --- Roles ------------------------------------------------------------------------------------


def _held(role: Role) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The role's permissions grouped by app, leaving out apps where it holds none."""
    groups = [(app, [p for p in permissions if p[2]]) for app, permissions in permission_groups(set(role.permissions))]
    return [(app, permissions) for app, permissions in groups if permissions]


@company_view(MANAGE_ROLES)
def roles(request: HttpRequest, company: Company) -> HttpResponse:
    """System roles (read-only, with their permissions) and the company's custom roles."""
    rows = list(Role.objects.filter(company=company).order_by("-is_system", "name"))
    return render_page(request, "platform/roles.html", {
        "company": company,
        "system_roles": [(role, _held(role)) for role in rows if role.is_system],
        "custom_roles": [role for role in rows if not role.is_system],
    })


def _role_form_page(request: HttpRequest, company: Company, form: RoleForm, role: Role | None,
                    status: int = 200) -> HttpResponse:
    return render_page(request, "platform/role_form.html", {"company": company, "form": form, "role": role},
                       partial="form" if status != 200 else None, status=status)


def _save_role(request: HttpRequest, company: Company, form: RoleForm, role: Role | None) -> HttpResponse:
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        code = role.code if role else (data["code"] or slugify(data["name"])[:50] or "role")
        if role is None and Role.objects.filter(company=company, code=code).exists():
            form.add_error("code" if data["code"] else "name", "A role with this code exists already.")
        else:
            try:
                services.save_role(company, actor=request.user, code=code, name=data["name"],
                                   description=data["description"], is_sensitive=data["is_sensitive"],
                                   permissions=data["permissions"])
            except DomainError as error:
                status = apply_domain_error(form, error)
            else:
                messages.success(request, f"Role “{data['name']}” saved.")
                return _go(request, reverse("platform:roles", kwargs={"company": company.slug}))
    return _role_form_page(request, company, form, role, status=status)


@company_view(MANAGE_ROLES)
def role_create(request: HttpRequest, company: Company) -> HttpResponse:
    """A new custom role, optionally starting from an existing role's permissions (?from=<id>)."""
    if request.method == "POST":
        return _save_role(request, company, RoleForm(request.POST, creating=True), None)
    initial = {}
    source_id = request.GET.get("from", "")
    source = Role.objects.filter(company=company, pk=source_id).first() if source_id.isdigit() else None
    if source is not None:
        initial = {"name": f"{source.name} (copy)", "permissions": source.permissions,
                   "is_sensitive": source.is_sensitive, "description": source.description}
    return _role_form_page(request, company, RoleForm(initial=initial, creating=True), None)


@company_view(MANAGE_ROLES)
def role_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A custom role's form, or a system role shown read-only."""
    role = Role.objects.filter(company=company, pk=pk).first()
    if role is None:
        raise Http404("No such role.")
    if request.method == "POST":
        return _save_role(request, company, RoleForm(request.POST, creating=False), role)
    form = RoleForm(creating=False, initial={
        "name": role.name, "description": role.description, "is_sensitive": role.is_sensitive,
        "permissions": role.permissions,
    })
    return _role_form_page(request, company, form, role)


# --- Company settings and audit log -----------------------------------------------------------


@company_view(MANAGE_COMPANY)
def company_settings(request: HttpRequest, company: Company) -> HttpResponse:
    """The company's name, currency, country, time zone, locale and fiscal year; the slug stays."""
    editable = [name for name in services.COMPANY_FIELDS if name != "slug"]
    if request.method != "POST":
        form = CompanySettingsForm(initial={name: getattr(company, name) for name in editable})
        return render_page(request, "platform/company_settings.html", {"company": company, "form": form})
    form = CompanySettingsForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.update_company(company, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            status = apply_domain_error(form, error)
        else:
            messages.success(request, "Company settings saved.")
            return _go(request, reverse("platform:company-settings", kwargs={"company": company.slug}))
    return render_page(request, "platform/company_settings.html", {"company": company, "form": form},
                       partial="form", status=status)


@company_view(VIEW_AUDIT_LOG)
def audit_log(request: HttpRequest, company: Company) -> HttpResponse:
    """Every event of the company, newest first, a page at a time (?before=<id> for older ones)."""
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() else None
    events = list(queries.audit_log(company, limit=AUDIT_PAGE_SIZE + 1, before_id=before_id))
    older = events[AUDIT_PAGE_SIZE - 1].pk if len(events) > AUDIT_PAGE_SIZE else None
    rows = [(event, summarize(event), record_url(company, event.object_type, event.object_id))
            for event in events[:AUDIT_PAGE_SIZE]]
    return render_page(request, "platform/audit_log.html", {
        "company": company, "rows": rows, "older": older, "is_first_page": before_id is None,
    })


# --- API tokens -------------------------------------------------------------------------------


def _tokens_page(request: HttpRequest, company: Company, form: TokenCreateForm, *, raw: str = "",
                 status: int = 200) -> HttpResponse:
    response = render_page(request, "platform/tokens.html", {
        "company": company, "tokens": queries.list_api_tokens(request.user, company), "form": form, "raw": raw,
    }, partial="form" if status != 200 else None, status=status)
    add_never_cache_headers(response)
    return response


@company_view()
def tokens(request: HttpRequest, company: Company) -> HttpResponse:
    """The member's own API tokens in this company; POST creates one and shows it this once."""
    if request.method != "POST":
        return _tokens_page(request, company, TokenCreateForm())
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, company, form, status=422)
    token, raw = services.create_api_token(company, actor=request.user, name=form.cleaned_data["name"])
    messages.success(request, f"Token “{token.name}” created. Copy it now: it is not shown again.")
    return _tokens_page(request, company, TokenCreateForm(), raw=raw)


@company_view()
@require_POST
def token_revoke(request: HttpRequest, company: Company) -> HttpResponse:
    """Revoke one of the member's own tokens in this company."""
    form = TokenRevokeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Which token?")
    token = ApiToken.objects.filter(company=company, user=request.user, pk=form.cleaned_data["token"]).first()
    if token is None:
        raise Http404("No such token of yours.")
    services.revoke_api_token(token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return _go(request, reverse("platform:tokens", kwargs={"company": company.slug}))
