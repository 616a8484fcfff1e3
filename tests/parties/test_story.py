"""The parties story: a receptionist meets a visitor, sales turns their company into a customer,
a duplicate from a trade fair is merged, and everyone sees one timeline."""

from tandem.parties import queries, services
from tandem.platform import services as platform_services
from tandem.platform.authz import authorize
from tandem.platform.models import Notification
from tests.parties.factories import AddressData, PartyData
from tests.platform.factories import make_member


def test_one_party_record_serves_every_office(company, admin, django_capture_on_commit_callbacks):
    receptionist = make_member(company, ["receptionist"], email="desk@acme.test")
    rep = make_member(company, ["sales_rep"], email="rep@acme.test")
    manager = make_member(company, ["sales_manager"], email="boss@acme.test")
    accountant = make_member(company, ["accountant"], email="books@acme.test")

    # A visitor signs in at reception; their employer is new to us.
    visitor = services.create_party(company, PartyData(
        kind="person", name="Grace Hopper", emails=["grace@navy.test"], roles=["visitor"],
    ), actor=receptionist)
    employer = services.create_party(company, PartyData(
        kind="organisation", name="Navy Labs Inc.", phones=["+1 202 555 0143"], roles=["prospect"],
        address=AddressData(street="1 Navy Way", postal_code="20001", city="Washington", country="US"),
    ), actor=receptionist)
    services.add_relation(visitor, employer, job_title="Rear Admiral", actor=receptionist)

    # Sales wins them: the prospect becomes a customer and agrees to newsletters.
    data = services.party_data_of(employer)
    data.roles = ["customer"]
    services.update_party(employer, data, actor=rep)
    services.record_consent(visitor, channel="email", given=True, source="visit sign-in sheet", actor=rep)

    # A trade-fair import created the same company again; the manager spots and merges it.
    fair_copy = services.create_party(company, PartyData(
        kind="organisation", name="Navy Labs", phones=["(202) 555-0143"], tags=["fair-2026"],
    ), actor=rep)
    duplicates = queries.find_duplicates(company, services.party_data_of(fair_copy), exclude_id=fair_copy.pk)
    assert [d.party for d in duplicates] == [employer]
    services.merge_parties(employer, fair_copy, actor=manager)

    # Finance asks sales about the customer and mentions them.
    with django_capture_on_commit_callbacks(execute=True):
        platform_services.add_comment(company, employer, body="@rep is the PO number known?", actor=accountant)

    employer.refresh_from_db()
    assert sorted(r.role for r in employer.roles.all()) == ["customer"]
    assert list(employer.tags.values_list("name", flat=True)) == ["fair-2026"]
    timeline = [e.code for e in queries.party_timeline(accountant, company, employer)]
    assert timeline[:2] == ["platform.comment.added", "parties.party.merged"]
    assert "parties.party.updated" in timeline
    assert Notification.objects.filter(recipient=rep, url__endswith=f"/parties/{employer.pk}/").exists()
    assert authorize(accountant, company, "parties.view_party", employer)
    assert [p.name for p in queries.list_parties(company, role="customer")] == ["Navy Labs Inc."]
