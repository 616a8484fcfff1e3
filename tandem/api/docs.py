"""The interactive API docs (Swagger UI) served from our own static files: the npm package
swagger-ui-dist, not a CDN, so the page works offline and under the strict Content Security
Policy (no inline script; the settings travel as a JSON data block)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase


class OfflineSwagger(DocsBase):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "validatorUrl": None,  # the default sends the document to validator.swagger.io
        }
        return render(request, self.template, {"api": api, "swagger_settings": settings})
