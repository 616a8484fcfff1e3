"""Search, record events, members and roles through the API."""

from tandem.platform import services
from tandem.platform.models import ApiToken, Membership, Role
from tests.api.client import error_of
from tests.parties.factories import make_party
from tests.platform.factories import make_member


def test_search_finds_the_companys_records_the_caller_may_see(api_for, admin, company, other_company, outsider):
    make_party(company, actor=admin, name="Initech")
    make_party(other_company, actor=outsider, name="Initech Globex")

    hits = api_for(admin, company).get("/search", {"q": "initech"}).json()["items"]
    employee_hits = api_for(make_member(company, ["employee"]), company).get("/search", {"q": "initech"})

    assert [(hit["kind"], hit["title"]) for hit in hits] == [("Party", "Initech")]
    assert hits[0]["url"].startswith(f"/c/{company.slug}/")
    assert employee_hits.status_code == 200 and employee_hits.json()["items"] == []


def test_a_one_letter_search_finds_nothing(admin_api, admin, company):
    make_party(company, actor=admin, name="Initech")

    assert admin_api.get("/search", {"q": "i"}).json()["items"] == []


def test_events_of_a_record_show_only_to_those_who_may_see_it(api_for, admin, company, other_company, outsider):
    party = make_party(company, actor=admin, name="Initech")
    theirs = make_party(other_company, actor=outsider)
    rep = api_for(make_member(company, ["sales_rep"]), company)
    employee = api_for(make_member(company, ["employee"]), company)

    seen = rep.get("/events", {"object_type": "parties.party", "object_id": party.pk})
    hidden = employee.get("/events", {"object_type": "parties.party", "object_id": party.pk})
    foreign = rep.get("/events", {"object_type": "parties.party", "object_id": theirs.pk})
    unknown = rep.get("/events", {"object_type": "nothing.here", "object_id": party.pk})

    assert seen.status_code == 200
    assert [e["code"] for e in seen.json()["items"]] == ["parties.party.created"]
    assert [hidden.status_code, foreign.status_code, unknown.status_code] == [404, 404, 404]


def test_an_admin_lists_adds_and_changes_members(admin_api, company):
    added = admin_api.post("/members", {"email": "New@Acme.test", "roles": ["sales_rep"], "full_name": "Nina New"})
    member_id = added.json()["id"]
    changed = admin_api.patch(f"/members/{member_id}", {"roles": ["sales_manager", "marketer"]})
    listed = admin_api.get("/members").json()["items"]

    assert added.status_code == 201
    assert added.json() | {"id": 0, "user_id": 0, "created_at": ""} == {
        "id": 0, "user_id": 0, "email": "new@acme.test", "full_name": "Nina New", "roles": ["sales_rep"],
        "is_active": True, "created_at": "",
    }
    assert changed.status_code == 200 and changed.json()["roles"] == ["marketer", "sales_manager"]
    assert {m["email"] for m in listed} == {"admin@acme.test", "new@acme.test"}


def test_adding_someone_who_is_already_a_member_names_the_field(admin_api, sales_rep):
    response = admin_api.post("/members", {"email": sales_rep.email, "roles": ["sales_rep"]})

    assert response.status_code == 422
    assert error_of(response)["fields"] == {"email": ["Already a member."]}


def test_unknown_roles_are_refused_and_nothing_changes(admin_api, company, sales_rep):
    membership = Membership.objects.get(user=sales_rep, company=company)

    response = admin_api.patch(f"/members/{membership.pk}", {"roles": ["sales_rep", "emperor"]})

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"roles"}
    assert [r.code for r in membership.roles.all()] == ["sales_rep"]


def test_deactivating_a_member_revokes_their_tokens(admin_api, api_for, company, sales_rep):
    rep_api = api_for(sales_rep, company)
    membership = Membership.objects.get(user=sales_rep, company=company)

    response = admin_api.post(f"/members/{membership.pk}/deactivate")

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert not ApiToken.objects.filter(user=sales_rep, revoked_at=None).exists()
    assert rep_api.get("/me").status_code == 401


def test_the_last_company_admin_cannot_be_removed_or_demoted(admin_api, admin, company):
    membership = Membership.objects.get(user=admin, company=company)

    demoted = admin_api.patch(f"/members/{membership.pk}", {"roles": ["sales_rep"]})
    removed = admin_api.post(f"/members/{membership.pk}/deactivate")

    assert demoted.status_code == removed.status_code == 409
    assert error_of(demoted)["code"] == "last_admin"
    assert membership.roles.filter(code="company_admin").exists()
    assert Membership.objects.get(pk=membership.pk).is_active


def test_a_member_of_another_company_is_not_found(admin_api, other_company, outsider):
    theirs = Membership.objects.get(user=outsider, company=other_company)

    response = admin_api.patch(f"/members/{theirs.pk}", {"roles": ["sales_rep"]})

    assert response.status_code == 404
    assert [r.code for r in theirs.roles.all()] == ["company_admin"]


def test_an_admin_creates_and_changes_a_custom_role(admin_api, company):
    created = admin_api.post("/roles", {"code": "key-accounts", "name": "Key accounts",
                                        "permissions": ["parties.view_party", "parties.change_party"]})
    changed = admin_api.put(f"/roles/{created.json()['id']}", {
        "name": "Key account managers", "permissions": ["parties.view_party"], "is_sensitive": True,
    })

    assert created.status_code == 201 and created.json()["is_system"] is False
    assert changed.status_code == 200
    role = Role.objects.get(company=company, code="key-accounts")
    assert (role.name, role.permissions, role.is_sensitive) == ("Key account managers", ["parties.view_party"], True)
    assert "key-accounts" in [r["code"] for r in admin_api.get("/roles").json()["items"]]


def test_a_system_role_cannot_be_edited(admin_api, company):
    system = Role.objects.get(company=company, code="sales_rep")
    before = list(system.permissions)

    response = admin_api.put(f"/roles/{system.pk}", {"name": "Sales", "permissions": []})

    assert response.status_code == 403
    assert "cannot be edited" in error_of(response)["message"]
    system.refresh_from_db()
    assert (system.name, system.permissions) == ("Sales rep", before)


def test_a_role_code_already_taken_is_a_409(admin_api, company, admin):
    services.save_role(company, actor=admin, code="custom", name="Custom", permissions=[])

    taken_by_custom = admin_api.post("/roles", {"code": "custom", "name": "Other", "permissions": []})
    taken_by_system = admin_api.post("/roles", {"code": "auditor", "name": "Mine", "permissions": []})

    assert taken_by_custom.status_code == taken_by_system.status_code == 409
    assert error_of(taken_by_custom)["fields"] == {"code": ["Already taken."]}
    assert Role.objects.get(company=company, code="custom").name == "Custom"


def test_unknown_permissions_are_refused(admin_api, company):
    response = admin_api.post("/roles", {"code": "odd", "name": "Odd", "permissions": ["parties.fly"]})

    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"permissions"}
    assert not Role.objects.filter(company=company, code="odd").exists()


def test_members_and_roles_are_for_admins_only(rep_api, company):
    assert rep_api.get("/members").status_code == 403
    assert rep_api.post("/roles", {"code": "x", "name": "X", "permissions": []}).status_code == 403
