from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.functional import SimpleLazyObject

from tandem.platform.authz import granted_permissions, member_company_or_404
from tandem.platform.models import Company, User
from tandem.platform.navigation import menu_for
from tandem.platform.queries import unread_notifications, user_companies

# Shortcuts that work on every page; NavEntry.shortcut adds one per menu entry.
GLOBAL_SHORTCUTS = (
    (("Ctrl K", "⌘ K"), "Open the command palette (also while typing)"),
    (("/",), "Search"),
    (("?",), "Show these shortcuts"),
    (("g h",), "Go to the company's home page"),
    (("Esc",), "Close a dialog or menu"),
)


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str
    shortcut: str
    active: bool


class Nav:
    """The page frame's navigation, computed on first use so that htmx partials cost nothing."""

    def __init__(self, request: HttpRequest, user: User) -> None:
        self.request = request
        self.user = user

    @cached_property
    def company(self) -> Company | None:
        """The page's company; outside company pages, the company the user last worked in."""
        company = getattr(self.request, "company", None)
        if company is not None:
            return company
        slug = self.request.session.get("company") if hasattr(self.request, "session") else None
        if not slug:
            return None
        try:
            return member_company_or_404(self.user, slug)
        except Http404:
            return None

    @cached_property
    def sections(self) -> list[tuple[str, list[MenuLink], bool]]:
        """[(section, links, has the current page)] holding only what the user may open."""
        if self.company is None:
            return []
        path = self.request.path
        sections = []
        for section, entries in menu_for(self.user, self.company):
            links = [MenuLink(entry.label, url, entry.shortcut, path.startswith(url)) for entry, url in entries]
            sections.append((section, links, any(link.active for link in links)))
        return sections

    @cached_property
    def companies(self) -> list[Company]:
        return list(user_companies(self.user))

    @cached_property
    def unread_count(self) -> int:
        return unread_notifications(self.user, self.company).count() if self.company else 0

    @cached_property
    def shortcuts(self) -> list[tuple[tuple[str, ...], str]]:
        """[(alternative key sequences, what they do)] for the ? cheat sheet."""
        return [*GLOBAL_SHORTCUTS, *(
            ((link.shortcut,), f"Go to {link.label}")
            for _, links, _ in self.sections for link in links if link.shortcut
        )]


def tandem(request: HttpRequest) -> dict:
    """The frame's context: the current company, the user's companies, permissions and menu."""
    company = getattr(request, "company", None)
    user = getattr(request, "user", None)
    context = {"demo_mode": settings.DEMO_MODE, "current_company": company, "nav": None,
               "theme_choices": User.Theme.choices}
    if user is not None and user.is_authenticated:
        nav = Nav(request, user)
        context |= {
            "nav": nav,
            "my_companies": SimpleLazyObject(lambda: nav.companies),
            "unread_count": SimpleLazyObject(lambda: nav.unread_count),
        }
        if company is not None:
            context["perms_here"] = granted_permissions(user, company)
    return context
