"""The load generator: run in a process of its own, so that it does not share the server's
interpreter. It speaks plain HTTP/1.1 over keep-alive connections with asyncio streams: a general
client (httpx) spends more time per request than a fast page takes to serve, and would measure
itself rather than the server.

Reads a JSON scenario on stdin, prints the JSON result on stdout:

    {"host": "127.0.0.1", "port": 8000, "concurrency": 32, "duration": 10, "once": false,
     "requests": [{"method": "GET", "path": "/healthz", "headers": {...}, "body": ""}, ...]}

Each connection takes the scenario's requests in turn (round robin over all connections). With
"once", every request is sent exactly once and the run ends when all are answered; otherwise the
run lasts `duration` seconds. With "barrier" (and "once"), every connection is opened first; the
generator then prints "ready" and waits for a line on stdin before any request is written, so that
the caller can act in between (move the server's clock) and the requests leave at one moment: with
a connection for each request, all of them at once. The result then says when, after that moment,
the last request was written ("last_written_ms").
"""

import asyncio
import itertools
import json
import sys
import time
from collections import Counter


def encode(request: dict, host: str) -> bytes:
    body = request.get("body", "").encode()
    headers = {"Host": host, "Connection": "keep-alive", **request.get("headers", {})}
    if body or request["method"] != "GET":
        headers["Content-Length"] = str(len(body))
    head = f"{request['method']} {request['path']} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                return status, body
    return status, b""


async def run(scenario: dict) -> dict:
    host, port = scenario["host"], scenario["port"]
    encoded = [encode(request, f"{host}:{port}") for request in scenario["requests"]]
    queue = iter(encoded) if scenario.get("once") else itertools.cycle(encoded)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    stop_at = time.perf_counter() + scenario.get("duration", 10)
    barrier = asyncio.Event()
    last_written = 0.0

    async def connection(opened: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        nonlocal last_written
        reader, writer = opened
        await barrier.wait()
        try:
            for request in queue:
                if not scenario.get("once") and time.perf_counter() >= stop_at:
                    return
                started = time.perf_counter()
                try:
                    writer.write(request)
                    last_written = max(last_written, started)
                    status, body = await read_response(reader)
                except (OSError, asyncio.IncompleteReadError) as error:
                    errors[type(error).__name__] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                if b"database is locked" in body:
                    errors["database is locked"] += 1
        finally:
            writer.close()

    connections = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(scenario.get("concurrency", 32))))
    if scenario.get("barrier"):
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    began = last_written = time.perf_counter()
    barrier.set()
    await asyncio.gather(*(connection(opened) for opened in connections))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies), "seconds": elapsed, "per_second": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(0.50), "p95_ms": percentile(0.95), "p99_ms": percentile(0.99),
        "statuses": {str(status): count for status, count in sorted(statuses.items())}, "errors": dict(errors),
        "last_written_ms": (last_written - began) * 1000,
    }


def main() -> None:
    try:  # uvloop (installed with uvicorn's standard extras) costs the load generator half as much per request
        import uvloop
    except ImportError:
        runner = asyncio.run
    else:
        runner = uvloop.run
    print(json.dumps(runner(run(json.loads(sys.stdin.readline())))))  # the scenario is one line: a barrier's signal may follow it


if __name__ == "__main__":
    main()
