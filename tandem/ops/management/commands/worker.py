import os
import socket
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from tandem.platform.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 10


def beat(name: str, stop: threading.Event) -> None:
    """Tell /ready that a worker is alive."""
    while not stop.is_set():
        try:
            WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
        finally:
            close_old_connections()
        stop.wait(HEARTBEAT_SECONDS)


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks-db) with a heartbeat for /ready."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between queue polls")

    def handle(self, *args, interval: float, **options) -> None:
        stop = threading.Event()
        name = f"{socket.gethostname()}:{os.getpid()}"
        thread = threading.Thread(target=beat, args=(name, stop), daemon=True)
        thread.start()
        try:
            call_command("db_worker", interval=interval, queue_name="default", verbosity=options["verbosity"])
        finally:
            stop.set()
            WorkerHeartbeat.objects.filter(name=name).delete()
