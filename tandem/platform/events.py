"""Domain events: the audit trail, the feed of every timeline and the way a lower app learns what
happened above it.

`publish(event)` runs inside a service's transaction: it stores the event in the append-only log
and runs the in-transaction handlers. After commit, a task runs the after-commit handlers (email,
notifications, heavy work); each runs at most once per event even when the task is redelivered.
"""

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from tandem.platform.models import EventRecord, HandlerRun

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event. Subclasses add their payload fields (plain values only) and set
    `code` (the dotted audit code), `view_permission` (who may see it in a timeline) and
    `summary` (a format string over the payload, shown in timelines)."""

    company_id: int | None
    actor_id: int | None
    object_type: str
    object_id: int
    party_id: int | None = None

    code: ClassVar[str]
    view_permission: ClassVar[str]
    summary: ClassVar[str] = ""

    registry: ClassVar[dict[str, type["DomainEvent"]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            if cls.code in DomainEvent.registry:
                raise ValueError(f"Event code {cls.code} is declared twice.")
            DomainEvent.registry[cls.code] = cls

    def payload(self) -> dict[str, Any]:
        base = {f.name for f in dataclasses.fields(DomainEvent)}
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in base
        }


Handler = Callable[..., None]
_in_transaction: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_after_commit: dict[type[DomainEvent], list[Handler]] = defaultdict(list)


def subscribe(event_type: type[DomainEvent], *, after_commit: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler. In-transaction handlers are called with the event and share the
    publisher's fate. After-commit handlers are called with the event and its stored record from
    a task; they must be idempotent (delivery is at least once)."""

    def register(handler: Handler) -> Handler:
        (_after_commit if after_commit else _in_transaction)[event_type].append(handler)
        return handler

    return register


def _handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def publish(event: DomainEvent, *, request_id: str = "", now: datetime | None = None) -> EventRecord:
    """Store the event and run its in-transaction handlers. Must be called inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside the service's transaction.")
    record = EventRecord.objects.create(
        company_id=event.company_id,
        actor_id=event.actor_id,
        occurred_at=now or timezone.now(),
        code=event.code,
        object_type=event.object_type,
        object_id=event.object_id,
        party_id=event.party_id,
        payload=event.payload(),
        request_id=request_id,
    )
    for handler in _in_transaction.get(type(event), []):
        handler(event)
    if _after_commit.get(type(event)):
        record_id = record.pk
        transaction.on_commit(lambda: run_after_commit_handlers.enqueue(record_id))
    return record


def event_from_record(record: EventRecord) -> DomainEvent:
    event_type = DomainEvent.registry[record.code]
    return event_type(
        company_id=record.company_id,
        actor_id=record.actor_id,
        object_type=record.object_type,
        object_id=record.object_id,
        party_id=record.party_id,
        **record.payload,
    )


@task()
def run_after_commit_handlers(record_id: int) -> None:
    """Run each after-commit handler of the event once, recording that it ran."""
    record = EventRecord.objects.get(pk=record_id)
    event = event_from_record(record)
    for handler in _after_commit.get(type(event), []):
        name = _handler_name(handler)
        if HandlerRun.objects.filter(event=record, handler=name).exists():
            continue
        try:
            with transaction.atomic():
                handler(event, record)
                HandlerRun.objects.create(event=record, handler=name)
        except IntegrityError:
            logger.info("handler %s already ran for event %s", name, record_id)


def summarize(record: EventRecord) -> str:
    """The event's one-line summary for timelines."""
    event_type = DomainEvent.registry.get(record.code)
    if event_type is None or not event_type.summary:
        return record.code
    try:
        return event_type.summary.format(**record.payload)
    except (KeyError, IndexError, ValueError):
        return record.code


# --- Events the platform publishes ----------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class CompanyCreated(DomainEvent):
    code = "platform.company.created"
    view_permission = "platform.view_audit_log"
    summary = "Company {name} created"
    name: str
    slug: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class CompanyUpdated(DomainEvent):
    code = "platform.company.updated"
    view_permission = "platform.view_audit_log"
    summary = "Company settings changed: {changed}"
    changed: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemberAdded(DomainEvent):
    code = "platform.member.added"
    view_permission = "platform.view_audit_log"
    summary = "{email} joined with roles {roles}"
    email: str
    roles: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemberRolesChanged(DomainEvent):
    code = "platform.member.roles_changed"
    view_permission = "platform.view_audit_log"
    summary = "Roles of {email} set to {roles}"
    email: str
    roles: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemberDeactivated(DomainEvent):
    code = "platform.member.deactivated"
    view_permission = "platform.view_audit_log"
    summary = "{email} removed from the company"
    email: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoleSaved(DomainEvent):
    code = "platform.role.saved"
    view_permission = "platform.view_audit_log"
    summary = "Role {name} saved"
    name: str
    permissions: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CommentAdded(DomainEvent):
    code = "platform.comment.added"
    view_permission = ""  # visible to whoever may see the record it is on
    summary = "{author}: {excerpt}"
    author: str
    excerpt: str
    mentioned_ids: list[int]


@dataclasses.dataclass(frozen=True, kw_only=True)
class AttachmentAdded(DomainEvent):
    code = "platform.attachment.added"
    view_permission = ""
    summary = "Attached {filename}"
    filename: str
    size: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApiTokenCreated(DomainEvent):
    code = "platform.api_token.created"
    view_permission = "platform.view_audit_log"
    summary = "API token {name} created"
    name: str
    prefix: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApiTokenRevoked(DomainEvent):
    code = "platform.api_token.revoked"
    view_permission = "platform.view_audit_log"
    summary = "API token {name} revoked"
    name: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProfileUpdated(DomainEvent):
    code = "platform.profile.updated"
    view_permission = "platform.view_audit_log"
    summary = "Profile settings changed: {changed}"
    changed: list[str]
