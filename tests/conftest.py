import pytest
from django.conf import settings as django_settings

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
