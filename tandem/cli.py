"""The `tandem` command. Each subcommand is a Django management command of the platform app;
`tandem manage ...` passes anything else straight to Django."""

import os
import sys

COMMANDS = {
    "serve": "serve",
    "worker": "worker",
    "migrate": "migrate",
    "demo": "demo",
    "createadmin": "createadmin",
    "token": "token",
    "check": "integrity",
    "backup": "backup",
    "restore": "restore",
}

USAGE = """usage: tandem COMMAND [options]

commands:
  serve [--port N] [--workers N]   run the web server (gunicorn) on 127.0.0.1
  worker                           run the background task worker
  migrate                          apply database migrations
  demo [--companies N]             migrate if needed and seed demo data (idempotent)
  createadmin                      create a company and its first admin
  token create --email E --company SLUG
                                   print a new personal API token
  check                            run every integrity check; non-zero exit on a violation
  backup [--output DIR|FILE]       database and uploaded files into one .tar.gz (BACKUP_DIR)
  restore FILE [--noinput]         replace database and files with a backup, migrate, check
  manage ...                       any Django management command

Every command honours DATABASE_URL (see .env.example)."""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        sys.exit(0 if argv else 2)
    from django.core.management import execute_from_command_line

    command, rest = argv[0], argv[1:]
    if command == "manage":
        execute_from_command_line(["tandem manage", *rest])
    elif command in COMMANDS:
        execute_from_command_line([f"tandem {command}", COMMANDS[command], *rest])
    else:
        print(f"tandem: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
