"""Permissions the platform declares."""

from tandem.platform.authz import declare

MANAGE_MEMBERS = declare("platform.manage_members", "Invite members and set their roles", roles={"company_admin"})
MANAGE_ROLES = declare("platform.manage_roles", "Create and edit custom roles", roles={"company_admin"})
MANAGE_COMPANY = declare("platform.manage_company", "Edit the company's settings", roles={"company_admin"})
VIEW_AUDIT_LOG = declare(
    "platform.view_audit_log",
    "Read the company's audit log",
    roles={"company_admin", "auditor", "compliance_officer"},
)
