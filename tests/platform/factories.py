"""Builders for platform state, through the real services. Other apps' tests import these."""

import itertools

from tandem.platform import services
from tandem.platform.models import Company, User

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


def make_user(email: str | None = None, *, password: str = PASSWORD, full_name: str = "") -> User:
    email = email or f"user{next(_counter)}@example.test"
    return User.objects.create_user(email, password, full_name=full_name or email.split("@")[0].title())


def make_company(*, slug: str | None = None, name: str | None = None, **fields) -> Company:
    number = next(_counter)
    fields = {"base_currency": "EUR", "country": "DE", "timezone": "Europe/Berlin", "locale": "en"} | fields
    return services.create_company(
        actor=None, slug=slug or f"company-{number}", name=name or f"Company {number}", **fields
    )


def make_member(company: Company, roles: list[str], *, email: str | None = None,
                password: str = PASSWORD) -> User:
    """A user with a password and the given roles in the company (created if new)."""
    email = email or f"member{next(_counter)}@example.test"
    membership = services.add_member(company, email=email, roles=roles, actor=None)
    user = membership.user
    if not user.has_usable_password():
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
