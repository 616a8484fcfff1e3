"""Integrity checks: each app registers functions in its `checks` module that yield the
violations they find. `tandem check` runs them all (after upgrades, nightly, in tests)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import F


@dataclass(frozen=True)
class Violation:
    check: str
    message: str
    object_ref: str = ""


Check = Callable[[], Iterator[Violation]]
CHECKS: dict[str, Check] = {}


def register(name: str) -> Callable[[Check], Check]:
    def decorator(check: Check) -> Check:
        CHECKS[name] = check
        return check

    return decorator


def run_checks() -> list[Violation]:
    violations: list[Violation] = []
    for check in CHECKS.values():
        violations.extend(check())
    return violations


@register("platform.memberships_use_own_company_roles")
def memberships_use_own_company_roles() -> Iterator[Violation]:
    from tandem.platform.models import Membership

    through = Membership.roles.through
    for row in through.objects.exclude(role__company=F("membership__company")).values("membership_id", "role_id"):
        yield Violation("platform.memberships_use_own_company_roles",
                        f"membership {row['membership_id']} holds role {row['role_id']} of another company",
                        f"platform.membership#{row['membership_id']}")


@register("platform.system_roles_match_code")
def system_roles_match_code() -> Iterator[Violation]:
    from tandem.platform.models import Role
    from tandem.platform.roles import system_role_permissions

    for role in Role.objects.filter(is_system=True):
        if role.permissions != system_role_permissions(role.code):
            yield Violation("platform.system_roles_match_code",
                            f"system role {role.code} of company {role.company_id} differs from its declaration",
                            f"platform.role#{role.pk}")


@register("platform.every_company_has_an_admin")
def every_company_has_an_admin() -> Iterator[Violation]:
    from tandem.platform.models import Company, Membership

    with_admin = Membership.objects.filter(is_active=True, roles__code="company_admin").values("company_id")
    for company in Company.objects.filter(is_active=True).exclude(pk__in=with_admin).exclude(memberships=None):
        yield Violation("platform.every_company_has_an_admin", f"company {company.slug} has no active admin",
                        f"platform.company#{company.pk}")


@register("platform.records_stay_in_their_company")
def records_stay_in_their_company() -> Iterator[Violation]:
    from tandem.platform.models import ApiToken, Notification

    for token in ApiToken.objects.filter(revoked_at=None).exclude(
        user__memberships__company=F("company"), user__memberships__is_active=True
    ):
        yield Violation("platform.records_stay_in_their_company",
                        f"active API token {token.pk} belongs to a non-member", f"platform.apitoken#{token.pk}")
    for notification in Notification.objects.exclude(recipient__memberships__company=F("company"))[:100]:
        yield Violation("platform.records_stay_in_their_company",
                        f"notification {notification.pk} went to a non-member",
                        f"platform.notification#{notification.pk}")
