"""Idempotency-Key for creating requests (draft-ietf-httpapi-idempotency-key-header, with
Stripe's semantics).

The key is scoped to (company, user). The first request with a key commits an "in flight" record
before doing any work, then stores its status and body. A repeat with the same key and the same
request gets the stored response again, marked `Idempotent-Replayed: true`; a repeat while the
first is still running gets 409; the same key with another request gets 422. Requests refused
before they ran (bad JSON, invalid fields) and server errors store nothing, so the client may
retry them. Keys are kept for settings.TANDEM_IDEMPOTENCY_TTL_HOURS and pruned as new keys come.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI

from tandem.api.auth import admit
from tandem.api.errors import was_refused_before_running
from tandem.api.models import IdempotencyRecord
from tandem.platform.api import Caller, Gate
from tandem.platform.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
# A record still in flight after this long belongs to a request that died: the key is free again.
ABANDONED_AFTER = timedelta(minutes=10)

OPENAPI_PARAMETER = {
    "in": "header", "name": HEADER, "required": False,
    "description": (
        "Any unique string (a UUID is best). Repeating the request with the same key returns the first "
        "response instead of creating again (header Idempotent-Replayed: true); 409 while the first is "
        f"still running; 422 if the body differs. Keys are kept {settings.TANDEM_IDEMPOTENCY_TTL_HOURS} hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


class IdempotencyKeyInvalid(InvalidInput):
    code = "idempotency_key_invalid"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


class IdempotencyKeyInFlight(Conflict):
    code = "idempotency_key_in_flight"


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of method, path and body; a JSON body counts by its content, not its spacing."""
    try:
        body = json.dumps(json.loads(request.body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = request.body
    digest = hashlib.sha256(f"{request.method}\n{request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _ttl() -> timedelta:
    return timedelta(hours=settings.TANDEM_IDEMPOTENCY_TTL_HOURS)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status_code, content_type="application/json; charset=utf-8")
    response["Idempotent-Replayed"] = "true"
    return response


def claim(who: Caller, key: str, request: HttpRequest) -> IdempotencyRecord | HttpResponse:
    """Commit an in-flight record for the key, or answer from the record already there: the
    stored response (replay), 409 while it runs, 422 when the key came with another request."""
    if not KEY_PATTERN.match(key):
        raise IdempotencyKeyInvalid(
            f"{HEADER} must be 1 to 255 visible ASCII characters.", fields={HEADER: ["Not a valid key."]}
        )
    request_print = fingerprint(request)
    scope = {"company": who.company, "user": who.user, "key": key}
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **scope, fingerprint=request_print, method=request.method, path=request.path[:300], created_at=now,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(**scope).first()
            if existing is None:
                continue  # pruned in the meantime
            in_flight = existing.state == IdempotencyRecord.State.IN_FLIGHT
            abandoned = in_flight and existing.created_at < now - ABANDONED_AFTER
            if existing.created_at < now - _ttl() or abandoned:
                IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
                continue
            if existing.fingerprint != request_print:
                raise IdempotencyKeyReused(
                    f"This {HEADER} was already used for a different request.",
                    fields={HEADER: ["Already used with another body; use a new key."]},
                ) from None
            if in_flight:
                raise IdempotencyKeyInFlight(
                    f"A request with this {HEADER} is still being processed; retry in a moment."
                ) from None
            return _replay(existing)
        else:
            IdempotencyRecord.objects.filter(created_at__lt=now - _ttl()).delete()
            return record
    raise IdempotencyKeyInFlight(f"A request with this {HEADER} is still being processed; retry in a moment.")


def settle(record: IdempotencyRecord, request: HttpRequest, response: HttpResponse) -> None:
    """Store the response for replays; forget the key when the request never ran or failed on
    our side, so the client can simply retry."""
    if response.status_code >= 500 or was_refused_before_running(request):
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE, status_code=response.status_code,
        body=response.content.decode(), completed_at=timezone.now(),
    )


def guard(gate: Gate, api: NinjaAPI) -> Callable:
    """Decorate an operation's run so that it honours Idempotency-Key. The gate runs first, so a
    caller without the permission learns nothing about keys."""

    def decorate(run: Callable) -> Callable:
        @wraps(run)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            key = request.headers.get(HEADER)
            if key is None:
                return run(request, *args, **kwargs)
            try:
                outcome = claim(admit(request, gate), key, request)
            except Exception as error:  # answered in the API's error shape
                return api.on_exception(request, error)
            if isinstance(outcome, HttpResponse):
                return outcome
            try:
                response = run(request, *args, **kwargs)
            except BaseException:
                IdempotencyRecord.objects.filter(pk=outcome.pk).delete()
                raise
            settle(outcome, request, response)
            return response

        return guarded

    return decorate
