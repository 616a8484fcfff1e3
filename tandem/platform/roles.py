"""The system roles of DESIGN §1. Their permissions come from the code that declares them and are
written to every company's Role rows after each migration; custom roles are left alone."""

from dataclasses import dataclass

from django.db import transaction

from tandem.platform.models import Company, Role


@dataclass(frozen=True)
class RoleSpec:
    name: str
    office: str
    sensitive: bool = False


SYSTEM_ROLES: dict[str, RoleSpec] = {
    "sales_rep": RoleSpec("Sales rep", "front"),
    "sales_manager": RoleSpec("Sales manager", "front"),
    "marketer": RoleSpec("Marketer", "front"),
    "support_agent": RoleSpec("Support agent", "front"),
    "support_lead": RoleSpec("Support lead", "front"),
    "receptionist": RoleSpec("Receptionist", "front"),
    "credit_controller": RoleSpec("Credit controller", "middle", sensitive=True),
    "accountant": RoleSpec("Accountant", "back", sensitive=True),
    "finance_manager": RoleSpec("Finance manager", "back", sensitive=True),
    "payroll_officer": RoleSpec("Payroll officer", "back", sensitive=True),
    "hr_manager": RoleSpec("HR manager", "back", sensitive=True),
    "recruiter": RoleSpec("Recruiter", "back", sensitive=True),
    "it_support": RoleSpec("IT support", "back"),
    "warehouse_clerk": RoleSpec("Warehouse clerk", "back"),
    "purchaser": RoleSpec("Purchaser", "back"),
    "quality_inspector": RoleSpec("Quality inspector", "back"),
    "compliance_officer": RoleSpec("Compliance officer", "back"),
    "company_admin": RoleSpec("Company admin", "all", sensitive=True),
    "auditor": RoleSpec("Auditor", "all"),
    "employee": RoleSpec("Employee self-service", "all"),
}


def system_role_permissions(code: str) -> list[str]:
    from tandem.platform.authz import PERMISSIONS

    return sorted(p.code for p in PERMISSIONS.values() if code in p.default_roles)


@transaction.atomic
def sync_system_roles(company: Company) -> None:
    """Create any missing system role of the company and reset their permissions from code."""
    existing = {role.code: role for role in Role.objects.filter(company=company, is_system=True)}
    for code, spec in SYSTEM_ROLES.items():
        permissions = system_role_permissions(code)
        role = existing.get(code)
        if role is None:
            Role.objects.create(
                company=company, code=code, name=spec.name, office=spec.office,
                is_sensitive=spec.sensitive, is_system=True, permissions=permissions,
            )
        elif role.permissions != permissions or role.is_sensitive != spec.sensitive:
            role.permissions = permissions
            role.is_sensitive = spec.sensitive
            role.save(update_fields=["permissions", "is_sensitive"])


def sync_all_system_roles(**kwargs) -> None:
    for company in Company.objects.all():
        sync_system_roles(company)
