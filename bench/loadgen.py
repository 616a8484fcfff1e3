"""Which load generator disturbs the measurement less on this machine: wrk, or Python clients
(asyncio, one process per server worker), both driving /health on the same server.

    .venv/bin/python -m bench.loadgen --db sqlite|postgres [--quick]

On a small machine the load generator competes with the server for the same cores, so the one
that needs less CPU per request lets the server show more of its real throughput. Reported per
generator: requests per second, p50 and p99, and the generator's own CPU time per request.
"""

import shutil

from bench.common import emit, installation, load, parse_args, served

BENCH = "loadgen"


def main(argv: list[str] | None = None) -> None:
    options = parse_args(__doc__.splitlines()[0], argv)
    tools = ["wrk", "python"] if shutil.which("wrk") else ["python"]
    with installation(options.db) as env, served(env) as server:
        results = {tool: load(server, ["/health"], tool=tool, duration=options.duration) for tool in tools}
    for tool, result in results.items():
        extra = {"loadgen": tool, "clients": 16, "workers": 2, "path": "/health"}
        emit(BENCH, options.db, "requests_per_second", result.per_second, "requests/s", **extra)
        emit(BENCH, options.db, "p50", result.p50_ms, "ms", **extra)
        emit(BENCH, options.db, "p99", result.p99_ms, "ms", **extra)
        emit(BENCH, options.db, "client_cpu_per_request", result.client_cpu_seconds / max(result.requests, 1) * 1e6,
             "us", **extra)
        emit(BENCH, options.db, "server_cpu_per_request", result.server_cpu_ms * 1000, "us", **extra)
        emit(BENCH, options.db, "failures", result.failures, "requests", **extra)


if __name__ == "__main__":
    main()
