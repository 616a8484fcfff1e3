import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.platform import services
from tandem.platform.errors import AttachmentRejected, InvalidInput, NotFound
from tandem.platform.models import EventRecord, Notification
from tests.parties.factories import make_party
from tests.platform.factories import make_member


def test_a_mention_notifies_a_member_who_may_see_the_record(company, admin, sales_rep, django_capture_on_commit_callbacks):
    party = make_party(company, actor=admin)

    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(company, party, body="@rep please call them back", actor=admin)

    notification = Notification.objects.get(recipient=sales_rep)
    assert "mentioned you" in notification.message
    assert notification.url.endswith(f"/parties/{party.pk}/")


def test_a_mention_of_someone_who_may_not_see_the_record_notifies_nobody(
    company, admin, employee, django_capture_on_commit_callbacks
):
    party = make_party(company, actor=admin)

    with django_capture_on_commit_callbacks(execute=True):
        comment = services.add_comment(company, party, body="@employee@acme.test look", actor=admin)

    assert list(comment.mentions.all()) == []
    assert not Notification.objects.filter(recipient=employee).exists()


def test_a_mention_of_a_member_of_another_company_notifies_nobody(
    company, admin, outsider, django_capture_on_commit_callbacks
):
    party = make_party(company, actor=admin)

    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(company, party, body=f"@{outsider.email} hello", actor=admin)

    assert not Notification.objects.filter(recipient=outsider).exists()


def test_redelivering_the_after_commit_task_does_not_notify_twice(
    company, admin, sales_rep, django_capture_on_commit_callbacks
):
    from tandem.platform.events import run_after_commit_handlers

    party = make_party(company, actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(company, party, body="@rep ping", actor=admin)
    event = EventRecord.objects.get(code="platform.comment.added")

    run_after_commit_handlers.call(event.pk)

    assert Notification.objects.filter(recipient=sales_rep).count() == 1


def test_an_empty_comment_is_refused(company, admin):
    party = make_party(company, actor=admin)

    with pytest.raises(InvalidInput):
        services.add_comment(company, party, body="   ", actor=admin)


def test_a_record_of_another_company_cannot_be_commented(company, other_company, admin):
    foreign = make_party(other_company)

    with pytest.raises(NotFound):
        services.add_comment(company, foreign, body="hi", actor=admin)


def test_a_pdf_attachment_is_stored_with_its_digest(company, admin):
    party = make_party(company, actor=admin)
    upload = SimpleUploadedFile("../../etc/offer\u202efdp.pdf", b"%PDF-1.7 hello", content_type="application/pdf")

    attachment = services.attach_file(company, party, upload=upload, actor=admin)

    assert attachment.filename == "offerfdp.pdf"
    assert attachment.size == len(b"%PDF-1.7 hello")
    assert attachment.file.read() == b"%PDF-1.7 hello"
    assert EventRecord.objects.filter(code="platform.attachment.added", object_id=party.pk).exists()


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("run.exe", b"MZ....", "not accepted"),
    ("fake.pdf", b"<html>not a pdf</html>", "does not match"),
    ("empty.txt", b"", "empty"),
])
def test_attachments_of_the_wrong_type_or_content_are_refused(company, admin, name, content, reason):
    party = make_party(company, actor=admin)

    with pytest.raises(AttachmentRejected, match=reason):
        services.attach_file(company, party, upload=SimpleUploadedFile(name, content), actor=admin)


def test_an_attachment_over_the_size_limit_is_refused(company, admin, settings):
    settings.TANDEM_MAX_UPLOAD_BYTES = 10
    party = make_party(company, actor=admin)

    with pytest.raises(AttachmentRejected, match="limited"):
        services.attach_file(company, party, upload=SimpleUploadedFile("a.txt", b"x" * 11), actor=admin)


def test_mark_notifications_read_only_touches_the_users_own(company, admin, sales_rep):
    mine = services.notify(company, sales_rep, message="for rep")
    theirs = services.notify(company, admin, message="for admin")

    services.mark_notifications_read(sales_rep, company)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_adding_a_member_who_exists_elsewhere_reuses_their_account(company, other_company, outsider):
    membership = services.add_member(company, email=outsider.email.upper(), roles=["sales_rep"], actor=None)

    assert membership.user == outsider
    assert outsider.memberships.count() == 2


def test_adding_a_member_with_an_unknown_role_changes_nothing(company):
    with pytest.raises(InvalidInput):
        services.add_member(company, email="new@acme.test", roles=["wizard"], actor=None)

    assert not company.memberships.filter(user__email="new@acme.test").exists()


@pytest.mark.parametrize("email", ["", "   ", "not-an-address"])
def test_adding_a_member_without_a_valid_email_is_refused(company, email):
    members_before = company.memberships.count()

    with pytest.raises(InvalidInput) as refused:
        services.add_member(company, email=email, roles=["sales_rep"], actor=None)

    assert "email" in refused.value.fields
    assert company.memberships.count() == members_before


def test_api_tokens_are_stored_hashed_and_shown_once(company, admin):
    token, raw = services.create_api_token(company, actor=admin, name="CI")

    assert raw.startswith("tdm_")
    assert token.digest == services.hash_token(raw)
    assert raw not in (token.digest, token.prefix)


def test_a_deactivated_member_loses_their_tokens(company, admin):
    rep = make_member(company, ["sales_rep"])
    token, _ = services.create_api_token(company, actor=rep, name="script")

    services.deactivate_member(rep.memberships.get(company=company), actor=admin)

    token.refresh_from_db()
    assert token.revoked_at is not None
