"""The bundled replay, two days, through the real `presswatch demo` process and a real webhook:
day 1 sets the baseline with one digest, day 2 alerts exactly the statements new on day 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from presswatch.story import default_story_path, load_story
from presswatch.warehouse.store import open_warehouse

REPO = Path(__file__).resolve().parents[2]

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
def test_replay_day_one_digest_then_day_two_exactly_the_new_statements(tmp_path: Path) -> None:
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
    env = {
        **os.environ,
        "PRESSWATCH_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/hook",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    try:
        demo = subprocess.run(
            [sys.executable, "-m", "presswatch", "demo", "--db", str(db), "--days", "2"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert demo.returncode == 0, demo.stderr[-3000:]

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
    assert {item["statement_id"] for item in baseline[0]["items"]} == day_one_matching

    assert expected_day_two, "the replay's day 2 should bring new statements"
    day_two = [m for m in messages if m["kind"] in ("statement", "speaker")]
    if len(expected_day_two) <= load_story(default_story_path()).alerts.max_per_run:
        alerted = [item["statement_id"] for m in day_two for item in m["items"]]
        assert sorted(alerted) == sorted(expected_day_two)  # each once
        # a new speaker is one message, whatever they said: no speaker introduced twice
        introduced = [m["items"][0]["speaker"] for m in day_two if m["kind"] == "speaker"]
        assert len(introduced) == len(set(introduced))
    else:  # more than max_per_run: one digest of exactly them instead
        (burst,) = [m for m in messages if m["rule"] == "max_per_run"]
        assert burst["key"] == f"digest:sora-leak:{day_two_run}" and day_two == []
        assert {item["statement_id"] for item in burst["items"]} == expected_day_two
    assert all(m["story_id"] == "sora-leak" for m in messages)
    assert len({key for key, _ in posts}) == len(posts)
    assert states == [("delivered",)]
