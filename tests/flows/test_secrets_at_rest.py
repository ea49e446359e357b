"""No secret at rest: a real `presswatch run` with an SMTP password and a webhook token in its
environment leaves neither in the Prefect server's database nor in the warehouse.

The run is the real command in its own process, so Prefect starts its temporary local server
with its SQLite database under PREFECT_HOME, as it does for a user; every table of that database
(flow-run and task-run parameters, logs, artifacts, events, ...) and every table of the
warehouse are searched, and so are the raw bytes of every file the run left. The search is shown
to find what it looks for: strings planted where Prefect and the warehouse do keep them (the
warehouse path in the flow run's parameters, the flow run's name in the logs, the story title in
the artifacts and the alerts' payload) are found.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from receivers import SmtpHandler, WebhookReceiver, smtp_controller

from presswatch.demo.server import ReplaySite
from presswatch.story import default_story_path, load_story

# The login goes over plain text on loopback, which aiosmtpd warns about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def prefect_tables(home: Path) -> dict[str, str]:
    """Every table of every SQLite database under PREFECT_HOME, as one text per table."""
    texts: dict[str, str] = {}
    for path in home.rglob("*.db"):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [n for (n,) in con.execute(
                "select name from sqlite_master where type = 'table'").fetchall()]
            for name in names:
                rows = con.execute(f'select * from "{name}"').fetchall()
                texts[name] = "\n".join(repr(row) for row in rows)
        finally:
            con.close()
    return texts


def flow_run_names(home: Path) -> list[str]:
    (path,) = home.rglob("*.db")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [name for (name,) in con.execute("select name from flow_run").fetchall()]
    finally:
        con.close()


def warehouse_tables(db: Path) -> dict[str, str]:
    """Every table of the warehouse, as one text per table."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()]
        return {name: "\n".join(repr(row) for row in con.execute(
            f'select * from "{name}"').fetchall()) for name in names}


def files_containing(folder: Path, needle: str) -> list[Path]:
    """Files under folder whose raw bytes hold needle (SQLite keeps deleted rows' bytes too)."""
    raw = needle.encode("utf-8")
    return [p for p in folder.rglob("*") if p.is_file() and raw in p.read_bytes()]


def tables_containing(tables: dict[str, str], needle: str) -> list[str]:
    return sorted(name for name, text in tables.items() if needle in text)


@pytest.mark.slow
def test_a_run_leaves_no_secret_in_prefect_or_the_warehouse(tmp_path: Path) -> None:
    password = f"smtp-pw-{secrets.token_hex(8)}"
    token = f"hook-token-{secrets.token_hex(8)}"
    title_marker = f"plantedtitle{secrets.token_hex(4)}"  # nothing markdown would escape
    db_marker = f"planted-db-{secrets.token_hex(4)}"
    home = tmp_path / "prefect-home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    db = work / f"{db_marker}.duckdb"

    handler = SmtpHandler()
    controller = smtp_controller(handler, password=password.encode())
    controller.start()
    hook = WebhookReceiver(path=f"/services/T000/B000/{token}")
    try:
        with ReplaySite(day=1) as site, hook:
            base = load_story(default_story_path())
            story = site.write_story(
                tmp_path / "story.toml", base.model_copy(update={"title": f"Sora {title_marker}"}))
            env = {
                **os.environ,
                "PREFECT_HOME": str(home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_LOGGING_LEVEL": "INFO",  # keep the run's logs, to search them too
                "PRESSWATCH_WEBHOOK_URL": hook.url,
                "PRESSWATCH_SMTP_HOST": "127.0.0.1",
                "PRESSWATCH_SMTP_PORT": str(handler.port),
                "PRESSWATCH_SMTP_STARTTLS": "false",
                "PRESSWATCH_SMTP_USERNAME": "alerts",
                "PRESSWATCH_SMTP_PASSWORD": password,
                "PRESSWATCH_SMTP_INSECURE_LOGIN": "true",  # a relay on loopback
                "PRESSWATCH_SMTP_SENDER": "presswatch@example.org",
                "PRESSWATCH_SMTP_RECIPIENTS": "comms@example.org",
            }
            env.pop("PREFECT_API_URL", None)  # the command starts its own temporary server
            result = subprocess.run(
                [sys.executable, "-m", "presswatch", "run", "--story", str(story),
                 "--db", str(db), "--allow-private-hosts"],
                cwd=work, env=env, capture_output=True, text=True, timeout=600,
            )
    finally:
        controller.stop()
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: the replay's broken feeds

    # the secrets were really used: the digest went out by webhook and by mail after a login
    said = result.stdout[-3000:] + result.stderr[-3000:]
    assert len(hook.posts) == 1 and len(handler.mails) == 1, said
    assert handler.logins == [(b"alerts", password.encode())]

    prefect = prefect_tables(home)
    warehouse = warehouse_tables(db)
    assert {"flow_run", "task_run", "log", "artifact"} <= set(prefect)
    # the search finds what is there: the parameters, the logs and artifacts, the warehouse
    assert "flow_run" in tables_containing(prefect, db_marker)
    (run_name,) = flow_run_names(home)
    assert "log" in tables_containing(prefect, f"Beginning flow run '{run_name}'")
    assert "artifact" in tables_containing(prefect, title_marker)
    assert "alerts" in tables_containing(warehouse, title_marker)
    assert files_containing(home, db_marker)

    for secret in (password, token, hook.url):
        assert tables_containing(prefect, secret) == [], f"{secret} in the Prefect database"
        assert tables_containing(warehouse, secret) == [], f"{secret} in the warehouse"
        assert files_containing(home, secret) == [], f"{secret} in files under PREFECT_HOME"
        assert files_containing(work, secret) == [], f"{secret} in files beside the warehouse"
        assert secret not in result.stdout + result.stderr
