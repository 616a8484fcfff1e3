"""Parties through the API: the same services and rules as the web pages."""

import dataclasses

import pytest
from django.db import transaction

from tandem.parties import services
from tandem.parties.events import PartyEvent
from tandem.parties.models import Party
from tandem.platform.events import publish
from tandem.platform.models import EventRecord
from tests.api.client import error_of
from tests.parties.factories import AddressData, make_party, make_person
from tests.platform.factories import make_member

FULL = {
    "kind": "organisation", "name": "Müller GmbH", "emails": ["Info@Mueller.DE"], "phones": ["030 901820"],
    "websites": ["mueller.de"], "tax_id": "DE 136 695 976", "external_key": "crm-17", "notes": "Key account",
    "roles": ["customer"], "tags": ["VIP"],
    "address": {"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin", "country": "de"},
}


def test_creating_a_party_returns_it_normalised_with_everything(admin_api, admin, company):
    response = admin_api.post("/parties", FULL)

    assert response.status_code == 201
    party = response.json()
    assert party | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0, "kind": "organisation", "name": "Müller GmbH", "emails": ["info@mueller.de"],
        "phones": ["+4930901820"], "websites": ["https://mueller.de"], "tax_id": "DE136695976",
        "external_key": "crm-17", "notes": "Key account", "roles": ["customer"], "tags": ["VIP"],
        "address": {"street": "Hauptstr. 1", "street2": "", "postal_code": "10115", "city": "Berlin",
                    "region": "", "country": "DE"},
        "is_archived": False, "merged_into_id": None, "created_at": "", "updated_at": "",
    }
    stored = Party.objects.get(pk=party["id"])
    assert stored.company == company and stored.created_by == admin
    assert EventRecord.objects.filter(code="parties.party.created", object_id=stored.pk, actor=admin).exists()


def test_reading_a_party_shows_what_was_stored(admin_api, company, admin):
    party = make_party(company, actor=admin, name="Initech", emails=["a@initech.test", "b@initech.test"])

    response = admin_api.get(f"/parties/{party.pk}")

    assert response.status_code == 200
    assert response.json()["emails"] == ["a@initech.test", "b@initech.test"]


def test_patch_changes_only_the_fields_sent(admin_api, company, admin):
    party = make_party(company, actor=admin, name="Initech", emails=["a@initech.test"], roles=["prospect"],
                       address=AddressData(street="Main St 1", city="Austin", postal_code="73301", country="US"))

    response = admin_api.patch(f"/parties/{party.pk}", {"name": "Initech Inc", "roles": ["customer"]})

    assert response.status_code == 200
    changed = response.json()
    assert changed["name"] == "Initech Inc" and changed["roles"] == ["customer"]
    assert changed["emails"] == ["a@initech.test"]
    assert changed["address"]["city"] == "Austin"
    event = EventRecord.objects.filter(object_id=party.pk, code="parties.party.updated").get()
    assert event.payload["changed"] == ["name", "roles"]


def test_patch_with_a_null_address_removes_it(admin_api, company, admin):
    party = make_party(company, actor=admin, address=AddressData(street="Main St 1", postal_code="10115", city="Berlin",
                                                                 country="DE"))

    response = admin_api.patch(f"/parties/{party.pk}", {"address": None})

    assert response.status_code == 200 and response.json()["address"] is None
    assert not party.addresses.exists()


def test_patch_with_invalid_data_changes_nothing(admin_api, company, admin):
    party = make_party(company, actor=admin, name="Initech")

    response = admin_api.patch(f"/parties/{party.pk}", {"name": "Initech Inc", "emails": ["not-an-email"]})

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"emails"}
    assert Party.objects.get(pk=party.pk).name == "Initech"


@pytest.mark.parametrize("field", [
    {"company": 2}, {"id": 999}, {"created_by": 1}, {"is_archived": True}, {"merged_into": 1},
    {"merged_into_id": 1}, {"state": "archived"}, {"created_at": "2020-01-01T00:00:00Z"},
])
def test_fields_a_caller_may_not_set_are_rejected_on_create_and_change(admin_api, company, admin, field):
    party = make_party(company, actor=admin, name="Initech")
    before = EventRecord.objects.count()

    created = admin_api.post("/parties", {"kind": "person", "name": "Ada"} | field)
    changed = admin_api.patch(f"/parties/{party.pk}", {"name": "Renamed"} | field)

    assert created.status_code == changed.status_code == 422
    assert error_of(created)["fields"] == error_of(changed)["fields"] == {
        next(iter(field)): ["Unknown field: it cannot be set here."]
    }
    stored = Party.objects.get(pk=party.pk)
    assert (stored.name, stored.is_archived, stored.merged_into_id) == ("Initech", False, None)
    assert Party.objects.filter(company=company).count() == 1
    assert EventRecord.objects.count() == before


def test_the_external_key_of_another_party_cannot_be_taken(admin_api, company, admin):
    make_party(company, actor=admin, name="First", external_key="crm-1")
    second = make_party(company, actor=admin, name="Second")

    created = admin_api.post("/parties", {"kind": "person", "name": "Ada", "external_key": "crm-1"})
    changed = admin_api.patch(f"/parties/{second.pk}", {"external_key": "crm-1"})

    assert created.status_code == changed.status_code == 422
    assert set(error_of(changed)["fields"]) == {"external_key"}
    assert Party.objects.get(pk=second.pk).external_key == ""


def test_the_list_filters_by_words_kind_role_tag_and_archive(admin_api, company, admin):
    initech = make_party(company, actor=admin, name="Initech", roles=["customer"], tags=["VIP"])
    make_party(company, actor=admin, name="Globex", roles=["supplier"])
    make_person(company, actor=admin, name="Ada Lovelace", roles=["customer"], emails=["ada@initech.test"])
    archived = make_party(company, actor=admin, name="Old Initech")
    services.archive_party(archived, actor=admin)

    def names(**params) -> list[str]:
        response = admin_api.get("/parties", params)
        assert response.status_code == 200
        return [row["name"] for row in response.json()["items"]]

    assert names() == ["Ada Lovelace", "Globex", "Initech"]
    assert names(q="initech") == ["Ada Lovelace", "Initech"]
    assert names(kind="organisation", role="customer") == ["Initech"]
    assert names(tag="vip") == ["Initech"]
    assert names(archived="true") == ["Old Initech"]
    assert names(sort="-name") == ["Initech", "Globex", "Ada Lovelace"]
    row = admin_api.get("/parties", {"tag": "VIP"}).json()["items"][0]
    assert row == {"id": initech.pk, "kind": "organisation", "name": "Initech", "email": None, "phone": None,
                   "roles": ["customer"], "tags": ["VIP"], "is_archived": False,
                   "created_at": row["created_at"]}


def test_the_list_pages_through_with_a_total(admin_api, company, admin):
    for number in range(7):
        make_party(company, actor=admin, name=f"Party {number}")

    first = admin_api.get("/parties", {"page_size": 3}).json()
    last = admin_api.get("/parties", {"page_size": 3, "page": 3}).json()
    beyond = admin_api.get("/parties", {"page_size": 3, "page": 9}).json()

    assert (first["total"], first["total_is_exact"], first["has_next"], first["page"], first["page_size"]) == (
        7, True, True, 1, 3)
    assert [row["name"] for row in first["items"]] == ["Party 0", "Party 1", "Party 2"]
    assert [row["name"] for row in last["items"]] == ["Party 6"]
    assert (last["total"], last["has_next"]) == (7, False)
    assert beyond["items"] == [] and beyond["total"] == 7 and beyond["has_next"] is False


def test_the_list_shows_only_the_companys_parties(api_for, admin, company, other_company, outsider):
    make_party(company, actor=admin, name="Ours")
    make_party(other_company, actor=outsider, name="Theirs")

    response = api_for(admin, company).get("/parties")

    assert [row["name"] for row in response.json()["items"]] == ["Ours"]


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(admin_api, company, admin, django_assert_num_queries):
    for number in range(31):
        make_party(company, actor=admin, name=f"Party {number}", emails=[f"p{number}@x.test"], roles=["customer"],
                   tags=["VIP"])
    admin_api.get("/me")  # the token's first use is written down (then at most once a minute)

    with django_assert_num_queries(5):  # the caller, the page's ids, their rows, their details, the count
        response = admin_api.get("/parties", {"page_size": 30})

    assert len(response.json()["items"]) == 30
    assert response.json()["items"][0]["email"] == "p0@x.test"


def test_archiving_and_restoring_a_party(admin_api, company, admin):
    party = make_party(company, actor=admin)

    archived = admin_api.post(f"/parties/{party.pk}/archive")
    restored = admin_api.post(f"/parties/{party.pk}/restore")

    assert archived.status_code == restored.status_code == 200
    assert archived.json()["is_archived"] is True and restored.json()["is_archived"] is False
    codes = list(EventRecord.objects.filter(object_id=party.pk).order_by("id").values_list("code", flat=True))
    assert codes[-2:] == ["parties.party.archived", "parties.party.restored"]


def test_merging_moves_everything_onto_the_party_kept(admin_api, company, admin):
    keep = make_party(company, actor=admin, name="Initech", emails=["a@initech.test"])
    duplicate = make_party(company, actor=admin, name="Initech Inc", emails=["b@initech.test"], roles=["customer"])

    response = admin_api.post(f"/parties/{keep.pk}/merge", {"duplicate_id": duplicate.pk})

    assert response.status_code == 200
    assert response.json()["emails"] == ["a@initech.test", "b@initech.test"]
    assert response.json()["roles"] == ["customer"]
    merged = admin_api.get(f"/parties/{duplicate.pk}").json()
    assert merged["merged_into_id"] == keep.pk and merged["is_archived"] is True
    assert admin_api.post(f"/parties/{duplicate.pk}/restore").status_code == 409


def test_a_duplicate_of_another_company_is_not_found(admin_api, company, admin, other_company, outsider):
    keep = make_party(company, actor=admin)
    theirs = make_party(other_company, actor=outsider)

    response = admin_api.post(f"/parties/{keep.pk}/merge", {"duplicate_id": theirs.pk})

    assert response.status_code == 404
    assert error_of(response)["fields"] == {"duplicate_id": ["No such party."]}
    assert Party.objects.get(pk=theirs.pk).merged_into_id is None


def test_merging_a_party_into_itself_is_a_409(admin_api, company, admin):
    party = make_party(company, actor=admin)

    response = admin_api.post(f"/parties/{party.pk}/merge", {"duplicate_id": party.pk})

    assert response.status_code == 409
    assert error_of(response)["code"] == "party_not_mergeable"


def test_duplicates_are_found_by_email_and_similar_name(admin_api, company, admin):
    party = make_party(company, actor=admin, name="Initech GmbH", emails=["info@initech.test"])
    twin = make_party(company, actor=admin, name="Initech", emails=["info@initech.test"])
    make_party(company, actor=admin, name="Globex")

    response = admin_api.get(f"/parties/{party.pk}/duplicates")

    assert response.status_code == 200
    [found] = response.json()["items"]
    assert found["party"]["id"] == twin.pk
    assert set(found["reasons"]) == {"same email info@initech.test", "similar name"}


def test_the_timeline_pages_backwards_with_a_cursor(admin_api, company, admin):
    party = make_party(company, actor=admin, name="Initech")
    for tag in ("a", "b", "c"):
        services.tag_party(party, tag=tag, actor=admin)

    first = admin_api.get(f"/parties/{party.pk}/timeline", {"limit": 2}).json()
    rest = admin_api.get(f"/parties/{party.pk}/timeline", {"limit": 2, "before_id": first["next_before_id"]}).json()

    assert [e["summary"] for e in first["items"]] == ["Tagged c", "Tagged b"]
    assert [e["summary"] for e in rest["items"]] == ["Tagged a", "Organisation Initech created"]
    assert rest["items"][0]["actor"] == admin.display_name


@dataclasses.dataclass(frozen=True, kw_only=True)
class AuditNoteAdded(PartyEvent):
    """A note on a party that only readers of the audit log may see (a stand-in for sensitive
    records of later apps)."""

    code = "tests.party.audit_note"
    view_permission = "platform.view_audit_log"
    summary = "Audit note: {text}"
    text: str


def test_the_timeline_shows_each_role_only_what_it_may_see(api_for, company, admin):
    party = make_party(company, actor=admin, name="Initech")
    with transaction.atomic():
        publish(AuditNoteAdded(company_id=company.pk, actor_id=admin.pk, object_id=party.pk, party_id=party.pk,
                               text="credit check"))
    auditor = make_member(company, ["auditor"])
    rep = make_member(company, ["sales_rep"])
    employee = make_member(company, ["employee"])

    def summaries(user) -> list[str]:
        return [e["summary"] for e in api_for(user, company).get(f"/parties/{party.pk}/timeline").json()["items"]]

    assert summaries(auditor) == ["Audit note: credit check", "Organisation Initech created"]
    assert summaries(rep) == ["Organisation Initech created"]
    assert api_for(employee, company).get(f"/parties/{party.pk}/timeline").status_code == 403


def test_a_bad_timeline_limit_is_a_422(admin_api, company, admin):
    party = make_party(company, actor=admin)

    response = admin_api.get(f"/parties/{party.pk}/timeline", {"limit": 201})

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"limit"}
