"""Who may call the API, for which company: personal tokens and browser sessions."""

from datetime import timedelta

import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client, RequestFactory
from django.utils import timezone
from ninja import Router
from ninja.testing import TestClient

from tandem.api import errors
from tandem.api.auth import identify
from tandem.api.urls import TandemAPI, enforce
from tandem.parties.models import Party
from tandem.platform import services
from tandem.platform.api import gate
from tandem.platform.authz import authorize
from tandem.platform.models import ApiToken, Membership
from tests.api.client import Api, error_of
from tests.parties.factories import make_party
from tests.platform.factories import make_member


def test_a_bearer_token_acts_for_its_member_in_its_company(admin_api, company):
    response = admin_api.get("/me")

    assert response.status_code == 200
    me = response.json()
    assert me["user"]["email"] == "admin@acme.test"
    assert me["company"]["slug"] == company.slug
    assert me["roles"] == ["company_admin"]
    assert "parties.add_party" in me["permissions"]
    assert me["authenticated_by"] == "token"


def test_an_anonymous_request_gets_401_in_the_error_shape(db):
    response = Client().get("/api/v1/parties")

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_an_unknown_token_or_another_scheme_gets_401(db):
    for header in ("Bearer tdm_not-a-real-token", "Basic YWRtaW46c2VjcmV0", "Bearer"):
        response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")

        assert response.status_code == 401, header
        assert error_of(response)["code"] == "not_authenticated"


def test_a_revoked_token_gets_401(api_for, admin, company):
    api = api_for(admin, company)
    token = ApiToken.objects.get(user=admin, company=company)
    services.revoke_api_token(token, actor=admin)

    response = api.get("/me")

    assert response.status_code == 401


def test_a_token_of_a_deactivated_member_gets_401(api_for, admin, sales_rep, company):
    api = api_for(sales_rep, company)
    services.deactivate_member(Membership.objects.get(user=sales_rep, company=company), actor=admin)

    response = api.get("/me")

    assert response.status_code == 401


def test_a_token_of_an_inactive_user_gets_401(api_for, sales_rep, company):
    api = api_for(sales_rep, company)
    sales_rep.is_active = False
    sales_rep.save(update_fields=["is_active"])  # an operator disabled the account in the admin site

    response = api.get("/me")

    assert response.status_code == 401


def test_a_token_of_a_deactivated_company_gets_401(api_for, admin, company):
    api = api_for(admin, company)
    company.is_active = False
    company.save(update_fields=["is_active"])  # an operator closed the company in the admin site

    response = api.get("/me")

    assert response.status_code == 401


def test_a_token_is_read_with_its_user_company_membership_and_roles_in_one_query(
        api_for, sales_rep, company, django_assert_num_queries):
    api = api_for(sales_rep, company)
    api.get("/me")  # the first use is written down (then at most once a minute)
    request = RequestFactory().get("/api/v1/parties", headers={"Authorization": f"Bearer {api.token}"})

    with django_assert_num_queries(1):
        found = identify(request)
        allowed = authorize(found.user, found.company, "parties.add_party")
        denied = authorize(found.user, found.company, "parties.merge_party")

    assert (found.user, found.company, allowed, denied) == (sales_rep, company, True, False)


def test_the_token_caller_is_read_exactly_as_the_orm_reads_it(api_for, admin, company):
    api = api_for(admin, company)
    admin.last_login = timezone.now() - timedelta(days=3)
    admin.save(update_fields=["last_login"])
    request = RequestFactory().get("/api/v1/me", headers={"Authorization": f"Bearer {api.token}"})

    found = identify(request)

    token = ApiToken.objects.select_related("user", "company").get(user=admin, company=company)
    for read, expected in ((found.token, token), (found.user, token.user), (found.company, token.company)):
        assert type(read) is type(expected)
        assert {f.attname: getattr(read, f.attname) for f in read._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in expected._meta.concrete_fields}
    assert found.user.last_login.tzinfo is not None


def test_a_token_holds_the_permissions_of_all_its_members_roles_and_no_more(api_for, admin, company):
    services.save_role(company, actor=admin, code="auditor-lite", name="Auditor lite",
                       permissions=["platform.view_audit_log"])
    member = make_member(company, ["sales_rep", "auditor-lite"])
    nobody = make_member(company, [])

    granted = api_for(member, company).get("/me").json()
    bare = api_for(nobody, company).get("/me").json()

    assert granted["roles"] == ["auditor-lite", "sales_rep"]
    assert "platform.view_audit_log" in granted["permissions"] and "parties.add_party" in granted["permissions"]
    assert "parties.merge_party" not in granted["permissions"]
    assert (bare["roles"], bare["permissions"]) == ([], [])
    assert api_for(nobody, company).get("/parties").status_code == 403


def test_a_token_of_one_company_cannot_reach_a_party_of_another(api_for, admin, company, other_company, outsider):
    theirs = make_party(other_company, actor=outsider, name="Globex Supplier")
    api = api_for(admin, company)

    read = api.get(f"/parties/{theirs.pk}")
    changed = api.patch(f"/parties/{theirs.pk}", {"name": "Mine now"})

    assert read.status_code == 404 and changed.status_code == 404
    assert error_of(read)["code"] == "not_found"
    assert Party.objects.get(pk=theirs.pk).name == "Globex Supplier"


def test_a_member_of_two_companies_reaches_the_tokens_company_only(api_for, admin, company, other_company, outsider):
    services.add_member(other_company, email=admin.email, roles=["company_admin"], actor=outsider)
    theirs = make_party(other_company, actor=outsider)
    api = api_for(admin, company)

    response = api.get(f"/parties/{theirs.pk}")

    assert response.status_code == 404


def test_a_role_without_the_permission_gets_403(api_for, employee, company):
    response = api_for(employee, company).get("/parties")

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_last_used_is_written_at_most_once_a_minute(api_for, admin, company):
    api = api_for(admin, company)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        api.get("/me")
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api.get("/me")
    after_half_a_minute = ApiToken.objects.get(user=admin).last_used_at
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api.get("/me")

    assert after_half_a_minute == start
    assert ApiToken.objects.get(user=admin).last_used_at == start + timedelta(seconds=61)


def test_a_browser_session_acts_in_the_company_named_by_x_company(sales_rep, company):
    client = Client()
    client.force_login(sales_rep)

    response = client.get("/api/v1/me", headers={"X-Company": company.slug})

    assert response.status_code == 200
    assert response.json()["company"]["slug"] == company.slug
    assert response.json()["authenticated_by"] == "session"


def test_a_browser_session_falls_back_to_the_last_company_it_opened(sales_rep, company):
    client = Client()
    client.force_login(sales_rep)
    session = client.session
    session["company"] = company.slug
    session.save()

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["company"]["slug"] == company.slug


def test_a_session_naming_a_company_the_user_is_not_in_gets_404(sales_rep, company, other_company):
    client = Client()
    client.force_login(sales_rep)

    foreign = client.get("/api/v1/me", headers={"X-Company": other_company.slug})
    unknown = client.get("/api/v1/me", headers={"X-Company": "no-such-company"})
    unnamed = client.get("/api/v1/me")

    assert [foreign.status_code, unknown.status_code, unnamed.status_code] == [404, 404, 404]
    assert error_of(foreign)["code"] == "not_found"


def test_a_session_post_needs_the_csrf_token(sales_rep, company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    client.get("/api/docs")  # the page sets the csrftoken cookie, as the web pages do
    body = {"kind": "organisation", "name": "Initech"}

    refused = client.post("/api/v1/parties", body, content_type="application/json",
                          headers={"X-Company": company.slug})
    accepted = client.post("/api/v1/parties", body, content_type="application/json",
                           headers={"X-Company": company.slug, "X-CSRFToken": client.cookies["csrftoken"].value})

    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"
    assert accepted.status_code == 201
    assert Party.objects.filter(company=company).count() == 1


def test_a_session_of_a_sensitive_role_needs_mfa_like_the_web_pages(admin, company, settings):
    settings.TANDEM_REQUIRE_MFA_FOR_SENSITIVE = True
    client = Client()
    client.force_login(admin)

    before = client.get("/api/v1/me", headers={"X-Company": company.slug})
    TOTP.activate(admin, generate_totp_secret())
    after = client.get("/api/v1/me", headers={"X-Company": company.slug})

    assert before.status_code == 403
    assert error_of(before)["code"] == "mfa_required"
    assert after.status_code == 200


def test_a_token_post_needs_no_csrf_token(admin, company):
    _, raw = services.create_api_token(company, actor=admin, name="script")
    api = Api(raw, enforce_csrf_checks=True)

    response = api.post("/parties", {"kind": "organisation", "name": "Initech"})

    assert response.status_code == 201


def test_a_bad_token_is_refused_even_with_a_logged_in_session(sales_rep, company):
    client = Client(HTTP_AUTHORIZATION="Bearer tdm_wrong")
    client.force_login(sales_rep)

    response = client.get("/api/v1/me", headers={"X-Company": company.slug})

    assert response.status_code == 401


def test_the_matrix_roles_use_the_same_permissions_as_the_web(api_for, company):
    receptionist = make_member(company, ["receptionist"])
    api = api_for(receptionist, company)
    party = make_party(company, actor=receptionist)

    assert api.get(f"/parties/{party.pk}").status_code == 200
    assert api.post(f"/parties/{party.pk}/archive").status_code == 403
    assert api.post(f"/parties/{party.pk}/merge", {"duplicate_id": party.pk}).status_code == 403


def test_an_operation_that_declares_no_gate_is_refused_to_everyone(api_for, admin, company):
    api = TandemAPI(urls_namespace="ungated-test")
    errors.install(api)
    router = Router()

    @router.get("/secret")
    def secret(request):
        return {"secret": 42}

    @router.get("/open")
    @gate(None)
    def open_to_members(request):
        return {"open": True}

    api.add_router("/v1", enforce(router, api))
    client = TestClient(api, headers={"Authorization": f"Bearer {api_for(admin, company).token}"})

    refused, allowed = client.get("/v1/secret"), client.get("/v1/open")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert allowed.status_code == 200
