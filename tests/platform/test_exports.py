"""Formula-safe CSV and XLSX writers."""

import csv
import io
import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from tandem.platform.exports import Column, csv_lines, csv_response, safe_cell, write_xlsx, xlsx_response

COLUMNS = [
    Column("Name", lambda row: row["name"]),
    Column("Amount", lambda row: row["amount"]),
    Column("Paid", lambda row: row["paid"]),
    Column("When", lambda row: row["when"]),
]
ROWS = [
    {"name": "=HYPERLINK(\"http://evil.test\")", "amount": Decimal("-12.50"), "paid": True,
     "when": datetime(2026, 3, 1, 12, 30, tzinfo=UTC)},
    {"name": "Plain", "amount": -3, "paid": False, "when": date(2026, 3, 2)},
]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\0x", "=cmd|' /C calc'!A0"])
def test_text_that_starts_like_a_formula_is_prefixed_with_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, 0, Decimal("-1.25"), 3.5, True, None, date(2026, 1, 1), "Acme", "a=b", ""])
def test_other_values_are_left_as_they_are(value):
    assert safe_cell(value) == value


def test_csv_has_a_bom_a_header_and_neutralised_text_but_plain_numbers():
    text = "".join(csv_lines(COLUMNS, ROWS, zone=zoneinfo.ZoneInfo("Europe/Berlin")))

    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["Name", "Amount", "Paid", "When"],
        ["'=HYPERLINK(\"http://evil.test\")", "-12.50", "yes", "2026-03-01 13:30:00"],
        ["Plain", "-3", "no", "2026-03-02"],
    ]


def test_csv_is_streamed_row_by_row():
    def endless():
        number = 0
        while True:
            number += 1
            yield {"name": f"row {number}", "amount": number, "paid": False, "when": None}

    response = csv_response("x.csv", COLUMNS, endless())
    chunks = iter(response.streaming_content)

    assert next(chunks).decode().startswith("\ufeffName")
    assert next(chunks).decode() == "row 1,1,no,\r\n"


def test_xlsx_keeps_numbers_dates_and_booleans_typed_and_text_never_a_formula():
    target = io.BytesIO()

    write_xlsx(target, COLUMNS, ROWS, zone=zoneinfo.ZoneInfo("Europe/Berlin"))

    sheet = openpyxl.load_workbook(target).active
    cells = [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == [("Name", "s"), ("Amount", "s"), ("Paid", "s"), ("When", "s")]
    assert cells[1][0] == ("'=HYPERLINK(\"http://evil.test\")", "s")
    assert cells[1][1] == (-12.5, "n") and cells[2][1] == (-3, "n")
    assert cells[1][2] == (True, "b")
    assert cells[1][3] == (datetime(2026, 3, 1, 13, 30), "d")
    assert cells[2][3] == (datetime(2026, 3, 2), "d")


def test_the_xlsx_response_is_a_download_of_the_workbook():
    response = xlsx_response("grüße.xlsx", COLUMNS, ROWS)

    assert response["Content-Disposition"] == "attachment; filename*=utf-8''gr%C3%BC%C3%9Fe.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.active.max_row == 3
