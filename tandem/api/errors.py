"""One error shape for every answer that is not a success:

    {"error": {"code": "party_invalid", "message": "…", "fields": {"address.postal_code": ["…"]}}}

Domain errors keep their own code and status; validation errors name each field by its dotted
path; an unexpected exception is logged with its traceback and answered as a 500 without it.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tandem.platform.context import request_id
from tandem.platform.errors import DomainError

logger = logging.getLogger("tandem.api")

STATUS_CODES = {
    400: "malformed_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 422: "invalid_input", 429: "throttled",
}
FRIENDLY = {
    "missing": "This field is required.",
    "extra_forbidden": "Unknown field: it cannot be set here.",
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> HttpResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


def _field_path(location: tuple) -> str:
    """("body", "payload", "address", "postal_code") → "address.postal_code"."""
    source, *rest = location
    if source == "body":
        rest = rest[1:]  # the name of the operation's body parameter
    return ".".join(str(part) for part in rest) or source


def _message(error: dict[str, Any]) -> str:
    if error["type"] in FRIENDLY:
        return FRIENDLY[error["type"]]
    message = error["msg"].removeprefix("Value error, ")
    return message if message.endswith(".") else f"{message}."


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        path = _field_path(tuple(error["loc"]))
        message = "Send a JSON object." if path == "body" else _message(error)
        fields.setdefault(path, []).append(message)
    return fields


def _domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return error_response(error.status, error.code, error.message, error.fields)


def _refused_before_running(request: HttpRequest) -> None:
    request._tandem_refused_before_running = True


def was_refused_before_running(request: HttpRequest) -> bool:
    """True when the operation never ran: its parameters or body were refused."""
    return getattr(request, "_tandem_refused_before_running", False)


def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    _refused_before_running(request)
    return error_response(422, "invalid_input", "Please correct the highlighted fields.",
                          validation_fields(error.errors))


def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error, AuthenticationError):
        return error_response(401, "not_authenticated", "Authentication required: send a bearer token or log in.")
    if error.status_code == 400:
        _refused_before_running(request)
        return error_response(400, "malformed_body", "The request body is not valid JSON.")
    code = STATUS_CODES.get(error.status_code, "error")
    return error_response(error.status_code, code, str(error))


def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return error_response(404, "not_found", str(error) or "Not found.")


def _permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return error_response(403, "forbidden", str(error) or "You may not do this.")


def _suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    _refused_before_running(request)
    return error_response(400, "malformed_request", "The request was refused as malformed or too large.")


def _unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(
        500, "server_error",
        f"Something went wrong on our side; it was logged (request id {request_id.get() or 'unknown'}).",
    )


def install(api: NinjaAPI) -> None:
    """Make every error of the API answer in the one shape."""
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(PermissionDenied, _permission_denied)
    api.add_exception_handler(SuspiciousOperation, _suspicious)
    api.add_exception_handler(Exception, _unexpected)


def shaped(view: Callable) -> Callable:
    """Wrap a URL's view so that the answers Django and Ninja give outside an operation (an
    unknown path, a method the path does not take) come in the one shape too."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404 as error:
            return _not_found(request, error)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            shaped_response = error_response(
                405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}."
            )
            shaped_response["Allow"] = allowed
            return shaped_response
        return response

    return wrapper


def unknown_path(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return error_response(404, "not_found", f"There is no API operation at {request.path}.")
