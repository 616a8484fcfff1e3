import importlib

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.platform.factories import make_company, make_member


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need a real PostgreSQL server (run them under scripts/with-postgres)."""
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run in-process in tests (after commit, so use django_capture_on_commit_callbacks)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _mfa_enrolment_not_in_the_way(settings):
    """Members with sensitive roles must enrol in MFA before anything else; that rule has its own
    tests (tests/platform/test_auth.py, tests/api/test_auth.py), which switch it back on."""
    settings.TANDEM_REQUIRE_MFA_FOR_SENSITIVE = False


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_directory(settings, tmp_path):
    """Attachments and import files of a test never land in var/media."""
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}
    }


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test process gets its own cache (rate limits), never the shared directory under var/."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def company(db):
    return make_company(slug="acme", name="Acme Ltd")


@pytest.fixture
def other_company(db):
    return make_company(slug="globex", name="Globex Corp")


@pytest.fixture
def admin(company):
    return make_member(company, ["company_admin"], email="admin@acme.test")


@pytest.fixture
def sales_rep(company):
    return make_member(company, ["sales_rep"], email="rep@acme.test")


@pytest.fixture
def employee(company):
    return make_member(company, ["employee"], email="employee@acme.test")


@pytest.fixture
def outsider(other_company):
    return make_member(other_company, ["company_admin"], email="admin@globex.test")



@pytest.fixture(autouse=True)
def _flushable_event_log_on_sqlite(request):
    """Transactional tests end with Django emptying every table. On PostgreSQL that is a TRUNCATE,
    which the append-only row triggers let through; on SQLite it is a DELETE, which they refuse.
    So after such a test on SQLite the event log is emptied with its triggers briefly lifted (and
    at once restored); Django's flush then finds nothing there to delete."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if not transactional or connection.vendor != "sqlite":
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    append_only = importlib.import_module("tandem.platform.migrations.0002_event_log_append_only")
    with connection.cursor() as cursor:
        for statement in append_only.SQLITE_REVERSE:
            cursor.execute(statement)
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("DELETE FROM platform_eventrecord")
        cursor.execute("PRAGMA foreign_keys = ON")
        for statement in append_only.SQLITE:
            cursor.execute(statement)
