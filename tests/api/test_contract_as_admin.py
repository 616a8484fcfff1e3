"""Every operation keeps the OpenAPI contract for a company admin (see tests/api/contract.py)."""

import pytest
from hypothesis import HealthCheck, settings

from tests.api.contract import CHECKS, bearer_in_a_furnished_company, schema


@pytest.fixture
def bearer(company, admin, calls_through_wsgi) -> dict[str, str]:
    return bearer_in_a_furnished_company(company, admin, admin)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_the_contract_for_a_company_admin(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
