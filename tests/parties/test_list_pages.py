"""Deep pages of the party list read their ids first (added for the list benchmark): same rows,
same order, same prefetched data as a plain OFFSET query, and nothing of another company."""

import random

import pytest
from django.core.paginator import Paginator

from bench.data import bulk_seed
from tandem.parties import queries
from tandem.parties.models import Party

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
