from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.platform.money import Money, MoneyError, minor_unit


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("usd", 2)])
def test_minor_units_come_from_cldr(currency, digits):
    assert Money.of("1", currency).amount.as_tuple().exponent == -digits
    assert minor_unit(currency.upper()) == digits


def test_amounts_are_rounded_half_up_to_the_minor_unit():
    assert Money.of("0.005", "EUR").amount == Decimal("0.01")
    assert Money.of("2.5", "JPY").amount == Decimal("3")
    assert Money.of("-0.005", "EUR").amount == Decimal("-0.01")


@pytest.mark.parametrize("bad", [0.1, "NaN", "Infinity", "-Infinity", "1,5", "abc", None, True])
def test_floats_and_non_numbers_are_refused(bad):
    with pytest.raises(MoneyError):
        Money.of(bad, "EUR")


def test_unknown_currencies_are_refused():
    with pytest.raises(MoneyError):
        Money.of("1", "XYZ")


def test_different_currencies_do_not_mix():
    with pytest.raises(MoneyError):
        Money.of("1", "EUR") + Money.of("1", "USD")


def test_money_is_formatted_per_locale():
    amount = Money.of("1234.5", "EUR")

    assert amount.format("de_DE") == "1.234,50\xa0€"
    assert amount.format("en_US") == "€1,234.50"
    assert Money.of("1234", "JPY").format("ja_JP") == "￥1,234"


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    ratios=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(any),
)
def test_allocation_never_loses_or_creates_a_cent(cents, ratios):
    total = Money(Decimal(cents) / 100, "EUR")

    parts = total.allocate(ratios)

    assert sum((p.amount for p in parts), Decimal(0)) == total.amount
    assert all(p.amount >= 0 for p in parts)
