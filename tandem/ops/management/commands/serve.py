import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn, WSGI) on a loopback port."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--access-log", action="store_true", help="log every request")

    def handle(self, *args, port: int, host: str, workers: int, access_log: bool, **options) -> None:
        if not (1 <= port <= 65535):
            self.stderr.write("--port must be between 1 and 65535.")
            sys.exit(2)
        if not (settings.STATIC_ROOT / "vendor").exists():
            call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        argv = [
            gunicorn, "tandem.wsgi:application", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "20",
            # Workers are recycled against slow leaks; preloading the app in the master makes a
            # new worker a fork instead of a fresh Django start (seconds of CPU on a small box).
            "--max-requests", "5000", "--max-requests-jitter", "500", "--preload",
        ]
        if access_log:
            argv += ["--access-logfile", "-"]
        self.stdout.write(f"Tandem is serving on http://{host}:{port}/")
        self.stdout.flush()
        os.execv(argv[0], argv)  # noqa: S606 - replaces this process with gunicorn
