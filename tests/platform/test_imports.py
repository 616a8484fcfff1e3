"""Reading uploads and mapping their columns: the generic half of the import wizard."""

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from tandem.platform.imports import (
    Importer,
    ImportField,
    ImportRejected,
    Spreadsheet,
    guess_mapping,
    row_values,
)

IMPORTER = Importer(
    key="test", label="Things", permission="parties.import_party",
    fields=(
        ImportField("name", "Name", required=True, aliases=("company", "full name")),
        ImportField("email", "Emails", aliases=("e-mail", "mail")),
        ImportField("postal_code", "Postal code", aliases=("zip", "plz")),
    ),
    validate=lambda company, row: None, upsert=lambda company, row, actor: True,
)


def rows_of(data: bytes, name: str = "file.csv") -> list[tuple[int, list[str]]]:
    return list(Spreadsheet(data, name).rows())


def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def test_utf8_with_a_byte_order_mark_reads_clean_headers():
    data = "\ufeffName,City\nÄrzte GmbH,Köln\n".encode()

    assert rows_of(data) == [(1, ["Name", "City"]), (2, ["Ärzte GmbH", "Köln"])]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_and_latin1_files_are_read_when_they_are_not_utf8(encoding):
    data = "Name;City\nMüller;Köln\n".encode(encoding)

    assert rows_of(data) == [(1, ["Name", "City"]), (2, ["Müller", "Köln"])]


def test_the_euro_sign_of_a_windows_file_survives():
    assert rows_of("Name\n5 € Shop\n".encode("cp1252"))[1] == (2, ["5 € Shop"])


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(delimiter):
    data = delimiter.join(["Name", "Email", "City"]).encode() + b"\n" + delimiter.join(
        ["Acme, Inc." if delimiter != "," else '"Acme, Inc."', "a@acme.test", "Berlin"]).encode()

    assert rows_of(data)[1] == (2, ["Acme, Inc.", "a@acme.test", "Berlin"])


def test_a_single_column_file_reads():
    assert rows_of(b"Name\nAcme\nBeta\n") == [(1, ["Name"]), (2, ["Acme"]), (3, ["Beta"])]


def test_blank_rows_are_skipped_but_rows_keep_their_spreadsheet_numbers():
    assert rows_of(b"Name\n\nAcme\n,\nBeta\n") == [(1, ["Name"]), (3, ["Acme"]), (5, ["Beta"])]


def test_xlsx_cells_read_as_the_text_a_person_typed():
    data = xlsx([["Name", "Zip", "Phone", "Since", "Rate"],
                 ["Acme", 10115, 4930901820.0, datetime(2026, 3, 1), 0.1 + 0.2],
                 ["Beta", None, "+49 30 1", date(2026, 3, 2), 1.5]])

    rows = rows_of(data, "things.xlsx")

    assert rows[1] == (2, ["Acme", "10115", "4930901820", "2026-03-01", "0.3"])
    assert rows[2] == (3, ["Beta", "", "+49 30 1", "2026-03-02", "1.5"])


def test_the_apostrophe_of_our_own_exports_is_removed_from_formula_like_text():
    assert rows_of(b"Name,Note\n'=1+1,'plain\n")[1] == (2, ["=1+1", "'plain"])


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a.pdf", b"%PDF-1.7", "Upload a CSV or XLSX file."),
    ("a.csv", b"Name\x00\x01", "not a CSV or XLSX file"),
    ("a.csv", b"Name\x07bell\n", "not a CSV or XLSX file"),
    ("a.csv", xlsx([["Name"]]), "not a real CSV file"),
    ("a.xlsx", b"Name\nAcme\n", "not a real XLSX file"),
])
def test_anything_else_is_refused(name, data, message):
    with pytest.raises(ImportRejected, match=message):
        rows_of(data, name)


def _zip(members: dict[str, bytes]) -> bytes:
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return target.getvalue()


def test_a_zip_that_is_not_a_workbook_is_refused():
    with pytest.raises(ImportRejected, match="not a valid XLSX workbook"):
        Spreadsheet(_zip({"readme.txt": b"hello"}), "a.xlsx")


def test_a_workbook_that_unpacks_to_too_much_is_refused(settings):
    settings.TANDEM_MAX_UPLOAD_BYTES = 1000
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b" " * 50_000})

    with pytest.raises(ImportRejected, match="unpacks to too much"):
        Spreadsheet(bomb, "a.xlsx")


def test_a_workbook_with_xml_entity_declarations_is_refused():
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><workbook>&lol;</workbook>'

    with pytest.raises(ImportRejected, match="XML declarations"):
        Spreadsheet(_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": laughs}), "a.xlsx")


def test_a_broken_csv_line_is_named():
    sheet = Spreadsheet(b'Name\n"unterminated\n' + b"x" * 200_000, "a.csv")

    with pytest.raises(ImportRejected, match="Line"):
        list(sheet.rows())


def test_headers_that_are_blank_get_a_column_name():
    assert Spreadsheet(b"Name,,City\na,b,c\n", "a.csv").headers() == ["Name", "Column 2", "City"]


def test_columns_are_guessed_from_keys_labels_and_aliases_ignoring_case_and_accents():
    assert guess_mapping(IMPORTER, ["E-Mail", "PLZ", "Company", "Notes"]) == {"name": 2, "email": 0, "postal_code": 1}
    assert guess_mapping(IMPORTER, ["NAME", "Émails"]) == {"name": 0, "email": 1}


def test_the_remembered_mapping_wins_over_guesses_and_a_column_maps_once():
    headers = ["Name", "Firma", "Mail"]

    mapping = guess_mapping(IMPORTER, headers, {"name": "Firma", "email": "Firma"})

    assert mapping == {"name": 1, "email": 2}


def test_a_row_reads_as_field_values_with_blanks_for_what_is_missing():
    assert row_values(IMPORTER, {"name": 0, "postal_code": 3}, ["Acme", "x", "y"]) == {
        "name": "Acme", "email": "", "postal_code": ""}
