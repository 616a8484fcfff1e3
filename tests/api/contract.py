"""The OpenAPI document as a contract, for schemathesis: it generates requests for every operation
(valid and invalid ones) and every answer must be free of server errors and match the status
codes and schemas the document promises. Run as two roles, one test module each, so that the two
halves run in parallel under xdist."""

import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tandem.platform import services
from tandem.platform.models import Company, User
from tests.parties.factories import AddressData, make_party, make_person

CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": 20, "deterministic": True},
    # The stateful phase needs links between operations; each operation is tested on its own.
    "phases": {"stateful": {"enabled": False}},
})
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)


def bearer_in_a_furnished_company(company: Company, admin: User, user: User) -> dict[str, str]:
    """The user's token header, in a company with a few parties (low ids, which the generator
    tries first, so operations on a party also succeed, not only answer 404)."""
    make_party(company, actor=admin, name="Initech", emails=["info@initech.test"], roles=["customer"], tags=["VIP"],
               address=AddressData(street="Hauptstr. 1", postal_code="10115", city="Berlin", country="DE"))
    make_person(company, actor=admin, name="Ada Lovelace", phones=["+49 30 901820"])
    make_party(company, actor=admin, name="Initech GmbH", emails=["info@initech.test"])
    _, raw = services.create_api_token(company, actor=user, name="contract")
    return {"Authorization": f"Bearer {raw}"}
