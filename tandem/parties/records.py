from tandem.parties.models import Party
from tandem.platform.records import RecordType, register

register(RecordType(
    key="parties.party", model=Party, view_permission="parties.view_party",
    url_name="parties:party-detail", party_of=lambda party: party.pk,
))
