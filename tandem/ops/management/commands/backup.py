from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one .tar.gz (safe while Tandem runs)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", type=Path,
            help="a directory (default BACKUP_DIR) or a file name ending in .tar.gz",
        )

    def handle(self, *args, output: Path | None, **options) -> None:
        try:
            path, manifest = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up the {manifest.vendor_name} database and {manifest.media_files} uploaded files to {path}"
        )
