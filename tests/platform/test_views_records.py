"""Comments and attachments on any record, through the pages' generic endpoints."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.platform import services
from tandem.platform.models import Attachment, Comment, Notification
from tests.parties.factories import make_party


def _record(party) -> dict:
    return {"object_type": "parties.party", "object_id": party.pk}


def test_a_comment_with_a_mention_notifies_a_member_who_may_see_the_record(
    client, company, admin, sales_rep, employee, django_capture_on_commit_callbacks
):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("platform:comment-add", kwargs={"company": "acme"}),
                               _record(party) | {"body": "@rep and @employee: please call them"})

    assert response.status_code == 302
    assert response["Location"].startswith(f"/c/acme/parties/{party.pk}/")
    assert Comment.objects.get().body == "@rep and @employee: please call them"
    assert Notification.objects.filter(recipient=sales_rep).count() == 1
    assert not Notification.objects.filter(recipient=employee).exists()


def test_a_comment_sent_by_htmx_comes_back_as_the_updated_comment_list(client, company, admin):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:comment-add", kwargs={"company": "acme"}),
                           _record(party) | {"body": "Called, they will order in May."}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Called, they will order in May." in html
    assert "<html" not in html
    assert f'id="activity-parties-party-{party.pk}-comments"' in html


def test_an_empty_comment_is_refused_on_the_form_and_nothing_is_stored(client, company, admin):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:comment-add", kwargs={"company": "acme"}),
                           _record(party) | {"body": "   "}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "A comment cannot be empty." in response.content.decode()
    assert not Comment.objects.exists()


def test_an_empty_comment_without_htmx_shows_a_page_with_the_message(client, company, admin):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:comment-add", kwargs={"company": "acme"}), _record(party) | {"body": ""})

    assert response.status_code == 422
    html = response.content.decode()
    assert "A comment cannot be empty." in html
    assert "<html" in html and f"/c/acme/parties/{party.pk}/" in html


def test_a_record_of_another_company_cannot_be_commented_and_is_not_found(client, company, other_company, admin):
    foreign = make_party(other_company, name="Globex customer")
    client.force_login(admin)

    response = client.post(reverse("platform:comment-add", kwargs={"company": "acme"}),
                           _record(foreign) | {"body": "hello"})

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_a_member_whose_roles_may_not_see_parties_cannot_comment_on_one(client, company, admin, employee):
    party = make_party(company, actor=admin)
    client.force_login(employee)

    response = client.post(reverse("platform:comment-add", kwargs={"company": "acme"}),
                           _record(party) | {"body": "hello"})

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_an_attachment_of_an_accepted_type_is_stored_and_listed(client, company, admin):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:attachment-add", kwargs={"company": "acme"}),
                           _record(party) | {"file": SimpleUploadedFile("offer.pdf", b"%PDF-1.7 offer")},
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.filename == "offer.pdf"
    assert reverse("platform:attachment-download", kwargs={"company": "acme", "pk": attachment.pk}) in (
        response.content.decode()
    )


def test_an_attachment_of_a_wrong_type_is_rejected_and_nothing_is_stored(client, company, admin, tmp_path):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:attachment-add", kwargs={"company": "acme"}),
                           _record(party) | {"file": SimpleUploadedFile("run.exe", b"MZ\x90\x00")},
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "Files of type .exe are not accepted." in response.content.decode()
    assert not Attachment.objects.exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_a_file_whose_content_does_not_match_its_extension_is_rejected(client, company, admin):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:attachment-add", kwargs={"company": "acme"}),
                           _record(party) | {"file": SimpleUploadedFile("invoice.pdf", b"<script>")})

    assert response.status_code == 422
    assert "does not match its extension" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_download_streams_the_file_as_an_attachment_with_its_stored_type(client, company, admin):
    party = make_party(company, actor=admin)
    attachment = services.attach_file(company, party, upload=SimpleUploadedFile("offer.pdf", b"%PDF-1.7 x"),
                                      actor=admin)
    client.force_login(admin)

    response = client.get(reverse("platform:attachment-download", kwargs={"company": "acme", "pk": attachment.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="offer.pdf"'
    assert b"".join(response.streaming_content) == b"%PDF-1.7 x"


def test_a_download_of_another_companys_attachment_is_not_found(client, company, other_company, admin, outsider):
    foreign = make_party(other_company, actor=outsider)
    attachment = services.attach_file(other_company, foreign, upload=SimpleUploadedFile("a.txt", b"secret"),
                                      actor=outsider)
    client.force_login(admin)

    response = client.get(reverse("platform:attachment-download", kwargs={"company": "acme", "pk": attachment.pk}))

    assert response.status_code == 404


def test_a_member_who_may_not_see_the_record_cannot_download_its_attachment(client, company, admin, employee):
    party = make_party(company, actor=admin)
    attachment = services.attach_file(company, party, upload=SimpleUploadedFile("a.txt", b"private"), actor=admin)
    client.force_login(employee)

    response = client.get(reverse("platform:attachment-download", kwargs={"company": "acme", "pk": attachment.pk}))

    assert response.status_code == 403


def test_the_record_activity_tag_shows_comments_files_and_the_forms(rf, company, admin):
    from django.template import Context, Template

    party = make_party(company, actor=admin)
    services.add_comment(company, party, body="First call went well.", actor=admin)
    services.attach_file(company, party, upload=SimpleUploadedFile("offer.pdf", b"%PDF-1.7"), actor=admin)
    request = rf.get(f"/c/acme/parties/{party.pk}/")
    request.user, request.company = admin, company

    html = Template("{% load records %}{% record_activity party %}").render(Context({"request": request,
                                                                                     "party": party}))

    assert "First call went well." in html and "offer.pdf" in html
    assert 'name="object_type" value="parties.party"' in html
    assert f'name="object_id" value="{party.pk}"' in html
    assert "@name or @email" in html


def test_the_record_activity_tag_renders_nothing_for_a_record_of_another_company(rf, company, other_company, admin):
    from django.template import Context, Template

    foreign = make_party(other_company)
    request = rf.get("/c/acme/")
    request.user, request.company = admin, company

    html = Template("{% load records %}{% record_activity party %}").render(Context({"request": request,
                                                                                     "party": foreign}))

    assert html.strip() == ""


def test_an_overlong_comment_is_refused_on_the_form(client, company, admin):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:comment-add", kwargs={"company": "acme"}),
                           _record(party) | {"body": "x" * 10_001}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "at most 10000 characters" in response.content.decode()
    assert not Comment.objects.exists()


def test_an_upload_form_without_a_file_asks_for_one(client, company, admin):
    party = make_party(company, actor=admin)
    client.force_login(admin)

    response = client.post(reverse("platform:attachment-add", kwargs={"company": "acme"}), _record(party),
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
