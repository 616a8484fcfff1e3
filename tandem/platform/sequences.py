"""Gapless numbering: a counter row per (company, key), locked for update while a number is
taken. Numbers taken in a transaction that rolls back are given back with it."""

from django.db import IntegrityError, transaction
from django.db.models import F

from tandem.platform.models import Company, Sequence


def next_number(company: Company, key: str) -> int:
    """Take the next number of the sequence; call it inside the transaction that uses it."""
    with transaction.atomic():
        updated = Sequence.objects.filter(company=company, key=key).update(next_value=F("next_value") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    Sequence.objects.create(company=company, key=key, next_value=2)
                return 1
            except IntegrityError:
                Sequence.objects.filter(company=company, key=key).update(next_value=F("next_value") + 1)
        # The UPDATE above holds the row lock until commit (PostgreSQL) or the database write
        # lock (SQLite in IMMEDIATE mode), so this read sees our own increment only.
        return Sequence.objects.get(company=company, key=key).next_value - 1


def peek_number(company: Company, key: str) -> int:
    row = Sequence.objects.filter(company=company, key=key).first()
    return row.next_value if row else 1
