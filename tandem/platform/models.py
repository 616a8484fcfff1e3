"""Companies, users, memberships and roles, the event log, sequences and the records every app
hangs off any object (comments, attachments, notifications, saved views, API tokens)."""

import zoneinfo
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone
from django_countries.fields import CountryField


def validate_currency(code: str) -> None:
    if len(code) != 3 or not code.isupper() or get_currency_name(code, locale="en") == code:
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code.")


def validate_timezone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(f"{name!r} is not a known time zone.")


def validate_locale(code: str) -> None:
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError) as error:
        raise ValidationError(f"{code!r} is not a known locale.") from error


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields |= {"is_staff": True, "is_superuser": True}
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. What they may do depends on their memberships, never on flags here
    (is_staff only opens Django's admin site for operators)."""

    class Theme(models.TextChoices):
        AUTO = "auto", "Follow the system"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)
    theme = models.CharField(max_length=8, choices=Theme, default=Theme.AUTO)
    locale = models.CharField(max_length=20, blank=True, validators=[validate_locale])
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]


class Company(models.Model):
    """A tenant: every business row belongs to exactly one company."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=50,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", "Use lowercase letters, digits and -.")],
    )
    base_currency = models.CharField(max_length=3, validators=[validate_currency], default="EUR")
    country = CountryField(default="DE")
    timezone = models.CharField(max_length=64, validators=[validate_timezone], default="UTC")
    locale = models.CharField(max_length=20, validators=[validate_locale], default="en")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    fiscal_year_start_day = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="company_fiscal_month_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_day__gte=1, fiscal_year_start_day__lte=28),
                name="company_fiscal_day_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def fiscal_year_start(self, on: date) -> date:
        """The first day of the fiscal year that contains `on`."""
        start = date(on.year, self.fiscal_year_start_month, self.fiscal_year_start_day)
        return start if start <= on else start.replace(year=on.year - 1)


class Role(models.Model):
    """A named bundle of permissions within one company. System roles (those of DESIGN §1) get
    their permissions from the code that declares them; custom roles are edited by admins."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="roles")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    office = models.CharField(max_length=10, blank=True)
    is_sensitive = models.BooleanField(
        default=False, help_text="Members with this role must use multi-factor authentication."
    )
    is_system = models.BooleanField(default=False)
    permissions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="role_code_unique_per_company")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a company: which roles they hold there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    roles = models.ManyToManyField(Role, related_name="memberships", blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"


class EventRecord(models.Model):
    """The append-only event log: the audit trail and the feed of every timeline. The database
    refuses UPDATE and DELETE on this table (see migration 0002)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=dj_timezone.now)
    code = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    party_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["company", "object_type", "object_id", "-id"], name="event_object_idx"),
            models.Index(fields=["company", "party_id", "-id"], name="event_party_idx"),
            models.Index(fields=["company", "-id"], name="event_company_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.object_type}#{self.object_id}"


class HandlerRun(models.Model):
    """Marks an after-commit handler as done for an event, so redelivery does not repeat it."""

    event = models.ForeignKey(EventRecord, on_delete=models.PROTECT, related_name="+")
    handler = models.CharField(max_length=200)
    ran_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="handler_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.handler} for event {self.event_id}"


class Sequence(models.Model):
    """A gapless counter: the row is locked for update, so a rolled-back transaction gives its
    number back."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    next_value = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="sequence_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key}: next {self.next_value}"


class RecordRef(models.Model):
    """Abstract: rows that hang off any registered record (see platform.records)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["company", "object_type", "object_id"])]


class Comment(RecordRef):
    """A comment on a record; @mentions notify people allowed to see the record."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)

    class Meta(RecordRef.Meta):
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["company", "object_type", "object_id"], name="comment_object_idx")]

    def __str__(self) -> str:
        return self.body[:50]


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.company_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(RecordRef):
    """A file attached to a record; its size and type were checked before it was stored."""

    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta(RecordRef.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "object_type", "object_id"], name="attachment_object_idx")]

    def __str__(self) -> str:
        return self.filename


class Notification(models.Model):
    """An in-app notification for one user in one company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    event = models.ForeignKey(EventRecord, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=dj_timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="notification_once_per_event",
                condition=models.Q(event__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.message


class SavedView(models.Model):
    """A list's filter query string saved under a name, for its owner or shared in the company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True)
    is_shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "owner", "list_key", "name"], name="saved_view_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token, scoped to one company. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WorkerHeartbeat(models.Model):
    """The task worker writes here every few seconds; /ready reads it."""

    name = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%H:%M:%S}"


class ImportJob(models.Model):
    """One run of the import wizard: the uploaded file, its column mapping, the dry-run result
    and the progress of the commit task."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        VALIDATED = "validated", "Checked"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    TRANSITIONS = {
        State.UPLOADED: {State.VALIDATED},
        State.VALIDATED: {State.VALIDATED, State.QUEUED},
        State.QUEUED: {State.RUNNING, State.FAILED},
        State.RUNNING: {State.DONE, State.FAILED},
        State.DONE: set(),
        State.FAILED: set(),
    }

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    importer = models.CharField(max_length=50)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    filename = models.CharField(max_length=255)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    skip_invalid = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State, default=State.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(default=dj_timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.importer} import {self.filename}"

    def transition_to(self, new: "ImportJob.State") -> None:
        if new not in self.TRANSITIONS[self.State(self.state)]:
            raise ValueError(f"An import cannot go from {self.state} to {new}.")
        self.state = new

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportMapping(models.Model):
    """The column mapping a user chose for an importer, offered again next time."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    importer = models.CharField(max_length=50)
    mapping = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user", "importer"], name="import_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.importer} mapping of {self.user_id}"
