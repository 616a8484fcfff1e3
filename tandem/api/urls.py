"""The API root: assembles each app's router under /api/v1."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Tandem API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
