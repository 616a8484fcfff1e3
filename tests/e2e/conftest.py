"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded
browser) against a live server; every page visited is scanned with axe-core from npm, and any
Content-Security-Policy violation or script error fails the test."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in the test thread; the Django calls the tests make
# from that thread (factories, assertions on the database) are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make system-deps` installs Debian's chromium package.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/Berlin"}


class PageProblems:
    """Console errors (CSP violations included) and uncaught exceptions seen on the page."""

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.messages.append(message.text))
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))


@pytest.fixture
def page_problems(page) -> PageProblems:
    return PageProblems(page)


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core on the current page; describe each violation of the given impacts."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    violations = json.loads(result)["violations"]
    return [
        f"{v['id']} ({v['impact']}) on {page.url}: {v['help']} — "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                    for node in v["nodes"][:3])
        for v in violations if v["impact"] in impacts
    ]


class Accessibility:
    """Collects axe violations of every page a test visits; the test asserts the list is empty."""

    def __init__(self, page) -> None:
        self.page = page
        self.violations: list[str] = []
        self.scanned: list[str] = []

    def scan(self) -> None:
        self.page.wait_for_load_state("networkidle")
        self.scanned.append(self.page.url)
        self.violations.extend(axe_violations(self.page))


@pytest.fixture
def accessibility(page) -> Accessibility:
    return Accessibility(page)


@pytest.fixture
def accessibility_for():
    """For a test that opens its own browser context (another viewport, another user)."""
    return Accessibility
