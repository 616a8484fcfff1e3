"""Formula-safe CSV and XLSX downloads of any list, streamed so that big lists do not sit in memory.

An app describes its columns once (`Column(header, value)`) and hands an iterable of rows to
`csv_response` or `xlsx_response`. Text cells that a spreadsheet would read as a formula (starting
with = + - @ TAB CR or NUL) are prefixed with an apostrophe (OWASP ASVS 5.0 1.2.10); numbers,
dates and booleans stay typed cells, so a negative amount is still a number.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | Decimal | float | bool | date | datetime | None


@dataclass(frozen=True)
class Column:
    """One exported column: its header and how to get the cell value from a row."""

    header: str
    value: Callable[[Any], Cell]


def safe_text(text: str) -> str:
    """Text a spreadsheet will show as text, never evaluate as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Cell) -> Cell:
    """Neutralise text that looks like a formula; leave typed values (numbers, dates) alone."""
    return safe_text(value) if isinstance(value, str) else value


def _naive(value: datetime, zone: tzinfo | None) -> datetime:
    """Spreadsheets have no time zones: show aware datetimes as wall-clock time in `zone`."""
    if timezone.is_aware(value):
        return timezone.make_naive(value, zone or timezone.get_current_timezone())
    return value


def _csv_text(value: Cell, zone: tzinfo | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _naive(value, zone).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(value) if isinstance(value, str) else str(value)


class _Echo:
    """A file-like object whose write() returns what it was given, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[Column], rows: Iterable[Any], *, zone: tzinfo | None = None) -> Iterator[str]:
    """The CSV text line by line (UTF-8 BOM first, so that Excel reads the accents right)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_text(column.header) for column in columns])
    for row in rows:
        yield writer.writerow([_csv_text(column.value(row), zone) for column in columns])


def csv_response(filename: str, columns: list[Column], rows: Iterable[Any], *,
                 zone: tzinfo | None = None) -> StreamingHttpResponse:
    """Stream the rows as a CSV download."""
    response = StreamingHttpResponse(csv_lines(columns, rows, zone=zone), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def write_xlsx(target, columns: list[Column], rows: Iterable[Any], *, zone: tzinfo | None = None,
               sheet: str = "Export") -> None:
    """Write the rows as an XLSX workbook into a seekable binary file, in constant memory."""
    workbook = xlsxwriter.Workbook(target, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "in_memory": False,
    })
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for index, column in enumerate(columns):
        worksheet.write_string(0, index, safe_text(column.header), bold)
    for row_number, row in enumerate(rows, start=1):
        for index, column in enumerate(columns):
            value = column.value(row)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(row_number, index, value)
            elif isinstance(value, int | float | Decimal):
                worksheet.write_number(row_number, index, value)
            elif isinstance(value, datetime):
                worksheet.write_datetime(row_number, index, _naive(value, zone), datetime_format)
            elif isinstance(value, date):
                worksheet.write_datetime(row_number, index, value, date_format)
            else:
                worksheet.write_string(row_number, index, safe_text(str(value)))
    workbook.close()


def xlsx_response(filename: str, columns: list[Column], rows: Iterable[Any], *,
                  zone: tzinfo | None = None, sheet: str = "Export") -> FileResponse:
    """Build the workbook in a temporary file (an XLSX is a zip, written at the end) and stream
    that file; the file disappears when the response is closed."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(target, columns, rows, zone=zone, sheet=sheet)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
