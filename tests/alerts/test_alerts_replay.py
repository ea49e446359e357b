"""The bundled replay, two days, through the real `presswatch demo` process and a real webhook:
day 1 sets the baseline with one digest, day 2 alerts exactly the statements new on day 2."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from presswatch.cli.main import main
from presswatch.story import default_story_path, load_story
from presswatch.warehouse.store import open_warehouse

FIRST_SEEN_ON_DAY = """
with runs_in_order as (
    select run_id, row_number() over (order by started_at) as day from runs
),

-- as sure as the statement was when that day's alert stage judged it: quotes of later days
-- (a surer attribution of the same words) came after
best_quote as (
    select quotes.statement_id, max(quotes.confidence) as confidence
    from quotes
    join articles using (article_id)
    join runs_in_order using (run_id)
    where runs_in_order.day <= $day
    group by quotes.statement_id
)

select statements.statement_id
from statements
join articles on articles.article_id = statements.first_article_id
join runs_in_order using (run_id)
join best_quote using (statement_id)
where runs_in_order.day = $day and best_quote.confidence >= $min_confidence
    and statements.part_of is null  -- a part of a fuller statement is no news
"""


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")  # the demo reports to the session's server
def test_replay_day_one_digest_then_day_two_exactly_the_new_statements(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((self.headers["Idempotency-Key"], json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = tmp_path / "demo.duckdb"
    # `presswatch demo` in this process (test_wheel_install.py runs it as its own process)
    monkeypatch.setenv("PRESSWATCH_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    try:
        code = main(["demo", "--db", str(db), "--days", "2"])
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0

    with open_warehouse(db, read_only=True) as warehouse:
        con = warehouse.connection
        runs = con.execute("select run_id from runs order by started_at").fetchall()
        day_one_run, day_two_run = [run_id for (run_id,) in runs]

        def first_seen(day: int, min_confidence: float) -> set[str]:
            params = {"day": day, "min_confidence": min_confidence}
            return {row[0] for row in con.execute(FIRST_SEEN_ON_DAY, params).fetchall()}

        threshold = load_story(default_story_path()).alerts.min_confidence
        day_one_all, day_one_matching = first_seen(1, 0.0), first_seen(1, threshold)
        expected_day_two = first_seen(2, threshold)
        states = con.execute("select distinct status from alerts").fetchall()

    messages = [body["presswatch"] for _, body in posts]
    assert {m["kind"] for m in messages} <= {"digest", "speaker", "statement", "spike"}
    baseline = [m for m in messages if m["rule"] == "digest"]
    assert [d["key"] for d in baseline] == [f"digest:sora-leak:{day_one_run}"]
    assert baseline[0]["n_statements"] == len(day_one_all) > 0
    assert carried(baseline[0]) == day_one_matching

    assert expected_day_two, "the replay's day 2 should bring new statements"
    day_two = [m for m in messages if m["kind"] in ("statement", "speaker")]
    if len(expected_day_two) <= load_story(default_story_path()).alerts.max_per_run:
        # a statement nearly the same as another rides in its versions (version_ids)
        alerted = [i for m in day_two for i in carried_in_order(m)]
        assert sorted(alerted) == sorted(expected_day_two)  # each once
        # a new speaker is one message, whatever they said: no speaker introduced twice
        introduced = [m["items"][0]["speaker"] for m in day_two if m["kind"] == "speaker"]
        assert len(introduced) == len(set(introduced))
    else:  # more than max_per_run: one digest of exactly them instead
        (burst,) = [m for m in messages if m["rule"] == "max_per_run"]
        assert burst["key"] == f"digest:sora-leak:{day_two_run}" and day_two == []
        assert carried(burst) == expected_day_two
    assert all(m["story_id"] == "sora-leak" for m in messages)
    assert len({key for key, _ in posts}) == len(posts)
    assert states == [("delivered",)]


def carried_in_order(message: dict) -> list[str]:
    """The statements an alert carries: its items' and their near-identical versions'."""
    return [statement_id for item in message["items"]
            for statement_id in (item["statement_id"], *item.get("version_ids", ()))]


def carried(message: dict) -> set[str]:
    return set(carried_in_order(message))
