"""Navigation entries, registered by each app in its `navigation` module and rendered by the web
face, grouped into Front office / Back office / Insights / Administration. An entry shows only to
users holding its permission in the current company."""

from dataclasses import dataclass

from django.urls import reverse

from tandem.platform.authz import authorize
from tandem.platform.models import Company

SECTIONS = ("Front office", "Back office", "Shared", "Insights", "Administration")


@dataclass(frozen=True)
class NavEntry:
    section: str
    label: str
    url_name: str
    permission: str
    shortcut: str = ""  # "g p": shown in the menu and the ? cheat sheet
    order: int = 100


ENTRIES: list[NavEntry] = []


def register(entry: NavEntry) -> NavEntry:
    if entry.section not in SECTIONS:
        raise ValueError(f"Unknown navigation section {entry.section!r}.")
    ENTRIES.append(entry)
    return entry


def menu_for(user, company: Company) -> list[tuple[str, list[tuple[NavEntry, str]]]]:
    """[(section, [(entry, url)])] with only the entries the user may open."""
    menu = []
    for section in SECTIONS:
        entries = sorted(
            (e for e in ENTRIES if e.section == section and authorize(user, company, e.permission)),
            key=lambda e: (e.order, e.label),
        )
        if entries:
            menu.append((section, [(e, reverse(e.url_name, kwargs={"company": company.slug})) for e in entries]))
    return menu


# The platform's own pages.
register(NavEntry("Administration", "Members", "platform:members", "platform.manage_members", shortcut="g m", order=10))
register(NavEntry("Administration", "Roles", "platform:roles", "platform.manage_roles", order=20))
register(NavEntry("Administration", "Company settings", "platform:company-settings", "platform.manage_company",
                  order=30))
register(NavEntry("Administration", "Audit log", "platform:audit-log", "platform.view_audit_log", shortcut="g a",
                  order=40))
