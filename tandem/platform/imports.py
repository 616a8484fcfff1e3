"""The generic import wizard behind every "Import from CSV/XLSX" page.

An app registers an `Importer` in its `imports` module: its fields (label, required, header
aliases) and two functions over a row of raw strings — `validate` (raises a DomainError naming
the bad fields, writes nothing) and `upsert` (writes the row through the app's services and says
whether it created a record). The wizard then runs the same steps for every importer:

1. **upload** (`start_import`): a CSV (UTF-8 with or without BOM, else Windows-1252/Latin-1;
   delimiter sniffed) or an XLSX (first sheet, read-only). Anything else, a file larger than
   `TANDEM_MAX_UPLOAD_BYTES` or with more than `MAX_ROWS` rows is refused.
2. **map** (`save_mapping`): columns are auto-mapped from headers and aliases; the mapping a user
   chose is remembered per user and importer (`ImportMapping`) and offered next time.
3. **dry run** (`check_rows`, the body of `platform.tasks.check_import_job`, started by
   `save_mapping`): every row is validated, nothing is written; each bad row is kept with its row
   number and the messages per field. It runs as a task because 100,000 rows take longer than a
   web request may; while it runs the job is `validated` with `processed_rows < total_rows`.
4. **commit** (`commit_import`): refused while there are bad rows unless the user chose to skip
   them; enqueues `platform.tasks.run_import_job` after the transaction commits.
5. **run** (`run_import`, the task body): writes the rows in batches of `BATCH_SIZE`. Each batch
   is one transaction and each row a savepoint inside it, so a row that fails rolls back alone,
   and the job's progress (processed rows, counts, new errors) commits together with the rows it
   counts. A task delivered twice, or again after a crash, resumes after the last committed batch
   and never writes a row twice. Rows found bad by the dry run are skipped without a second try.

Row numbers are those a spreadsheet shows: the header is row 1. Committing and finishing are
audited (`ImportCommitted`, `ImportFinished`); each row's write is audited by the app's own
service. Upload, mapping and the dry run change no business data. The uploaded file is deleted
once the import is done.
"""

import csv
import io
import itertools
import logging
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import PurePath

import openpyxl
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from tandem.platform import events
from tandem.platform.context import request_id
from tandem.platform.errors import Conflict, DomainError, InvalidInput
from tandem.platform.exports import FORMULA_STARTS, Column, csv_response
from tandem.platform.models import Company, ImportJob, ImportMapping, User

logger = logging.getLogger(__name__)

MAX_ROWS = 100_000
BATCH_SIZE = 50
CHECK_BATCH_SIZE = 1000
PREVIEW_ROWS = 10
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}
DELIMITERS = ",;\t|"
# An XLSX is a zip: refuse archives that unpack to far more than any honest upload (zip bombs).
XLSX_MAX_UNPACKED_FACTOR = 20
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
Row = dict[str, str]


class ImportRejected(InvalidInput):
    code = "import_rejected"


class ImportNotReady(Conflict):
    code = "import_not_ready"


# --- Importers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Importer:
    """What an app tells the wizard: its fields and how one row is checked and written."""

    key: str
    label: str
    permission: str
    fields: tuple[ImportField, ...]
    validate: Callable[[Company, Row], object]
    upsert: Callable[[Company, Row, User], bool]

    def field(self, key: str) -> ImportField | None:
        return next((field for field in self.fields if field.key == key), None)


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    IMPORTERS[importer.key] = importer
    return importer


@cache
def _discover() -> None:
    """Import every app's `imports` module once, so that the registry is full in the web process
    and in the task worker alike."""
    autodiscover_modules("imports")


def get_importer(key: str) -> Importer:
    _discover()
    return IMPORTERS[key]


# --- Reading spreadsheets -------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        # Phone numbers and postal codes typed into Excel come back as floats.
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _unquote(cell: str) -> str:
    """Undo the apostrophe our exports put before formula-like text, so an export imports as is."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise ImportRejected("This file is not a CSV or XLSX file.")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_CHARACTERS.search(text[:65536]):
            raise ImportRejected("This file is not a CSV or XLSX file.")
        return text
    raise ImportRejected("This file is not a CSV or XLSX file.")  # unreachable: latin-1 decodes anything


def _delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _check_xlsx(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ImportRejected("This file is not a valid XLSX workbook.") from error
    with archive:
        names = set(archive.namelist())
        if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            raise ImportRejected("This file is not a valid XLSX workbook.")
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > XLSX_MAX_UNPACKED_FACTOR * settings.TANDEM_MAX_UPLOAD_BYTES:
            raise ImportRejected("This workbook unpacks to too much data; save it as CSV and upload that.")
        for name in names:
            if name.endswith((".xml", ".rels")):
                with archive.open(name) as member:
                    if b"<!DOCTYPE" in member.read(4096).upper():
                        raise ImportRejected("This workbook contains XML declarations we do not accept.")


class Spreadsheet:
    """An uploaded CSV or XLSX file, checked to be one, read row by row."""

    def __init__(self, data: bytes, filename: str) -> None:
        extension = PurePath(filename).suffix.lower()
        if extension not in EXTENSIONS:
            raise ImportRejected("Upload a CSV or XLSX file.")
        self.data = data
        self.format = "xlsx" if data.startswith(b"PK\x03\x04") else "csv"
        if self.format != EXTENSIONS[extension]:
            raise ImportRejected(f"This file is not a real {extension[1:].upper()} file.")
        if self.format == "xlsx":
            _check_xlsx(data)

    def _raw_rows(self) -> Iterator[list[str]]:
        if self.format == "csv":
            text = _decode(self.data)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
            try:
                for record in reader:
                    yield [cell.strip() for cell in record]
            except csv.Error as error:
                raise ImportRejected(f"Line {reader.line_num} cannot be read: {error}.") from error
            return
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds of errors on broken files
            raise ImportRejected("This XLSX workbook cannot be read.") from error
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
            for values in sheet.iter_rows(values_only=True):
                yield [_cell_text(value) for value in values]
        finally:
            workbook.close()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every row that is not blank, the header first."""
        for number, cells in enumerate(self._raw_rows(), start=1):
            if any(cells):
                yield number, [_unquote(cell) for cell in cells]

    def headers(self) -> list[str]:
        first = next(self.rows(), None)
        if first is None:
            raise ImportRejected("This file is empty.")
        return [cell or f"Column {index}" for index, cell in enumerate(first[1], start=1)]

    def data_rows(self) -> Iterator[tuple[int, list[str]]]:
        return itertools.islice(self.rows(), 1, None)

    def count_data_rows(self) -> int:
        """Rows below the header; refuses files with more than MAX_ROWS."""
        count = 0
        for _ in self.data_rows():
            count += 1
            if count > MAX_ROWS:
                raise ImportRejected(f"This file has more than {MAX_ROWS:,} rows; split it into smaller files.")
        return count


# --- Mapping columns to fields --------------------------------------------------------------


def _norm(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def guess_mapping(importer: Importer, headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, int]:
    """field → column index: first the columns the user chose last time (by header), then the
    headers that match a field's key, label or aliases. A column maps to one field at most."""
    normalised = [_norm(header) for header in headers]
    mapping: dict[str, int] = {}

    def take(key: str, names: list[str]) -> None:
        for name in names:
            if name and name in normalised:
                index = normalised.index(name)
                if index not in mapping.values():
                    mapping[key] = index
                    return

    for field in importer.fields:
        if remembered and remembered.get(field.key):
            take(field.key, [_norm(remembered[field.key])])
    for field in importer.fields:
        if field.key not in mapping:
            take(field.key, [_norm(name) for name in (field.key, field.label, *field.aliases)])
    return mapping


def row_values(importer: Importer, mapping: dict[str, int], cells: list[str]) -> Row:
    """The row as field → raw text ("" for unmapped fields and missing cells)."""
    return {
        field.key: cells[mapping[field.key]] if field.key in mapping and mapping[field.key] < len(cells) else ""
        for field in importer.fields
    }


def _row_error(number: int, error: DomainError) -> dict:
    return {"row": number, "fields": error.fields or {"": [error.message]}}


# --- Events ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImportCommitted(events.DomainEvent):
    code = "platform.import.committed"
    view_permission = "platform.view_audit_log"
    summary = "Import of {filename} started ({rows} rows, {skipped} skipped)"
    object_type: str = "platform.importjob"
    importer: str
    filename: str
    rows: int
    skipped: int


@dataclass(frozen=True, kw_only=True)
class ImportFinished(events.DomainEvent):
    code = "platform.import.finished"
    view_permission = "platform.view_audit_log"
    summary = "Import of {filename} finished: {created} created, {updated} updated, {skipped} skipped"
    object_type: str = "platform.importjob"
    importer: str
    filename: str
    created: int
    updated: int
    skipped: int


def _publish(event: events.DomainEvent) -> None:
    events.publish(event, request_id=request_id.get())


# --- The wizard's services ------------------------------------------------------------------


def _safe_filename(name: str) -> str:
    name = PurePath(name.replace("\\", "/")).name
    return "".join(ch for ch in name if ch.isprintable() and ch not in "\r\n\"")[:255] or "upload"


def start_import(company: Company, importer_key: str, *, upload: UploadedFile, actor: User) -> ImportJob:
    """Store a checked CSV/XLSX upload as a new import job with a first guess at the mapping."""
    importer = get_importer(importer_key)
    limit = settings.TANDEM_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ImportRejected(f"The file is larger than {limit // (1024 * 1024)} MB.", fields={"file": ["Too large."]})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ImportRejected(f"The file is larger than {limit // (1024 * 1024)} MB.", fields={"file": ["Too large."]})
    filename = _safe_filename(upload.name or "upload")
    try:
        sheet = Spreadsheet(data, filename)
        headers = sheet.headers()
        total = sheet.count_data_rows()
    except ImportRejected as error:
        raise ImportRejected(error.message, fields={"file": [error.message]}) from error
    if total == 0:
        raise ImportRejected("The file has a header row but no data rows.", fields={"file": ["No data rows."]})
    remembered = ImportMapping.objects.filter(company=company, user=actor, importer=importer.key).first()
    job = ImportJob(
        company=company, created_by=actor, importer=importer.key, filename=filename, headers=headers,
        mapping=guess_mapping(importer, headers, remembered.mapping if remembered else None), total_rows=total,
    )
    job.file.save(f"{secrets.token_hex(12)}.{sheet.format}", ContentFile(data), save=False)
    job.save()
    return job


def _spreadsheet_of(job: ImportJob) -> Spreadsheet:
    if not job.file:
        raise ImportRejected("The uploaded file is no longer available; upload it again.")
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ImportRejected("The uploaded file is no longer available; upload it again.") from error
    return Spreadsheet(data, job.file.name)


def _checked_mapping(job: ImportJob, importer: Importer, chosen: dict[str, int | None]) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    mapping: dict[str, int] = {}
    for field in importer.fields:
        index = chosen.get(field.key)
        if index is None:
            if field.required:
                errors[field.key] = [f"Choose the column that holds {field.label.lower()}."]
            continue
        if not 0 <= index < len(job.headers):
            errors[field.key] = ["Choose one of the file's columns."]
        elif index in mapping.values():
            errors[field.key] = [f"Column {job.headers[index]!r} is already used for another field."]
        else:
            mapping[field.key] = index
    if errors:
        raise ImportRejected("Please correct the highlighted fields.", fields=errors)
    return mapping


def save_mapping(job: ImportJob, mapping: dict[str, int | None], *, actor: User) -> ImportJob:
    """Set the column mapping, remember it for the user, and start the dry run (a task, see
    `check_rows`); a new mapping restarts the check."""
    from tandem.platform.tasks import check_import_job  # the task module imports this one

    importer = get_importer(job.importer)
    if job.state not in (ImportJob.State.UPLOADED, ImportJob.State.VALIDATED):
        raise ImportNotReady("This import has already started.")
    checked = _checked_mapping(job, importer, mapping)
    if not job.file:
        raise ImportRejected("The uploaded file is no longer available; upload it again.")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("company").get(pk=job.pk)
        if job.state not in (ImportJob.State.UPLOADED, ImportJob.State.VALIDATED):
            raise ImportNotReady("This import has already started.")
        job.transition_to(ImportJob.State.VALIDATED)
        job.mapping, job.errors, job.processed_rows = checked, [], 0
        job.save(update_fields=["state", "mapping", "errors", "processed_rows"])
        ImportMapping.objects.update_or_create(
            company=job.company, user=actor, importer=importer.key,
            defaults={"mapping": {key: job.headers[index] for key, index in checked.items()}},
        )
        job_id = job.pk
        transaction.on_commit(lambda: check_import_job.enqueue(job_id))
    return job


def is_checking(job: ImportJob) -> bool:
    """The dry run has not gone through every row yet."""
    return job.state == ImportJob.State.VALIDATED and job.processed_rows < job.total_rows


def check_rows(job_id: int, *, batch_size: int = CHECK_BATCH_SIZE) -> ImportJob:
    """The dry run (body of the check task): validate every row with the importer, write nothing
    but the job's progress and the bad rows. Stops when the mapping changed meanwhile (a newer
    check runs) and resumes where it left off when delivered again."""
    job = ImportJob.objects.select_related("company").get(pk=job_id)
    if not is_checking(job):
        return job
    importer = get_importer(job.importer)
    mapping, expected = job.mapping, job.processed_rows
    try:
        rows = itertools.islice(_spreadsheet_of(job).data_rows(), expected, None)
        for batch in itertools.batched(rows, batch_size):
            errors = []
            for number, cells in batch:
                try:
                    importer.validate(job.company, row_values(importer, mapping, cells))
                except DomainError as error:
                    errors.append(_row_error(number, error))
            with transaction.atomic():
                job = ImportJob.objects.select_for_update().select_related("company").get(pk=job_id)
                if not is_checking(job) or job.mapping != mapping or job.processed_rows != expected:
                    return job
                job.processed_rows = expected = expected + len(batch)
                job.errors = job.errors + errors
                job.save(update_fields=["processed_rows", "errors"] if errors else ["processed_rows"])
    except ImportRejected as error:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.mapping == mapping:
                job.errors, job.processed_rows = [{"row": None, "fields": {"": [error.message]}}], job.total_rows
                job.save(update_fields=["errors", "processed_rows"])
    return ImportJob.objects.get(pk=job_id)


def commit_import(job: ImportJob, *, skip_invalid: bool, actor: User) -> ImportJob:
    """Queue the import. Refused while the dry run found bad rows, unless they are to be skipped."""
    from tandem.platform.tasks import run_import_job  # the task module imports this one

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ImportJob.State.VALIDATED:
            raise ImportNotReady("Check the file first (map the columns), then import it.")
        if is_checking(job):
            raise ImportNotReady("The rows are still being checked; import them once the check is done.")
        if unreadable := [error for error in job.errors if error["row"] is None]:
            raise ImportRejected(unreadable[0]["fields"][""][0])
        bad = len(job.errors)
        if bad and not skip_invalid:
            raise ImportRejected(
                f"{bad} row{'s' if bad != 1 else ''} have errors: correct the file and upload it again, "
                "or choose to skip the bad rows.",
                fields={"skip_invalid": ["Tick this to import only the good rows."]},
            )
        if bad >= job.total_rows:
            raise ImportRejected("No row of this file can be imported.")
        job.transition_to(ImportJob.State.QUEUED)
        job.skip_invalid, job.processed_rows = skip_invalid, 0  # from now on it counts rows written
        job.save(update_fields=["state", "skip_invalid", "processed_rows"])
        _publish(ImportCommitted(
            company_id=job.company_id, actor_id=actor.pk, object_id=job.pk, importer=job.importer,
            filename=job.filename, rows=job.total_rows, skipped=bad,
        ))
        job_id = job.pk
        transaction.on_commit(lambda: run_import_job.enqueue(job_id))
    return job


class _Superseded(Exception):
    """Another delivery of the same task has moved the job on; this one stops."""


def _write_batch(job: ImportJob, importer: Importer, batch: tuple[tuple[int, list[str]], ...],
                 known_bad: set[int]) -> None:
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().only("processed_rows", "state").get(pk=job.pk)
        if current.state != ImportJob.State.RUNNING or current.processed_rows != job.processed_rows:
            raise _Superseded
        new_errors = False
        for number, cells in batch:
            if number in known_bad:
                continue
            try:
                with transaction.atomic():
                    created = importer.upsert(job.company, row_values(importer, job.mapping, cells), job.created_by)
            except DomainError as error:
                job.errors.append(_row_error(number, error))
                new_errors = True
            except IntegrityError:
                job.errors.append({"row": number, "fields": {"": ["Conflicts with another record; try again."]}})
                new_errors = True
            else:
                if created:
                    job.created_count += 1
                else:
                    job.updated_count += 1
        job.processed_rows += len(batch)
        fields = ["processed_rows", "created_count", "updated_count"] + (["errors"] if new_errors else [])
        job.save(update_fields=fields)


def run_import(job_id: int, *, batch_size: int = BATCH_SIZE) -> ImportJob:
    """Write the job's rows through the importer (the body of the import task)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("company", "created_by").get(pk=job_id)
        if job.state == ImportJob.State.QUEUED:
            job.transition_to(ImportJob.State.RUNNING)
            job.save(update_fields=["state"])
        elif job.state != ImportJob.State.RUNNING:
            return job  # already finished: a redelivered task does nothing
    importer = get_importer(job.importer)
    known_bad = {error["row"] for error in job.errors}
    try:
        rows = itertools.islice(_spreadsheet_of(job).data_rows(), job.processed_rows, None)
        for batch in itertools.batched(rows, batch_size):
            _write_batch(job, importer, batch, known_bad)
    except _Superseded:
        return ImportJob.objects.get(pk=job_id)
    except Exception as error:
        logger.exception("import job %s failed", job_id)
        _fail(job, error)
        raise
    return _finish(job)


def _finish(job: ImportJob) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.transition_to(ImportJob.State.DONE)
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "finished_at"])
        _publish(ImportFinished(
            company_id=job.company_id, actor_id=job.created_by_id, object_id=job.pk, importer=job.importer,
            filename=job.filename, created=job.created_count, updated=job.updated_count,
            skipped=skipped_rows(job),
        ))
    # The upload holds personal data that is now in the database: do not keep a second copy.
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    return job


def _fail(job: ImportJob, error: Exception) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.transition_to(ImportJob.State.FAILED)
        job.finished_at = timezone.now()
        message = error.message if isinstance(error, DomainError) else "an unexpected error (logged for the operators)"
        job.errors = [*job.errors, {"row": None, "fields": {"": [
            f"The import stopped after {job.processed_rows} rows because of {message}."
        ]}}]
        job.save(update_fields=["state", "finished_at", "errors"])


# --- What the wizard's pages show -----------------------------------------------------------


@dataclass(frozen=True)
class ErrorLine:
    row: int | None
    column: str
    message: str


def error_lines(job: ImportJob) -> list[ErrorLine]:
    """Every message of every bad row, naming the file's column where there is one."""
    importer = get_importer(job.importer)
    lines = []
    for error in job.errors:
        for key, messages in error["fields"].items():
            field = importer.field(key)
            if key in job.mapping and job.mapping[key] < len(job.headers):
                column = job.headers[job.mapping[key]]
            else:
                column = field.label if field else key
            lines.extend(ErrorLine(error["row"], column, message) for message in messages)
    return lines


def preview(job: ImportJob, limit: int = PREVIEW_ROWS) -> list[tuple[int, Row]]:
    """The first rows of the file as the importer will read them."""
    importer = get_importer(job.importer)
    rows = itertools.islice(_spreadsheet_of(job).data_rows(), limit)
    return [(number, row_values(importer, job.mapping, cells)) for number, cells in rows]


def skipped_rows(job: ImportJob) -> int:
    return len([error for error in job.errors if error["row"] is not None])


ERROR_COLUMNS = [
    Column("Row", lambda line: line.row),
    Column("Column", lambda line: line.column),
    Column("Message", lambda line: line.message),
]


def errors_csv_response(job: ImportJob):
    """The bad rows as a CSV download, to fix the file with."""
    stem = PurePath(job.filename).stem or "import"
    return csv_response(f"{_safe_filename(stem)}-errors.csv", ERROR_COLUMNS, error_lines(job))
