import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tandem.platform import services
from tandem.platform.errors import DomainError
from tandem.platform.models import Company, User


class Command(BaseCommand):
    help = "Create a company (if missing) and its first company admin. Never uses a default password."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email")
        parser.add_argument("--company-name")
        parser.add_argument("--slug")
        parser.add_argument("--currency", default="EUR")
        parser.add_argument("--country", default="DE")
        parser.add_argument("--timezone", default="Europe/Berlin")
        parser.add_argument("--noinput", action="store_true",
                            help="read the password from TANDEM_ADMIN_PASSWORD instead of asking")

    def _ask(self, label: str, value: str | None, noinput: bool) -> str:
        if value:
            return value
        if noinput:
            raise CommandError(f"--{label.lower().replace(' ', '-')} is required with --noinput.")
        return input(f"{label}: ").strip()

    def _password(self, noinput: bool) -> str:
        if noinput:
            password = os.environ.get("TANDEM_ADMIN_PASSWORD", "")
            if not password:
                raise CommandError("Set TANDEM_ADMIN_PASSWORD when using --noinput.")
            return password
        while True:
            password = getpass.getpass("Password: ")
            if password == getpass.getpass("Password (again): "):
                return password
            self.stderr.write("The passwords differ; try again.")

    def handle(self, *args, **options) -> None:
        noinput = options["noinput"]
        email = self._ask("Email", options["email"], noinput).lower()
        name = self._ask("Company name", options["company_name"], noinput)
        slug = self._ask("Slug", options["slug"], noinput)
        password = self._password(noinput)
        user = User(email=email)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            company = Company.objects.filter(slug=slug).first() or services.create_company(
                actor=None, name=name, slug=slug, base_currency=options["currency"],
                country=options["country"], timezone=options["timezone"],
            )
            try:
                membership = services.add_member(company, email=email, roles=["company_admin"], actor=None)
            except DomainError as error:
                raise CommandError(error.message) from error
            membership.user.set_password(password)
            membership.user.save(update_fields=["password"])
        self.stdout.write(f"{email} is now company admin of {company.name} ({company.slug}).")
