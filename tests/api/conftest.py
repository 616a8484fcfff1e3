"""Clients for the API: one per member, authenticated by a real personal API token."""

from collections.abc import Callable

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tandem.platform import services
from tandem.platform.models import Company, User
from tests.api.client import Api


@pytest.fixture
def api_for(db) -> Callable[[User, Company], Api]:
    def build(user: User, company: Company) -> Api:
        _, raw = services.create_api_token(company, actor=user, name="tests")
        return Api(raw)

    return build


@pytest.fixture
def admin_api(api_for, admin, company) -> Api:
    return api_for(admin, company)


@pytest.fixture
def rep_api(api_for, sales_rep, company) -> Api:
    return api_for(sales_rep, company)


@pytest.fixture
def calls_through_wsgi():
    """Let requests through Django's real WSGI handler (as schemathesis makes them) run inside the
    test's transaction: the handler closes the database connection at the start and end of every
    request, which would end that transaction. Django's own test client disconnects the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
