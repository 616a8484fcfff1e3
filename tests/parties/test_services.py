from dataclasses import replace

import pytest

from tandem.parties import queries, services
from tandem.parties.errors import PartyArchivedError, PartyInvalid, PartyNotMergeable
from tandem.parties.models import ContactPoint, Party
from tandem.platform.models import EventRecord
from tests.parties.factories import AddressData, PartyData, make_party, make_person


def test_a_party_is_created_with_normalised_contact_points(company, admin):
    party = make_party(
        company, actor=admin, name="  Müller   GmbH ", emails=["Info@Mueller.DE"],
        phones=["030 901820"], websites=["mueller.de"], tax_id="de 136 695 976",
        roles=["customer"], tags=["VIP"],
        address=AddressData(street="Hauptstr. 1", postal_code="10115", city="Berlin", country="de"),
    )

    assert party.name == "Müller   GmbH"
    values = dict(party.contact_points.values_list("kind", "value"))
    assert values == {"email": "info@mueller.de", "phone": "+4930901820", "website": "https://mueller.de"}
    assert party.tax_id == "DE136695976"
    assert [r.role for r in party.roles.all()] == ["customer"]
    assert party.addresses.get().country.code == "DE"


def test_a_new_party_holds_exactly_its_data_with_its_history_row_and_audit_event(company, other_company, admin):
    make_party(company, actor=admin, name="Tagged before", tags=["VIP"])
    make_party(other_company, name="Elsewhere", tags=["Trade fair"])
    data = PartyData(
        kind="person", name="Ada Lovelace", emails=["ada@example.test", "ada@home.test"], phones=["030 901820"],
        websites=["ada.example"], tax_id="DE136695976", external_key="CRM-7", notes="Met at the fair.",
        roles=["customer", "supplier"], tags=["vip", "Trade fair"],
        address=AddressData(street="Hauptstr. 1", postal_code="10115", city="Berlin", country="DE"),
    )

    party = services.create_party(company, data, actor=admin)

    expected = replace(services.validate_party_data(company, data), tags=["Trade fair", "VIP"])
    assert services.party_data_of(party) == expected  # "vip" is the company's existing tag VIP
    assert party.tags.get(name="Trade fair").company_id == company.pk
    assert list(party.contact_points.filter(is_primary=True).values_list("value", flat=True)) == [
        "ada@example.test", "+4930901820", "https://ada.example"]
    assert party.history.count() == 1
    event = EventRecord.objects.get(object_id=party.pk, code="parties.party.created")
    assert (event.company_id, event.actor_id, event.party_id) == (company.pk, admin.pk, party.pk)


def test_a_party_with_nothing_but_a_name_is_created_without_details(company, admin):
    party = services.create_party(company, PartyData(kind="organisation", name="Initech"), actor=admin)

    assert services.party_data_of(party) == PartyData(kind="organisation", name="Initech")
    assert queries.search_parties(company, "initech", 5) == [party]


def test_bad_input_names_every_bad_field_and_writes_nothing(company, admin):
    data = PartyData(
        kind="robot", name="", emails=["not-an-email"], phones=["12"], websites=["not a url"],
        tax_id="DE000000000", roles=["king"],
        address=AddressData(street="", postal_code="ABC", city="Berlin", country="DE"),
    )

    with pytest.raises(PartyInvalid) as error:
        services.create_party(company, data, actor=admin)

    assert set(error.value.fields) == {
        "kind", "name", "emails", "phones", "websites", "tax_id", "roles", "address.street",
        "address.postal_code",
    }
    assert not Party.objects.exists()
    assert not EventRecord.objects.filter(code__startswith="parties.").exists()


@pytest.mark.parametrize("name", ["\u202eevil", "a\x00b"])
def test_control_characters_are_removed_from_names(company, admin, name):
    party = make_party(company, actor=admin, name=name)

    assert "\u202e" not in party.name and "\x00" not in party.name


def test_an_update_records_which_fields_changed(company, admin):
    party = make_party(company, actor=admin, phones=["+49 30 901820"])
    data = services.party_data_of(party)
    data.name, data.phones = "Hooli AG", ["+49 89 12345678"]

    services.update_party(party, data, actor=admin)

    event = EventRecord.objects.filter(object_id=party.pk).latest("id")
    assert event.code == "parties.party.updated"
    assert event.payload["changed"] == ["name", "phones"]
    assert list(party.contact_points.values_list("value", flat=True)) == ["+498912345678"]


def test_an_update_that_changes_nothing_leaves_no_event(company, admin):
    party = make_party(company, actor=admin)
    before = EventRecord.objects.count()

    services.update_party(party, services.party_data_of(party), actor=admin)

    assert EventRecord.objects.count() == before


def test_external_keys_are_unique_per_company(company, other_company, admin):
    make_party(company, actor=admin, external_key="CRM-1")
    make_party(other_company, external_key="CRM-1")

    with pytest.raises(PartyInvalid) as error:
        make_party(company, actor=admin, name="Other", external_key="CRM-1")

    assert "external_key" in error.value.fields


def test_upsert_updates_the_party_with_the_same_external_key(company, admin):
    first, created = services.upsert_party(company, PartyData(kind="person", name="Ada", external_key="X1"), actor=admin)
    second, created_again = services.upsert_party(
        company, PartyData(kind="person", name="Ada Lovelace", external_key="X1"), actor=admin
    )

    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert Party.objects.get().name == "Ada Lovelace"


def test_duplicates_are_found_by_email_phone_tax_id_and_similar_name(company, admin):
    existing = make_party(company, actor=admin, name="Initech Systems GmbH", emails=["hello@initech.test"],
                          phones=["+49 30 901820"], tax_id="DE136695976")

    by_email = queries.find_duplicates(company, PartyData(kind="organisation", name="X", emails=["HELLO@initech.test"]))
    by_phone = queries.find_duplicates(company, PartyData(kind="organisation", name="X", phones=["030 901820"]))
    by_tax = queries.find_duplicates(company, PartyData(kind="organisation", name="X", tax_id="DE 136695976"))
    by_name = queries.find_duplicates(company, PartyData(kind="organisation", name="Initech Systems"))
    unrelated = queries.find_duplicates(company, PartyData(kind="organisation", name="Umbrella Corp"))

    assert [d.party for d in by_email] == [existing]
    assert [d.party for d in by_phone] == [existing]
    assert [d.party for d in by_tax] == [existing]
    assert [d.party for d in by_name] == [existing]
    assert unrelated == []


def test_duplicates_are_never_found_in_another_company(company, other_company, admin):
    make_party(other_company, emails=["hello@initech.test"])

    assert queries.find_duplicates(company, PartyData(kind="organisation", name="X", emails=["hello@initech.test"])) == []


def test_merging_moves_everything_to_the_party_kept_and_keeps_the_timeline(company, admin):
    keep = make_party(company, actor=admin, name="Initech", emails=["a@initech.test"], tags=["vip"])
    duplicate = make_party(company, actor=admin, name="Initech GmbH", emails=["b@initech.test"],
                           roles=["supplier"], tags=["import"], external_key="ERP-7")
    person = make_person(company, actor=admin)
    services.add_relation(person, duplicate, job_title="Buyer", actor=admin)
    services.record_consent(duplicate, channel="email", given=True, source="fair", actor=admin)

    kept = services.merge_parties(keep, duplicate, actor=admin)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept and duplicate.is_archived
    assert sorted(kept.contact_points.values_list("value", flat=True)) == ["a@initech.test", "b@initech.test"]
    assert sorted(kept.tags.values_list("name", flat=True)) == ["import", "vip"]
    assert [r.role for r in kept.roles.all()] == ["supplier"]
    assert kept.external_key == "ERP-7"
    assert list(kept.people.values_list("person__name", flat=True)) == ["Ada Lovelace"]
    assert kept.consents.count() == 1
    codes = [e.code for e in queries.party_timeline(admin, company, kept)]
    assert codes[0] == "parties.party.merged"
    assert "parties.consent.recorded" in codes
    assert codes.count("parties.party.created") == 2


@pytest.mark.parametrize("problem", ["itself", "other company", "already merged"])
def test_impossible_merges_are_refused(company, other_company, admin, problem):
    keep = make_party(company, actor=admin)
    if problem == "itself":
        duplicate = keep
    elif problem == "other company":
        duplicate = make_party(other_company)
    else:
        duplicate = make_party(company, actor=admin, name="Dup")
        services.merge_parties(make_party(company, actor=admin, name="Third"), duplicate, actor=admin)

    with pytest.raises(PartyNotMergeable):
        services.merge_parties(keep, duplicate, actor=admin)


def test_a_merged_party_cannot_be_edited_or_restored(company, admin):
    keep, duplicate = make_party(company, actor=admin), make_party(company, actor=admin, name="Dup")
    services.merge_parties(keep, duplicate, actor=admin)

    with pytest.raises(PartyArchivedError):
        services.update_party(duplicate, services.party_data_of(duplicate), actor=admin)
    with pytest.raises(PartyArchivedError):
        services.restore_party(duplicate, actor=admin)


def test_archiving_and_restoring_are_audited_once(company, admin):
    party = make_party(company, actor=admin)

    services.archive_party(party, actor=admin)
    services.archive_party(party, actor=admin)
    services.restore_party(party, actor=admin)

    codes = list(EventRecord.objects.filter(object_type="parties.party", object_id=party.pk).order_by("id").values_list("code", flat=True))
    assert codes == ["parties.party.created", "parties.party.archived", "parties.party.restored"]


def test_consent_history_keeps_every_change_and_the_latest_wins(company, admin):
    party = make_person(company, actor=admin)

    services.record_consent(party, channel="email", given=True, source="web form", actor=None)
    services.record_consent(party, channel="email", given=False, source="unsubscribe link", actor=None)

    assert party.consents.count() == 2
    assert queries.current_consents(party)["email"].given is False


def test_a_relation_links_a_person_to_an_organisation_only(company, admin):
    person, organisation = make_person(company, actor=admin), make_party(company, actor=admin)

    with pytest.raises(PartyInvalid):
        services.add_relation(organisation, person, job_title="CEO", actor=admin)

    relation = services.add_relation(person, organisation, job_title="CEO", actor=admin)
    assert str(relation) == "Ada Lovelace at Hooli GmbH"


def test_list_search_matches_names_emails_and_phone_digits(company, admin):
    make_party(company, actor=admin, name="Zoë Café", emails=["zoe@cafe.test"], phones=["+49 30 901820"])
    make_party(company, actor=admin, name="Other")

    assert [p.name for p in queries.list_parties(company, q="zoe cafe")] == ["Zoë Café"]
    assert [p.name for p in queries.list_parties(company, q="901820")] == ["Zoë Café"]
    assert [p.name for p in queries.list_parties(company, q="zoe@cafe.test")] == ["Zoë Café"]


def test_contact_points_never_cross_companies(company, other_company, admin):
    party = make_party(company, actor=admin, emails=["x@acme.test"])

    assert ContactPoint.objects.get(party=party).company_id == company.pk
