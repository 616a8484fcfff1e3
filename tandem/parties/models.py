"""People and organisations shared by every office, with their contact points, addresses,
relations, roles, tags and marketing consent."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from tandem.platform.models import Company


class Tag(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("company", Lower("name"), name="tag_name_unique_per_company")
        ]

    def __str__(self) -> str:
        return self.name


class Party(models.Model):
    """A person or an organisation the company deals with, in any role."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind)
    name = models.CharField(max_length=200)
    tax_id = models.CharField(max_length=40, blank=True)
    external_key = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, related_name="parties", blank=True)
    is_archived = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Denormalised for search and duplicate detection; kept up to date by the services.
    name_key = models.CharField(max_length=200, editable=False, db_index=False)
    search_text = models.TextField(editable=False, blank=True)

    history = HistoricalRecords(excluded_fields=["search_text", "name_key", "updated_at"])

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["company", "is_archived", "name", "id"], name="party_list_idx"),
            models.Index(fields=["company", "name_key"], name="party_name_key_idx"),
            models.Index(fields=["company", "tax_id"], name="party_tax_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_key"], name="party_external_key_unique",
                condition=~models.Q(external_key=""),
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="party_name_not_empty"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["person", "organisation"]), name="party_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON


class PartyRole(models.Model):
    class Role(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        CUSTOMER = "customer", "Customer"
        SUPPLIER = "supplier", "Supplier"
        EMPLOYEE = "employee", "Employee"
        VISITOR = "visitor", "Visitor"

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=10, choices=Role)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "role"], name="party_role_unique")]
        indexes = [models.Index(fields=["role", "party"], name="party_role_idx")]

    def __str__(self) -> str:
        return self.get_role_display()


class ContactPoint(models.Model):
    """An email address, phone number (stored as E.164) or website of a party."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        WEBSITE = "website", "Website"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=8, choices=Kind)
    value = models.CharField(max_length=254)
    label = models.CharField(max_length=30, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["kind", "-is_primary", "id"]
        indexes = [models.Index(fields=["company", "kind", "value"], name="contact_point_lookup_idx")]
        constraints = [
            models.UniqueConstraint(fields=["party", "kind", "value"], name="contact_point_unique")
        ]

    def __str__(self) -> str:
        return self.value


class Address(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", "Main"
        BILLING = "billing", "Billing"
        SHIPPING = "shipping", "Shipping"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.MAIN)
    street = models.CharField(max_length=200)
    street2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    country = CountryField()

    class Meta:
        verbose_name_plural = "addresses"
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        parts = [self.street, f"{self.postal_code} {self.city}".strip(), self.country.name]
        return ", ".join(part for part in parts if part)


class Relation(models.Model):
    """A person works at an organisation, with a job title."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="employers")
    organisation = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="people")
    job_title = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation"], name="relation_unique"),
            models.CheckConstraint(condition=~models.Q(person=models.F("organisation")), name="relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.organisation}"


class Consent(models.Model):
    """One change of a party's marketing consent on a channel. Rows are only ever added; the
    latest row per channel is the party's current consent."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        SMS = "sms", "SMS"
        POST = "post", "Post"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=8, choices=Channel)
    given = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["party", "channel", "-recorded_at"], name="consent_latest_idx")]

    def __str__(self) -> str:
        return f"{self.channel}: {'given' if self.given else 'withdrawn'}"
