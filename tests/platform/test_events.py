import pytest
from django.db import DatabaseError, connection, transaction

from tandem.platform.models import EventRecord
from tests.parties.factories import make_party


def test_every_service_call_leaves_an_audit_event(company, admin):
    party = make_party(company, actor=admin, name="Initech")

    event = EventRecord.objects.filter(company=company, object_id=party.pk).latest("id")

    assert event.code == "parties.party.created"
    assert event.actor == admin
    assert event.payload["name"] == "Initech"


@pytest.mark.parametrize("statement", [
    "UPDATE platform_eventrecord SET code = 'tampered'",
    "DELETE FROM platform_eventrecord",
])
def test_the_database_refuses_to_change_the_event_log(company, admin, statement):
    make_party(company, actor=admin)
    before = list(EventRecord.objects.values_list("id", "code"))

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert list(EventRecord.objects.values_list("id", "code")) == before
