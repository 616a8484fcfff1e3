"""Platform services: companies, members and roles, comments, attachments, notifications, saved
views and API tokens. Every write goes through one of these functions."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from tandem.platform import events
from tandem.platform.authz import PERMISSIONS, forget_grants
from tandem.platform.context import request_id
from tandem.platform.errors import (
    AttachmentRejected,
    Conflict,
    Forbidden,
    InvalidInput,
    LastAdminRemoval,
    NotFound,
)
from tandem.platform.models import (
    ApiToken,
    Attachment,
    Comment,
    Company,
    Membership,
    Notification,
    Role,
    SavedView,
    User,
)
from tandem.platform.records import can_view, key_of, record_type_of
from tandem.platform.roles import sync_system_roles

COMPANY_FIELDS = (
    "name", "slug", "base_currency", "country", "timezone", "locale",
    "fiscal_year_start_month", "fiscal_year_start_day",
)


def _publish(event: events.DomainEvent) -> None:
    events.publish(event, request_id=request_id.get())


def _validate(instance: Model, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise InvalidInput("Please correct the highlighted fields.", fields=error.message_dict) from error


def create_company(*, actor: User | None, **fields) -> Company:
    """Create a company with every system role; the actor (if any) becomes its company admin."""
    unknown = set(fields) - set(COMPANY_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown company fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        company = Company(**fields)
        _validate(company)
        company.save()
        sync_system_roles(company)
        _publish(events.CompanyCreated(
            company_id=company.pk, actor_id=actor.pk if actor else None,
            object_type="platform.company", object_id=company.pk, name=company.name, slug=company.slug,
        ))
        if actor is not None:
            add_member(company, email=actor.email, roles=["company_admin"], actor=actor)
    return company


def update_company(company: Company, *, actor: User, **fields) -> Company:
    """Change a company's settings; the slug stays as it is (URLs and tokens depend on it)."""
    allowed = set(COMPANY_FIELDS) - {"slug"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        changed = [name for name, value in fields.items() if getattr(company, name) != value]
        for name in changed:
            setattr(company, name, fields[name])
        _validate(company)
        if changed:
            company.save(update_fields=changed)
            _publish(events.CompanyUpdated(
                company_id=company.pk, actor_id=actor.pk, object_type="platform.company",
                object_id=company.pk, changed=changed,
            ))
    return company


def _roles_by_code(company: Company, codes: list[str]) -> list[Role]:
    roles = list(Role.objects.filter(company=company, code__in=codes))
    missing = set(codes) - {role.code for role in roles}
    if missing:
        raise InvalidInput(f"Unknown roles: {', '.join(sorted(missing))}.", fields={"roles": ["Unknown role."]})
    return roles


def add_member(company: Company, *, email: str, roles: list[str], actor: User | None,
               full_name: str = "") -> Membership:
    """Give a person (a new or existing user) a membership with the roles. A new user gets no
    password: they set one through the password-reset link."""
    email = email.strip().lower()
    if not email:
        raise InvalidInput("Enter the member's email address.", fields={"email": ["Required."]})
    try:
        User._meta.get_field("email").run_validators(email)
    except ValidationError as error:
        raise InvalidInput("Enter a valid email address.", fields={"email": error.messages}) from error
    with transaction.atomic():
        role_rows = _roles_by_code(company, roles)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email, None, full_name=full_name)
        membership, created = Membership.objects.get_or_create(user=user, company=company)
        if not created and membership.is_active:
            raise InvalidInput(f"{email} is already a member.", fields={"email": ["Already a member."]})
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        membership.roles.set(role_rows)
        _publish(events.MemberAdded(
            company_id=company.pk, actor_id=actor.pk if actor else None, object_type="platform.membership",
            object_id=membership.pk, email=email, roles=sorted(roles),
        ))
    forget_grants(user)
    return membership


def _is_last_admin(membership: Membership) -> bool:
    if not membership.roles.filter(code="company_admin").exists():
        return False
    return not Membership.objects.filter(
        company=membership.company_id, is_active=True, roles__code="company_admin"
    ).exclude(pk=membership.pk).exists()


def set_member_roles(membership: Membership, *, roles: list[str], actor: User) -> Membership:
    """Replace a member's roles; the company always keeps at least one active admin."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        role_rows = _roles_by_code(membership.company, roles)
        if "company_admin" not in roles and _is_last_admin(membership):
            raise LastAdminRemoval("The company must keep at least one company admin.")
        membership.roles.set(role_rows)
        _publish(events.MemberRolesChanged(
            company_id=membership.company_id, actor_id=actor.pk, object_type="platform.membership",
            object_id=membership.pk, email=membership.user.email, roles=sorted(roles),
        ))
    forget_grants(membership.user)
    return membership


def deactivate_member(membership: Membership, *, actor: User) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if _is_last_admin(membership):
            raise LastAdminRemoval("The company must keep at least one company admin.")
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=membership.user, company=membership.company_id, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        _publish(events.MemberDeactivated(
            company_id=membership.company_id, actor_id=actor.pk, object_type="platform.membership",
            object_id=membership.pk, email=membership.user.email,
        ))
    forget_grants(membership.user)
    return membership


def save_role(company: Company, *, actor: User, code: str, name: str, permissions: list[str],
              description: str = "", is_sensitive: bool = False) -> Role:
    """Create or change a custom role. System roles are defined in code and cannot be edited."""
    unknown = set(permissions) - PERMISSIONS.keys()
    if unknown:
        raise InvalidInput(f"Unknown permissions: {', '.join(sorted(unknown))}.",
                           fields={"permissions": ["Unknown permission."]})
    with transaction.atomic():
        role = Role.objects.select_for_update().filter(company=company, code=code).first()
        if role is not None and role.is_system:
            raise Forbidden("System roles are defined by Tandem and cannot be edited; copy one instead.")
        role = role or Role(company=company, code=code)
        role.name, role.description, role.is_sensitive = name, description, is_sensitive
        role.permissions = sorted(set(permissions))
        _validate(role, exclude=["company"])
        role.save()
        _publish(events.RoleSaved(
            company_id=company.pk, actor_id=actor.pk, object_type="platform.role", object_id=role.pk,
            name=name, permissions=role.permissions,
        ))
    return role


MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]+)")


def _mentioned_users(company: Company, body: str) -> list[User]:
    """Users named by @email or @local-part among the company's active members."""
    tokens = {token.lower().rstrip(".") for token in MENTION.findall(body)}
    if not tokens:
        return []
    members = User.objects.filter(memberships__company=company, memberships__is_active=True, is_active=True)
    return [
        user for user in members
        if user.email.lower() in tokens or user.email.lower().split("@")[0] in tokens
    ]


def add_comment(company: Company, obj: Model, *, body: str, actor: User) -> Comment:
    """Comment on a record. Mentioned members who may see the record are notified."""
    body = body.strip()
    if not body:
        raise InvalidInput("A comment cannot be empty.", fields={"body": ["Write something."]})
    if len(body) > 10_000:
        raise InvalidInput("A comment is limited to 10,000 characters.", fields={"body": ["Too long."]})
    if getattr(obj, "company_id", None) != company.pk:
        raise NotFound("No such record.")
    record_type = record_type_of(obj)
    with transaction.atomic():
        comment = Comment.objects.create(
            company=company, object_type=key_of(obj), object_id=obj.pk, author=actor, body=body
        )
        mentioned = [user for user in _mentioned_users(company, body) if can_view(user, company, obj)]
        comment.mentions.set(mentioned)
        _publish(events.CommentAdded(
            company_id=company.pk, actor_id=actor.pk, object_type=key_of(obj), object_id=obj.pk,
            party_id=record_type.party_of(obj), author=actor.display_name, excerpt=body[:140],
            mentioned_ids=[user.pk for user in mentioned],
        ))
    return comment


ALLOWED_ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".eml": "message/rfc822",
    ".xml": "application/xml",
}
MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".xlsx": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
}


def _safe_filename(name: str) -> str:
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*\u202e')
    return name.strip(" .")[:200] or "file"


def attach_file(company: Company, obj: Model, *, upload: UploadedFile, actor: User) -> Attachment:
    """Store a file on a record after checking its size, extension and leading bytes."""
    if getattr(obj, "company_id", None) != company.pk:
        raise NotFound("No such record.")
    filename = _safe_filename(upload.name or "")
    extension = PurePath(filename).suffix.lower()
    if extension not in ALLOWED_ATTACHMENT_TYPES:
        raise AttachmentRejected(
            f"Files of type {extension or '(none)'} are not accepted.",
            fields={"file": [f"Allowed: {', '.join(sorted(ALLOWED_ATTACHMENT_TYPES))}."]},
        )
    if upload.size is None or upload.size == 0:
        raise AttachmentRejected("The file is empty.", fields={"file": ["The file is empty."]})
    if upload.size > settings.TANDEM_MAX_UPLOAD_BYTES:
        limit = settings.TANDEM_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise AttachmentRejected(f"Files are limited to {limit} MB.", fields={"file": [f"Larger than {limit} MB."]})
    upload.seek(0)
    head = upload.read(16)
    if extension in MAGIC and not head.startswith(MAGIC[extension]):
        raise AttachmentRejected("The file's content does not match its extension.",
                                 fields={"file": ["Content does not match the extension."]})
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    record_type = record_type_of(obj)
    with transaction.atomic():
        attachment = Attachment(
            company=company, object_type=key_of(obj), object_id=obj.pk, filename=filename,
            content_type=ALLOWED_ATTACHMENT_TYPES[extension], size=upload.size,
            sha256=digest.hexdigest(), uploaded_by=actor,
        )
        attachment.file.save(filename, upload, save=False)
        attachment.save()
        _publish(events.AttachmentAdded(
            company_id=company.pk, actor_id=actor.pk, object_type=key_of(obj), object_id=obj.pk,
            party_id=record_type.party_of(obj), filename=filename, size=upload.size,
        ))
    return attachment


def notify(company: Company, recipient: User, *, message: str, url: str = "",
           event_id: int | None = None) -> Notification:
    """Create an in-app notification; at most one per (recipient, event)."""
    fields = {"company": company, "message": message[:300], "url": url}
    if event_id is None:
        return Notification.objects.create(recipient=recipient, **fields)
    notification, _ = Notification.objects.get_or_create(
        recipient=recipient, event_id=event_id, defaults=fields
    )
    return notification


def mark_notifications_read(user: User, company: Company, *, ids: list[int] | None = None) -> int:
    notifications = Notification.objects.filter(recipient=user, company=company, read_at=None)
    if ids is not None:
        notifications = notifications.filter(pk__in=ids)
    return notifications.update(read_at=timezone.now())


def save_view(company: Company, *, actor: User, list_key: str, name: str, query: str,
              shared: bool = False) -> SavedView:
    """Save (or overwrite) a named list view: the filter query string, for the owner or shared."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the view a name.", fields={"name": ["Required."]})
    view, _ = SavedView.objects.update_or_create(
        company=company, owner=actor, list_key=list_key, name=name[:100],
        defaults={"query": query.lstrip("?")[:2000], "is_shared": shared},
    )
    return view


def delete_view(view: SavedView, *, actor: User) -> None:
    if view.owner_id != actor.pk:
        raise Forbidden("Only the owner can delete a saved view.")
    view.delete()


TOKEN_PREFIX = "tdm_"  # noqa: S105 - a public marker that makes leaked tokens easy to find


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(company: Company, *, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token for the actor in the company. The raw token is returned once and
    never stored."""
    from tandem.platform.authz import membership_of

    if membership_of(actor, company) is None:
        raise NotFound("No such company.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor, company=company, name=(name.strip() or "API token")[:100],
            prefix=raw[:12], digest=hash_token(raw),
        )
        _publish(events.ApiTokenCreated(
            company_id=company.pk, actor_id=actor.pk, object_type="platform.apitoken",
            object_id=token.pk, name=token.name, prefix=token.prefix,
        ))
    return token, raw


def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    if token.user_id != actor.pk:
        raise NotFound("No such token.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            _publish(events.ApiTokenRevoked(
                company_id=token.company_id, actor_id=actor.pk, object_type="platform.apitoken",
                object_id=token.pk, name=token.name,
            ))
    return token


PROFILE_FIELDS = ("full_name", "theme", "locale", "timezone")


def update_profile(user: User, *, actor: User, **fields) -> User:
    """Change a user's own display settings (name, theme, locale, time zone); only the user may."""
    if actor.pk != user.pk:
        raise Forbidden("People change only their own profile.")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        changed = [name for name, value in fields.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, fields[name])
        _validate(user, exclude=[f.name for f in User._meta.concrete_fields if f.name not in PROFILE_FIELDS])
        if changed:
            user.save(update_fields=changed)
            _publish(events.ProfileUpdated(
                company_id=None, actor_id=actor.pk, object_type="platform.user", object_id=user.pk,
                changed=changed,
            ))
    return user


def create_role(company: Company, *, actor: User, code: str, name: str, permissions: list[str],
                description: str = "", is_sensitive: bool = False) -> Role:
    """Create a custom role. A code already taken (by a system or a custom role) is a conflict,
    also when two admins create it at the same moment."""
    taken = Conflict(f"A role with the code {code!r} already exists.", fields={"code": ["Already taken."]})
    if Role.objects.filter(company=company, code=code).exists():
        raise taken
    try:
        with transaction.atomic():
            return save_role(company, actor=actor, code=code, name=name, permissions=permissions,
                             description=description, is_sensitive=is_sensitive)
    except IntegrityError as error:
        raise taken from error


API_TOKEN_USE_INTERVAL = timedelta(minutes=1)


def note_api_token_used(token: ApiToken, *, now: datetime | None = None) -> None:
    """Record when the token was last used, at most once a minute, so that API calls do not each
    write to the database."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_USE_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
