"""`tandem backup` and `tandem restore`, driven like an operator would, on the suite's database
vendor (SQLite, or PostgreSQL under scripts/with-postgres)."""

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.db import connection

from tests.ops.instance import Instance, drop_database, new_database_url
from tests.ops.scenario import CONTRACT


@pytest.fixture
def instance(tmp_path):
    url, database = new_database_url(tmp_path)
    yield Instance(tmp_path, url)
    if database:
        drop_database(database)


@pytest.fixture(scope="module")
def changed_since_backup(tmp_path_factory):
    """An installation backed up after seeding, then changed (shared: the tests below must not
    change it)."""
    base = tmp_path_factory.mktemp("changed")
    url, database = new_database_url(base)
    instance = Instance(base, url)
    instance.scenario("seed")
    backup = backup_of(instance)
    instance.scenario("change")
    yield instance, backup
    if database:
        drop_database(database)


def backup_of(instance: Instance) -> Path:
    result = instance.tandem("backup")
    assert result.returncode == 0, result.stderr
    (path,) = (instance.base / "backups").glob("tandem-*.tar.gz")
    assert str(path) in result.stdout
    return path


def with_manifest(path: Path, **changes) -> Path:
    """A copy of the backup whose manifest says something else."""
    copy = path.with_name("edited.tar.gz")
    with tarfile.open(path, "r:gz") as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps(json.loads(data) | changes).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return copy


def test_restoring_a_backup_brings_back_the_database_and_the_uploaded_files(instance):
    seeded = instance.scenario("seed")
    backup = backup_of(instance)
    instance.scenario("change")
    assert instance.scenario("state") == {
        "parties": ["Alpha GmbH", "Beta AG"], "files": {seeded["file"]: None},
    }

    result = instance.tandem("restore", "--noinput", str(backup))

    assert result.returncode == 0, result.stderr
    assert "Integrity checks passed." in result.stdout
    assert instance.scenario("state") == {
        "parties": ["Alpha GmbH"], "files": {seeded["file"]: CONTRACT.decode()},
    }


def test_a_backup_is_one_private_archive_of_manifest_database_and_files(changed_since_backup):
    _, backup = changed_since_backup

    with tarfile.open(backup, "r:gz") as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())

    assert names[0] == "manifest.json"
    assert names[1] == {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[manifest["vendor"]]
    assert [name.split("/")[:2] for name in names[2:]] == [["media", "attachments"]]
    assert "0001_initial" in manifest["migrations"]["parties"]
    assert manifest["media_files"] == 1
    assert backup.stat().st_mode & 0o077 == 0


def test_restore_refuses_a_backup_of_another_database_vendor(changed_since_backup):
    instance, backup = changed_since_backup
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[connection.vendor]

    result = instance.tandem("restore", "--noinput", str(with_manifest(backup, vendor=other)))

    assert result.returncode != 0
    assert "This is a backup of a" in result.stderr
    assert instance.scenario("state")["parties"] == ["Alpha GmbH", "Beta AG"]


def test_restore_refuses_a_backup_made_by_a_newer_tandem(changed_since_backup):
    instance, backup = changed_since_backup
    migrations = {"parties": ["0001_initial", "9999_from_the_future"]}

    result = instance.tandem("restore", "--noinput", str(with_manifest(backup, migrations=migrations)))

    assert result.returncode != 0
    assert "newer Tandem" in result.stderr
    assert "parties.9999_from_the_future" in result.stderr
    assert instance.scenario("state")["parties"] == ["Alpha GmbH", "Beta AG"]


def test_restore_changes_nothing_unless_the_operator_confirms(changed_since_backup):
    instance, backup = changed_since_backup

    result = instance.tandem("restore", str(backup), input="no\n")

    assert result.returncode != 0
    assert "This REPLACES the database" in result.stdout
    assert "Restore cancelled" in result.stderr
    assert instance.scenario("state")["parties"] == ["Alpha GmbH", "Beta AG"]


def test_restore_refuses_a_file_that_is_not_a_tandem_backup(changed_since_backup, tmp_path):
    instance, _ = changed_since_backup
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(gzip.compress(b"not a tar archive"))

    result = instance.tandem("restore", "--noinput", str(bogus))

    assert result.returncode != 0
    assert "is not a Tandem backup" in result.stderr
