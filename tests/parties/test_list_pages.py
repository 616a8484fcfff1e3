"""Deep pages of the party list read their ids first (added for the list benchmark): same rows,
same order, same prefetched data as a plain OFFSET query, and nothing of another company. The
API's pages of rows count the list only up to a limit, and only when the page cannot tell."""

import random

import pytest
from django.core.paginator import Paginator

from bench.data import bulk_seed
from tandem.parties import queries
from tandem.parties.models import Party
from tandem.parties.services import tag_party
from tests.parties.factories import make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_parties(company, other_company):
    bulk_seed(company, 1200, rng=random.Random(1))
    bulk_seed(other_company, 30, rng=random.Random(2))
    return company


@pytest.mark.parametrize("filters", [{}, {"sort": "-name"}, {"sort": "created"}, {"q": "example"}, {"q": "example de"}, {"kind": "person"}])
def test_a_deep_page_lists_the_same_parties_as_a_plain_offset(many_parties, filters):
    whole_list = [party.pk for party in queries.list_parties(many_parties, **filters)]

    pages = [queries.list_parties(many_parties, **filters)[start:start + 50]
             for start in range(0, len(whole_list) + 50, 50)]

    assert len(whole_list) > 300
    assert [party.pk for page in pages for party in page] == whole_list


def test_the_whole_list_is_the_company_s_active_parties_in_name_order(many_parties):
    expected = Party.objects.filter(company=many_parties, is_archived=False).order_by("name", "id")

    assert list(queries.list_parties(many_parties)) == list(expected)


def test_a_deep_page_brings_its_prefetched_roles_and_primary_contacts(many_parties, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        page = list(queries.list_parties(many_parties)[900:950])

    assert len(page) == 50
    with django_assert_max_num_queries(0):
        for party in page:
            assert [role.role for role in party.roles.all()]
            assert {point.kind for point in party.primary_points} == {"email", "phone"}
            assert list(party.tags.all()) == []


def test_paginating_the_list_reaches_the_last_party(many_parties):
    paginator = Paginator(queries.list_parties(many_parties), 50)

    last = paginator.page(paginator.num_pages)

    assert paginator.count == 1200
    assert len(last.object_list) == 50
    assert list(last.object_list)[-1] == Party.objects.filter(company=many_parties).order_by("name", "id").last()


def test_a_page_of_rows_shows_what_the_list_shows(many_parties, admin):
    tagged = queries.list_parties(many_parties, sort="-created")[860]
    for tag in ("Zulu", "alpha", "Mike"):
        tag_party(tagged, tag=tag, actor=admin)
    listed = list(queries.list_parties(many_parties, sort="-created")[850:900])

    rows = queries.party_page(queries.list_parties(many_parties, sort="-created"), 18, 50).rows

    assert [row["id"] for row in rows] == [party.pk for party in listed]
    for row, party in zip(rows, listed, strict=True):
        points = {point.kind: point.value for point in party.primary_points}
        assert row == {
            "id": party.pk, "kind": party.kind, "name": party.name, "is_archived": party.is_archived,
            "created_at": party.created_at, "email": points.get("email"), "phone": points.get("phone"),
            "roles": [role.role for role in party.roles.all()], "tags": [tag.name for tag in party.tags.all()],
        }
    assert sorted(rows[10]["tags"]) == ["Mike", "Zulu", "alpha"]


@pytest.mark.parametrize(("page", "total", "exact", "has_next"), [
    (1, 500, False, True),  # counted up to the limit: more than 500
    (10, 500, False, True),  # reaches past the limit: more, without counting
    (24, 1200, True, False),  # the last page knows the total
    (30, 500, False, False),  # past the end: counted up to the limit
])
def test_a_long_list_is_counted_up_to_the_limit(many_parties, page, total, exact, has_next):
    found = queries.party_page(queries.list_parties(many_parties), page, 50, count_limit=500)

    assert (found.total, found.total_is_exact, found.has_next) == (total, exact, has_next)
    assert len(found.rows) == (50 if page <= 24 else 0)


def test_a_short_list_is_counted_exactly(company, admin):
    for number in range(7):
        make_party(company, actor=admin, name=f"Party {number}")
    parties = queries.list_parties(company)

    pages = [queries.party_page(parties, page, 3) for page in (1, 2, 3, 4)]

    assert [(page.total, page.total_is_exact, page.has_next, len(page.rows)) for page in pages] == [
        (7, True, True, 3), (7, True, True, 3), (7, True, False, 1), (7, True, False, 0)]
    assert queries.party_page(queries.list_parties(company, q="nobody"), 1, 3).total == 0


def test_only_a_page_that_cannot_tell_the_total_counts(many_parties, django_assert_num_queries):
    parties = queries.list_parties(many_parties)

    with django_assert_num_queries(3):  # ids, rows, details: the last page knows the total
        queries.party_page(parties, 24, 50)
    with django_assert_num_queries(3):  # a full page past the limit proves there are more
        queries.party_page(parties, 12, 50, count_limit=500)
    with django_assert_num_queries(4):
        queries.party_page(parties, 2, 50)
