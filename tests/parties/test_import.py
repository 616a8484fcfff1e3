"""Importing parties from CSV and XLSX through the wizard: upload → map → check → import."""

import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from tandem.parties.models import ContactPoint, Party
from tandem.platform import imports
from tandem.platform.models import EventRecord, ImportJob
from tandem.platform.tasks import run_import_job
from tests.parties.factories import parties_url as url
from tests.platform.factories import make_member

HEADERS = ["Customer number", "Company", "E-mail", "Phone", "Street", "Zip", "City", "Country", "Roles"]
GOOD_ROWS = [
    ["C-1", "Acme GmbH", "info@acme.test", "030 901820", "Hauptstr. 1", "10115", "Berlin", "DE", "customer"],
    ["C-2", "Beta AG", "sales@beta.test", "+44 20 7946 0958", "", "", "", "", "Supplier"],
    ["C-3", "Gamma SARL", "", "", "1 Rue de Rivoli", "75001", "Paris", "France", "customer; supplier"],
    ["C-4", "Delta Ltd", "", "+1 202 555 0143", "", "", "", "", ""],
    ["C-5", "Epsilon Oy", "hello@epsilon.test", "", "", "", "", "", "prospect"],
]
BAD_ROWS = [
    GOOD_ROWS[0],
    ["C-2", "", "sales@beta.test", "", "", "", "", "", ""],                                  # row 3: no name
    ["C-3", "Gamma SARL", "not-an-email", "12", "", "", "", "", ""],                          # row 4: email, phone
    ["C-4", "Delta Ltd", "", "", "Unter den Linden 1", "ABC", "Berlin", "DE", ""],            # row 5: postal code
    GOOD_ROWS[4],
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}
    }


def csv_file(rows: list[list[str]], *, name: str = "parties.csv", delimiter: str = ",",
             encoding: str = "utf-8") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], *, name: str = "parties.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def upload(web: Client, company, upload_file) -> ImportJob:
    response = web.post(url("party-import", company), {"file": upload_file})
    assert response.status_code == 302, response.content.decode()
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def check(web: Client, company, job: ImportJob, **mapping: int | str) -> ImportJob:
    """Accept the mapping the wizard proposes (with some fields changed) and run the dry run."""
    form = web.get(url("party-import-job", company, job=job.pk) + "?step=map").context["mapping_form"]
    data = {name: form[name].value() or "" for name in form.fields} | {k: str(v) for k, v in mapping.items()}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = web.post(url("party-import-job", company, job=job.pk), data)
    assert response.status_code == 302, response.content.decode()
    job.refresh_from_db()
    assert not imports.is_checking(job)
    return job


def commit(web: Client, company, job: ImportJob, capture, *, skip_invalid: bool = False):
    with capture(execute=True):
        response = web.post(url("party-import-commit", company, job=job.pk),
                            {"skip_invalid": "on"} if skip_invalid else {})
    job.refresh_from_db()
    return response


def test_a_file_with_bad_rows_writes_nothing_and_lists_each_error(web, company, django_capture_on_commit_callbacks):
    job = check(web, company, upload(web, company, csv_file([HEADERS, *BAD_ROWS])))

    page = web.get(url("party-import-job", company, job=job.pk)).content.decode()
    errors = {(line.row, line.column, line.message) for line in imports.error_lines(job)}
    assert errors == {
        (3, "Company", "Enter a name."),
        (4, "E-mail", "'not-an-email' is not a valid email address."),
        (4, "Phone", "'12' is not a valid phone number; include the country code, e.g. +49 30 901820."),
        (5, "Zip", "Not a valid postal code for Germany."),
    }
    table = page.split('id="import-errors"')[1]
    assert re.search(r"<td>3</td><td>Company</td><td>Enter a name.</td>", table)
    assert re.search(r"<td>5</td><td>Zip</td><td>Not a valid postal code for Germany.</td>", table)
    assert not Party.objects.filter(company=company).exists()

    response = commit(web, company, job, django_capture_on_commit_callbacks)

    assert response.status_code == 422
    assert "3 rows have errors" in response.content.decode()
    assert job.state == ImportJob.State.VALIDATED
    assert not Party.objects.filter(company=company).exists()


def test_the_errors_can_be_downloaded_as_csv(web, company):
    job = check(web, company, upload(web, company, csv_file([HEADERS, *BAD_ROWS])))

    response = web.get(url("party-import-errors", company, job=job.pk))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Message"]
    assert ["3", "Company", "Enter a name."] in rows
    assert len(rows) == 5


def test_the_corrected_file_imports_every_row(web, company, manager, django_capture_on_commit_callbacks):
    job = check(web, company, upload(web, company, csv_file([HEADERS, *GOOD_ROWS])))
    assert job.errors == []

    commit(web, company, job, django_capture_on_commit_callbacks)

    assert (job.state, job.created_count, job.updated_count, job.processed_rows) == ("done", 5, 0, 5)
    acme = Party.objects.get(company=company, external_key="C-1")
    assert acme.name == "Acme GmbH" and acme.created_by == manager
    phones = ContactPoint.objects.filter(company=company, kind="phone").values_list("value", flat=True)
    assert sorted(phones) == ["+12025550143", "+442079460958", "+4930901820"]
    gamma = Party.objects.get(company=company, external_key="C-3")
    assert sorted(gamma.roles.values_list("role", flat=True)) == ["customer", "supplier"]
    assert str(gamma.addresses.get()) == "1 Rue de Rivoli, 75001 Paris, France"
    assert EventRecord.objects.filter(company=company, code="parties.party.created").count() == 5
    assert EventRecord.objects.filter(company=company, code="platform.import.finished").get().payload["created"] == 5
    assert not job.file  # the upload is not kept once its rows are in the database
    page = web.get(url("party-import-job", company, job=job.pk)).content.decode()
    assert "<strong>5</strong> created, <strong>0</strong> updated, <strong>0</strong> skipped" in page


def test_importing_a_changed_file_again_updates_instead_of_duplicating(web, company,
                                                                        django_capture_on_commit_callbacks):
    commit(web, company, check(web, company, upload(web, company, csv_file([HEADERS, *GOOD_ROWS]))),
           django_capture_on_commit_callbacks)
    changed = [row.copy() for row in GOOD_ROWS]
    changed[1][1] = "Beta Holding AG"
    changed.append(["C-6", "Zeta GmbH", "", "", "", "", "", "", ""])

    job = check(web, company, upload(web, company, csv_file([HEADERS, *changed])))
    commit(web, company, job, django_capture_on_commit_callbacks)

    assert (job.created_count, job.updated_count) == (1, 5)
    assert Party.objects.filter(company=company).count() == 6
    assert Party.objects.get(company=company, external_key="C-2").name == "Beta Holding AG"
    assert EventRecord.objects.filter(company=company, code="parties.party.updated").count() == 1


def test_skipping_the_bad_rows_imports_only_the_good_ones(web, company, django_capture_on_commit_callbacks):
    job = check(web, company, upload(web, company, csv_file([HEADERS, *BAD_ROWS])))

    commit(web, company, job, django_capture_on_commit_callbacks, skip_invalid=True)

    assert job.state == ImportJob.State.DONE
    assert (job.created_count, imports.skipped_rows(job)) == (2, 3)
    assert sorted(Party.objects.filter(company=company).values_list("external_key", flat=True)) == ["C-1", "C-5"]


def test_xlsx_imports_like_csv_with_numbers_read_as_typed(web, company, django_capture_on_commit_callbacks):
    rows = [HEADERS, *[[*row[:5], int(row[5]) if row[5] else None, *row[6:]] for row in GOOD_ROWS]]

    job = check(web, company, upload(web, company, xlsx_file(rows)))
    commit(web, company, job, django_capture_on_commit_callbacks)

    assert (job.state, job.created_count) == ("done", 5)
    acme = Party.objects.get(company=company, external_key="C-1")
    assert acme.addresses.get().postal_code == "10115"
    assert acme.contact_points.get(kind="phone").value == "+4930901820"


def test_a_semicolon_separated_windows_file_imports(web, company, django_capture_on_commit_callbacks):
    rows = [["Name", "City", "Street", "Zip"], ["Müller & Söhne GmbH", "Köln", "Domplatz 1", "50667"]]
    job = check(web, company, upload(web, company, csv_file(rows, delimiter=";", encoding="cp1252")))

    commit(web, company, job, django_capture_on_commit_callbacks)

    party = Party.objects.get(company=company)
    assert party.name == "Müller & Söhne GmbH" and party.addresses.get().city == "Köln"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Upload a CSV or XLSX file."),
    ("parties.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is not a CSV or XLSX file."),
    ("parties.xlsx", b"Name,City\nAcme,Berlin\n", "This file is not a real XLSX file."),
    ("parties.xlsx", b"PK\x03\x04 not really a zip", "This file is not a valid XLSX workbook."),
    ("parties.csv", b"", "The submitted file is empty."),
    ("parties.csv", b"\n\n", "This file is empty."),
    ("parties.csv", b"Name,City\n", "The file has a header row but no data rows."),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused(web, company, name, data, message):
    response = web.post(url("party-import", company), {"file": SimpleUploadedFile(name, data)})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(web, company, settings):
    settings.TANDEM_MAX_UPLOAD_BYTES = 100

    response = web.post(url("party-import", company), {"file": csv_file([HEADERS, *GOOD_ROWS])})

    assert response.status_code == 422
    assert "The file is larger than" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_with_more_than_a_hundred_thousand_rows_is_refused(web, company):
    data = b"Name\n" + b"x\n" * (imports.MAX_ROWS + 1)

    response = web.post(url("party-import", company), {"file": SimpleUploadedFile("big.csv", data)})

    assert response.status_code == 422
    assert "more than 100,000 rows" in response.content.decode()


def test_the_mapping_chosen_is_offered_again_next_time(web, company):
    rows = [["Kundennr", "Firma"], ["K1", "Acme GmbH"]]
    first = upload(web, company, csv_file(rows))
    assert first.mapping == {}  # neither header is known
    check(web, company, first, external_key=0, name=1)

    second = upload(web, company, csv_file([["Firma", "Notiz", "Kundennr"], ["Beta AG", "", "K2"]]))

    assert second.mapping == {"name": 0, "external_key": 2}


def test_a_required_field_must_be_mapped(web, company):
    job = upload(web, company, csv_file([["Kundennr"], ["K1"]]))

    response = web.post(url("party-import-job", company, job=job.pk), {"external_key": "0"})

    assert response.status_code == 422
    assert "Choose the column that holds name." in response.content.decode()
    job.refresh_from_db()
    assert job.state == ImportJob.State.UPLOADED


def test_the_check_runs_in_the_background_and_the_page_follows_it(web, company, django_capture_on_commit_callbacks):
    job = upload(web, company, csv_file([HEADERS, *BAD_ROWS]))
    form = web.get(url("party-import-job", company, job=job.pk)).context["mapping_form"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        web.post(url("party-import-job", company, job=job.pk), {name: form[name].value() or "" for name in form.fields})
    checking = web.get(url("party-import-job", company, job=job.pk), HTTP_HX_REQUEST="true").content.decode()
    refused = web.post(url("party-import-commit", company, job=job.pk), {"skip_invalid": "on"})

    assert "<html" not in checking and 'hx-trigger="every 1s"' in checking
    assert 'id="check-progress"' in checking and 'aria-valuenow="0"' in checking
    assert refused.status_code == 409 and "still being checked" in refused.content.decode()
    for callback in callbacks:
        callback()
    checked = web.get(url("party-import-job", company, job=job.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in checked and '<strong id="bad-rows">3</strong> with errors' in checked


def test_a_check_of_an_old_mapping_stops_when_the_mapping_changes(web, company, django_capture_on_commit_callbacks):
    job = upload(web, company, csv_file([HEADERS, *BAD_ROWS]))
    form = web.get(url("party-import-job", company, job=job.pk)).context["mapping_form"]
    first = {name: form[name].value() or "" for name in form.fields}
    with django_capture_on_commit_callbacks(execute=False) as stale:
        web.post(url("party-import-job", company, job=job.pk), first)
    check(web, company, job, email="")  # the user changed the mapping: a new check ran

    for callback in stale:
        callback()  # the first check's task arrives late

    job.refresh_from_db()
    assert "email" not in job.mapping
    assert {error["row"] for error in job.errors} == {3, 4, 5}
    assert all("email" not in error["fields"] for error in job.errors)


def test_the_import_page_shows_a_progress_bar_until_done(web, company, django_capture_on_commit_callbacks):
    job = check(web, company, upload(web, company, csv_file([HEADERS, *GOOD_ROWS])))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        web.post(url("party-import-commit", company, job=job.pk))
    polling = web.get(url("party-import-job", company, job=job.pk), HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in polling and 'hx-trigger="every 1s"' in polling
    assert 'role="progressbar"' in polling and 'aria-valuenow="0"' in polling
    for callback in callbacks:
        callback()
    done = web.get(url("party-import-job", company, job=job.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in done and "<strong>5</strong> created" in done


def test_a_task_delivered_again_writes_nothing_twice(web, company, django_capture_on_commit_callbacks):
    job = check(web, company, upload(web, company, csv_file([HEADERS, *GOOD_ROWS])))
    commit(web, company, job, django_capture_on_commit_callbacks)

    run_import_job.enqueue(job.pk)

    job.refresh_from_db()
    assert (job.created_count, job.updated_count) == (5, 0)
    assert Party.objects.filter(company=company).count() == 5


def test_a_task_resumes_after_the_last_batch_a_dead_worker_committed(web, company, manager,
                                                                     django_capture_on_commit_callbacks):
    job = check(web, company, upload(web, company, csv_file([HEADERS, *GOOD_ROWS])))
    with django_capture_on_commit_callbacks(execute=False):
        web.post(url("party-import-commit", company, job=job.pk))
    # Given: a worker wrote the first two rows' batch and died.
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, processed_rows=2, created_count=2)

    imports.run_import(job.pk, batch_size=2)

    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.created_count) == ("done", 5, 5)
    assert sorted(Party.objects.values_list("external_key", flat=True)) == ["C-3", "C-4", "C-5"]


def test_import_jobs_of_another_company_are_not_found(web, company, other_company, outsider):
    theirs = ImportJob.objects.create(company=other_company, created_by=outsider, importer="parties",
                                      filename="theirs.csv", headers=["Name"])

    for name, method in [("party-import-job", "get"), ("party-import-job", "post"),
                         ("party-import-commit", "post"), ("party-import-errors", "get")]:
        assert getattr(web, method)(url(name, company, job=theirs.pk)).status_code == 404


def test_a_role_without_the_import_permission_cannot_import(company):
    rep = make_member(company, ["sales_rep"], email="rep@acme.test")
    client = Client()
    client.force_login(rep)

    response = client.post(url("party-import", company), {"file": csv_file([HEADERS, *GOOD_ROWS])})

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_file_lost_before_the_check_is_reported_and_cannot_be_imported(web, company,
                                                                         django_capture_on_commit_callbacks):
    job = upload(web, company, csv_file([HEADERS, *GOOD_ROWS]))
    form = web.get(url("party-import-job", company, job=job.pk)).context["mapping_form"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        web.post(url("party-import-job", company, job=job.pk), {name: form[name].value() or "" for name in form.fields})
    job.file.storage.delete(job.file.name)  # e.g. a media volume that was not shared with the worker

    for callback in callbacks:
        callback()
    response = web.post(url("party-import-commit", company, job=job.pk))

    job.refresh_from_db()
    assert not imports.is_checking(job)
    assert response.status_code == 422
    assert "The uploaded file is no longer available" in response.content.decode()
    assert not Party.objects.exists()
