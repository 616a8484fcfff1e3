import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tandem.platform import services
from tandem.platform.errors import DomainError
from tandem.platform.models import ApiToken, Company, User


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="print a new token for a member of a company")
        create.add_argument("--email", required=True)
        create.add_argument("--company", required=True, help="the company's slug")
        create.add_argument("--name", default="command line")
        listing = actions.add_parser("list", help="list a user's tokens")
        listing.add_argument("--email", required=True)
        revoke = actions.add_parser("revoke", help="revoke a token by id")
        revoke.add_argument("--id", type=int, required=True)

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            user = User.objects.filter(email__iexact=options["email"], is_active=True).first()
            company = Company.objects.filter(slug=options["company"]).first()
            if user is None or company is None:
                raise CommandError("No active user with that email, or no company with that slug.")
            try:
                _, raw = services.create_api_token(company, actor=user, name=options["name"])
            except DomainError as error:
                raise CommandError(f"{options['email']} is not a member of {options['company']}.") from error
            sys.stdout.write(raw + "\n")
        elif action == "list":
            for token in ApiToken.objects.filter(user__email__iexact=options["email"]).select_related("company"):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(f"{token.pk}\t{token.company.slug}\t{token.prefix}…\t{token.name}\t{state}")
        else:
            token = ApiToken.objects.filter(pk=options["id"]).select_related("user").first()
            if token is None:
                raise CommandError("No such token.")
            if token.revoked_at is None:
                services.revoke_api_token(token, actor=token.user)
            self.stdout.write(f"Token {token.pk} revoked at {timezone.now():%Y-%m-%d %H:%M}.")
