"""The benchmarks run and speak JSON lines (their figures are never asserted: see
docs/performance.md), and their bulk seeding stores parties exactly as the service would."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench.data import normalized, realistic_party
from tandem.parties.services import validate_party_data

ROOT = Path(__file__).resolve().parents[2]


def test_bench_parties_quick_prints_json_lines_of_every_metric():
    db = "postgres" if connection.vendor == "postgresql" else "sqlite"

    result = subprocess.run(
        [sys.executable, "-m", "bench.parties", "--db", db, "--quick", "--duration", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["metric"] for line in lines} == {
        "created_per_second", "create_cpu_per_party", "list_requests_per_second", "list_p50", "list_p99",
        "list_server_cpu_per_request", "health_requests_per_second", "health_server_cpu_per_request",
        "list_to_health_ratio",
    }
    for line in lines:
        assert {"bench", "db", "metric", "value", "unit"} <= set(line)
        assert line["bench"] == "parties" and line["db"] == db
        assert line["value"] > 0


@pytest.mark.django_db
def test_bulk_seeded_parties_are_stored_as_the_service_would_store_them(company):
    rng = random.Random(7)

    for number in range(300):
        raw = realistic_party(rng, number)
        assert normalized(raw) == validate_party_data(company, raw)
