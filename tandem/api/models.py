"""What the API face stores itself: the Idempotency-Key of every creating request."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tandem.platform.models import Company


class IdempotencyRecord(models.Model):
    """An Idempotency-Key used by a member in a company: a fingerprint of the request it was first
    sent with and, once that request finished, its response to replay. The unique constraint on
    (company, user, key) decides which of several concurrent requests does the work."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        DONE = "done", "Done"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=State, default=State.IN_FLIGHT)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user", "key"], name="idempotency_key_unique"),
            models.CheckConstraint(condition=models.Q(state__in=["in_flight", "done"]), name="idempotency_state_valid"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
