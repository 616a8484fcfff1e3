from django.core import mail


def test_mail_sent_in_tests_lands_in_the_outbox():
    mail.send_mail("Hello", "Body", "from@example.test", ["to@example.test"])

    assert [message.subject for message in mail.outbox] == ["Hello"]
