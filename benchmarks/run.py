"""The benchmarks (`make bench`): generate the synthetic data set, start the real server
(`registry serve`: one worker on SQLite; one and then two workers on PostgreSQL when
REGISTRY_BENCH_POSTGRES_URL names a server) and the anchors (benchmarks/anchors.py: a bare Litestar
handler, and the same with the health check's database ping, served the same way), drive them from
a second process (wrk when installed, benchmarks/wrk.py; else benchmarks/load.py) and print, for
the anchors, the health check and each page (benchmarks/pages.py: every public page and the main
signed-in pages), requests per second, latency percentiles, the ratios to the health check and to
each anchor, and the SQL statements per request; then the server's peak memory. The anchors and the
health check are measured first and again last. The figures are also written as JSON
(benchmarks/results/), so that two runs can be compared. Figures, not pass or fail.

    python -m benchmarks.run --suppliers 10000 --duration 10
    python -m benchmarks.run --suppliers 1000 --only submission    # one page (and the anchors)
"""

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks import dataset, pages, wrk
from registry.db import scratch
from registry.db.querycount import counting

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
POSTGRES_URL = os.environ.get("REGISTRY_BENCH_POSTGRES_URL")
VISITORS = 5000  # distinct visitors making the benchmarked directory search, each with its own seed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`registry serve` on a free loopback port, as deployed (the deadline rush alone moves its clock)."""

    def __init__(self, database_url: str, workers: int, pool_size: int = 10, clock_control: bool = False, quiet: bool = True, env: dict | None = None,
                 anchors: bool = False):
        self.port = free_port()
        self.log = tempfile.TemporaryFile("w+")
        env = {**os.environ, "REGISTRY_DATABASE_URL": database_url, "REGISTRY_ENVIRONMENT": "development",
               "REGISTRY_POSTGRES_POOL_SIZE": str(pool_size), "REGISTRY_MIGRATE_ON_START": "false",
               "REGISTRY_CLOCK_CONTROL": "true" if clock_control else "false", **(env or {})}
        command = (["-m", "benchmarks.anchors", "--port", str(self.port)] if anchors else
                   ["-m", "registry", "serve", "--port", str(self.port), "--workers", str(workers), *(["--quiet"] if quiet else [])])
        self.process = subprocess.Popen([sys.executable, *command], env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.base_url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.output()}")
            try:
                if httpx.get(f"{self.base_url}{'/bare/ping' if anchors else '/healthz'}", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("the server did not become healthy within 60 seconds")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def peak_memory_mib(self) -> float:
        """The peak resident memory of the server's processes (the main one and its workers), summed."""
        pids = [self.process.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()]
        total_kib = 0
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            total_kib += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        return total_kib / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def load(server: Server, requests: list[dict], *, concurrency: int, duration: float, once: bool = False) -> dict:
    """Drive the server with the requests, in turn: with wrk when it is installed (benchmarks/wrk.py),
    except for requests each sent once (benchmarks/load.py)."""
    if wrk.available() and not once:
        return wrk.run(server.port, requests, concurrency=concurrency, duration=duration)
    scenario = {"host": "127.0.0.1", "port": server.port, "concurrency": concurrency, "duration": duration, "once": once, "requests": requests}
    done = subprocess.run([sys.executable, "-m", "benchmarks.load"], input=json.dumps(scenario), capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout)


def cookie(session: str, csrf: str = "") -> dict:
    value = f"registry_session={session}" + (f"; registry_csrf={csrf}" if csrf else "")
    return {"Cookie": value, "Accept": "text/html"}


def csrf_token(server: Server, session: str, path: str) -> str:
    page = httpx.get(server.base_url + path, headers=cookie(session))
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    assert page.cookies.get("registry_csrf") == token, "the CSRF cookie and the form's token differ"
    return token


def with_seed(path: str, seed: int) -> str:
    """The same search as another visitor makes it: with its own fair order (seed), so that nothing
    kept for one visitor's search (its order, its pagination) serves the next."""
    return re.sub(r"seed=\d+", f"seed={seed}", path)


BARE = "bare Litestar handler"
BARE_PING = "bare handler + database ping"
HEALTH = "health check (/healthz)"
ANCHORS = (BARE, BARE_PING, HEALTH)  # measured first and again last: the figures every page is compared with
STYLESHEET = "static: the stylesheet (124 kB, uncompressed)"


def scenarios(manifest: dataset.Manifest, submitting: list[str], csrf: str) -> dict[str, list[dict]]:
    """Each benchmarked request of the registry, by name: the requests the load generator cycles through."""
    html = {"Accept": "text/html"}
    tender = f"/frameworks/{manifest.tender_framework}/tenders/1"
    measured = {
        HEALTH: [{"method": "GET", "path": "/healthz"}],
        STYLESHEET: [{"method": "GET", "path": "/static/govuk/govuk-frontend.min.css"}],
    }
    for name, path in pages.public(manifest).items():
        measured[name] = [{"method": "GET", "path": path, "headers": html}]
    # The directory's search, each time by another visitor (its own seed, from VISITORS)
    measured["directory search"] = [{"method": "GET", "path": with_seed(manifest.search_path, seed), "headers": html} for seed in range(1, VISITORS + 1)]
    # Signed-in users' pages as a browser asks for them: with the CSRF cookie its first page gave it.
    for name, (session, path) in pages.signed_in(manifest).items():
        measured[name] = [{"method": "GET", "path": path, "headers": cookie(session, csrf)}]
    # The supplier dashboard, each time by another supplier
    measured["supplier dashboard (followed frameworks)"] = [
        {"method": "GET", "path": "/organisation/frameworks", "headers": cookie(session, csrf)} for session in manifest.supplier_sessions
    ]
    measured["tender submission"] = [
        {"method": "POST", "path": f"{tender}/submit", "body": f"_csrf_token={csrf}",
         "headers": {**cookie(session, csrf), "Content-Type": "application/x-www-form-urlencoded"}}
        for session in submitting
    ]
    return measured


async def statements(database_url: str, requests: dict[str, list[dict]]) -> dict[str, int]:
    """The SQL statements one request of each scenario issues, counted in-process on the same database."""
    from registry.app import create_app
    from registry.settings import Settings

    app = create_app(Settings(database_url=database_url, migrate_on_start=False, postgres_pool_size=2))
    counts = {}
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
            for name, (request, *_) in requests.items():
                with counting() as count:
                    await client.request(request["method"], request["path"], headers=request.get("headers", {}), content=request.get("body", ""))
                counts[name] = count.statements
    return counts


def bench(label: str, database_url: str, manifest: dataset.Manifest, workers: int, submitting: list[str], args) -> dict:
    """The anchors (a bare Litestar handler, the same with the health check's database ping, and the
    health check), then every page, then the anchors again: every page is compared with the anchors
    measured minutes apart on the same machine, by the same load generator."""
    server = Server(database_url, workers)
    anchors = Server(database_url, 1, anchors=True)
    try:
        csrf = csrf_token(server, manifest.supplier_sessions[0], f"/frameworks/{manifest.tender_framework}/tenders/1/check")
        requests = {name: cycle for name, cycle in scenarios(manifest, submitting[1:], csrf).items() if chosen(name, args.only)}
        counted = asyncio.run(statements(database_url, {name: requests[name] for name in requests if name != "tender submission"}))
        if "tender submission" in requests:
            counted["tender submission"] = asyncio.run(statements(database_url, {"tender submission": [
                {**requests["tender submission"][0], "headers": {**cookie(submitting[0], csrf), "Content-Type": "application/x-www-form-urlencoded"}}
            ]}))["tender submission"]
        anchor_requests = {BARE: (anchors, [{"method": "GET", "path": "/bare"}]), BARE_PING: (anchors, [{"method": "GET", "path": "/bare/ping"}]),
                           HEALTH: (server, requests.pop(HEALTH))}

        def measure(target: Server, cycle: list[dict], once: bool = False) -> dict:
            if not once:
                load(target, cycle[:50], concurrency=args.concurrency, duration=1)  # warm up
            return load(target, cycle, concurrency=args.concurrency, duration=args.duration, once=once)

        first = {name: measure(target, cycle) for name, (target, cycle) in anchor_requests.items()}
        figures = {}
        for name, cycle in requests.items():
            figures[name] = measure(server, cycle, once=name == "tender submission")
            figures[name]["statements"] = counted[name]
        last = {name: measure(target, cycle) for name, (target, cycle) in anchor_requests.items()}
        anchored = {}
        for name in ANCHORS:
            runs = (first[name], last[name])
            anchored[name] = {**first[name], "per_second": sum(r["per_second"] for r in runs) / 2,
                              "per_second_runs": [r["per_second"] for r in runs], "statements": counted.get(name, 1 if name != BARE else 0)}
        health = anchored[HEALTH]["per_second"]
        for name, result in {**anchored, **figures}.items():
            result["ratio_to_health"] = result["per_second"] / health if health else 0.0
            result["ratio_to_bare"] = result["per_second"] / anchored[BARE]["per_second"]
            result["ratio_to_bare_ping"] = result["per_second"] / anchored[BARE_PING]["per_second"]
        return {"label": label, "workers": workers, "generator": "wrk" if wrk.available() else "benchmarks.load", "pages": {**anchored, **figures},
                "peak_memory_mib": server.peak_memory_mib(), "database_is_locked_in_log": server.output().count("database is locked")}
    finally:
        server.stop()
        anchors.stop()


def chosen(name: str, only: list[str] | None) -> bool:
    """Whether the page is measured: every page, or those `--only` names (the anchors always, for the ratios)."""
    return not only or name in ANCHORS or any(part.lower() in name.lower() for part in only)


def print_table(run: dict) -> None:
    print(f"\n{run['label']} ({run['workers']} worker(s), load by {run['generator']}); peak server memory {run['peak_memory_mib']:.0f} MiB")
    print(f"{'request':45} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'÷ health':>8} {'÷ bare':>7} {'÷ b+ping':>8} {'SQL':>4}  statuses")
    for name, r in run["pages"].items():
        print(f"{name[:45]:45} {r['per_second']:7.0f} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} {r['ratio_to_health']:8.1%} {r['ratio_to_bare']:7.1%} "
              f"{r['ratio_to_bare_ping']:8.1%} {r['statements']:4}  {r['statuses']} {r['errors'] or ''}")


def prepared(url: str, size: dataset.Size) -> dataset.Manifest:
    started = time.perf_counter()
    manifest = asyncio.run(dataset.create(url, size))
    print(f"data set generated in {time.perf_counter() - started:.0f} s: {size}", flush=True)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in asdict(dataset.Size()).items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--duration", type=float, default=10, help="seconds per page")
    parser.add_argument("--concurrency", type=int, default=32, help="connections held open by the load generator")
    parser.add_argument("--only", action="append", metavar="TEXT", help="measure only the pages whose name contains TEXT (and the bare endpoint); may be repeated")
    args = parser.parse_args()
    size = dataset.Size(**{name: getattr(args, name) for name in asdict(dataset.Size())})
    runs = []
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.sqlite3"
        manifest = prepared(url, size)
        runs.append(bench("SQLite", url, manifest, 1, manifest.supplier_sessions, args))
        print_table(runs[-1])
    if POSTGRES_URL:
        name = asyncio.run(scratch.create(POSTGRES_URL, "registry_bench"))
        url = scratch.url_of(POSTGRES_URL, name)
        try:
            manifest = prepared(url, size)
            half = len(manifest.supplier_sessions) // 2
            for workers, submitting in ((1, manifest.supplier_sessions[:half]), (2, manifest.supplier_sessions[half:])):
                runs.append(bench("PostgreSQL", url, manifest, workers, submitting, args))
                print_table(runs[-1])
        finally:
            asyncio.run(scratch.drop(POSTGRES_URL, name))
    else:
        print("\nPostgreSQL not measured: set REGISTRY_BENCH_POSTGRES_URL (a maintenance database URL) to measure it")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"size": asdict(size), "machine": machine(), "duration": args.duration, "concurrency": args.concurrency, "runs": runs}, indent=2))
    print(f"\nfigures written to {path.relative_to(ROOT)}")


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform}


if __name__ == "__main__":
    main()
