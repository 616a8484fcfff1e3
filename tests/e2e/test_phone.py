"""On a phone: the menu folds behind a button, the party list becomes cards that fit the screen,
and the pages stay accessible."""

import re

from playwright.sync_api import expect

from tests.parties.factories import make_party
from tests.platform.factories import PASSWORD, make_company, make_member


def test_the_party_list_fits_a_phone_screen(live_server, browser, accessibility_for):
    company = make_company(slug="pocket", name="Pocket Ltd")
    make_member(company, ["sales_manager"], email="boss@pocket.test")
    make_party(company, name="Long Named Wholesale Distribution Partners International GmbH",
               emails=["purchasing.department.central@long-named-wholesale.example"])
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    accessibility = accessibility_for(page)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("boss@pocket.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    page.goto(f"{live_server.url}/c/pocket/parties/")
    accessibility.scan()

    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.get_by_role("button", name="Switch company")).to_be_hidden()
    menu.click()
    expect(page.get_by_role("button", name="Switch company")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Long Named Wholesale"))).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow <= 0
    assert accessibility.violations == [], "\n".join(accessibility.violations)
    context.close()
