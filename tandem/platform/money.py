"""Money: an immutable Decimal amount with its ISO 4217 currency. All rounding to a currency's
minor unit (from CLDR, through babel) and all formatting happen here. No float ever."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_name, get_currency_precision


class MoneyError(ValueError):
    pass


@cache
def minor_unit(currency: str) -> int:
    """Digits after the decimal point for the currency (EUR 2, JPY 0, KWD 3)."""
    if len(currency) != 3 or get_currency_name(currency, locale="en") == currency:
        raise MoneyError(f"Unknown currency {currency!r}.")
    return get_currency_precision(currency)


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    exponent = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(exponent, rounding=rounding)


def to_decimal(value: object) -> Decimal:
    """Parse a decimal from a string, int or Decimal; floats and non-finite values are refused."""
    if isinstance(value, bool | float):
        raise MoneyError("Amounts must be given as decimal strings, not floats.")
    try:
        result = Decimal(value if isinstance(value, Decimal) else str(value).strip())
    except (InvalidOperation, TypeError) as error:
        raise MoneyError(f"{value!r} is not a decimal amount.") from error
    if not result.is_finite():
        raise MoneyError("Amounts must be finite.")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount = to_decimal(self.amount)
        object.__setattr__(self, "currency", self.currency.upper())
        minor_unit(self.currency)
        object.__setattr__(self, "amount", amount)

    @classmethod
    def of(cls, amount: object, currency: str) -> "Money":
        """A Money rounded to the currency's minor unit."""
        return cls(quantize(to_decimal(amount), currency.upper()), currency)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls.of(0, currency)

    def quantized(self) -> "Money":
        return Money(quantize(self.amount, self.currency), self.currency)

    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money):
            raise TypeError("Money can only be combined with Money.")
        if other.currency != self.currency:
            raise MoneyError(f"Cannot combine {self.currency} with {other.currency}.")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: object) -> "Money":
        if isinstance(factor, Money):
            raise TypeError("Cannot multiply Money by Money.")
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: "Money") -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: "Money") -> bool:
        self._same(other)
        return self.amount <= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def allocate(self, ratios: list[int]) -> list["Money"]:
        """Split into parts proportional to ratios, at the minor unit, losing no cent."""
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise MoneyError("Ratios must be non-negative and not all zero.")
        unit = Decimal(1).scaleb(-minor_unit(self.currency))
        total = self.quantized().amount
        parts = [quantize(total * r / sum(ratios), self.currency, "ROUND_DOWN") for r in ratios]
        remainder = total - sum(parts)
        index = 0
        while remainder != 0:
            step = unit if remainder > 0 else -unit
            parts[index % len(parts)] += step
            remainder -= step
            index += 1
        return [Money(part, self.currency) for part in parts]

    def format(self, locale: str = "en") -> str:
        return format_currency(self.amount, self.currency, locale=locale)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
