"""The frame every page lives in: menu, company switcher, user menu, theme, security headers."""

import re

import pytest
from django.urls import reverse

from tandem.platform import services
from tandem.platform.models import EventRecord
from tests.platform.factories import make_company, make_member


def test_the_menu_shows_only_the_pages_the_user_may_open(client, company, admin, sales_rep):
    client.force_login(sales_rep)
    as_rep = client.get("/c/acme/").content.decode()
    client.force_login(admin)
    as_admin = client.get("/c/acme/").content.decode()

    assert 'href="/c/acme/parties/"' in as_rep
    assert "/c/acme/members/" not in as_rep and "/c/acme/audit/" not in as_rep and "Administration" not in as_rep
    assert 'href="/c/acme/members/"' in as_admin and 'href="/c/acme/audit/"' in as_admin


def test_an_employee_without_back_office_pages_sees_no_empty_sections(client, company, employee):
    client.force_login(employee)

    html = client.get("/c/acme/").content.decode()

    assert "Shared" not in html.split("</nav>")[0] and "Administration" not in html


def test_the_company_switcher_links_each_of_the_users_companies_to_its_home(client, company, admin):
    second = make_company(slug="acme-nl", name="Acme Nederland")
    make_member(second, ["sales_rep"], email="admin@acme.test")
    stranger = make_company(slug="initech", name="Initech")
    client.force_login(admin)

    html = client.get("/c/acme/").content.decode()

    switcher = html.split(">Switch company</button>")[1].split("</ul>")[0]
    assert 'href="/c/acme/"' in switcher and 'href="/c/acme-nl/"' in switcher
    assert stranger.name not in switcher
    assert 'aria-current="true">Acme Ltd<' in switcher


def test_the_user_menu_offers_profile_tokens_two_factor_and_a_logout_form(client, company, sales_rep):
    client.force_login(sales_rep)

    html = client.get("/c/acme/").content.decode()

    assert f">{sales_rep.display_name}</button>" in html
    assert 'href="/profile/"' in html and 'href="/c/acme/tokens/"' in html
    assert f'href="{reverse("mfa_index")}"' in html
    assert re.search(r'<form method="post" action="/accounts/logout/">.*?csrfmiddlewaretoken.*?Log out', html, re.S)


def test_the_home_page_redirects_to_the_last_company_worked_in(client, company, admin):
    second = make_company(slug="acme-nl", name="Acme Nederland")
    make_member(second, ["sales_rep"], email="admin@acme.test")
    client.force_login(admin)

    picker = client.get("/")
    client.get("/c/acme-nl/")
    again = client.get("/")

    assert picker.status_code == 200 and "/c/acme-nl/" in picker.content.decode()
    assert again.status_code == 302 and again["Location"] == "/c/acme-nl/"


def test_a_member_of_one_company_goes_straight_to_its_home(client, company, sales_rep):
    client.force_login(sales_rep)

    assert client.get("/")["Location"] == "/c/acme/"


def test_the_company_home_shows_unread_notifications_and_events_the_user_may_see(client, company, admin, sales_rep):
    services.notify(company, sales_rep, message="Call Hooli back", url="/c/acme/parties/")
    services.save_role(company, actor=admin, code="interns", name="Interns", permissions=[])
    auditor = make_member(company, ["auditor"], email="auditor@acme.test")

    client.force_login(sales_rep)
    as_rep = client.get("/c/acme/").content.decode()
    client.force_login(auditor)
    as_auditor = client.get("/c/acme/").content.decode()

    assert "Call Hooli back" in as_rep
    assert "Role Interns saved" not in as_rep  # audit-only events
    assert "Role Interns saved" in as_auditor


def test_a_stranger_cannot_open_a_companys_home(client, company, outsider):
    client.force_login(outsider)

    assert client.get("/c/acme/").status_code == 404


# --- Theme ------------------------------------------------------------------------------------


def test_the_theme_choice_is_stored_and_sticks_across_reloads(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("web:theme"), {"theme": "dark", "next": "/c/acme/"})
    page = client.get("/c/acme/").content.decode()

    assert response.status_code == 302 and response["Location"] == "/c/acme/"
    sales_rep.refresh_from_db()
    assert sales_rep.theme == "dark"
    assert 'data-theme="dark" data-bs-theme="dark"' in page
    assert EventRecord.objects.filter(code="platform.profile.updated", object_id=sales_rep.pk).exists()


def test_the_theme_switch_through_htmx_answers_with_an_event_that_applies_it(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("web:theme"), {"theme": "light"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Trigger"] == '{"tandem:theme": {"value": "light"}}'


def test_automatic_theme_is_the_default_and_left_to_the_browser(client, company, sales_rep):
    client.force_login(sales_rep)

    html = client.get("/c/acme/").content.decode()

    assert 'data-theme="auto"' in html


def test_an_unknown_theme_is_refused_and_nothing_changes(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("web:theme"), {"theme": "neon"})

    assert response.status_code == 400
    sales_rep.refresh_from_db()
    assert sales_rep.theme == "auto"


def test_the_theme_switch_does_not_redirect_to_other_sites(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("web:theme"), {"theme": "dark", "next": "https://evil.example/"})

    assert response["Location"] == "/"


# --- Profile ----------------------------------------------------------------------------------


def test_the_profile_saves_name_locale_and_time_zone(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("web:profile"), {"full_name": "Rita Rep", "theme": "auto", "locale": "de_DE",
                                                    "timezone": "Europe/Vienna"})

    assert response.status_code == 302
    sales_rep.refresh_from_db()
    assert (sales_rep.full_name, sales_rep.locale, sales_rep.timezone) == ("Rita Rep", "de_DE", "Europe/Vienna")


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, company, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("web:profile"), {"full_name": "Rita", "theme": "auto", "timezone": "Mars/Olympus"})

    assert response.status_code == 422
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    sales_rep.refresh_from_db()
    assert sales_rep.full_name != "Rita" and sales_rep.timezone == ""


def test_the_profile_service_refuses_a_bad_locale_itself(company, sales_rep):
    from tandem.platform.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.update_profile(sales_rep, actor=sales_rep, locale="xx_YY_ZZ")

    assert "locale" in refused.value.fields


def test_nobody_changes_someone_elses_profile(company, admin, sales_rep):
    from tandem.platform.errors import Forbidden

    with pytest.raises(Forbidden):
        services.update_profile(sales_rep, actor=admin, theme="dark")


def test_profile_and_theme_need_a_login(client):
    assert client.get(reverse("web:profile"))["Location"].startswith("/accounts/login/")
    assert client.post(reverse("web:theme"), {"theme": "dark"})["Location"].startswith("/accounts/login/")


# --- Content-Security-Policy and accessibility basics ----------------------------------------


def test_pages_carry_a_nonce_based_csp_and_no_inline_script_style_or_handler(client, company, admin):
    client.force_login(admin)

    for url in ("/c/acme/", "/c/acme/members/", "/c/acme/roles/new/", "/profile/", "/c/acme/tokens/"):
        response = client.get(url)
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        for attributes in re.findall(r"<script\b([^>]*)>", html):
            assert "src=" in attributes or f'nonce="{nonce}"' in attributes, (url, attributes)
        assert not re.search(r"<style\b", html), url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_htmx_is_told_not_to_inject_its_own_styles(client, company, admin):
    client.force_login(admin)

    html = client.get("/c/acme/").content.decode()

    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_every_page_has_a_skip_link_landmarks_and_a_language(client, company, admin):
    client.force_login(admin)

    html = client.get("/c/acme/").content.decode()

    assert '<html lang="en"' in html
    assert 'href="#main">Skip to content</a>' in html
    assert '<main id="main"' in html and '<nav class="navbar' in html and 'aria-label="Main"' in html


def test_the_login_page_uses_the_tandem_layout_with_labelled_fields(client, db):
    html = client.get(reverse("account_login")).content.decode()

    assert "Log in to Tandem" in html and "web/tandem.css" in html
    for field in ("login", "password"):
        assert re.search(rf'<label class="form-label" for="id_{field}">', html), field
    assert "sign up" not in html.lower()


def test_the_command_palette_and_cheat_sheet_are_on_company_pages(client, company, sales_rep):
    client.force_login(sales_rep)

    html = client.get("/c/acme/").content.decode()

    assert re.search(r'id="palette"[^>]*role="dialog"', html)
    assert '<label class="visually-hidden" for="palette-input">Search</label>' in html
    assert 'role="combobox"' in html and 'aria-controls="palette-results"' in html
    assert 'hx-get="/c/acme/search/"' in html
    assert 'data-hotkey="g p"' in html and "Go to Parties" in html
    assert 'data-hotkey="?,Shift+?"' in html
