"""What the platform does when events happen."""

from tandem.platform import services
from tandem.platform.events import CommentAdded, subscribe
from tandem.platform.models import Company, EventRecord, User
from tandem.platform.records import record_url


@subscribe(CommentAdded, after_commit=True)
def notify_mentioned_people(event: CommentAdded, record: EventRecord) -> None:
    """Mentions notify even people who muted other notifications; the comment service already
    kept only those who may see the record."""
    company = Company.objects.get(pk=event.company_id)
    url = record_url(company, event.object_type, event.object_id)
    for user in User.objects.filter(pk__in=event.mentioned_ids, is_active=True):
        services.notify(
            company, user, message=f"{event.author} mentioned you: {event.excerpt}", url=url,
            event_id=record.pk,
        )
