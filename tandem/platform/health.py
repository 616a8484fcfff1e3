"""/health says the process runs; /ready says it can serve: database reachable, migrations
applied, a task worker seen recently."""

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

WORKER_STALE_AFTER = timedelta(seconds=60)


@never_cache
def liveness(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return f"database unreachable: {error.__class__.__name__}"
    return None


def _check_migrations() -> str | None:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return f"{len(plan)} migrations not applied" if plan else None


def _check_worker() -> str | None:
    from tandem.platform.models import WorkerHeartbeat

    latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if latest is None or timezone.now() - latest.seen_at > WORKER_STALE_AFTER:
        return "no task worker seen in the last minute"
    return None


@never_cache
def readiness(request: HttpRequest) -> JsonResponse:
    checks = {}
    for name, check in (("database", _check_database), ("migrations", _check_migrations), ("worker", _check_worker)):
        problem = check() if name == "database" or checks.get("database") == "ok" else "skipped"
        checks[name] = problem or "ok"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
