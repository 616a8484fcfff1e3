"""Permissions are declared in code by the app that owns them; roles are data. `authorize()` is
the one gate that views, the API, exports, search and timelines all ask. It denies by default."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.http import Http404

from tandem.platform.models import Company, Membership, Role

ObjectRule = Callable[[Any, Model], bool]


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    default_roles: frozenset[str] = field(default_factory=frozenset)
    object_rule: ObjectRule | None = None


PERMISSIONS: dict[str, Permission] = {}


def declare(
    code: str, label: str, *, roles: Iterable[str], object_rule: ObjectRule | None = None
) -> Permission:
    """Declare a permission and the system roles that hold it by default."""
    from tandem.platform.roles import SYSTEM_ROLES

    unknown = set(roles) - SYSTEM_ROLES.keys()
    if unknown:
        raise ValueError(f"{code}: unknown system roles {sorted(unknown)}")
    if code in PERMISSIONS:
        raise ValueError(f"Permission {code} is declared twice.")
    permission = Permission(code, label, frozenset(roles), object_rule)
    PERMISSIONS[code] = permission
    return permission


def _code(permission: str | Permission) -> str:
    code = permission.code if isinstance(permission, Permission) else permission
    if code not in PERMISSIONS:
        raise LookupError(f"Permission {code!r} is not declared.")
    return code


def membership_of(user, company: Company) -> Membership | None:
    """The user's active membership in the active company, cached on the user object for the
    request together with its roles (one query)."""
    return _membership_and_roles(user, company)[0]


def roles_of(user, company: Company) -> list[Role]:
    """The roles the user holds in the company through an active membership (none: empty)."""
    return _membership_and_roles(user, company)[1]


def remember_membership(user, company: Company, membership: Membership | None, roles: list[Role]) -> None:
    """Cache a membership and its roles read together with the user (a token's caller is read in
    one query), so that membership_of, roles_of and authorize ask nothing more this request."""
    user.__dict__.setdefault("_tandem_memberships", {})[company.pk] = (membership, roles if membership else [])
    user.__dict__.get("_tandem_grants", {}).pop(company.pk, None)


def _membership_and_roles(user, company: Company) -> tuple[Membership | None, list[Role]]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None, []
    cache = user.__dict__.setdefault("_tandem_memberships", {})
    if company.pk not in cache:
        cache[company.pk] = _read_membership(user, company)
    return cache[company.pk]


_MEMBERSHIP_FIELDS = [field.attname for field in Membership._meta.concrete_fields]
_ROLE_FIELDS = [field.attname for field in Role._meta.concrete_fields]


def _read_membership(user, company: Company) -> tuple[Membership | None, list[Role]]:
    """The membership with its roles in one query (a row per role, LEFT JOINed): every page and
    API call asks, and each query costs about a millisecond of ORM work on a small machine."""
    rows = Membership.objects.filter(
        user=user, company=company, is_active=True, company__is_active=True
    ).values_list(*_MEMBERSHIP_FIELDS, *(f"roles__{name}" for name in _ROLE_FIELDS))
    membership, roles, split = None, [], len(_MEMBERSHIP_FIELDS)
    for row in rows:
        if membership is None:
            membership = Membership.from_db(rows.db, _MEMBERSHIP_FIELDS, row[:split])
        if row[split] is not None:
            roles.append(Role.from_db(rows.db, _ROLE_FIELDS, row[split:]))
    return membership, roles


def granted_permissions(user, company: Company) -> frozenset[str]:
    """Every permission code the user holds in the company through their roles."""
    membership, roles = _membership_and_roles(user, company)
    if membership is None:
        return frozenset()
    cache = user.__dict__.setdefault("_tandem_grants", {})
    if company.pk not in cache:
        cache[company.pk] = frozenset(
            code for role in roles for code in role.permissions if code in PERMISSIONS
        )
    return cache[company.pk]


def authorize(user, company: Company, permission: str | Permission, obj: Model | None = None) -> bool:
    """True when the user may use the permission in the company (and on obj, when given).

    An object of another company is never authorized, whatever the roles."""
    code = _code(permission)
    if code not in granted_permissions(user, company):
        return False
    if obj is not None:
        if getattr(obj, "company_id", None) != company.pk:
            return False
        rule = PERMISSIONS[code].object_rule
        if rule is not None and not rule(user, obj):
            return False
    return True


def forget_grants(user) -> None:
    """Drop the per-request cache after memberships change."""
    user.__dict__.pop("_tandem_memberships", None)
    user.__dict__.pop("_tandem_grants", None)


def member_company_or_404(user, slug: str) -> Company:
    """The company with that slug if the user is an active member of it; otherwise 404, so a
    stranger cannot even learn that the company exists."""
    company = Company.objects.filter(slug=slug, is_active=True).first()
    if company is None or membership_of(user, company) is None:
        raise Http404("No such company.")
    return company
