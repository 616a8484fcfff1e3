import json
import sys

from django.core.management.base import BaseCommand

from tandem.platform.checks import CHECKS, run_checks


class Command(BaseCommand):
    help = "Run every registered integrity check; exit 1 if any violation is found."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print violations as JSON lines")

    def handle(self, *args, json: bool = False, **options) -> None:
        violations = run_checks()
        for violation in violations:
            if json:
                self.stdout.write(_json_line(violation))
            else:
                self.stdout.write(f"VIOLATION {violation.check}: {violation.message}")
        summary = f"{len(CHECKS)} checks, {len(violations)} violations"
        (self.stderr if violations else self.stdout).write(summary)
        if violations:
            sys.exit(1)


def _json_line(violation) -> str:
    return json.dumps({"check": violation.check, "message": violation.message, "object": violation.object_ref})
