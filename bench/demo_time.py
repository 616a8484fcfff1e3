"""`make demo` from a fresh clone to the first page served.

    .venv/bin/python -m bench.demo_time --db sqlite|postgres [--port N]

Clones this repository (its committed HEAD) into a temporary directory, runs `make demo` there
with the machine's pip and npm caches (warm once any checkout was installed) and measures until
http://127.0.0.1:PORT/accounts/login/ answers 200; then stops the demo and removes the clone.
`--db postgres` gives the demo a fresh database on the server of DATABASE_URL.
"""

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, drop_postgres_database, emit, free_port, new_postgres_database, note

BENCH = "demo"
TIMEOUT_SECONDS = 15 * 60


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--port", type=int, default=None, help="the demo's port (default: a free one)")
    parser.add_argument("--quick", action="store_true", help="accepted for `make bench`; the run is the same")
    parser.add_argument("--loadgen", help="accepted for `make bench`; unused")
    options = parser.parse_args(argv)
    port = options.port or free_port()
    base = Path(tempfile.mkdtemp(prefix="tandem-demo-"))
    database = None
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    try:
        if options.db == "postgres":
            env["DATABASE_URL"], database = new_postgres_database()
        clone = base / "tandem"
        began = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        cloned = time.perf_counter() - began
        note(f"cloned in {cloned:.1f}s; running make demo on port {port}")
        seconds = _time_demo(clone, port, env, base / "demo.log")
        emit(BENCH, options.db, "make_demo_seconds", seconds, "s", clone_seconds=round(cloned, 1), port=port)
    finally:
        if database:
            drop_postgres_database(database)
        shutil.rmtree(base, ignore_errors=True)


def _time_demo(clone: Path, port: int, env: dict[str, str], log_path: Path) -> float:
    url = f"http://127.0.0.1:{port}/accounts/login/"
    with log_path.open("wb") as log:
        began = time.perf_counter()
        process = subprocess.Popen(["make", "demo", f"PORT={port}"], cwd=clone, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while time.perf_counter() - began < TIMEOUT_SECONDS:
                if process.poll() is not None:
                    sys.exit(f"make demo stopped (exit {process.returncode}):\n{log_path.read_text()[-3000:]}")
                if _answers(url):
                    return time.perf_counter() - began
                time.sleep(0.5)
            sys.exit(f"make demo did not serve {url} within {TIMEOUT_SECONDS // 60} minutes")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _answers(url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
        return response.status == 200
    return False


if __name__ == "__main__":
    main()
