"""The API root: assembles each app's router under /api/v1 and enforces what each operation
declares (its gate and, for creating operations, Idempotency-Key).

OpenAPI document: /api/openapi.json; interactive docs: /api/docs.
"""

from django.urls import URLPattern, re_path
from ninja import NinjaAPI, Router
from ninja.decorators import decorate_view

from tandem.api import errors, idempotency
from tandem.api.auth import UNDECLARED, gatekeepers
from tandem.api.docs import OfflineSwagger
from tandem.parties import api as parties_api
from tandem.platform import api as platform_api

DESCRIPTION = """\
Every operation acts in one company: the company of the API token, or for a logged-in browser
session the company named in the `X-Company` header. Errors always come as
`{"error": {"code", "message", "fields"}}`. See docs/api.md for authentication, errors,
idempotency, pagination and filtering."""


X_COMPANY = {
    "in": "header", "name": "X-Company", "required": False, "schema": {"type": "string", "maxLength": 50},
    "description": "For a browser session: the slug of the company to act in (default: the company last "
                   "opened in the browser). Ignored with a token, which belongs to one company.",
}


class TandemAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list, str, str]:
        """Ninja's URLs, each answering errors in the one shape, and a 404 for unknown paths."""
        patterns, app_name, namespace = super().urls
        shaped = [
            URLPattern(p.pattern, errors.shaped(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern) else p
            for p in patterns
        ]
        return [*shaped, re_path(r"^.*$", errors.unknown_path)], app_name, namespace


def enforce(router: Router, api: NinjaAPI) -> Router:
    """Give every operation of the router the gate it declares (or refuse it to everyone) and
    make the creating ones honour Idempotency-Key."""
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            gate = getattr(operation.view_func, "tandem_gate", UNDECLARED)
            operation.auth_param = operation.auth_callbacks = gatekeepers(gate)
            parameters = [X_COMPANY]
            if gate.idempotent:
                decorate_view(idempotency.guard(gate, api))(operation.view_func)
                parameters.append(idempotency.OPENAPI_PARAMETER)
            operation.openapi_extra = (operation.openapi_extra or {}) | {"parameters": parameters}
    return router


api = TandemAPI(
    title="Tandem API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs=OfflineSwagger(),
    docs_url="/docs",
)
errors.install(api)
for app_router in (platform_api.router, parties_api.router):
    api.add_router("/v1", enforce(app_router, api))
