"""Parties: how fast the service creates them, and how fast the API lists them.

    .venv/bin/python -m bench.parties --db sqlite|postgres [--quick]

1. `created_per_second`: create_party (validation, contact points, role, address, audit event)
   called one party at a time, each in its own transaction, as forms, the API and imports do.
2. The list API (`GET /api/v1/parties?page=N`, 50 per page, random pages) with 100,000 parties,
   served by gunicorn with 2 sync workers to 16 concurrent loopback clients: requests per second,
   p50 and p99 latency, and the ratio to a trivial JSON view (/health) under the same load.
"""

import random
import time

from bench.common import emit, emit_load, fetch_json, installation, load, note, parse_args, served

BENCH = "parties"


def main(argv: list[str] | None = None) -> None:
    options = parse_args(__doc__.splitlines()[0], argv)
    created = 100 if options.quick else 2_000
    total = 2_000 if options.quick else 100_000
    rng = random.Random(20261127)
    with installation(options.db) as env:
        from bench.data import api_token, bulk_seed, make_tenant, realistic_party, settle
        from tandem.parties.services import create_party

        tenant = make_tenant()
        batch = [realistic_party(rng, number) for number in range(created)]
        began, cpu = time.perf_counter(), time.process_time()
        for data in batch:
            create_party(tenant.company, data, actor=tenant.admin)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        emit(BENCH, options.db, "created_per_second", created / seconds, "parties/s", parties=created)
        emit(BENCH, options.db, "create_cpu_per_party", cpu / created * 1000, "ms", parties=created)

        note(f"seeding {total - created:,} more parties")
        began = time.perf_counter()
        bulk_seed(tenant.company, total - created, rng=rng, start=created)
        settle()
        note(f"seeded in {time.perf_counter() - began:.1f}s")
        headers = {"Authorization": f"Bearer {api_token(tenant)}"}
        pages = total // 50
        paths = [f"/api/v1/parties?page={rng.randint(1, pages)}" for _ in range(2_000)]

        with served(env) as server:
            status, body = fetch_json(server.base + paths[0], headers)
            if status != 200 or not isinstance(body, dict) or len(body.get("items", [])) != 50:
                raise SystemExit(f"GET {paths[0]} answered {status}, expected a page of 50: {body}")
            peer = load(server, ["/health"], tool=options.loadgen, duration=options.duration)
            listed = load(server, paths, tool=options.loadgen, duration=options.duration, headers=headers)
        emit_load(BENCH, options.db, "list", listed, peer, parties=total, loadgen=options.loadgen)


if __name__ == "__main__":
    main()
