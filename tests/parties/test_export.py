"""Exporting the filtered party list as CSV and XLSX."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tandem.parties.models import Party
from tandem.parties.services import archive_party
from tandem.platform.models import ImportJob
from tests.parties.factories import AddressData, make_party, make_person
from tests.parties.factories import parties_url as url
from tests.platform.factories import make_member


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}
    }


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def parties(company, manager, other_company, outsider):
    """Two tagged parties of ours (one with a formula for a name), one untagged, one of another company."""
    evil = make_party(company, actor=manager, name="=cmd|' /C calc'!A0", tags=["fair"], notes="+SUM(A1:A2)",
                      emails=["evil@example.test"], roles=["customer"],
                      address=AddressData(street="@home 1", postal_code="10115", city="Berlin", country="DE"))
    person = make_person(company, actor=manager, name="Ada Lovelace", tags=["fair"], phones=["+49 30 901820"])
    make_party(company, actor=manager, name="Untagged Ltd")
    make_party(other_company, actor=outsider, name="Theirs", tags=["fair"])
    return evil, person


def test_the_csv_export_holds_only_the_filtered_parties_of_the_company(web, company, parties):
    evil, person = parties

    response = web.get(url("party-export-csv", company), {"tag": "fair", "page": "2"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="parties-acme-')
    rows = csv_rows(response)
    header = rows[0]
    assert header[:4] == ["ID", "Kind", "Name", "Emails"]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {str(evil.pk), str(person.pk)}
    assert by_id[str(person.pk)]["Phones"] == "'+4930901820"  # starts with +, so it is quoted too
    assert by_id[str(evil.pk)]["Roles"] == "customer"


def test_the_csv_export_neutralises_formulas(web, company, parties):
    evil, _ = parties

    rows = csv_rows(web.get(url("party-export-csv", company), {"q": "evil"}))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Name"] == "'=cmd|' /C calc'!A0"
    assert row["Notes"] == "'+SUM(A1:A2)"
    assert row["Street"] == "'@home 1"
    assert row["ID"] == str(evil.pk)


def test_the_xlsx_export_keeps_numbers_numeric_and_formulas_as_text(web, company, parties):
    evil, person = parties

    response = web.get(url("party-export-xlsx", company), {"tag": "fair", "sort": "-name"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["ID"] for r in records] == [person.pk, evil.pk]  # sorted by name, Z to A
    assert all(isinstance(r["ID"], int) for r in records)
    evil_row = records[1]
    assert evil_row["Name"] == "'=cmd|' /C calc'!A0"
    assert evil_row["Notes"] == "'+SUM(A1:A2)"
    assert evil_row["Archived"] is False
    assert isinstance(evil_row["Created"], datetime)


def test_the_xlsx_export_contains_no_formula_cells(web, company, parties):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(web.get(url("party-export-xlsx", company)).streaming_content)))

    types = {cell.data_type for row in workbook.active.iter_rows() for cell in row}

    assert "f" not in types


def test_exports_follow_the_archived_filter(web, company, manager, parties):
    _, person = parties
    archive_party(person, actor=manager)

    active = {row[2] for row in csv_rows(web.get(url("party-export-csv", company)))[1:]}
    archived = {row[2] for row in csv_rows(web.get(url("party-export-csv", company), {"archived": "only"}))[1:]}

    assert "Ada Lovelace" not in active and archived == {"Ada Lovelace"}


def test_exporting_needs_the_export_permission(company, parties):
    rep = make_member(company, ["sales_rep"], email="rep@acme.test")
    client = Client()
    client.force_login(rep)

    assert client.get(url("party-export-csv", company)).status_code == 403
    assert client.get(url("party-export-xlsx", company)).status_code == 403


def test_an_exported_file_is_mapped_by_the_importer_without_help(web, company, parties, media):
    """Export headers are the importer's labels: editing an export and importing it works."""
    exported = b"".join(web.get(url("party-export-csv", company), {"q": "ada"}).streaming_content)

    web.post(url("party-import", company), {"file": SimpleUploadedFile("export.csv", exported)})

    job = ImportJob.objects.get()
    assert {"kind", "name", "email", "phone", "tax_id", "external_key", "roles", "tags", "street",
            "postal_code", "city", "country", "notes"} <= set(job.mapping)


def test_an_exported_file_imports_back_to_the_same_values(web, company, parties, media,
                                                          django_capture_on_commit_callbacks):
    exported = b"".join(web.get(url("party-export-csv", company), {"tag": "fair"}).streaming_content)
    existing = list(Party.objects.values_list("pk", flat=True))
    web.post(url("party-import", company), {"file": SimpleUploadedFile("export.csv", exported)})
    job = ImportJob.objects.get()
    mapping = {field: str(index) for field, index in job.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        web.post(url("party-import-job", company, job=job.pk), mapping)

    with django_capture_on_commit_callbacks(execute=True):
        web.post(url("party-import-commit", company, job=job.pk))

    job.refresh_from_db()
    assert (job.state, job.created_count) == ("done", 2)  # no external keys: new parties
    copies = Party.objects.filter(company=company).exclude(pk__in=existing)
    assert sorted(copies.values_list("name", flat=True)) == ["=cmd|' /C calc'!A0", "Ada Lovelace"]
    assert copies.get(name="Ada Lovelace").contact_points.get().value == "+4930901820"
    assert copies.get(name__startswith="=").notes == "+SUM(A1:A2)"
