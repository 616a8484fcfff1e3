"""Registered record types: what comments, attachments, timelines and search need to find a
record, decide who may see it and link to it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model
from django.http import Http404
from django.urls import reverse

from tandem.platform.authz import authorize
from tandem.platform.models import Company


@dataclass(frozen=True)
class RecordType:
    key: str
    model: type[Model]
    view_permission: str
    url_name: str
    party_of: Callable[[Model], int | None] = lambda obj: None


RECORD_TYPES: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    RECORD_TYPES[record_type.key] = record_type
    return record_type


def key_of(obj: Model) -> str:
    return obj._meta.label_lower


def record_type_of(obj: Model) -> RecordType:
    return RECORD_TYPES[key_of(obj)]


def record_url(company: Company, key: str, object_id: int) -> str:
    record_type = RECORD_TYPES.get(key)
    if record_type is None:
        return ""
    return reverse(record_type.url_name, kwargs={"company": company.slug, "pk": object_id})


def get_visible_record(user, company: Company, key: str, object_id: int) -> Model:
    """The record if it exists in the company and the user may see it; 404 otherwise."""
    record_type = RECORD_TYPES.get(key)
    if record_type is None:
        raise Http404("Unknown record type.")
    obj = record_type.model._default_manager.filter(company=company, pk=object_id).first()
    if obj is None or not authorize(user, company, record_type.view_permission, obj):
        raise Http404("No such record.")
    return obj


def can_view(user, company: Company, obj: Model) -> bool:
    record_type = RECORD_TYPES.get(key_of(obj))
    return record_type is not None and authorize(user, company, record_type.view_permission, obj)
