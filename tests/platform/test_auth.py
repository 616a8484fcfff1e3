"""Logging in: by email, password reset through a real SMTP server, rate limits, MFA for members
with sensitive roles, no open sign-up."""

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.test import Client

from tests.platform.factories import PASSWORD, make_member


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on a loopback port; Tandem's mailer points at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
    }}
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_member_logs_in_with_email_and_password(company):
    make_member(company, ["sales_rep"], email="rep@acme.test")
    client = Client()

    response = client.post("/accounts/login/", {"login": "REP@acme.test", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/").status_code == 302  # on to the company, not back to the login page
    assert "/accounts/login/" not in client.get("/")["Location"]


def test_forgotten_password_is_reset_through_the_emailed_link(company, smtp_inbox):
    make_member(company, ["sales_rep"], email="rep@acme.test")
    client = Client()

    client.post("/accounts/password/reset/", {"email": "rep@acme.test"})

    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == "rep@acme.test"
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", _body(message)).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "a-much-better-passphrase-42"
    done = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                       {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    assert Client().login(username="rep@acme.test", password=new_password)
    assert not Client().login(username="rep@acme.test", password=PASSWORD)


def test_password_reset_does_not_reveal_whether_an_account_exists(company, smtp_inbox):
    make_member(company, ["sales_rep"], email="rep@acme.test")

    known = Client().post("/accounts/password/reset/", {"email": "rep@acme.test"})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@acme.test"})

    assert (known.status_code, known.get("Location")) == (unknown.status_code, unknown.get("Location"))
    reset_links = [m for m in smtp_inbox.messages if "/accounts/password/reset/key/" in _body(m)]
    assert [m["To"] for m in reset_links] == ["rep@acme.test"]


def test_repeated_failed_logins_are_rate_limited(company):
    make_member(company, ["sales_rep"], email="rep@acme.test")
    client = Client()

    for attempt in range(5):
        client.post("/accounts/login/", {"login": "rep@acme.test", "password": f"wrong-{attempt}"})

    with_right_password = client.post("/accounts/login/", {"login": "rep@acme.test", "password": PASSWORD})

    assert "Too many failed login attempts" in with_right_password.text
    assert "_auth_user_id" not in client.session


def test_nobody_can_sign_up_on_their_own(db):
    response = Client().post("/accounts/signup/", {
        "email": "stranger@example.test", "password1": "a-long-passphrase-1", "password2": "a-long-passphrase-1",
    })

    assert response.status_code in (200, 403)
    from tandem.platform.models import User
    assert not User.objects.filter(email="stranger@example.test").exists()


@pytest.fixture
def mfa_required(settings):
    settings.TANDEM_REQUIRE_MFA_FOR_SENSITIVE = True


def _current_code(secret: str) -> str:
    import time

    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def test_a_member_with_a_sensitive_role_must_enrol_in_mfa_first(company, mfa_required):
    accountant = make_member(company, ["accountant"], email="books@acme.test")
    client = Client()
    client.force_login(accountant)

    response = client.get(f"/c/{company.slug}/parties/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_a_member_without_sensitive_roles_is_not_forced_into_mfa(company, mfa_required):
    rep = make_member(company, ["sales_rep"], email="rep@acme.test")
    client = Client()
    client.force_login(rep)

    response = client.get(f"/c/{company.slug}/parties/")

    assert response.status_code == 200


def test_an_enrolled_member_needs_the_current_code_to_log_in(company, mfa_required):
    accountant = make_member(company, ["accountant"], email="books@acme.test")
    secret = generate_totp_secret()
    TOTP.activate(accountant, secret)
    client = Client()

    first_step = client.post("/accounts/login/", {"login": "books@acme.test", "password": PASSWORD})
    assert first_step["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if _current_code(secret) != "000000"
                                                        else "111111"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    client.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)})

    assert client.session["_auth_user_id"] == str(accountant.pk)
    assert client.get(f"/c/{company.slug}/parties/").status_code == 200


def test_an_htmx_request_after_the_session_ended_sends_the_whole_page_to_the_login(company):
    response = Client().get(f"/c/{company.slug}/parties/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
