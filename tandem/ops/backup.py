"""Backups: one .tar.gz holding a manifest, the database and the uploaded files.

SQLite is copied with the online backup API (a consistent snapshot while the app runs) and put
back the same way, so a live WAL database is never overwritten file by file. PostgreSQL is dumped
with `pg_dump -Fc` and restored in one transaction (`pg_restore` → `psql --single-transaction`),
after dropping every table, so the database afterwards is exactly the backup. A backup is only
restored into the kind of database it came from.
"""

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEDIA_PREFIX = "media/"


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    format: int
    tandem_version: str
    vendor: str
    created_at: str
    migrations: dict[str, list[str]]
    media_files: int

    @property
    def vendor_name(self) -> str:
        return VENDOR_NAMES.get(self.vendor, self.vendor)


def tandem_version() -> str:
    try:
        return version("tandem")
    except PackageNotFoundError:
        return "unknown"


def current_vendor() -> str:
    return connections[DEFAULT_DB_ALIAS].vendor


def applied_migrations() -> dict[str, list[str]]:
    """Applied migrations of the current database, per app, sorted."""
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


# --- Making a backup ------------------------------------------------------------------------


def create_backup(destination: Path | None = None, *, now: datetime | None = None) -> tuple[Path, Manifest]:
    """Write a backup of the database and the uploaded files; returns its path and manifest.

    The file appears under its final name only once it is complete."""
    now = now or datetime.now(UTC)
    vendor = current_vendor()
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    destination = Path(destination or settings.BACKUP_DIR)
    if destination.suffixes[-2:] != [".tar", ".gz"]:
        destination = destination / f"tandem-{now:%Y%m%d-%H%M%S}-{vendor}.tar.gz"
    destination.parent.mkdir(parents=True, exist_ok=True)
    storage = storages["default"]
    with tempfile.TemporaryDirectory(prefix="tandem-backup-") as work:
        dump = Path(work) / DATABASE_MEMBERS[vendor]
        if vendor == "sqlite":
            _dump_sqlite(dump)
        else:
            _dump_postgresql(dump)
        # Listed after the dump: a file is stored before the row that refers to it commits, so
        # every file the dumped rows refer to is in the list.
        media = list(_media_names(storage))
        manifest = Manifest(
            format=FORMAT, tandem_version=tandem_version(), vendor=vendor,
            created_at=now.isoformat(timespec="seconds"), migrations=applied_migrations(), media_files=len(media),
        )
        partial = destination.with_name(f".{destination.name}.partial")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as target, tarfile.open(fileobj=target, mode="w:gz") as archive:
                _add_bytes(archive, MANIFEST, json.dumps(asdict(manifest), indent=2).encode(), now)
                archive.add(dump, arcname=dump.name)
                for name in media:
                    with storage.open(name, "rb") as handle:
                        info = tarfile.TarInfo(MEDIA_PREFIX + name)
                        info.size = storage.size(name)
                        info.mtime = int(now.timestamp())
                        archive.addfile(info, handle)
            partial.replace(destination)
        finally:
            partial.unlink(missing_ok=True)
    return destination, manifest


def _media_names(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file in the storage, as names relative to its root (any Django storage)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for name in sorted(directories):
        yield from _media_names(storage, f"{directory}/{name}" if directory else name)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(now.timestamp())
    archive.addfile(info, io.BytesIO(data))


def _dump_sqlite(path: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _dump_postgresql(path: Path) -> None:
    _run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"])


# --- Restoring ------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file; BackupError if the file is not a Tandem backup."""
    if not Path(path).is_file():
        raise BackupError(f"{path}: no such file.")
    try:
        with tarfile.open(path, "r|gz") as archive:
            data = _read_manifest_member(archive, next(iter(archive), None))
    except (OSError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{path} is not a Tandem backup ({error}).") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Tandem backup of format {FORMAT}.")
    try:
        return Manifest(**data)
    except TypeError as error:
        raise BackupError(f"{path} has an unreadable manifest ({error}).") from error


def check_restorable(manifest: Manifest) -> None:
    """Refuse a backup of another database vendor, or one made by a newer Tandem."""
    vendor = current_vendor()
    if manifest.vendor != vendor:
        raise BackupError(
            f"This is a backup of a {manifest.vendor_name} database, but DATABASE_URL points at "
            f"{VENDOR_NAMES.get(vendor, vendor)}. Restore it into a {manifest.vendor_name} database "
            f"(set DATABASE_URL accordingly)."
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}" for app, names in manifest.migrations.items() for name in names if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            f"This backup was made by a newer Tandem ({manifest.tandem_version}, you run {tandem_version()}): "
            f"it has migrations this version does not know ({', '.join(unknown[:5])}). Upgrade Tandem first."
        )


def _read_manifest_member(archive: tarfile.TarFile, member: tarfile.TarInfo | None) -> object:
    handle = archive.extractfile(member) if member is not None and member.name == MANIFEST else None
    if handle is None:
        raise ValueError(f"it does not start with {MANIFEST}")
    return json.loads(handle.read())


def restore_backup(path: Path) -> Manifest:
    """Replace the database, then the uploaded files, with those in the backup.

    The archive is read once, front to back: manifest, database, then the files."""
    manifest = read_manifest(path)
    check_restorable(manifest)
    with tempfile.TemporaryDirectory(prefix="tandem-restore-") as work, tarfile.open(path, "r|gz") as archive:
        members = iter(archive)
        next(members)
        database = next(members, None)
        handle = archive.extractfile(database) if database is not None else None
        if database is None or database.name != DATABASE_MEMBERS[manifest.vendor] or handle is None:
            raise BackupError(f"{path} holds no {manifest.vendor_name} database.")
        dump = Path(work) / database.name
        with dump.open("wb") as target:
            shutil.copyfileobj(handle, target)
        if manifest.vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        _restore_media(archive, members)
    return manifest


def _restore_sqlite(path: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        # Page by page through SQLite's own locking: safe with WAL and other open connections.
        source.backup(connection.connection)
    finally:
        source.close()
        connection.close()


# Drops every table of the schema in the restore's own transaction: tables a newer migration
# added would otherwise survive and break the `migrate` that follows.
DROP_ALL_TABLES = """
DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', t.tablename);
  END LOOP;
END $$;
"""


def _restore_postgresql(path: Path) -> None:
    connections[DEFAULT_DB_ALIAS].close()
    script = path.with_suffix(".sql")
    _run_pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", f"--file={script}", str(path)],
            connect=False)
    # psql runs the -c and -f parts in order inside the one transaction of --single-transaction.
    _run_pg(["psql", "--quiet", "--no-psqlrc", "--single-transaction", "--set=ON_ERROR_STOP=1",
             f"--command={DROP_ALL_TABLES}", f"--file={script}"])


def _restore_media(archive: tarfile.TarFile, members: Iterator[tarfile.TarInfo]) -> None:
    """Make the file storage hold exactly the backup's files."""
    storage = storages["default"]
    wanted: set[str] = set()
    for member in members:
        if not member.name.startswith(MEDIA_PREFIX):
            raise BackupError(f"The backup holds an unexpected entry {member.name!r}.")
        name = _safe_media_name(member)
        wanted.add(name)
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, File(archive.extractfile(member)))
        if saved != name:
            raise BackupError(f"The file storage stored {name!r} as {saved!r}; the uploaded files are incomplete.")
    for name in set(_media_names(storage)) - wanted:
        storage.delete(name)


def _safe_media_name(member: tarfile.TarInfo) -> str:
    """The storage name of an archive member; refuses anything but a plain file inside media/."""
    name = member.name.removeprefix(MEDIA_PREFIX)
    parts = PurePosixPath(name).parts
    if not member.isfile() or not parts or name.startswith("/") or ".." in parts or "\\" in name:
        raise BackupError(f"The backup holds an unsafe file entry {member.name!r}; it was not restored.")
    return name


# --- PostgreSQL client programs -------------------------------------------------------------


def _run_pg(argv: list[str], *, connect: bool = True) -> None:
    """Run a PostgreSQL client program (connected through libpq variables when `connect`)."""
    env = dict(os.environ, **_libpq_environment()) if connect else dict(os.environ)
    result = subprocess.run(  # noqa: S603 - a found program with arguments built here
        [pg_program(argv[0]), *argv[1:]], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {result.stderr.strip() or f'exit code {result.returncode}'}")


def _libpq_environment() -> dict[str, str]:
    """Connection settings for the client programs, as libpq variables (no password in argv)."""
    database = connections[DEFAULT_DB_ALIAS].settings_dict
    values = {
        "PGDATABASE": database["NAME"], "PGUSER": database.get("USER"), "PGPASSWORD": database.get("PASSWORD"),
        "PGHOST": database.get("HOST"), "PGPORT": str(database.get("PORT") or ""),
    }
    options = database.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY"), ("service", "PGSERVICE")):
        values[variable] = options.get(option)
    return {key: str(value) for key, value in values.items() if value}


def server_major_version() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    return connection.pg_version // 10000


def pg_program(name: str) -> str:
    """The path of a PostgreSQL client program at least as new as the server.

    TANDEM_PG_BINDIR wins; else Debian's /usr/lib/postgresql/<major>/bin for the server's major
    version or a newer one; else the PATH."""
    server = server_major_version()
    candidates = []
    if settings.TANDEM_PG_BINDIR:
        candidates.append(Path(settings.TANDEM_PG_BINDIR) / name)
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: _major(p.parent.parent.name))
    candidates += [path for path in installed if _major(path.parent.parent.name) >= server]
    if found := shutil.which(name):
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            if (major := _program_major(candidate)) >= server:
                return str(candidate)
            raise BackupError(
                f"{candidate} is version {major}, older than the PostgreSQL {server} server. "
                f"Install the PostgreSQL {server} client programs or set TANDEM_PG_BINDIR."
            )
    raise BackupError(
        f"{name} was not found. Install the PostgreSQL {server} client programs "
        f"(Debian: postgresql-client-{server}) or set TANDEM_PG_BINDIR to their directory."
    )


def _major(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _program_major(path: Path) -> int:
    output = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else -1
