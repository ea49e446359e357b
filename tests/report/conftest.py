"""Shared by the report tests: a real headless Chromium, and small hand-made warehouses."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
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
from presswatch.warehouse.batch import LoadBatch, Run, SourceRun, StoryOutlet, StoryRow

CHROMIUM_MISSING = (
    "browser test skipped: no Chromium on this machine. Install Debian's package to run it: "
    "`apt-get update && apt-get install -y chromium` (.ci/run does this, so CI always runs it)"
)
# Quiet, offline-minded Chromium: Debian's package, headless, no sandbox (we run as root in CI).
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--disable-extensions", "--mute-audio",
)
T0 = datetime(2024, 11, 26, 9, 0, tzinfo=UTC)


class Browser:
    """One Chromium process per call: load a file:// page, dump its DOM, or screenshot it,
    optionally recording every network request in a net log."""

    def __init__(self, executable: str, workdir: Path) -> None:
        self.executable = executable
        self.workdir = workdir
        self._n = 0

    def _run(self, url: str, *extra: str, timeout: float = 90) -> subprocess.CompletedProcess:
        self._n += 1
        profile = self.workdir / f"profile-{self._n}"
        profile.mkdir(parents=True)
        try:
            return subprocess.run(
                [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                capture_output=True, text=True, timeout=timeout, check=False,
            )
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def dom(self, url: str, net_log: Path | None = None) -> str:
        """The DOM after the page loaded and its script ran (chromium --dump-dom)."""
        extra = [f"--log-net-log={net_log}", "--net-log-capture-mode=Default"] if net_log else []
        result = self._run(url, "--dump-dom", *extra)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    def screenshot(self, url: str, out: Path, size: str = "1400,2000") -> Path:
        result = self._run(url, f"--screenshot={out}", f"--window-size={size}")
        assert result.returncode == 0 and out.exists(), result.stderr[-2000:]
        return out

    @staticmethod
    def page_requests(net_log: Path) -> list[str]:
        """Network requests the page made: URL requests whose initiator is an origin (the
        file:// page's is "null"). Chromium's own background calls carry "not an origin"."""
        log = json.loads(net_log.read_text(encoding="utf-8"))
        start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        urls = []
        for event in log["events"]:
            params = event.get("params") or {}
            if event["type"] == start_job and "url" in params:
                if params.get("initiator") != "not an origin":
                    urls.append(params["url"])
        return urls


@pytest.fixture(scope="session")
def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(chromium, tmp_path) -> Browser:
    if chromium is None:
        pytest.skip(CHROMIUM_MISSING)
    return Browser(chromium, tmp_path / "chromium")


@pytest.fixture(scope="module")
def module_browser(chromium, tmp_path_factory) -> Browser:
    """One Browser for a module's tests that read the same page."""
    if chromium is None:
        pytest.skip(CHROMIUM_MISSING)
    return Browser(chromium, tmp_path_factory.mktemp("chromium"))


def article(url: str, text: str, *, outlet: str, title: str, site_name: str | None = None,
            published_at: datetime | None = T0, source_url: str = "https://feeds.example/rss",
            ) -> Article:
    return Article(
        article_id=stable_id(url), url=url, canonical_url=url, outlet=outlet, title=title,
        authors=["A. Writer"], published_at=published_at, language="en", text=text,
        word_count=len(text.split()), fetched_at=(published_at or T0) + timedelta(hours=1),
        source_url=source_url,
        raw_html_gz=b"\x1f\x8b html", site_name=site_name,
    )


def quote(a: Article, content: str, speaker: str, statement_id: str) -> Quote:
    start = a.text.index(content)
    return Quote(stable_id(a.article_id, str(start)), a.article_id, content, "said", "direct",
                 speaker, speaker, "spokesperson", start, start + len(content), 0.9,
                 statement_id)


class Builder:
    """A warehouse of a few articles, its pieces chosen by each test."""

    T0 = T0
    article = staticmethod(article)
    quote = staticmethod(quote)

    @staticmethod
    def batch(run_id: str, articles: list[Article], quotes: list[Quote],
              statements: list[Statement], *, sources: list[SourceResult] = (),
              relevance: dict[str, tuple[float, bool, list[str]]] | None = None,
              story_outlets: dict[str, str] | None = None, started_at: datetime = T0,
              title: str = "The test story") -> LoadBatch:
        relevance = relevance or {}
        return LoadBatch(
            run_id=run_id,
            runs=[Run(run_id, "test-story", started_at, status="ok",
                      finished_at=started_at + timedelta(minutes=5), n_sources=len(sources),
                      n_sources_failed=sum(1 for s in sources if s.error))],
            sources=[SourceRun(s, started_at, n_new=1, n_fetched=1) for s in sources],
            pages=[FetchedPage(a.url, a.url, 200, a.fetched_at, a.source_url, "text/html")
                   for a in articles],
            articles=articles,
            relevance=[Relevance(a.article_id, *relevance.get(a.article_id, (0.9, True,
                                                                              ["title:x"])))
                       for a in articles],
            analysed={a.article_id: "done" for a in articles},
            entities=[EntityMention(a.article_id, "OpenAI", "ORG", a.text.index("OpenAI"),
                                    a.text.index("OpenAI") + 6, "OpenAI")
                      for a in articles if "OpenAI" in a.text],
            quotes=quotes,
            statements=statements,
            extra={
                "stories": [StoryRow("test-story", title, date(2024, 11, 26), "A story.", 0.5,
                                     started_at)],
                "story_outlets": [StoryOutlet(host, name, "test-story", started_at)
                                  for host, name in (story_outlets or {}).items()],
            },
        )


@pytest.fixture(scope="session")
def builder() -> Builder:
    return Builder()
