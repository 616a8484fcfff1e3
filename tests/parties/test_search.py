"""The substring index behind party search (added for the search benchmark): it must find exactly
what a plain scan of search_text finds, stay current as parties change, and survive SQLite
rebuilding the parties table during a migration."""

from dataclasses import replace

import pytest
from django.db import connection

from tandem.parties import queries, search_index
from tandem.parties.models import Party
from tandem.parties.services import archive_party, merge_parties, party_data_of, tag_party, update_party
from tests.parties.factories import make_party, make_person

pytestmark = pytest.mark.django_db


def names(parties) -> list[str]:
    return sorted(party.name for party in parties)


@pytest.fixture
def parties(company, admin):
    make_party(company, actor=admin, name="Nordwind Logistik GmbH", emails=["info@nordwind.example"],
               phones=["+49 30 901820"])
    make_person(company, actor=admin, name="Anna Müller", emails=["anna@mueller.example"])
    make_person(company, actor=admin, name="Jo Li", phones=["+49 89 1234567"])


@pytest.mark.parametrize(("query", "expected"), [
    ("nordwind", ["Nordwind Logistik GmbH"]),
    ("MÜLLER", ["Anna Müller"]),
    ("anna müller", ["Anna Müller"]),
    ("info@nordwind.example", ["Nordwind Logistik GmbH"]),
    ("901820", ["Nordwind Logistik GmbH"]),
    ("+4930901820", ["Nordwind Logistik GmbH"]),
    ("li", ["Jo Li"]),
    ("gi", ["Nordwind Logistik GmbH"]),
    ("jo li", ["Jo Li"]),
    ("jo 1234567", ["Jo Li"]),
    ('"quoted" words', []),
    ("100%", []),
    ("an_a", []),
])
def test_search_finds_the_parties_whose_text_contains_every_word(company, parties, query, expected):
    found = queries.search_parties(company, query, 10)
    listed = queries.list_parties(company, q=query)
    picked = queries.pick_parties(company, query)

    assert names(found) == expected
    assert names(listed) == expected
    assert names(picked) == expected


def test_search_follows_renames_and_new_tags(company, admin, parties):
    party = Party.objects.get(name="Anna Müller")

    update_party(party, replace(party_data_of(party), name="Anna Schmidt"), actor=admin)
    tag_party(party, tag="Trade fair", actor=admin)

    assert names(queries.search_parties(company, "schmidt", 10)) == ["Anna Schmidt"]
    assert queries.search_parties(company, "müller", 10) == []
    assert names(queries.search_parties(company, "trade fair", 10)) == ["Anna Schmidt"]


def test_search_never_finds_parties_of_another_company(company, other_company, parties):
    make_party(other_company, name="Nordwind Logistik GmbH")

    found = queries.search_parties(company, "nordwind", 10)

    assert [party.company_id for party in found] == [company.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its search index with triggers")
def test_the_index_is_repaired_after_sqlite_rebuilt_the_parties_table(company, admin, parties):
    with connection.cursor() as cursor:  # what rebuilding the table in a migration does to them
        for name in search_index.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    make_party(company, actor=admin, name="Zeppelin Werke AG")
    assert queries.search_parties(company, "zeppelin", 10) == []

    repaired = search_index.ensure_sqlite_triggers(connection)

    assert repaired
    assert names(queries.search_parties(company, "zeppelin", 10)) == ["Zeppelin Werke AG"]
    make_party(company, actor=admin, name="Zeppelin Reisen GmbH")
    assert names(queries.search_parties(company, "zeppelin", 10)) == ["Zeppelin Reisen GmbH", "Zeppelin Werke AG"]


def test_search_lists_active_parties_first_then_names_starting_with_the_word(company, admin, parties):
    archived = make_party(company, actor=admin, name="Aaron Nordwind")
    archive_party(archived, actor=admin)
    make_party(company, actor=admin, name="Zora Nordwind")
    make_party(company, actor=admin, name="Berta Nordwind")

    found = [party.name for party in queries.search_parties(company, "nordwind", 10)]
    listed = [party.name for party in queries.list_parties(company, q="nordwind", sort="-name")]

    assert found == ["Nordwind Logistik GmbH", "Berta Nordwind", "Zora Nordwind", "Aaron Nordwind"]
    assert listed == ["Zora Nordwind", "Nordwind Logistik GmbH", "Berta Nordwind"]


def test_search_puts_parties_named_so_before_those_that_only_mention_it(company, admin):
    make_person(company, actor=admin, name="David Tanaka", emails=["david@nordwind.example"])
    make_person(company, actor=admin, name="Aaron Nordwind Fan")
    make_party(company, actor=admin, name="Nordwind Furniture GmbH")

    found = queries.search_parties(company, "nordw", 10)

    assert [party.name for party in found] == ["Nordwind Furniture GmbH", "Aaron Nordwind Fan", "David Tanaka"]


def test_search_reads_parties_as_the_orm_does_without_their_search_text(company, admin, parties):
    found = queries.search_parties(company, "nordwind", 10)[0]

    expected = Party.objects.get(pk=found.pk)
    assert "search_text" in found.get_deferred_fields()
    assert {f.attname: getattr(found, f.attname) for f in Party._meta.concrete_fields if f.name != "search_text"} == {
        f.attname: getattr(expected, f.attname) for f in Party._meta.concrete_fields if f.name != "search_text"}
    assert found.created_at.tzinfo is not None


def test_pickers_offer_active_parties_first_never_merged_or_excluded_ones(company, admin, parties):
    archived = make_party(company, actor=admin, name="Aaron Nordwind")
    archive_party(archived, actor=admin)
    kept = make_person(company, actor=admin, name="Berta Nordwind")
    merged = make_person(company, actor=admin, name="Berta Nordwind (old)")
    merge_parties(kept, merged, actor=admin)
    excluded = make_party(company, actor=admin, name="Nordwind Excluded GmbH")

    picked = [party.name for party in queries.pick_parties(company, "nordwind", exclude=(excluded.pk,))]
    people = [party.name for party in queries.pick_parties(company, "nordwind", kind="person")]

    assert picked == ["Berta Nordwind", "Nordwind Logistik GmbH", "Aaron Nordwind"]
    assert people == ["Berta Nordwind"]
