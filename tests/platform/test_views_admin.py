"""The administration pages: members, roles, company settings, audit log, API tokens and
notifications, as the people who use them would."""

from django.urls import reverse

from tandem.platform import services
from tandem.platform.models import ApiToken, EventRecord, Membership, Notification, Role
from tests.platform.factories import make_member


def url(name: str, **kwargs) -> str:
    return reverse(name, kwargs={"company": "acme", **kwargs})


# --- Members ----------------------------------------------------------------------------------


def test_an_admin_adds_a_member_by_email_with_roles(client, company, admin):
    client.force_login(admin)

    response = client.post(url("platform:members"), {"email": "New.Person@acme.test", "full_name": "New Person",
                                                      "roles": ["sales_rep", "marketer"]})

    assert response.status_code == 302
    membership = Membership.objects.get(company=company, user__email="new.person@acme.test")
    assert sorted(role.code for role in membership.roles.all()) == ["marketer", "sales_rep"]
    assert EventRecord.objects.filter(code="platform.member.added", object_id=membership.pk).exists()


def test_adding_a_member_with_an_unknown_role_shows_an_error_and_changes_nothing(client, company, admin):
    client.force_login(admin)
    members_before = Membership.objects.count()

    response = client.post(url("platform:members"), {"email": "someone@acme.test", "roles": ["wizard"]})

    assert response.status_code == 422
    assert "wizard is not one of the available choices" in response.content.decode()
    assert Membership.objects.count() == members_before
    assert not EventRecord.objects.filter(code="platform.member.added", payload__email="someone@acme.test").exists()


def test_a_role_of_another_company_cannot_be_given(client, company, other_company, admin):
    services.save_role(other_company, actor=admin, code="globex-only", name="Globex only", permissions=[])
    client.force_login(admin)

    response = client.post(url("platform:members"), {"email": "someone@acme.test", "roles": ["globex-only"]})

    assert response.status_code == 422
    assert not Membership.objects.filter(user__email="someone@acme.test").exists()


def test_the_last_admin_cannot_be_removed_and_the_page_says_why(client, company, admin):
    membership = Membership.objects.get(company=company, user=admin)
    client.force_login(admin)

    response = client.post(url("platform:member-remove", pk=membership.pk))

    assert response.status_code == 409
    assert "The company must keep at least one company admin." in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active


def test_the_last_admin_cannot_lose_the_admin_role(client, company, admin):
    membership = Membership.objects.get(company=company, user=admin)
    client.force_login(admin)

    response = client.post(url("platform:member-edit", pk=membership.pk), {"roles": ["sales_rep"]})

    assert response.status_code == 409
    assert "at least one company admin" in response.content.decode()
    assert [role.code for role in membership.roles.all()] == ["company_admin"]


def test_an_admin_removes_a_member_whose_tokens_then_stop_working(client, company, admin, sales_rep):
    token, _ = services.create_api_token(company, actor=sales_rep, name="sync")
    membership = Membership.objects.get(company=company, user=sales_rep)
    client.force_login(admin)

    response = client.post(url("platform:member-remove", pk=membership.pk))

    assert response.status_code == 302
    membership.refresh_from_db()
    token.refresh_from_db()
    assert not membership.is_active
    assert token.revoked_at is not None


def test_an_admin_changes_a_members_roles(client, company, admin, sales_rep):
    membership = Membership.objects.get(company=company, user=sales_rep)
    client.force_login(admin)

    response = client.post(url("platform:member-edit", pk=membership.pk), {"roles": ["sales_manager"]})

    assert response.status_code == 302
    assert [role.code for role in membership.roles.all()] == ["sales_manager"]


def test_a_sales_rep_may_not_open_the_members_page(client, company, sales_rep):
    client.force_login(sales_rep)

    assert client.get(url("platform:members")).status_code == 403


# --- Roles ------------------------------------------------------------------------------------


def test_an_admin_creates_a_custom_role_with_chosen_permissions(client, company, admin):
    client.force_login(admin)

    response = client.post(url("platform:role-create"), {
        "name": "Field sales", "permissions": ["parties.view_party", "parties.add_party"],
    })

    assert response.status_code == 302
    role = Role.objects.get(company=company, code="field-sales")
    assert role.permissions == ["parties.add_party", "parties.view_party"]
    assert not role.is_system


def test_a_new_role_cannot_take_the_code_of_an_existing_one(client, company, admin):
    client.force_login(admin)

    response = client.post(url("platform:role-create"), {"name": "Sales rep", "code": "sales_rep",
                                                         "permissions": ["platform.manage_roles"]})

    assert response.status_code == 422
    assert "A role with this code exists already." in response.content.decode()
    assert "platform.manage_roles" not in Role.objects.get(company=company, code="sales_rep").permissions


def test_a_system_role_is_shown_read_only_and_cannot_be_changed(client, company, admin):
    role = Role.objects.get(company=company, code="auditor")
    before = list(role.permissions)
    client.force_login(admin)

    page = client.get(url("platform:role-edit", pk=role.pk))
    response = client.post(url("platform:role-edit", pk=role.pk), {"name": "Auditor", "permissions": []})

    assert "cannot be edited" in page.content.decode()
    assert response.status_code == 403
    role.refresh_from_db()
    assert role.permissions == before


def test_the_roles_page_lists_system_roles_with_their_permissions(client, company, admin):
    client.force_login(admin)

    html = client.get(url("platform:roles")).content.decode()

    assert "Auditor" in html and "Read the company&#x27;s audit log" in html


# --- Company settings -------------------------------------------------------------------------


def _settings_form(company, **changes) -> dict:
    fields = {name: getattr(company, name) for name in services.COMPANY_FIELDS if name != "slug"}
    return fields | changes


def test_an_admin_changes_the_companys_settings(client, company, admin):
    client.force_login(admin)

    response = client.post(url("platform:company-settings"), _settings_form(company, name="Acme Group",
                                                                             timezone="Europe/Paris"))

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.timezone) == ("Acme Group", "Europe/Paris")
    assert EventRecord.objects.filter(code="platform.company.updated").exists()


def test_an_unknown_currency_is_refused_on_its_field_and_nothing_changes(client, company, admin):
    client.force_login(admin)

    response = client.post(url("platform:company-settings"), _settings_form(company, base_currency="XYZ"))

    assert response.status_code == 422
    assert "is not an ISO 4217 currency code" in response.content.decode()
    company.refresh_from_db()
    assert company.base_currency == "EUR"


# --- Audit log --------------------------------------------------------------------------------


def test_the_audit_log_is_visible_to_auditors_but_not_to_sales_reps(client, company, admin, sales_rep):
    auditor = make_member(company, ["auditor"], email="auditor@acme.test")

    client.force_login(auditor)
    as_auditor = client.get(url("platform:audit-log"))
    client.force_login(sales_rep)
    as_sales_rep = client.get(url("platform:audit-log"))

    assert as_auditor.status_code == 200
    assert "rep@acme.test joined with roles" in as_auditor.content.decode()
    assert as_sales_rep.status_code == 403


def test_the_audit_log_pages_to_older_events_and_shows_no_other_company(
    client, company, other_company, admin, outsider, settings
):
    for number in range(55):
        services.save_role(company, actor=admin, code=f"r{number}", name=f"Role {number}", permissions=[])
    services.save_role(other_company, actor=outsider, code="secret", name="Globex secret role", permissions=[])
    client.force_login(admin)

    first = client.get(url("platform:audit-log"))
    older = first.context["older"]
    second = client.get(url("platform:audit-log") + f"?before={older}")

    assert "Role saved" not in first.content.decode()
    assert "Role Role 54 saved" in first.content.decode() and "Role Role 54 saved" not in second.content.decode()
    assert "Role Role 0 saved" in second.content.decode()
    assert "Globex secret role" not in first.content.decode() + second.content.decode()


def test_audit_times_are_shown_in_the_companys_time_zone(client, company, admin):
    client.force_login(admin)
    event = EventRecord.objects.filter(company=company).latest("id")

    html = client.get(url("platform:audit-log")).content.decode()

    berlin = event.occurred_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert berlin.strftime("%Y-%m-%d %H:%M:%S") in html


# --- API tokens -------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_fingerprint_is_kept(client, company, sales_rep):
    client.force_login(sales_rep)

    created = client.post(url("platform:tokens"), {"name": "Accounting sync"})
    later = client.get(url("platform:tokens"))

    token = ApiToken.objects.get(user=sales_rep, company=company)
    raw = created.context["raw"]
    assert raw.startswith(token.prefix) and raw in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    assert raw not in later.content.decode()
    assert token.prefix in later.content.decode()
    assert token.digest == services.hash_token(raw)


def test_a_revoked_token_is_marked_revoked(client, company, sales_rep):
    token, _ = services.create_api_token(company, actor=sales_rep, name="old")
    client.force_login(sales_rep)

    response = client.post(url("platform:token-revoke"), {"token": token.pk})

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_can_revoke_someone_elses_token(client, company, other_company, admin, sales_rep, outsider):
    theirs, _ = services.create_api_token(company, actor=admin, name="admin's")
    foreign, _ = services.create_api_token(other_company, actor=outsider, name="globex")
    client.force_login(sales_rep)

    assert client.post(url("platform:token-revoke"), {"token": theirs.pk}).status_code == 404
    assert client.post(url("platform:token-revoke"), {"token": foreign.pk}).status_code == 404
    assert ApiToken.objects.filter(revoked_at=None).count() == 2


def test_the_token_page_lists_only_ones_own_tokens_in_this_company(client, company, admin, sales_rep):
    services.create_api_token(company, actor=admin, name="admin's token")
    services.create_api_token(company, actor=sales_rep, name="my token")
    client.force_login(sales_rep)

    html = client.get(url("platform:tokens")).content.decode()

    assert "my token" in html and "admin&#x27;s token" not in html


# --- Notifications ----------------------------------------------------------------------------


def test_one_notification_is_marked_read(client, company, sales_rep):
    first = services.notify(company, sales_rep, message="first")
    second = services.notify(company, sales_rep, message="second")
    client.force_login(sales_rep)

    response = client.post(url("platform:notifications-read"), {"id": first.pk})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_all_notifications_are_marked_read_and_the_bell_shows_none(client, company, sales_rep, admin):
    for message in ("one", "two"):
        services.notify(company, sales_rep, message=message)
    others = services.notify(company, admin, message="not yours")
    client.force_login(sales_rep)
    before = client.get(url("platform:home")).content.decode()

    client.post(url("platform:notifications-read"))
    after = client.get(url("platform:home")).content.decode()

    assert "Notifications, 2 unread" in before
    assert "unread" not in after.split("</header>")[0]
    assert not Notification.objects.filter(recipient=sales_rep, read_at=None).exists()
    others.refresh_from_db()
    assert others.read_at is None


def test_nobody_marks_someone_elses_notification_read(client, company, admin, sales_rep):
    theirs = services.notify(company, admin, message="for the admin")
    client.force_login(sales_rep)

    client.post(url("platform:notifications-read"), {"id": theirs.pk})

    theirs.refresh_from_db()
    assert theirs.read_at is None
