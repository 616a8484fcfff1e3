"""Permissions the parties app declares, with the system roles that hold them by default."""

from tandem.platform.authz import declare
from tandem.platform.roles import SYSTEM_ROLES

STAFF = set(SYSTEM_ROLES) - {"employee"}
EDITORS = {
    "sales_rep", "sales_manager", "marketer", "support_agent", "support_lead", "receptionist",
    "credit_controller", "accountant", "finance_manager", "purchaser", "hr_manager", "recruiter",
    "compliance_officer", "company_admin",
}
MANAGERS = {"sales_manager", "support_lead", "finance_manager", "company_admin"}

VIEW_PARTY = declare("parties.view_party", "See parties and their timelines", roles=STAFF)
ADD_PARTY = declare("parties.add_party", "Create parties", roles=EDITORS)
CHANGE_PARTY = declare("parties.change_party", "Edit parties, their contacts and tags", roles=EDITORS)
ARCHIVE_PARTY = declare("parties.archive_party", "Archive and restore parties", roles=MANAGERS | {"accountant"})
MERGE_PARTY = declare("parties.merge_party", "Merge duplicate parties", roles=MANAGERS)
IMPORT_PARTY = declare(
    "parties.import_party",
    "Import parties from CSV/XLSX",
    roles={"sales_manager", "marketer", "finance_manager", "company_admin"},
)
EXPORT_PARTY = declare(
    "parties.export_party",
    "Export parties to CSV/XLSX",
    roles=MANAGERS | {"marketer", "accountant", "purchaser", "credit_controller", "compliance_officer"},
)
MANAGE_CONSENT = declare(
    "parties.manage_consent",
    "Record marketing consent",
    roles={"sales_rep", "sales_manager", "marketer", "support_agent", "support_lead", "receptionist",
           "compliance_officer", "company_admin"},
)
