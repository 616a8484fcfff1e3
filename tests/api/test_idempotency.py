"""Idempotency-Key: a creating request sent twice creates once."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from tandem.api.idempotency import fingerprint
from tandem.api.models import IdempotencyRecord
from tandem.parties.models import Party
from tandem.platform import services
from tandem.platform.models import EventRecord, Membership
from tests.api.client import error_of
from tests.platform.factories import make_company, make_member

ACME = {"kind": "organisation", "name": "Acme Supplies", "emails": ["hello@acme-supplies.test"]}


def _key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def test_a_repeated_request_gets_the_first_response_and_creates_once(admin_api, company):
    first = admin_api.post("/parties", ACME, **_key("order-7"))
    second = admin_api.post("/parties", ACME, **_key("order-7"))

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Party.objects.filter(company=company).count() == 1
    assert EventRecord.objects.filter(company=company, code="parties.party.created").count() == 1


def test_spacing_and_key_order_of_the_json_do_not_make_another_request(admin_api, company):
    admin_api.post("/parties", ACME, **_key("order-8"))
    reordered = json.dumps(dict(reversed(list(ACME.items()))), indent=4)

    again = admin_api.send("POST", "/parties", reordered, **_key("order-8"))

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Party.objects.filter(company=company).count() == 1


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing_more(admin_api, company):
    admin_api.post("/parties", ACME, **_key("order-9"))

    other = admin_api.post("/parties", ACME | {"name": "Someone Else"}, **_key("order-9"))

    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"
    assert list(Party.objects.filter(company=company).values_list("name", flat=True)) == ["Acme Supplies"]


def test_a_key_whose_first_request_is_still_running_is_a_409(admin_api, admin, company):
    running = RequestFactory().post("/api/v1/parties", ACME, content_type="application/json")
    IdempotencyRecord.objects.create(company=company, user=admin, key="order-10",
                                     fingerprint=fingerprint(running), method="POST", path="/api/v1/parties")

    response = admin_api.post("/parties", ACME, **_key("order-10"))

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_key_in_flight"
    assert not Party.objects.filter(company=company).exists()


def test_a_key_left_in_flight_by_a_request_that_died_is_free_after_ten_minutes(admin_api, admin, company):
    running = RequestFactory().post("/api/v1/parties", ACME, content_type="application/json")
    IdempotencyRecord.objects.create(company=company, user=admin, key="order-11", fingerprint=fingerprint(running),
                                     method="POST", path="/api/v1/parties",
                                     created_at=timezone.now() - timedelta(minutes=11))

    response = admin_api.post("/parties", ACME, **_key("order-11"))

    assert response.status_code == 201
    assert Party.objects.filter(company=company).count() == 1


def test_keys_belong_to_one_member(api_for, admin, sales_rep, company):
    api_for(admin, company).post("/parties", ACME, **_key("shared-key"))

    response = api_for(sales_rep, company).post("/parties", ACME, **_key("shared-key"))

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Party.objects.filter(company=company).count() == 2


def test_a_request_refused_before_it_ran_leaves_the_key_free(admin_api, company):
    refused = admin_api.post("/parties", {"kind": "organisation"}, **_key("order-12"))

    fixed = admin_api.post("/parties", ACME, **_key("order-12"))

    assert refused.status_code == 422 and fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed
    assert Party.objects.filter(company=company).count() == 1


def test_a_refusal_by_the_service_is_replayed_like_any_answer(admin_api, company):
    body = ACME | {"phones": ["12"]}
    first = admin_api.post("/parties", body, **_key("order-13"))

    again = admin_api.post("/parties", body, **_key("order-13"))

    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_a_key_is_forgotten_after_the_retention_period(admin_api, company, settings):
    settings.TANDEM_IDEMPOTENCY_TTL_HOURS = 24
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        admin_api.post("/parties", ACME, **_key("order-14"))
        admin_api.post("/parties", ACME | {"name": "Other"}, **_key("order-15"))

    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        again = admin_api.post("/parties", ACME, **_key("order-14"))

    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Party.objects.filter(company=company).count() == 3
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["order-14"]  # order-15 was pruned


def test_a_caller_without_the_permission_gets_403_and_leaves_no_key(api_for, employee, company):
    response = api_for(employee, company).post("/parties", ACME, **_key("order-16"))

    assert response.status_code == 403
    assert not IdempotencyRecord.objects.exists()


def test_a_malformed_key_is_a_422(admin_api, company):
    response = admin_api.post("/parties", ACME, **_key("x" * 256))

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"Idempotency-Key": ["Not a valid key."]}
    assert not Party.objects.exists()


def test_adding_a_member_twice_with_one_key_adds_once(admin_api, company):
    body = {"email": "new@acme.test", "roles": ["sales_rep"]}

    first = admin_api.post("/members", body, **_key("invite-1"))
    again = admin_api.post("/members", body, **_key("invite-1"))

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Membership.objects.filter(company=company, user__email="new@acme.test").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_posts_with_one_key_create_exactly_one_party():
    company = make_company(slug="rush")
    admin = make_member(company, ["company_admin"])
    _, raw = services.create_api_token(company, actor=admin, name="load")
    workers = 50
    barrier = threading.Barrier(workers)

    def post(_: int) -> tuple[int, int | None, bool]:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
            barrier.wait()
            response = client.post("/api/v1/parties", ACME, content_type="application/json",
                                   headers=_key("one-for-all"))
            body = response.json()
            return response.status_code, body.get("id"), response.has_header("Idempotent-Replayed")
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(post, range(workers)))

    assert Party.objects.filter(company=company).count() == 1
    assert {status for status, _, _ in results} <= {201, 409}
    created = [(pk, replayed) for status, pk, replayed in results if status == 201]
    assert len([1 for _, replayed in created if not replayed]) == 1
    assert {pk for pk, _ in created} == {Party.objects.get(company=company).pk}
