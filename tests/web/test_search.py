"""Global search, as the command palette (htmx) and as a page (without JavaScript)."""

from tests.parties.factories import make_party


def test_search_finds_the_companys_records_and_nothing_of_another_company(client, company, other_company,
                                                                          sales_rep, outsider):
    make_party(company, actor=sales_rep, name="Hooli GmbH")
    make_party(other_company, actor=outsider, name="Hooli Globex Branch")
    client.force_login(sales_rep)

    html = client.get("/c/acme/search/?q=hooli").content.decode()

    assert "Hooli GmbH" in html
    assert "Globex" not in html.split("<main")[1]


def test_search_shows_nothing_from_record_types_the_user_may_not_see(client, company, admin, employee):
    make_party(company, actor=admin, name="Hooli GmbH")
    client.force_login(employee)

    html = client.get("/c/acme/search/?q=hooli").content.decode()

    assert "Hooli" not in html.split("<main")[1].replace("“hooli”", "")


def test_the_palette_gets_only_the_result_options(client, company, sales_rep):
    party = make_party(company, actor=sales_rep, name="Hooli GmbH")
    client.force_login(sales_rep)

    response = client.get("/c/acme/search/?q=hooli", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert f'role="option" id="palette-option-1" aria-selected="false" data-url="/c/acme/parties/{party.pk}/"' in html


def test_the_palette_also_jumps_to_pages_the_user_may_open(client, company, admin, sales_rep):
    client.force_login(admin)
    as_admin = client.get("/c/acme/search/?q=audit", HTTP_HX_REQUEST="true").content.decode()
    client.force_login(sales_rep)
    as_rep = client.get("/c/acme/search/?q=audit", HTTP_HX_REQUEST="true").content.decode()

    assert 'data-url="/c/acme/audit/"' in as_admin
    assert "/c/acme/audit/" not in as_rep


def test_a_one_letter_search_finds_no_records(client, company, sales_rep):
    make_party(company, actor=sales_rep, name="Hooli GmbH")
    client.force_login(sales_rep)

    html = client.get("/c/acme/search/?q=h", HTTP_HX_REQUEST="true").content.decode()

    assert "Hooli" not in html


def test_the_search_page_works_without_javascript(client, company, sales_rep):
    party = make_party(company, actor=sales_rep, name="Hooli GmbH")
    client.force_login(sales_rep)

    html = client.get("/c/acme/search/?q=hooli").content.decode()

    assert '<form class="mb-4" role="search" method="get" action="/c/acme/search/">' in html
    assert f'<a href="/c/acme/parties/{party.pk}/">Hooli GmbH</a>' in html
