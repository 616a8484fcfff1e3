"""The interactive API docs render offline, under the Content Security Policy, and can call the
API with the browser's session."""

from django.conf import settings
from django.test import Client

from tests.platform.factories import make_company, make_member


def test_swagger_ui_renders_every_operation_and_posts_with_the_session(live_server, page, page_problems):
    company = make_company(slug="docs", name="Docs Ltd")
    member = make_member(company, ["sales_rep"], email="rep@docs.test")
    client = Client()
    client.force_login(member)
    operations = sum(len(path) for path in client.get("/api/openapi.json").json()["paths"].values())
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    external = []
    page.on("request", lambda request: request.url.startswith((live_server.url, "data:"))
            or external.append(request.url))

    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    rendered = page.locator(".opblock").count()
    status = page.evaluate("""async (slug) => (await fetch("/api/v1/parties", {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-Company": slug,
                  "X-CSRFToken": document.body.dataset.csrfToken},
        body: JSON.stringify({kind: "organisation", name: "Made in the docs"}),
    })).status""", company.slug)

    assert rendered == operations
    assert status == 201
    assert external == []
    assert page_problems.messages == []
