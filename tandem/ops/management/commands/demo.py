import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tandem.ops.demo import DEMO_PASSWORD, DemoModeRequired, seed


class Command(BaseCommand):
    help = "Migrate if needed and seed the demo data (idempotent), then print the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--companies", type=int, default=1, help="1 = one company; N = a provider with N clients")
        parser.add_argument("--parties", type=int, default=30, help="organisations per company")

    def handle(self, *args, companies: int, parties: int, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            logins = seed(companies, parties_per_company=parties)
        except (DemoModeRequired, ValueError) as error:
            self.stderr.write(str(error))
            sys.exit(2)
        self.stdout.write(f"\nTandem demo is ready: {settings.TANDEM_URL}/\n")
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}\n")
        width = max(len(login.email) for login in logins)
        for login in logins:
            roles = "; ".join(f"{slug}: {', '.join(codes)}" for slug, codes in login.roles.items())
            self.stdout.write(f"  {login.email.ljust(width)}  {roles}")
        self.stdout.write("")
