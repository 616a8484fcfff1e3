"""Global search: `GET /api/v1/search?q=` over 100,000 parties.

    .venv/bin/python -m bench.search --db sqlite|postgres [--quick]

Queries are drawn from the seeded parties the way people search: a name or its first word, an
email address, or the last seven digits of a phone number. gunicorn with 2 sync workers serves
16 concurrent loopback clients; reported: requests per second, p50 and p99 latency, and the ratio
to a trivial JSON view (/health) under the same load.
"""

import random
import time
from urllib.parse import quote

from bench.common import emit_load, fetch_json, installation, load, note, parse_args, served

BENCH = "search"


def main(argv: list[str] | None = None) -> None:
    options = parse_args(__doc__.splitlines()[0], argv)
    total = 2_000 if options.quick else 100_000
    rng = random.Random(20261128)
    with installation(options.db) as env:
        from bench.data import api_token, bulk_seed, make_tenant, search_queries, settle

        tenant = make_tenant()
        note(f"seeding {total:,} parties")
        began = time.perf_counter()
        bulk_seed(tenant.company, total, rng=rng)
        settle()
        note(f"seeded in {time.perf_counter() - began:.1f}s")
        headers = {"Authorization": f"Bearer {api_token(tenant)}"}
        paths = [f"/api/v1/search?q={quote(query)}" for query in search_queries(tenant.company, rng, 1_000)]

        with served(env) as server:
            status, body = fetch_json(server.base + paths[0], headers)
            if status != 200 or not isinstance(body, dict) or not body.get("items"):
                raise SystemExit(f"GET {paths[0]} answered {status}, expected hits: {body}")
            peer = load(server, ["/health"], tool=options.loadgen, duration=options.duration)
            searched = load(server, paths, tool=options.loadgen, duration=options.duration, headers=headers)
        emit_load(BENCH, options.db, "search", searched, peer, parties=total, loadgen=options.loadgen)

if __name__ == "__main__":
    main()
