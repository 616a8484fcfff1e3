"""Concurrency on PostgreSQL: separate connections released together at a barrier."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from tandem.platform.sequences import next_number
from tests.platform.factories import make_company

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_posters_get_gapless_unique_numbers():
    company = make_company(slug="busy")
    workers = 20
    barrier = threading.Barrier(workers)

    def take(index: int) -> int | None:
        try:
            barrier.wait()
            with transaction.atomic():
                number = next_number(company, "invoice/2026")
                if index % 5 == 0:
                    raise RuntimeError("this posting fails and gives its number back")
                return number
        except RuntimeError:
            return None
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        numbers = [n for n in pool.map(take, range(workers)) if n is not None]

    assert sorted(numbers) == list(range(1, len(numbers) + 1))
