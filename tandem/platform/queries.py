"""Reads shared by the web, the API and exports."""

from django.db.models import F, Q, QuerySet

from tandem.platform.authz import authorize, granted_permissions
from tandem.platform.events import DomainEvent
from tandem.platform.models import (
    ApiToken,
    Attachment,
    Comment,
    Company,
    EventRecord,
    Membership,
    Notification,
    Role,
    SavedView,
)
from tandem.platform.records import RECORD_TYPES


def visible_event_codes(user, company: Company, record_key: str | None = None) -> set[str]:
    """Event codes the user may read. Events without their own permission (comments, attachments)
    follow the record they are on, which the caller has already checked."""
    grants = granted_permissions(user, company)
    return {
        code for code, event_type in DomainEvent.registry.items()
        if (event_type.view_permission and event_type.view_permission in grants)
        or (not event_type.view_permission and record_key is not None)
    }


def timeline(user, company: Company, *, object_type: str, object_id: int,
             party_ids: list[int] | None = None, limit: int = 50,
             before_id: int | None = None) -> QuerySet[EventRecord]:
    """Events about one record, newest first, filtered by what the user may see. For a party
    (party_ids given: the party and those merged into it), events of every app that name the
    party are included, but only for record types the user may see."""
    codes = visible_event_codes(user, company, record_key=object_type)
    condition = Q(object_type=object_type, object_id=object_id)
    if party_ids:
        visible_types = [
            key for key, record_type in RECORD_TYPES.items()
            if authorize(user, company, record_type.view_permission)
        ]
        condition |= Q(party_id__in=party_ids, object_type__in=visible_types)
    events = EventRecord.objects.filter(condition, company=company, code__in=codes)
    if before_id:
        events = events.filter(pk__lt=before_id)
    return events.select_related("actor").order_by("-id")[:limit]


def audit_log(company: Company, *, limit: int = 100, before_id: int | None = None) -> QuerySet[EventRecord]:
    events = EventRecord.objects.filter(company=company)
    if before_id:
        events = events.filter(pk__lt=before_id)
    return events.select_related("actor").order_by("-id")[:limit]


def list_members(company: Company) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(company=company)
        .select_related("user")
        .prefetch_related("roles")
        .order_by("-is_active", "user__email")
    )


def unread_notifications(user, company: Company) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, company=company, read_at=None)


def user_companies(user) -> QuerySet[Company]:
    return Company.objects.filter(
        memberships__user=user, memberships__is_active=True, is_active=True
    ).order_by("name")




def comments_on(company: Company, object_type: str, object_id: int) -> QuerySet[Comment]:
    """The record's comments, oldest first, with their authors."""
    return (
        Comment.objects.filter(company=company, object_type=object_type, object_id=object_id)
        .select_related("author")
        .order_by("created_at", "id")
    )


def attachments_on(company: Company, object_type: str, object_id: int) -> QuerySet[Attachment]:
    """The record's attachments, newest first, with who uploaded them."""
    return (
        Attachment.objects.filter(company=company, object_type=object_type, object_id=object_id)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )


def saved_views_for(user, company: Company, list_key: str) -> QuerySet[SavedView]:
    """The user's own views of the list and the views others shared in the company."""
    return (
        SavedView.objects.filter(company=company, list_key=list_key)
        .filter(Q(owner=user) | Q(is_shared=True))
        .select_related("owner")
        .order_by("name", "id")
    )


def recent_events(user, company: Company, *, limit: int = 20) -> QuerySet[EventRecord]:
    """The company's latest events whose kind the user may read (comments and attachments, which
    follow their record's visibility, are left out)."""
    return (
        EventRecord.objects.filter(company=company, code__in=visible_event_codes(user, company))
        .select_related("actor")
        .order_by("-id")[:limit]
    )


def list_notifications(user, company: Company, *, limit: int = 100) -> QuerySet[Notification]:
    """The user's notifications in the company, unread first, newest first."""
    return Notification.objects.filter(recipient=user, company=company).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-id"
    )[:limit]


def list_api_tokens(user, company: Company) -> QuerySet[ApiToken]:
    """The user's own API tokens in the company, newest first."""
    return ApiToken.objects.filter(user=user, company=company).order_by("-created_at", "-id")


def get_membership(company: Company, pk: int) -> Membership | None:
    """A membership of the company (active or not) with its user and roles."""
    return Membership.objects.filter(company=company, pk=pk).select_related("user").prefetch_related("roles").first()


def get_role(company: Company, pk: int) -> Role | None:
    return Role.objects.filter(company=company, pk=pk).first()


def list_roles(company: Company) -> QuerySet[Role]:
    """The company's roles: system roles first, then custom roles, each by name."""
    return Role.objects.filter(company=company).order_by("-is_system", "name", "id")
