"""What every benchmark shares: its arguments, a throwaway database, JSON lines, a gunicorn server
and two load generators (wrk, or Python processes), each in processes of their own."""

import argparse
import asyncio
import contextlib
import functools
import json
import multiprocessing
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 16
WORKERS = 2


@dataclass(frozen=True)
class Options:
    db: str
    quick: bool
    loadgen: str
    duration: float


def parse_args(description: str, argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                        help="postgres needs DATABASE_URL (scripts/with-postgres sets it)")
    parser.add_argument("--quick", action="store_true", help="small data, short runs: checks the bench works")
    parser.add_argument("--loadgen", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python",
                        help="load generator (default: wrk when installed)")
    parser.add_argument("--duration", type=float, help="seconds of load per measurement (default 10, quick 2)")
    args = parser.parse_args(argv)
    return Options(db=args.db, quick=args.quick, loadgen=args.loadgen,
                   duration=args.duration or (2.0 if args.quick else 10.0))


def emit(bench: str, db: str, metric: str, value: float, unit: str, **extra) -> None:
    """Print one result as a JSON line."""
    line = {"bench": bench, "db": db, "metric": metric, "value": round(value, 3), "unit": unit, **extra,
            "date": datetime.now(UTC).date().isoformat(), "cpus": os.cpu_count(),
            "load_average": round(os.getloadavg()[0], 2)}
    print(json.dumps(line), flush=True)


def note(message: str) -> None:
    """Progress for the person watching; stderr, so stdout stays JSON lines."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- A throwaway installation ---------------------------------------------------------------


@contextlib.contextmanager
def installation(db: str) -> Iterator[dict[str, str]]:
    """A fresh, migrated database and file directories for this process and the servers it starts
    (the environment it yields); everything is removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    database = None
    try:
        if db == "sqlite":
            url = f"sqlite:///{base / 'bench.sqlite3'}"
        else:
            url, database = new_postgres_database()
        env = {
            "DATABASE_URL": url, "MEDIA_ROOT": str(base / "media"), "BACKUP_DIR": str(base / "backups"),
            "TANDEM_CACHE_DIR": str(base / "cache"), "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "TANDEM_DEMO": "0", "DEBUG": "0", "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        yield dict(os.environ)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if database:
            drop_postgres_database(database)
        shutil.rmtree(base, ignore_errors=True)


@functools.cache
def _server_url() -> str:
    """The PostgreSQL server's URL as given, before installation() points DATABASE_URL elsewhere."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("--db postgres needs DATABASE_URL of a PostgreSQL server: run under scripts/with-postgres")
    return url


def _admin_connection():
    import psycopg

    return psycopg.connect(_server_url(), autocommit=True)


def new_postgres_database() -> tuple[str, str]:
    """A new, empty database on the server of DATABASE_URL: its URL and name."""
    name = f"tandem_bench_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(_server_url())
    return urlunsplit(parts._replace(path=f"/{name}")), name


def drop_postgres_database(name: str) -> None:
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- The server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str
    group: int

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (gunicorn's master and its workers,
        including workers it has already replaced)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.group:  # process group
                    ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def served(env: dict[str, str], *, workers: int = WORKERS) -> Iterator[Server]:
    """`tandem serve` (gunicorn, sync workers) on a free loopback port."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tandem.cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )
        server = Server(base=f"http://127.0.0.1:{port}", group=process.pid)
        try:
            _wait_until_up(f"{server.base}/health", process, log)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            sys.exit(f"the server stopped:\n{log.read().decode(errors='replace')}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    sys.exit(f"the server did not answer {url} within two minutes")


def fetch_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, object]:
    """One GET, to check an endpoint answers as the benchmark expects before loading it."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        body = error.read()
        with contextlib.suppress(ValueError):
            return error.code, json.loads(body)
        return error.code, body.decode(errors="replace")[:500]


# --- Load -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int
    client_cpu_seconds: float
    server_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def server_cpu_ms(self) -> float:
        """Server CPU per request: what the code costs, whatever else the machine is doing."""
        return self.server_cpu_seconds / max(self.requests, 1) * 1000


def load(server: Server, paths: list[str], *, tool: str, duration: float, headers: dict[str, str] | None = None,
         clients: int = CLIENTS) -> Load:
    """Keep `clients` connections busy with GETs of `paths` (in turn) for `duration` seconds."""
    before, server_before = resource.getrusage(resource.RUSAGE_CHILDREN), server.cpu_seconds()
    if tool == "wrk":
        result = _wrk(server.base, paths, headers or {}, duration, clients)
    else:
        result = _python_load(server.base, paths, headers or {}, duration, clients)
    after, server_after = resource.getrusage(resource.RUSAGE_CHILDREN), server.cpu_seconds()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Load(**result, client_cpu_seconds=cpu, server_cpu_seconds=server_after - server_before)


def _wrk(base: str, paths: list[str], headers: dict[str, str], duration: float, clients: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(paths) + "\n")
        listing.flush()
        argv = [
            "wrk", f"--threads={min(WORKERS, clients)}", f"--connections={clients}",
            f"--duration={max(1, round(duration))}s", "--timeout=10s", f"--script={ROOT / 'bench' / 'wrk.lua'}",
            base, "--", listing.name, headers.get("Authorization", ""),
        ]
        output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return {
        "requests": summary["requests"], "seconds": summary["duration_us"] / 1e6,
        "p50_ms": summary["p50_us"] / 1000, "p99_ms": summary["p99_us"] / 1000,
        "failures": summary["status_errors"] + summary["socket_errors"],
    }


def _python_load(base: str, paths: list[str], headers: dict[str, str], duration: float, clients: int) -> dict:
    processes = min(WORKERS, clients)
    parts = urlsplit(base)
    jobs = [(parts.hostname, parts.port, paths, headers, duration, clients // processes + (i < clients % processes))
            for i in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_python_load_process, jobs)
    latencies = sorted(latency for result in results for latency in result["latencies"])
    seconds = max(result["seconds"] for result in results)
    if not latencies:
        return {"requests": 0, "seconds": seconds, "p50_ms": 0.0, "p99_ms": 0.0,
                "failures": sum(r["failures"] for r in results)}
    return {
        "requests": len(latencies), "seconds": seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": sum(result["failures"] for result in results),
    }


def _python_load_process(job: tuple) -> dict:
    host, port, paths, headers, duration, connections = job
    return asyncio.run(_python_connections(host, port, paths, headers, duration, connections))


async def _python_connections(host, port, paths, headers, duration, connections) -> dict:
    latencies: list[float] = []
    failures = [0]
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    requests = [f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode() for path in paths]
    start = time.perf_counter()
    deadline = start + duration
    await asyncio.gather(*(
        _python_connection(host, port, requests, random.randrange(len(requests)), deadline, latencies, failures)
        for _ in range(connections)
    ))
    return {"latencies": latencies, "failures": failures[0], "seconds": time.perf_counter() - start}


async def _python_connection(host, port, requests, index, deadline, latencies, failures) -> None:
    """One client: a keep-alive connection, reopened whenever the server closes it (gunicorn's
    sync workers close after every response)."""
    reader = writer = None
    while time.perf_counter() < deadline:
        request = requests[index % len(requests)]
        index += 1
        began = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            fields = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
            }
            if b"content-length" in fields:
                await reader.readexactly(int(fields[b"content-length"]))
            else:
                await reader.read()
                fields[b"connection"] = b"close"
        except (OSError, asyncio.IncompleteReadError, ValueError):
            failures[0] += 1
            writer = None
            continue
        latencies.append(time.perf_counter() - began)
        if not 200 <= status < 300:
            failures[0] += 1
        if fields.get(b"connection", b"").lower() == b"close":
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def emit_load(bench: str, db: str, name: str, result: Load, peer: Load, **extra) -> None:
    """Report a load run and its peer (/health under the same load, same server) as JSON lines."""
    for label, run in ((name, result), ("health", peer)):
        if run.failures or not run.requests:
            raise SystemExit(f"{label}: {run.failures} of {run.requests} requests failed")
    extra = {"clients": CLIENTS, "workers": WORKERS, **extra}
    emit(bench, db, f"{name}_requests_per_second", result.per_second, "requests/s", **extra)
    emit(bench, db, f"{name}_p50", result.p50_ms, "ms", **extra)
    emit(bench, db, f"{name}_p99", result.p99_ms, "ms", **extra)
    emit(bench, db, f"{name}_server_cpu_per_request", result.server_cpu_ms, "ms", **extra)
    emit(bench, db, "health_requests_per_second", peer.per_second, "requests/s", **extra)
    emit(bench, db, "health_server_cpu_per_request", peer.server_cpu_ms, "ms", **extra)
    emit(bench, db, f"{name}_to_health_ratio", result.per_second / peer.per_second, "ratio", **extra)
