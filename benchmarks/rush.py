"""The deadline rush: in the last seconds before a tender deadline, N signed-in suppliers submit their
tenders at once (some clicking twice) while others read pages; then, just after the deadline, the
rest try. Every on-time tender must be stored exactly once with a correct receipt and a time of
receipt before the deadline, every late one refused, with no 5xx answer and no "database is
locked". Prints the p99 submission latency.

Runs the real server (one worker, with the test-only clock control to stand just before and just
after the deadline) on the synthetic data set. The on-time wave is truly on time: every one of its
requests gets a connection of its own (a supplier's browser; a double click's second request
another), all opened first; then the server's clock is set to `--lead` seconds before the deadline
and every request is written at once. The late wave, one second after the deadline, is sent
`--concurrency` at a time.

    python -m benchmarks.rush --suppliers 200 --concurrency 50 --lead 2      # SQLite
    python -m benchmarks.rush --postgres   # a new database on the server REGISTRY_BENCH_POSTGRES_URL names

tests/test_deadline_rush.py runs a small rush on both engines in the suite.
"""

import argparse
import asyncio
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from benchmarks import dataset, run
from benchmarks.run import ROOT, Server, cookie, csrf_token, load
from registry import db
from registry.db import scratch
from registry.tenders.tables import Tender, TenderSubmission


@dataclass
class Outcome:
    on_time: int
    late: int
    submission: dict  # the load generator's figures for the on-time wave
    refused: dict  # and for the late one
    readers: dict
    lead: float  # seconds before the deadline that the on-time wave was sent
    problems: list[str] = field(default_factory=list)


def submissions(sessions: list[str], tender_path: str, csrf: str) -> list[dict]:
    headers = lambda session: {**cookie(session, csrf), "Content-Type": "application/x-www-form-urlencoded"}  # noqa: E731
    return [{"method": "POST", "path": f"{tender_path}/submit", "body": f"_csrf_token={csrf}", "headers": headers(s)} for s in sessions]


def read_pages(manifest: dataset.Manifest) -> list[str]:
    return [manifest.framework_path, manifest.search_path, "/frameworks", f"/frameworks/{manifest.tender_framework}"]


def readers(server: Server, manifest: dataset.Manifest, duration: float) -> subprocess.Popen:
    scenario = {"host": "127.0.0.1", "port": server.port, "concurrency": 8, "duration": duration,
                "requests": [{"method": "GET", "path": path, "headers": {"Accept": "text/html"}} for path in read_pages(manifest)]}
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.load"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    process.stdin.write(json.dumps(scenario))
    process.stdin.close()
    return process


def set_clock(server: Server, moment: datetime) -> None:
    httpx.post(f"{server.base_url}/_test/clock", json={"now": moment.isoformat()}).raise_for_status()


def at_once(server: Server, requests: list[dict], clock_at: datetime) -> dict:
    """Every request on a connection of its own, all opened first; then the server's clock is set to
    `clock_at` and every request written at once. The result's "sent_within_ms" is how long after
    the clock was set the last request was written."""
    scenario = {"host": "127.0.0.1", "port": server.port, "concurrency": len(requests), "once": True, "barrier": True, "requests": requests}
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.load"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    process.stdin.write(json.dumps(scenario) + "\n")
    process.stdin.flush()
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise RuntimeError("the load generator did not open its connections")
    setting = time.perf_counter()
    set_clock(server, clock_at)
    process.stdin.write("go\n")
    process.stdin.close()
    signalled = time.perf_counter()
    result = json.loads(process.stdout.read())
    if process.wait() != 0:
        raise RuntimeError("the load generator failed")
    result["sent_within_ms"] = (signalled - setting) * 1000 + result["last_written_ms"]
    return result


def rush(database_url: str, suppliers: int = 200, concurrency: int = 50, readers_for: float = 10, lead: float = 2) -> Outcome:
    size = dataset.Size(suppliers=suppliers, frameworks=6, engagements=suppliers, tenders=suppliers, sessions=suppliers)
    # The deadline soon enough that the sessions signed in now are still current when the clock is moved to it.
    manifest = asyncio.run(dataset.create(database_url, size, deadline_in=timedelta(minutes=5)))
    deadline = datetime.fromisoformat(manifest.tender_deadline)
    on_time, late = manifest.supplier_sessions[: suppliers * 4 // 5], manifest.supplier_sessions[suppliers * 4 // 5:]
    tender_path = f"/frameworks/{manifest.tender_framework}/tenders/1"
    server = Server(database_url, workers=1, clock_control=True)
    try:
        set_clock(server, deadline - timedelta(seconds=60))
        csrf = csrf_token(server, on_time[0], f"{tender_path}/check")
        for path in read_pages(manifest):  # a server that has run a while has its templates compiled
            httpx.get(server.base_url + path).raise_for_status()
        reading = readers(server, manifest, readers_for)
        double_clicks = on_time[: max(1, len(on_time) // 10)]
        submitted = at_once(server, submissions(on_time + double_clicks, tender_path, csrf), deadline - timedelta(seconds=lead))
        set_clock(server, deadline + timedelta(seconds=1))
        refused = load(server, submissions(late, tender_path, csrf), concurrency=concurrency, duration=0, once=True)
        read = json.loads(reading.stdout.read())
        reading.wait()
        log = server.output()
    finally:
        server.stop()
    outcome = Outcome(len(on_time), len(late), submitted, refused, read, lead)
    if submitted["sent_within_ms"] >= lead * 1000:
        outcome.problems.append(f"the on-time wave was not all sent before the deadline: the last request {submitted['sent_within_ms']:.0f} ms "
                                f"after the clock stood {lead} s before it")
    outcome.problems += asyncio.run(check(database_url, outcome, deadline, len(on_time) + len(double_clicks))) + [
        f"{name}: {figures['statuses']} {figures['errors']}" for name, figures in (("readers", read),)
        if any(status.startswith("5") for status in figures["statuses"]) or figures["errors"]
    ]
    if "database is locked" in log:
        outcome.problems.append("the server logged 'database is locked'")
    if "Traceback" in log:
        outcome.problems.append("the server logged an exception:\n" + log[-3000:])
    return outcome


async def check(database_url: str, outcome: Outcome, deadline: datetime, on_time_requests: int) -> list[str]:
    """What the database and the answers say against what must hold."""
    problems = []
    if outcome.submission["statuses"] != {"303": on_time_requests} or outcome.submission["errors"]:
        problems.append(f"on-time submissions answered {outcome.submission['statuses']} {outcome.submission['errors']}, not all 303 (to the receipt)")
    if outcome.refused["statuses"] != {"400": outcome.late} or outcome.refused["errors"]:
        problems.append(f"late submissions answered {outcome.refused['statuses']} {outcome.refused['errors']}, not all 400 (refused)")
    engine = db.create_engine(database_url)
    db.bind(engine)
    await db.connect(engine, pool_size=1)
    try:
        stored = await TenderSubmission.select(
            TenderSubmission.tender, TenderSubmission.number, TenderSubmission.content, TenderSubmission.sha256, TenderSubmission.received_at,
        ).where(TenderSubmission.tender.framework.reference == dataset.OPEN_FOR_TENDERS)
        submitted_tenders = await Tender.count().where((Tender.framework.reference == dataset.OPEN_FOR_TENDERS) & (Tender.status == "submitted"))
    finally:
        await db.disconnect(engine)
    per_tender: dict[int, int] = {}
    for row in stored:
        per_tender[row["tender"]] = per_tender.get(row["tender"], 0) + 1
        if hashlib.sha256(row["content"].encode()).hexdigest() != row["sha256"] or row["number"] != 1:
            problems.append(f"tender {row['tender']}: receipt {row['number']} does not match what was stored")
        if row["received_at"] >= deadline:
            problems.append(f"tender {row['tender']} was stored although received at {row['received_at']}, after the deadline")
    if len(per_tender) != outcome.on_time or any(count != 1 for count in per_tender.values()) or submitted_tenders != outcome.on_time:
        problems.append(f"{outcome.on_time} on-time tenders, but {len(per_tender)} stored ({sum(per_tender.values())} submissions, "
                        f"{submitted_tenders} marked submitted)")
    return problems


def report(outcome: Outcome, label: str) -> None:
    s, r = outcome.submission, outcome.refused
    print(f"{label}: {outcome.on_time} on time (with double clicks: {s['requests']} requests, all sent within {s['sent_within_ms']:.0f} ms "
          f"from {outcome.lead:g} s before the deadline), {outcome.late} late")
    print(f"  on-time submissions: {s['per_second']:.0f}/s, p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, answers {s['statuses']}")
    print(f"  late submissions: p99 {r['p99_ms']:.0f} ms, answers {r['statuses']}")
    print(f"  readers meanwhile: {outcome.readers['requests']} pages, p99 {outcome.readers['p99_ms']:.0f} ms, answers {outcome.readers['statuses']}")
    print("  nothing lost, nothing late accepted" if not outcome.problems else "  PROBLEMS:\n  - " + "\n  - ".join(outcome.problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (REGISTRY_BENCH_POSTGRES_URL) instead of a new SQLite file")
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50, help="connections for the late wave (the on-time wave has one per request)")
    parser.add_argument("--lead", type=float, default=2, help="seconds before the deadline that the on-time wave is sent")
    args = parser.parse_args()
    if args.postgres:
        name = asyncio.run(scratch.create(run.POSTGRES_URL, "registry_bench_rush"))
        try:
            outcome = rush(scratch.url_of(run.POSTGRES_URL, name), args.suppliers, args.concurrency, lead=args.lead)
        finally:
            asyncio.run(scratch.drop(run.POSTGRES_URL, name))
    else:
        with tempfile.TemporaryDirectory() as directory:
            outcome = rush(f"sqlite:///{directory}/rush.sqlite3", args.suppliers, args.concurrency, lead=args.lead)
    report(outcome, "PostgreSQL" if args.postgres else "SQLite")
    sys.exit(1 if outcome.problems else 0)


if __name__ == "__main__":
    main()
