"""A new member's first day, in a real browser: log in, create a party with a bad phone number
(see the error, nothing saved), fix it, find it with Ctrl-K, read its timeline, switch company and
no longer find it. Every page visited is scanned with axe-core and must be free of CSP errors."""

import re

from playwright.sync_api import expect

from tandem.parties.models import Party
from tests.platform.factories import PASSWORD, make_company, make_member


def _log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()


def _palette_search(page, text: str):
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    search = dialog.get_by_label("Search")
    expect(search).to_be_focused()
    search.fill(text)
    return dialog


def test_a_new_member_creates_finds_and_loses_sight_of_a_party(live_server, page, page_problems, accessibility):
    home = make_company(slug="home", name="Home Ltd")
    away = make_company(slug="away", name="Away Ltd")
    email = "newcomer@home.test"
    make_member(home, ["sales_rep"], email=email)
    make_member(away, ["sales_rep"], email=email)

    _log_in(page, live_server.url, email)
    accessibility.scan()
    page.goto(f"{live_server.url}/c/home/parties/")
    accessibility.scan()
    page.get_by_role("link", name="New party").click()
    accessibility.scan()

    page.get_by_label("Name").fill("Zephyr Optics GmbH")
    page.get_by_label("Phones").fill("12345")
    page.get_by_role("button", name="Create party").click()

    error = page.get_by_text("is not a valid phone number")
    expect(error).to_be_visible()
    accessibility.scan()
    assert not Party.objects.filter(name="Zephyr Optics GmbH").exists()

    page.get_by_label("Phones").fill("+49 30 901820")
    page.get_by_role("button", name="Create party").click()
    expect(page.get_by_role("heading", name="Zephyr Optics GmbH", level=1)).to_be_visible()
    accessibility.scan()
    party = Party.objects.get(name="Zephyr Optics GmbH")
    assert party.contact_points.get().value == "+4930901820"

    page.goto(f"{live_server.url}/c/home/parties/")
    page.get_by_role("searchbox").first.focus()  # Ctrl-K works even while typing in a field
    dialog = _palette_search(page, "zephyr")
    hit = dialog.get_by_role("option", name=re.compile("Zephyr Optics GmbH"))
    expect(hit).to_be_visible()
    accessibility.scan()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/c/home/parties/{party.pk}/$"))

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text("Organisation Zephyr Optics GmbH created")).to_be_visible()
    accessibility.scan()

    page.get_by_role("button", name="Switch company").click()
    page.get_by_role("link", name="Away Ltd").click()
    expect(page).to_have_url(re.compile(r"/c/away/$"))
    accessibility.scan()
    dialog = _palette_search(page, "zephyr")
    expect(dialog.get_by_text("No results")).to_be_visible()
    expect(dialog.get_by_role("option", name=re.compile("Zephyr"))).to_have_count(0)
    page.goto(f"{live_server.url}/c/away/parties/{party.pk}/")
    assert "Zephyr" not in page.content()

    assert accessibility.violations == [], "\n".join(accessibility.violations)
    assert [m for m in page_problems.messages if "Content Security Policy" in m or m.startswith("uncaught")] == []
