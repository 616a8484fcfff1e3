import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tandem.ops.backup import BackupError, Manifest, check_restorable, read_manifest, restore_backup
from tandem.platform.checks import run_checks


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files with a backup, apply pending migrations and "
        "run the integrity checks. Stop the web server and the worker first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", type=Path, help="a file written by `tandem backup`")
        parser.add_argument("--noinput", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, backup: Path, noinput: bool, **options) -> None:
        try:
            manifest = read_manifest(backup)
            check_restorable(manifest)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if not noinput and not self._confirmed(backup, manifest):
            raise CommandError("Restore cancelled; nothing was changed.")
        try:
            restore_backup(backup)
        except BackupError as error:
            raise CommandError(f"{error}\nThe database was left as it was if the error came from it.") from error
        self.stdout.write(f"Restored {backup} ({manifest.media_files} uploaded files).")
        call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        violations = run_checks()
        for violation in violations:
            self.stdout.write(f"VIOLATION {violation.check}: {violation.message}")
        if violations:
            self.stderr.write(f"The restored data has {len(violations)} integrity violations (see above).")
            sys.exit(1)
        self.stdout.write("Integrity checks passed.")

    def _confirmed(self, backup: Path, manifest: Manifest) -> bool:
        database = settings.DATABASES["default"]
        self.stdout.write(
            f"Backup {backup}\n"
            f"  made {manifest.created_at} by Tandem {manifest.tandem_version}, {manifest.vendor_name}, "
            f"{manifest.media_files} uploaded files\n"
            f"This REPLACES the database {database['NAME']} and every uploaded file in "
            f"{settings.STORAGES['default'].get('OPTIONS', {}).get('location', 'the file storage')}."
        )
        return input("Type 'yes' to continue: ").strip().lower() == "yes"
