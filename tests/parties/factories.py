"""Builders for parties, through the real services."""

from django.urls import reverse

from tandem.parties.models import Party
from tandem.parties.services import AddressData, PartyData, create_party
from tandem.platform.models import Company, User


def make_party(company: Company, *, actor: User | None = None, name: str = "Hooli GmbH",
               kind: str = "organisation", **fields) -> Party:
    return create_party(company, PartyData(kind=kind, name=name, **fields), actor=actor)


def make_person(company: Company, *, actor: User | None = None, name: str = "Ada Lovelace", **fields) -> Party:
    return make_party(company, actor=actor, name=name, kind="person", **fields)


def parties_url(name: str, company: Company, **kwargs) -> str:
    """The address of a parties page, e.g. parties_url("party-detail", company, pk=7)."""
    return reverse(f"parties:{name}", kwargs={"company": company.slug, **kwargs})


__all__ = ["AddressData", "PartyData", "make_party", "make_person", "parties_url"]
