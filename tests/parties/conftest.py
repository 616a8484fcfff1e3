import pytest
from django.test import Client

from tests.platform.factories import make_member


@pytest.fixture
def manager(company):
    return make_member(company, ["sales_manager"], email="manager@acme.test")


@pytest.fixture
def web(manager) -> Client:
    """A browser session of the sales manager, who may do everything with parties."""
    client = Client()
    client.force_login(manager)
    return client
