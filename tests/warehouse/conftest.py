"""Small, hand-made warehouse contents: articles with quotes whose offsets are real."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from presswatch.records import (
    Article,
    EntityMention,
    FetchedPage,
    Quote,
    Relevance,
    SourceResult,
    Statement,
    stable_id,
)
from presswatch.warehouse.batch import LoadBatch, Run, SourceRun

T0 = datetime(2024, 11, 26, 9, 0, tzinfo=UTC)


def make_article(
    url: str,
    text: str,
    *,
    outlet: str = "The Example",
    title: str | None = None,
    published_at: datetime | None = T0,
    fetched_at: datetime = T0 + timedelta(hours=1),
) -> Article:
    return Article(
        article_id=stable_id(url),
        url=url,
        canonical_url=url,
        outlet=outlet,
        title=title,
        authors=["A. Writer"],
        published_at=published_at,
        language="en",
        text=text,
        word_count=len(text.split()),
        fetched_at=fetched_at,
        source_url="https://feeds.example/rss",
        raw_html_gz=b"\x1f\x8b html",
    )


def make_quote(article: Article, content: str, speaker: str, statement_id: str | None) -> Quote:
    start = article.text.index(content)
    end = start + len(content)
    return Quote(
        quote_id=stable_id(article.article_id, str(start), str(end)),
        article_id=article.article_id,
        content=content,
        cue="said",
        kind="direct",
        speaker_text=speaker,
        speaker=speaker,
        speaker_role="spokesperson",
        start_char=start,
        end_char=end,
        confidence=0.9,
        statement_id=statement_id,
    )


def make_entity(article: Article, name: str, label: str = "ORG") -> EntityMention:
    start = article.text.index(name)
    return EntityMention(article.article_id, name, label, start, start + len(name), name)


def run_batch(run_id: str, n_articles: int, *, prefix: str = "https://news.example/") -> LoadBatch:
    """A complete batch for one run: n articles, each with one entity and one quote of a shared
    statement, plus the run, its source and its fetch log."""
    statement_id = stable_id("Niko Felix", f"statement of {run_id}")
    articles, quotes, entities, pages = [], [], [], []
    for i in range(n_articles):
        text = (
            f"Article {i} of {run_id}. OpenAI said the Sora leak was under review. "
            f'"We paused access for run {run_id}," said Niko Felix.'
        )
        article = make_article(f"{prefix}{run_id}/{i}", text, outlet=f"Outlet {i % 5}",
                               title=f"Sora leak {i}")
        articles.append(article)
        quotes.append(make_quote(article, f"We paused access for run {run_id}", "Niko Felix",
                                 statement_id))
        entities.append(make_entity(article, "OpenAI"))
        pages.append(FetchedPage(article.url, article.url, 200, article.fetched_at,
                                 article.source_url, "text/html"))
    statement = Statement(statement_id, "Niko Felix", "OpenAI spokesperson", "OpenAI",
                          f"We paused access for run {run_id}", T0, articles[0].article_id)
    source = SourceResult("https://feeds.example/rss", "feed", "Example feed", 200,
                          etag=f'"{run_id}"')
    return LoadBatch(
        run_id=run_id,
        runs=[Run(run_id, "sora-leak", T0, status="ok", finished_at=T0 + timedelta(hours=2))],
        sources=[SourceRun(source, T0, n_new=n_articles, n_fetched=n_articles)],
        pages=pages,
        articles=articles,
        relevance=[Relevance(a.article_id, 0.8, True, ["title:sora"]) for a in articles],
        analysed={a.article_id: "done" for a in articles},
        entities=entities,
        quotes=quotes,
        statements=[statement],
    )


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Corpus:
    """The builders above, handed to tests as a fixture (conftest is not importable by name)."""

    T0 = T0
    make_article = staticmethod(make_article)
    make_quote = staticmethod(make_quote)
    make_entity = staticmethod(make_entity)
    run_batch = staticmethod(run_batch)
    file_digest = staticmethod(file_digest)


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "presswatch.duckdb"


@pytest.fixture
def published(db_path: Path, corpus: Corpus) -> Path:
    """A warehouse of three articles with its snapshot published (what `presswatch sql` reads)."""
    from presswatch.warehouse.store import open_warehouse

    with open_warehouse(db_path) as wh:
        wh.load_batch(corpus.run_batch("r1", 3))
        wh.publish()
    return db_path


class SmallDisk:
    """A real filesystem of a few megabytes (tmpfs), to fill up or make read-only."""

    def __init__(self, where: Path, megabytes: int) -> None:
        import subprocess

        self._run = lambda *args: subprocess.run(args, check=True, capture_output=True)
        self.path = where
        where.mkdir()
        self._run("mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where))

    def fill(self, leave_bytes: int = 0) -> Path:
        """Take the free space but leave_bytes; returns the file to delete to free it."""
        import os

        stat = os.statvfs(self.path)
        free = stat.f_bavail * stat.f_frsize
        filler = self.path / "filler.bin"
        left = max(0, free - leave_bytes)
        with open(filler, "ab") as handle:  # tmpfs allocates on write: write every byte
            while left > 0:
                try:
                    left -= handle.write(b"\0" * min(left, 1 << 20))
                    handle.flush()
                except OSError:  # full already (the filler's own blocks)
                    break
        return filler

    def read_only(self) -> None:
        self._run("mount", "-o", "remount,ro", str(self.path))

    def remove(self) -> None:
        self._run("umount", "-l", str(self.path))


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 64 MB filesystem of its own (root only: the tests and CI run as root)."""
    disk = SmallDisk(tmp_path / "disk", 64)
    try:
        yield disk
    finally:
        disk.remove()
