"""Drive a server with wrk (https://github.com/wg/wrk), when it is installed: a load generator in C,
which spends so little per request that even a bare handler's 10,000 a second measure the server,
not the generator (benchmarks/load.py, in Python, tops out at a few thousand a second on the same
cores). The scenario's requests are taken in turn by each of wrk's connections, as load.py takes
them; the result has load.py's shape.

    wrk.run(port, requests, concurrency=16, duration=4)
"""

import json
import shutil
import subprocess
import tempfile

SCRIPT = """
local requests = {%s}
local next_one = 0
request = function()
  next_one = next_one %% #requests + 1
  return requests[next_one]
end
done = function(summary, latency, _)
  io.write(string.format('{"requests": %%d, "microseconds": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "errors": %%d, "not_2xx_3xx": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r") + "'"


def _formatted(request: dict) -> str:
    headers = ", ".join(f"[{_lua_string(name)}] = {_lua_string(value)}" for name, value in request.get("headers", {}).items())
    body = request.get("body") or None
    return f"wrk.format({_lua_string(request['method'])}, {_lua_string(request['path'])}, {{{headers}}}, {_lua_string(body) if body else 'nil'})"


def run(port: int, requests: list[dict], *, concurrency: int, duration: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(SCRIPT % ", ".join(_formatted(r) for r in requests))
        script.flush()
        done = subprocess.run(
            ["wrk", "-t", "1", "-c", str(concurrency), "-d", f"{max(1, round(duration))}s", "-s", script.name, f"http://127.0.0.1:{port}"],
            capture_output=True, text=True,
        )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = figures["microseconds"] / 1e6
    return {
        "requests": figures["requests"], "seconds": seconds, "per_second": figures["requests"] / seconds if seconds else 0.0,
        "p50_ms": figures["p50"] / 1000, "p95_ms": figures["p95"] / 1000, "p99_ms": figures["p99"] / 1000,
        "statuses": {"2xx or 3xx": figures["requests"] - figures["not_2xx_3xx"], **({"other": figures["not_2xx_3xx"]} if figures["not_2xx_3xx"] else {})}, "errors": {"socket": figures["errors"]} if figures["errors"] else {},
    }
