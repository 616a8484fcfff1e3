import pytest
from django.http import Http404

from tandem.platform import services
from tandem.platform.authz import PERMISSIONS, authorize, forget_grants, member_company_or_404, membership_of, roles_of
from tandem.platform.models import Membership, Role
from tandem.platform.roles import SYSTEM_ROLES
from tests.parties.factories import make_party
from tests.platform.factories import make_member, make_user


def test_every_company_gets_every_system_role(company):
    codes = set(Role.objects.filter(company=company, is_system=True).values_list("code", flat=True))

    assert codes == set(SYSTEM_ROLES)


def test_sensitive_roles_are_flagged(company):
    sensitive = set(Role.objects.filter(company=company, is_sensitive=True).values_list("code", flat=True))

    assert {"company_admin", "accountant", "finance_manager", "payroll_officer", "hr_manager"} <= sensitive
    assert "sales_rep" not in sensitive


def test_permissions_follow_the_roles_held_in_that_company(company, other_company, sales_rep):
    assert authorize(sales_rep, company, "parties.add_party")
    assert not authorize(sales_rep, company, "parties.merge_party")
    assert not authorize(sales_rep, other_company, "parties.view_party")


def test_anonymous_and_inactive_users_are_denied_everything(company, sales_rep):
    from django.contrib.auth.models import AnonymousUser

    sales_rep.is_active = False

    assert not authorize(AnonymousUser(), company, "parties.view_party")
    assert not authorize(sales_rep, company, "parties.view_party")


def test_an_object_of_another_company_is_never_authorized(company, other_company, admin):
    foreign = make_party(other_company, name="Globex Supplier")

    assert authorize(admin, company, "parties.view_party")
    assert not authorize(admin, company, "parties.view_party", foreign)


def test_an_undeclared_permission_is_a_programming_error(company, admin):
    with pytest.raises(LookupError):
        authorize(admin, company, "parties.fly_to_the_moon")


def test_strangers_get_a_404_for_a_company_they_do_not_belong_to(company, outsider):
    with pytest.raises(Http404):
        member_company_or_404(outsider, company.slug)
    with pytest.raises(Http404):
        member_company_or_404(outsider, "no-such-company")


def test_the_employee_role_sees_no_parties(company, employee):
    assert not authorize(employee, company, "parties.view_party")


def test_custom_roles_grant_exactly_their_permissions(company, admin):
    services.save_role(company, actor=admin, code="party-viewer", name="Party viewer",
                       permissions=["parties.view_party"])
    viewer = make_user("viewer@acme.test")
    services.add_member(company, email=viewer.email, roles=["party-viewer"], actor=admin)

    assert authorize(viewer, company, "parties.view_party")
    assert not authorize(viewer, company, "parties.add_party")


def test_system_roles_cannot_be_edited(company, admin):
    from tandem.platform.errors import Forbidden

    with pytest.raises(Forbidden):
        services.save_role(company, actor=admin, code="sales_rep", name="Hacked", permissions=list(PERMISSIONS))

    assert "platform.manage_members" not in Role.objects.get(company=company, code="sales_rep").permissions


def test_the_last_company_admin_cannot_be_demoted_or_removed(company, admin):
    from tandem.platform.errors import LastAdminRemoval

    membership = admin.memberships.get(company=company)

    with pytest.raises(LastAdminRemoval):
        services.set_member_roles(membership, roles=["sales_rep"], actor=admin)
    with pytest.raises(LastAdminRemoval):
        services.deactivate_member(membership, actor=admin)

    assert authorize(admin, company, "platform.manage_members")


def test_a_membership_and_its_roles_are_read_once_per_request(company, sales_rep, django_assert_num_queries):
    with django_assert_num_queries(1):
        membership = membership_of(sales_rep, company)
        allowed = authorize(sales_rep, company, "parties.add_party")
        denied = authorize(sales_rep, company, "parties.merge_party")

    assert membership.user_id == sales_rep.pk and membership.company_id == company.pk
    assert [role.code for role in roles_of(sales_rep, company)] == ["sales_rep"]
    assert (allowed, denied) == (True, False)


def test_a_member_without_roles_belongs_but_may_do_nothing(company, admin):
    member = make_member(company, [])

    assert membership_of(member, company) is not None
    assert roles_of(member, company) == []
    assert not authorize(member, company, "parties.view_party")


def test_a_deactivated_membership_or_company_grants_nothing(company, admin, sales_rep):
    services.deactivate_member(Membership.objects.get(user=sales_rep, company=company), actor=admin)
    company.is_active = False
    company.save(update_fields=["is_active"])

    assert membership_of(sales_rep, company) is None
    assert roles_of(sales_rep, company) == []
    forget_grants(admin)
    assert not authorize(admin, company, "parties.view_party")


def test_role_changes_apply_once_the_grants_are_forgotten(company, admin, sales_rep):
    assert not authorize(sales_rep, company, "parties.merge_party")
    membership = Membership.objects.get(user=sales_rep, company=company)

    services.set_member_roles(membership, roles=["sales_manager"], actor=admin)
    forget_grants(sales_rep)

    assert authorize(sales_rep, company, "parties.merge_party")
