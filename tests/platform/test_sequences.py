from django.db import transaction

from tandem.platform.sequences import next_number, peek_number


def test_numbers_count_up_from_one_per_company_and_key(company, other_company):
    assert [next_number(company, "invoice/2026") for _ in range(3)] == [1, 2, 3]
    assert next_number(company, "bill/2026") == 1
    assert next_number(other_company, "invoice/2026") == 1


def test_a_rolled_back_transaction_gives_its_number_back(company):
    next_number(company, "invoice")

    try:
        with transaction.atomic():
            assert next_number(company, "invoice") == 2
            raise RuntimeError("the invoice failed to post")
    except RuntimeError:
        pass

    assert peek_number(company, "invoice") == 2
    assert next_number(company, "invoice") == 2
