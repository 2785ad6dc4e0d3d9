"""A small deadline rush against the real server on each engine (benchmarks/rush.py runs the full
size): suppliers submit at once in the last minute, some twice, while others read pages, then the
rest just after the deadline. Every on-time tender is stored once with a correct receipt, every late
one refused; no 5xx, no "database is locked"."""

from benchmarks.rush import rush


def test_every_on_time_tender_is_stored_once_and_every_late_one_refused_under_load(database_url):
    outcome = rush(database_url, suppliers=30, concurrency=10, readers_for=3)
    assert not outcome.problems, "\n".join(outcome.problems)
    assert outcome.submission["statuses"] == {"303": outcome.on_time + 2} and outcome.refused["statuses"] == {"400": outcome.late}
    assert outcome.readers["requests"] > 0 and set(outcome.readers["statuses"]) == {"200"}
