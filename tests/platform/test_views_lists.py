"""Saved list views: the "Views" menu of a list page and the endpoints behind it."""

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tandem.platform import services
from tandem.platform.models import SavedView
from tests.platform.factories import make_member


def _render_menu(company, user, query: str) -> str:
    request = RequestFactory().get(f"/c/{company.slug}/parties/?{query}")
    request.user, request.company = user, company
    return Template("{% load lists %}{% saved_views 'parties' %}").render(Context({"request": request}))


def test_saving_a_view_stores_the_filters_and_returns_to_the_list_with_them(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("platform:view-save", kwargs={"company": "acme"}), {
        "list_key": "parties", "name": "Berlin customers", "query": "city=Berlin&kind=organisation",
        "next": "/c/acme/parties/",
    })

    assert response.status_code == 302
    assert response["Location"] == "/c/acme/parties/?city=Berlin&kind=organisation"
    view = SavedView.objects.get(owner=sales_rep)
    assert (view.name, view.query, view.is_shared) == ("Berlin customers", "city=Berlin&kind=organisation", False)


def test_a_view_without_a_name_is_refused_on_the_form(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("platform:view-save", kwargs={"company": "acme"}),
                           {"list_key": "parties", "name": " ", "query": "q=x"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "Give the view a name." in response.content.decode()
    assert not SavedView.objects.exists()


def test_saving_never_redirects_outside_the_company(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("platform:view-save", kwargs={"company": "acme"}), {
        "list_key": "parties", "name": "Mine", "query": "q=x", "next": "https://evil.example/c/acme/",
    })

    assert response["Location"] == "/c/acme/?q=x"


def test_the_menu_shows_ones_own_and_shared_views_but_not_others_private_ones(company, admin, sales_rep):
    colleague = make_member(company, ["sales_manager"], email="manager@acme.test")
    services.save_view(company, actor=sales_rep, list_key="parties", name="My leads", query="q=lead")
    services.save_view(company, actor=colleague, list_key="parties", name="Team accounts", query="q=t", shared=True)
    services.save_view(company, actor=colleague, list_key="parties", name="Private notes", query="q=p")
    services.save_view(company, actor=sales_rep, list_key="invoices", name="Other list", query="q=i")

    html = _render_menu(company, sales_rep, "q=lead&page=3")

    assert "My leads" in html and "Team accounts" in html
    assert "Private notes" not in html and "Other list" not in html
    assert 'name="query" value="q=lead"' in html  # the page number is not part of a view


def test_deleting_ones_own_view(client, company, sales_rep):
    view = services.save_view(company, actor=sales_rep, list_key="parties", name="Old", query="q=o")
    client.force_login(sales_rep)

    response = client.post(reverse("platform:view-delete", kwargs={"company": "acme"}),
                           {"view": view.pk, "next": "/c/acme/parties/"})

    assert response.status_code == 302
    assert response["Location"] == "/c/acme/parties/"
    assert not SavedView.objects.exists()


def test_nobody_deletes_a_colleagues_shared_view_or_another_companys(
    client, company, other_company, admin, sales_rep, outsider
):
    shared = services.save_view(company, actor=admin, list_key="parties", name="Team", query="q=t", shared=True)
    foreign = services.save_view(other_company, actor=outsider, list_key="parties", name="Globex", query="q=g")
    client.force_login(sales_rep)

    assert client.post(reverse("platform:view-delete", kwargs={"company": "acme"}), {"view": shared.pk}).status_code == 404
    assert client.post(reverse("platform:view-delete", kwargs={"company": "acme"}), {"view": foreign.pk}).status_code == 404
    assert SavedView.objects.count() == 2
