"""Every error comes in one shape, names the fields at fault, and leaves nothing written."""

import pytest
from django.test import Client
from ninja import NinjaAPI
from ninja.testing import TestClient

from tandem.api import errors
from tandem.parties.models import Party
from tandem.platform.models import EventRecord
from tests.api.client import error_of


def _nothing_written(company) -> bool:
    return not Party.objects.filter(company=company).exists() and not EventRecord.objects.filter(
        company=company, code__startswith="parties."
    ).exists()


def test_an_unknown_path_is_a_404_in_the_error_shape(admin_api):
    response = admin_api.get("/no-such-thing")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_method_the_path_does_not_take_is_a_405_in_the_error_shape(admin_api):
    response = admin_api.client.delete("/api/v1/parties")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


def test_malformed_json_is_a_400_and_writes_nothing(admin_api, company):
    response = admin_api.send("POST", "/parties", '{"kind": "organisation", "name": ')

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_body"
    assert _nothing_written(company)


def test_wrong_types_name_each_field(admin_api, company):
    response = admin_api.post("/parties", {"kind": "robot", "name": 5, "emails": "a@b.test", "roles": ["king"]})

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"kind", "name", "emails", "roles.0"}
    assert _nothing_written(company)


def test_a_missing_field_and_a_nested_one_are_named_by_dotted_paths(admin_api, company):
    response = admin_api.post("/parties", {"kind": "person", "address": {"street": "Hauptstr. 1", "country": "DE"}})

    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert fields == {"name": ["This field is required."], "address.city": ["This field is required."]}
    assert _nothing_written(company)


def test_an_unknown_field_is_rejected(admin_api, company):
    response = admin_api.post("/parties", {"kind": "person", "name": "Ada", "colour": "blue"})

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"colour": ["Unknown field: it cannot be set here."]}
    assert _nothing_written(company)


def test_an_invalid_phone_and_postal_code_are_named_by_the_service(admin_api, company):
    response = admin_api.post("/parties", {
        "kind": "organisation", "name": "Initech", "phones": ["12"],
        "address": {"street": "Hauptstr. 1", "postal_code": "ABC", "city": "Berlin", "country": "DE"},
    })

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "party_invalid"
    assert set(error["fields"]) == {"phones", "address.postal_code"}
    assert "country code" in error["fields"]["phones"][0]
    assert _nothing_written(company)


@pytest.mark.parametrize("text", ["Ini\x00tech", "Ini\x1btech"])
def test_control_characters_are_refused(admin_api, company, text):
    response = admin_api.post("/parties", {"kind": "organisation", "name": text})

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"name": ["Control characters are not allowed."]}
    assert _nothing_written(company)


@pytest.mark.parametrize("params", [
    {"page_size": 201}, {"page_size": 0}, {"page": 0}, {"page": "two"}, {"sort": "colour"}, {"kind": "robot"},
    {"q": "a\x00b"},
])
def test_bad_list_parameters_are_a_422_not_a_500(admin_api, params):
    response = admin_api.get("/parties", params)

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == set(params)


def test_an_id_out_of_range_is_a_422(admin_api):
    response = admin_api.get(f"/parties/{2**64}")

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"id"}


def test_a_401_403_and_404_have_the_one_shape(api_for, employee, admin, company):
    anonymous = Client().get("/api/v1/parties")
    denied = api_for(employee, company).get("/parties")
    missing = api_for(admin, company).get("/parties/987654")

    assert [anonymous.status_code, denied.status_code, missing.status_code] == [401, 403, 404]
    assert [error_of(r)["code"] for r in (anonymous, denied, missing)] == ["not_authenticated", "forbidden", "not_found"]


def test_an_unexpected_failure_is_a_500_without_a_traceback(caplog):
    api = NinjaAPI(urls_namespace="errors-test")
    errors.install(api)

    @api.get("/boom")
    def boom(request):
        raise RuntimeError("secret internals at line 42")

    response = TestClient(api).get("/boom")

    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    assert "secret" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert "secret internals" in caplog.text  # logged for the operators
