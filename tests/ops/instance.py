"""A throwaway Tandem installation for tests that drive the `tandem` command in subprocesses:
its own database (a SQLite file, or a new database on the PostgreSQL server the suite runs
against), its own uploaded files and backup directory."""

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Instance:
    base: Path
    database_url: str
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = dict(
            os.environ, DATABASE_URL=self.database_url, MEDIA_ROOT=str(self.base / "media"),
            BACKUP_DIR=str(self.base / "backups"), TANDEM_CACHE_DIR=str(self.base / "cache"),
            TANDEM_TASKS="immediate", PYTHONPATH=str(ROOT),
        )

    @property
    def media(self) -> Path:
        return self.base / "media"

    def tandem(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run `tandem ARGS` against this installation."""
        return subprocess.run(
            [sys.executable, "-m", "tandem.cli", *args], cwd=ROOT, env=self.env, input=input,
            capture_output=True, text=True, timeout=300, check=False,
        )

    def scenario(self, step: str) -> dict:
        """Run one step of tests/ops/scenario.py and return what it printed (JSON)."""
        result = subprocess.run(
            [sys.executable, "-m", "tests.ops.scenario", step], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=300, check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])


def new_database_url(base: Path) -> tuple[str, str | None]:
    """A database URL of the suite's vendor, and the PostgreSQL database name to drop later."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{base / 'tandem.sqlite3'}", None
    name = f"tandem_ops_{uuid.uuid4().hex[:12]}"
    with _server() as server:
        server.execute(f'CREATE DATABASE "{name}"')
    url = dj_database_url.parse(os.environ["DATABASE_URL"])
    return f"postgres://{url['USER']}:{url['PASSWORD']}@{url['HOST']}:{url['PORT']}/{name}", name


def drop_database(name: str) -> None:
    with _server() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server() -> psycopg.Connection:
    url = dj_database_url.parse(os.environ["DATABASE_URL"])
    return psycopg.connect(
        host=url["HOST"], port=url["PORT"], user=url["USER"], password=url["PASSWORD"], dbname="postgres",
        autocommit=True,
    )
