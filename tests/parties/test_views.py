"""The parties pages as people use them: list, create and edit, the party page, merge, bulk actions."""

import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from tandem.parties import services
from tandem.parties.models import Party
from tandem.platform.events import DomainEvent, publish
from tandem.platform.models import EventRecord
from tests.parties.factories import AddressData, PartyData, make_party, make_person
from tests.parties.factories import parties_url as url
from tests.platform.factories import make_member

HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass(frozen=True, kw_only=True)
class AuditOnlyNote(DomainEvent):
    """An event about a party that only auditors may read (for the timeline filter)."""

    code = "tests.party.audit_only_note"
    view_permission = "platform.view_audit_log"
    summary = "Audit note: {text}"
    object_type: str = "parties.party"
    text: str


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def party_form(**changes) -> dict:
    return {"kind": "organisation", "name": "Initech GmbH", "emails": "", "phones": "", "websites": "",
            "tax_id": "", "external_key": "", "notes": "", "tags": "", "street": "", "street2": "",
            "postal_code": "", "city": "", "region": "", "country": "DE"} | changes


# --- Create and edit ------------------------------------------------------------------------


def test_creating_with_an_invalid_phone_answers_422_with_the_message_next_to_the_phone_field(web, company):
    response = web.post(url("party-create", company), party_form(phones="12"), **HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" not in html  # the form partial only
    assert 'id="id_phones_error"' in html
    error = html.split('id="id_phones_error"')[1].split("</ul>")[0]
    assert "&#x27;12&#x27; is not a valid phone number" in error
    phone_input = re.search(r'<textarea[^>]*name="phones"[^>]*>', html).group()
    assert "id_phones_error" in phone_input and 'aria-invalid="true"' in phone_input and "autofocus" in phone_input
    assert not Party.objects.filter(company=company).exists()


def test_without_htmx_the_invalid_form_comes_back_as_a_whole_page(web, company):
    response = web.post(url("party-create", company), party_form(phones="12"))

    assert response.status_code == 422
    assert "<html" in response.content.decode()


def test_fixing_the_phone_creates_the_party_and_opens_its_page(web, company):
    web.post(url("party-create", company), party_form(phones="12"))

    response = web.post(url("party-create", company), party_form(phones="030 901820", roles=["customer"]))

    party = Party.objects.get(company=company)
    assert response.status_code == 302
    assert response["Location"] == url("party-detail", company, pk=party.pk)
    assert list(party.contact_points.values_list("value", flat=True)) == ["+4930901820"]
    assert list(party.roles.values_list("role", flat=True)) == ["customer"]


def test_an_htmx_create_is_told_to_load_the_new_party_page(web, company):
    response = web.post(url("party-create", company), party_form(), **HTMX)

    party = Party.objects.get(company=company)
    assert response["HX-Redirect"] == url("party-detail", company, pk=party.pk)


def test_a_bad_postal_code_is_shown_on_the_postal_code_field(web, company):
    response = web.post(url("party-create", company), party_form(street="Unter den Linden 1", city="Berlin",
                                                                     postal_code="ABC"))

    assert response.status_code == 422
    assert "Not a valid postal code for Germany." in response.content.decode().split('id="id_postal_code_error"')[1]
    assert not Party.objects.exists()


def test_creating_a_look_alike_shows_the_duplicates_and_needs_create_anyway(web, company, manager):
    existing = make_party(company, actor=manager, name="Initech GmbH", emails=["info@initech.test"])

    response = web.post(url("party-create", company), party_form(name="Initech", emails="INFO@initech.test"))

    html = response.content.decode()
    assert response.status_code == 200
    assert url("party-detail", company, pk=existing.pk) in html
    assert "same email info@initech.test" in html and "similar name" in html
    assert 'name="create_anyway"' in html
    assert Party.objects.filter(company=company).count() == 1

    response = web.post(url("party-create", company),
                            party_form(name="Initech", emails="info@initech.test", create_anyway="on"))

    assert response.status_code == 302
    assert Party.objects.filter(company=company).count() == 2


def test_duplicate_hints_appear_while_typing(web, company, manager):
    make_party(company, actor=manager, name="Umbrella Corporation")

    response = web.post(url("party-duplicates", company), {"kind": "organisation", "name": "Umbrela Corporation"}, **HTMX)

    assert response.status_code == 200
    assert "Umbrella Corporation" in response.content.decode()
    assert "similar name" in response.content.decode()


def test_editing_a_party_changes_it_and_records_what_changed(web, company, manager):
    party = make_party(company, actor=manager, name="Vandelay Industries", phones=["+49 30 901820"])

    page = web.get(url("party-edit", company, pk=party.pk))
    assert "Vandelay Industries" in page.content.decode() and "+4930901820" in page.content.decode()

    response = web.post(url("party-edit", company, pk=party.pk),
                            party_form(name="Vandelay Imports", phones="+4930901820", tags="latex, import"))

    party.refresh_from_db()
    assert response.status_code == 302
    assert party.name == "Vandelay Imports"
    assert sorted(party.tags.values_list("name", flat=True)) == ["import", "latex"]
    updated = EventRecord.objects.get(code="parties.party.updated", object_id=party.pk)
    assert updated.payload["changed"] == ["name", "tags"]


def test_a_failed_edit_saves_nothing(web, company, manager):
    party = make_party(company, actor=manager, name="Vandelay Industries")

    response = web.post(url("party-edit", company, pk=party.pk), party_form(name="Vandelay", emails="nope"))

    party.refresh_from_db()
    assert response.status_code == 422
    assert "is not a valid email address" in response.content.decode()
    assert party.name == "Vandelay Industries"


# --- Archive and restore --------------------------------------------------------------------


def test_archiving_and_restoring_from_the_party_page(web, company, manager):
    party = make_party(company, actor=manager)

    web.post(url("party-archive", company, pk=party.pk))
    party.refresh_from_db()
    assert party.is_archived
    page = web.get(url("party-detail", company, pk=party.pk)).content.decode()
    assert url("party-restore", company, pk=party.pk) in page and url("party-archive", company, pk=party.pk) not in page

    web.post(url("party-restore", company, pk=party.pk))
    party.refresh_from_db()
    assert not party.is_archived


def test_the_party_page_offers_only_the_actions_the_viewer_may_take(company, manager):
    party = make_party(company, actor=manager)
    auditor = make_member(company, ["auditor"], email="auditor@acme.test")

    managers_page = client_for(manager).get(url("party-detail", company, pk=party.pk)).content.decode()
    auditors_page = client_for(auditor).get(url("party-detail", company, pk=party.pk)).content.decode()

    for action in ("party-edit", "party-archive", "party-merge", "party-consent", "party-relation-add"):
        assert url(action, company, pk=party.pk) in managers_page
        assert url(action, company, pk=party.pk) not in auditors_page


def test_a_role_without_the_archive_permission_cannot_archive(company, manager):
    party = make_party(company, actor=manager)
    rep = make_member(company, ["sales_rep"], email="rep@acme.test")

    response = client_for(rep).post(url("party-archive", company, pk=party.pk))

    party.refresh_from_db()
    assert response.status_code == 403
    assert not party.is_archived


# --- List -----------------------------------------------------------------------------------


def names(response) -> list[str]:
    return [party.name for party in response.context["parties"]]


def test_the_list_filters_by_search_kind_role_tag_and_archived(web, company, manager):
    make_party(company, actor=manager, name="Acme Supplies", roles=["supplier"], tags=["metal"])
    make_party(company, actor=manager, name="Beta Customers", roles=["customer"], emails=["buy@beta.test"])
    make_person(company, actor=manager, name="Carla Customer", roles=["customer"], tags=["Metal"])
    old = make_party(company, actor=manager, name="Delta Old", roles=["customer"])
    services.archive_party(old, actor=manager)
    base = url("party-list", company)

    assert names(web.get(base)) == ["Acme Supplies", "Beta Customers", "Carla Customer"]
    assert names(web.get(base, {"q": "buy@beta"})) == ["Beta Customers"]
    assert names(web.get(base, {"kind": "person"})) == ["Carla Customer"]
    assert names(web.get(base, {"role": "customer"})) == ["Beta Customers", "Carla Customer"]
    assert names(web.get(base, {"tag": "metal"})) == ["Acme Supplies", "Carla Customer"]
    assert names(web.get(base, {"archived": "only"})) == ["Delta Old"]
    assert len(names(web.get(base, {"archived": "all"}))) == 4
    assert names(web.get(base, {"kind": "nonsense", "sort": "password"})) == names(web.get(base))


def test_the_list_sorts_by_name_and_by_creation_both_ways(web, company, manager):
    for name in ["Bravo", "Alpha", "Charlie"]:
        make_party(company, actor=manager, name=name)
    base = url("party-list", company)

    assert names(web.get(base, {"sort": "name"})) == ["Alpha", "Bravo", "Charlie"]
    assert names(web.get(base, {"sort": "-name"})) == ["Charlie", "Bravo", "Alpha"]
    assert names(web.get(base, {"sort": "created"})) == ["Bravo", "Alpha", "Charlie"]
    assert names(web.get(base, {"sort": "-created"})) == ["Charlie", "Alpha", "Bravo"]


def test_the_list_shows_fifty_per_page_with_the_total_and_keeps_the_filters_in_page_links(web, company, manager):
    for number in range(53):
        make_party(company, actor=manager, name=f"Party {number:03}", tags=["bulk"])

    first = web.get(url("party-list", company), {"tag": "bulk"})
    second = web.get(url("party-list", company), {"tag": "bulk", "page": "2"})

    assert len(names(first)) == 50 and names(second) == ["Party 050", "Party 051", "Party 052"]
    html = first.content.decode()
    assert "53 parties" in html
    assert "tag=bulk&amp;page=2" in html


def test_typing_in_the_search_swaps_only_the_results(web, company, manager):
    make_party(company, actor=manager, name="Globex")

    response = web.get(url("party-list", company), {"q": "glob"}, **HTMX)

    html = response.content.decode()
    assert "<html" not in html and 'id="party-results"' in html and "Globex" in html


def test_the_list_offers_c_as_the_shortcut_for_a_new_party(web, company):
    html = web.get(url("party-list", company)).content.decode()

    assert f'href="{url("party-create", company)}" data-hotkey="c"' in html


def test_bulk_tagging_runs_every_row_through_the_service_and_reports_the_row_that_failed(web, company, manager):
    first = make_party(company, actor=manager, name="First")
    second = make_party(company, actor=manager, name="Second")
    merged = make_party(company, actor=manager, name="Merged away")
    services.merge_parties(first, merged, actor=manager)

    response = web.post(url("party-bulk", company), {"action": "tag", "tag": "fair-2026",
                                                         "ids": [first.pk, second.pk, merged.pk]}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 done, 1 failed" in html
    assert "<strong>Merged away</strong>: This party was merged into another and cannot be changed." in html
    assert [p.name for p in Party.objects.filter(tags__name="fair-2026").order_by("name")] == ["First", "Second"]
    assert EventRecord.objects.filter(code="parties.party.tagged").count() == 2


def test_bulk_archive_never_touches_another_companys_parties(web, company, manager, other_company, outsider):
    ours = make_party(company, actor=manager, name="Ours")
    theirs = make_party(other_company, actor=outsider, name="Theirs")

    response = web.post(url("party-bulk", company), {"action": "archive", "ids": [ours.pk, theirs.pk]}, **HTMX)

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.is_archived and not theirs.is_archived
    html = response.content.decode()
    assert f"#{theirs.pk}</strong>: No such party." in html and "Theirs" not in html


def test_without_htmx_the_bulk_report_comes_back_to_the_filtered_list(web, company, manager):
    merged = make_party(company, actor=manager, name="Merged away")
    services.merge_parties(make_party(company, actor=manager, name="Kept"), merged, actor=manager)

    response = web.post(url("party-bulk", company) + "?archived=all&q=a", {"action": "tag", "tag": "x",
                                                                            "ids": [merged.pk]}, follow=True)

    assert response.redirect_chain == [(url("party-list", company) + "?archived=all&q=a", 302)]
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Add a tag: 0 done, 1 failed.",
                     "Merged away: This party was merged into another and cannot be changed."]


def test_changing_the_filters_refreshes_the_saved_views_menu(web, company):
    response = web.get(url("party-list", company), {"role": "customer"}, **HTMX)

    html = response.content.decode()
    assert 'id="party-saved-views" hx-swap-oob="true"' in html
    assert 'value="role=customer"' in html


def test_bulk_actions_are_guarded_by_their_own_permission(company, manager):
    party = make_party(company, actor=manager)
    auditor = make_member(company, ["auditor"], email="auditor@acme.test")

    response = client_for(auditor).post(url("party-bulk", company), {"action": "tag", "tag": "x", "ids": [party.pk]})

    assert response.status_code == 403
    assert not party.tags.exists()


def test_bulk_tagging_without_a_tag_changes_nothing(web, company, manager):
    party = make_party(company, actor=manager)

    response = web.post(url("party-bulk", company), {"action": "tag", "tag": " ", "ids": [party.pk]})

    assert response.status_code == 422
    assert "Enter the tag to add." in response.content.decode()
    assert not party.tags.exists()


# --- The party page -------------------------------------------------------------------------


def test_the_party_page_shows_contact_points_address_people_and_consent(web, company, manager):
    organisation = make_party(company, actor=manager, name="Hooli GmbH", emails=["hi@hooli.test"],
                              address=AddressData(street="Hauptstr. 1", postal_code="10115", city="Berlin",
                                                  country="DE"))
    person = make_person(company, actor=manager, name="Gavin Belson")
    services.add_relation(person, organisation, job_title="CEO", actor=manager)
    services.record_consent(organisation, channel="email", given=True, source="web form", actor=manager)

    html = web.get(url("party-detail", company, pk=organisation.pk)).content.decode()

    assert "hi@hooli.test" in html and "Hauptstr. 1, 10115 Berlin, Germany" in html
    assert "Gavin Belson" in html and "CEO" in html
    assert "given" in html and "web form" in html


def test_recording_consent_returns_the_section_with_its_history(web, company, manager):
    party = make_person(company, actor=manager)

    response = web.post(url("party-consent", company, pk=party.pk),
                            {"channel": "sms", "given": "no", "source": "phone call"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and 'id="consent"' in html and "<html" not in html
    assert "phone call" in html and "withdrawn" in html
    assert party.consents.get().given is False


def test_consent_without_a_source_is_refused_on_the_field(web, company, manager):
    party = make_person(company, actor=manager)

    response = web.post(url("party-consent", company, pk=party.pk), {"channel": "sms", "given": "yes"}, **HTMX)

    assert response.status_code == 422
    assert 'id="id_source_error"' in response.content.decode()
    assert not party.consents.exists()


def test_adding_a_person_to_an_organisation_through_the_picker(web, company, manager, other_company, outsider):
    organisation = make_party(company, actor=manager, name="Pied Piper")
    person = make_person(company, actor=manager, name="Richard Hendricks")
    make_person(other_company, actor=outsider, name="Richard Other")

    options = web.get(url("party-pick", company), {"q": "richard", "kind": "person"}).content.decode()
    assert "Richard Hendricks" in options and "Richard Other" not in options

    response = web.post(url("party-relation-add", company, pk=organisation.pk),
                            {"other": person.pk, "job_title": "CEO"}, **HTMX)

    assert response.status_code == 200
    assert "Richard Hendricks" in response.content.decode()
    assert organisation.people.get().person == person


def test_a_relation_to_another_companys_party_is_refused(web, company, manager, other_company, outsider):
    organisation = make_party(company, actor=manager, name="Pied Piper")
    stranger = make_person(other_company, actor=outsider, name="Stranger")

    response = web.post(url("party-relation-add", company, pk=organisation.pk), {"other": stranger.pk})

    assert response.status_code == 422
    assert not organisation.people.exists()


def test_the_timeline_shows_fifty_entries_then_loads_more(web, company, manager):
    party = make_party(company, actor=manager, name="Busy Ltd")
    for number in range(60):
        services.tag_party(party, tag=f"tag-{number}", actor=manager)

    first = web.get(url("party-detail", company, pk=party.pk))
    entries = first.context["entries"]
    assert len(entries) == 50
    assert entries[0]["summary"] == "Tagged tag-59"
    assert entries[0]["record"].actor == manager
    more = url("party-timeline", company, pk=party.pk) + f"?before={first.context['next_before']}"
    assert more.replace("&", "&amp;") in first.content.decode()

    second = web.get(more, **HTMX)

    summaries = [entry["summary"] for entry in second.context["entries"]]
    assert summaries[0] == "Tagged tag-9" and summaries[-1] == "Organisation Busy Ltd created"
    assert len(summaries) == 11 and second.context["next_before"] is None
    assert "<html" not in second.content.decode()


def test_the_timeline_hides_events_the_viewer_may_not_see(company, manager):
    party = make_party(company, actor=manager, name="Secretive AG")
    with transaction.atomic():
        publish(AuditOnlyNote(company_id=company.pk, actor_id=manager.pk, object_id=party.pk, party_id=party.pk,
                              text="checked by compliance"))
    officer = make_member(company, ["compliance_officer"], email="compliance@acme.test")

    managers_view = client_for(manager).get(url("party-detail", company, pk=party.pk)).content.decode()
    officers_view = client_for(officer).get(url("party-detail", company, pk=party.pk)).content.decode()

    assert "Audit note: checked by compliance" not in managers_view
    assert "Audit note: checked by compliance" in officers_view
    assert "Organisation Secretive AG created" in managers_view


# --- Merge ----------------------------------------------------------------------------------


def test_merging_a_duplicate_from_the_party_page(web, company, manager):
    keep = make_party(company, actor=manager, name="Navy Labs Inc.", phones=["+1 202 555 0143"])
    copy = make_party(company, actor=manager, name="Navy Labs", phones=["(202) 555-0143"],
                      emails=["fair@navy.test"], tags=["fair-2026"])

    choose = web.get(url("party-merge", company, pk=keep.pk)).content.decode()
    assert url("party-merge-confirm", company, pk=keep.pk, other=copy.pk) in choose
    assert "similar name" in choose

    confirm = web.get(url("party-merge-confirm", company, pk=keep.pk, other=copy.pk)).content.decode()
    assert "fair@navy.test" in confirm and "fair-2026" in confirm

    response = web.post(url("party-merge-confirm", company, pk=keep.pk, other=copy.pk))

    copy.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == url("party-detail", company, pk=keep.pk)
    assert copy.merged_into == keep and copy.is_archived
    assert "fair@navy.test" in keep.contact_points.values_list("value", flat=True)
    assert EventRecord.objects.filter(code="parties.party.merged", object_id=keep.pk).count() == 1


def test_the_merge_page_finds_a_duplicate_by_name(web, company, manager):
    keep = make_party(company, actor=manager, name="Initech")
    other = make_party(company, actor=manager, name="Completely Different Name Ltd")

    response = web.get(url("party-merge", company, pk=keep.pk), {"q": "different"}, **HTMX)

    assert url("party-merge-confirm", company, pk=keep.pk, other=other.pk) in response.content.decode()


def test_a_merged_partys_page_says_where_it_went(web, company, manager):
    keep = make_party(company, actor=manager, name="Keeper")
    gone = make_party(company, actor=manager, name="Gone")
    services.merge_parties(keep, gone, actor=manager)

    html = web.get(url("party-detail", company, pk=gone.pk)).content.decode()

    assert 'id="merged-notice"' in html
    assert url("party-detail", company, pk=keep.pk) in html.split('id="merged-notice"')[1]
    assert url("party-edit", company, pk=gone.pk) not in html


def test_merging_twice_is_refused(web, company, manager):
    keep = make_party(company, actor=manager, name="Keeper")
    gone = make_party(company, actor=manager, name="Gone")
    web.post(url("party-merge-confirm", company, pk=keep.pk, other=gone.pk))

    response = web.post(url("party-merge-confirm", company, pk=keep.pk, other=gone.pk))

    assert response.status_code == 409
    assert EventRecord.objects.filter(code="parties.party.merged").count() == 1


# --- Tenancy --------------------------------------------------------------------------------


PARTY_ROUTES = [
    ("party-detail", "get"), ("party-timeline", "get"), ("party-edit", "get"), ("party-edit", "post"),
    ("party-archive", "post"), ("party-restore", "post"), ("party-consent", "post"),
    ("party-relation-add", "post"), ("party-merge", "get"),
]


@pytest.mark.parametrize(("route", "method"), PARTY_ROUTES)
def test_another_companys_party_is_not_found_on_every_page(web, company, manager, other_company, outsider,
                                                           route, method):
    theirs = make_party(other_company, actor=outsider, name="Theirs")

    response = getattr(web, method)(url(route, company, pk=theirs.pk))

    assert response.status_code == 404


def test_merging_with_another_companys_party_is_not_found(web, company, manager, other_company, outsider):
    ours = make_party(company, actor=manager, name="Ours")
    theirs = make_party(other_company, actor=outsider, name="Theirs")

    for pk, other in ((ours.pk, theirs.pk), (theirs.pk, ours.pk)):
        assert web.get(url("party-merge-confirm", company, pk=pk, other=other)).status_code == 404
        assert web.post(url("party-merge-confirm", company, pk=pk, other=other)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.merged_into is None


def test_party_data_used_by_the_form_round_trips(company, manager):
    """The edit form starts from the party's data and, unchanged, changes nothing."""
    party = make_party(company, actor=manager, name="Round Trip", emails=["a@b.test"], roles=["customer"],
                       tags=["x"], address=AddressData(street="Main St 1", postal_code="10115", city="Berlin",
                                                       country="DE"))
    client = client_for(manager)
    initial = client.get(url("party-edit", company, pk=party.pk)).context["form"].initial
    posted = {key: value for key, value in initial.items()}

    client.post(url("party-edit", company, pk=party.pk), posted)

    assert not EventRecord.objects.filter(code="parties.party.updated").exists()
    assert services.party_data_of(party) == services.validate_party_data(company, PartyData(
        kind="organisation", name="Round Trip", emails=["a@b.test"], roles=["customer"], tags=["x"],
        address=AddressData(street="Main St 1", postal_code="10115", city="Berlin", country="DE")))
