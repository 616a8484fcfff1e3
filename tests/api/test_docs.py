"""The interactive API docs work offline and under the Content Security Policy."""

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_docs_page_loads_only_our_own_static_files(db):
    response = Client().get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/static/") for url in assets)
    assert all(finders.find(url.removeprefix("/static/")) for url in assets)
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert html.count(f'nonce="{nonce}"') == html.count("<script src=")
    assert "<script>" not in html  # no inline script: the settings travel as a JSON data block


def test_the_openapi_document_describes_every_operation(db):
    document = Client().get("/api/openapi.json").json()

    assert document["info"]["title"] == "Tandem API"
    assert set(document["components"]["securitySchemes"]) == {"BearerToken", "SessionCookie"}
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) >= 19
    assert all(op["security"] == [{"BearerToken": []}, {"SessionCookie": []}] for op in operations)
    create = document["paths"]["/api/v1/parties"]["post"]
    assert [p["name"] for p in create["parameters"]] == ["X-Company", "Idempotency-Key"]

