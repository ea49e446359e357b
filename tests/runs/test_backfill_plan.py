"""The backfill's plain stages against the archive replicas on their bad days: what the plan
asks (the outlets' hosts, never a feed's or an aggregator's), what it leaves out and says so,
and which pages a date range keeps (publication date first, capture time only without one)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from archive_replicas import ArchiveReplica

from presswatch.addresses import AddressPolicy
from presswatch.demo.archive import ArchiveRecord, replay_records, write_warc
from presswatch.demo.server import load_manifest
from presswatch.runs.backfill import Clients, Endpoints, Sources, Unit, plan_units
from presswatch.runs.backfill_unit import process_unit as process
from presswatch.story import Feed, Outlet, default_story_path, load_story

SINCE, UNTIL = date(2024, 11, 20), date(2024, 12, 5)


def _clients(replica: ArchiveReplica) -> Clients:
    bases = replica.bases
    endpoints = Endpoints(cdx=bases["wayback"] + "/cdx/search/cdx", wayback=bases["wayback"],
                          gdelt=bases["gdelt"] + "/api/v2/doc/doc", ccnews=bases["commoncrawl"])
    return Clients("presswatch-test", AddressPolicy(allow_loopback=True), endpoints, 0.0)


def _story(*outlets: Outlet):
    story = load_story(default_story_path())
    feeds = [Feed(url="https://news.google.com/rss/search?q=sora"),
             Feed(url="https://www.bing.com/news/search?q=sora&format=rss"),
             Feed(url="https://feeds.dailycircuit.com/rss")]
    return story.model_copy(update={"outlets": list(outlets), "feeds": feeds, "sitemaps": []})


def _captured(host: str, n: int) -> list[ArchiveRecord]:
    day = datetime(2024, 11, 26, 9, tzinfo=UTC)
    return [ArchiveRecord(f"https://www.{host}/2024/11/26/{i}", day + timedelta(hours=i),
                          b"<html><body>x</body></html>") for i in range(n)]


def test_the_plan_asks_the_outlets_hosts_and_names_what_it_left_out(caplog):
    records = _captured("dailycircuit.com", 2) + _captured("wirewire.net", 3)
    with ArchiveReplica(wayback=records, blocked_hosts={"dailycircuit.com"},
                        gdelt=_captured("wirewire.net", 2),
                        queue={"gdelt": ["malformed"] * 4}) as replica:
        story = _story(Outlet(name="Daily Circuit", host="www.dailycircuit.com"),
                       Outlet(name="Google News", host="news.google.com"))
        stored = {"https://www.wirewire.net/2024/11/01/old",
                  "https://news.google.com/rss/articles/CBMi"}
        plan = plan_units(story, Sources(wayback=True, gdelt_queries=("sora leak",)), SINCE,
                          UNTIL, _clients(replica), stored)
        asked = sorted({q.split("url=")[1].split("&")[0] for _, q, _, _ in replica.log
                        if "/cdx/" in q})
    assert asked == ["dailycircuit.com", "wirewire.net"]  # never news.google.com, bing.com
    wayback = [u for u in plan.units if u.label.startswith("wayback")]
    assert sorted(r.url for u in wayback for r in u.pages) == sorted(r.url for r in records[2:])
    assert any(w.startswith("Wayback: skipped dailycircuit.com") and "403" in w
               for w in plan.left_out)
    gdelt_warnings = [w for w in plan.left_out if w.startswith("GDELT: skipped")]
    assert len(gdelt_warnings) == 1 and "malformed" in gdelt_warnings[0]
    assert [u.label for u in plan.units if u.label.startswith("gdelt")]  # other days listed
    assert "GDELT's DOC API covers about the last 3 months" in caplog.text  # 2024 is past it


def test_ccnews_files_run_two_days_past_until_into_the_next_month(tmp_path):
    files = {f"crawl-data/CC-NEWS/2024/{m}/CC-NEWS-2024{m}{d}000000-0000{i}.warc.gz": b""
             for i, (m, d) in enumerate([("11", "28"), ("12", "01"), ("12", "02"),
                                         ("12", "04")])}
    with ArchiveReplica(ccnews=files) as replica:
        plan = plan_units(_story(), Sources(ccnews_months=("2024-11",)), date(2024, 11, 25),
                          date(2024, 11, 30), _clients(replica))
    assert [u.label.rsplit("-", 2)[1][:8] for u in plan.units] == [
        "20241128", "20241201", "20241202"]


def test_dates_select_by_publication_not_by_capture(tmp_path):
    """A WARC recorded today of last year's news: every relevant article published in the
    range is kept (capture time decides only for a page that gives no date)."""
    manifest = {a["id"]: a for a in load_manifest()["articles"]}
    today = datetime.now(UTC).replace(microsecond=0)
    published = [r for r in replay_records() if manifest[r.replay_id]["relevant"]
                 and manifest[r.replay_id]["published_at"]
                 and SINCE.isoformat() <= manifest[r.replay_id]["published_at"][:10]
                 <= UNTIL.isoformat()]
    warc = tmp_path / "today.warc.gz"
    write_warc(warc, [replace(r, captured_at=today) for r in published[:3]])
    story = load_story(default_story_path())
    unit = Unit("k", "warc", str(warc), location=str(warc))
    with ArchiveReplica() as replica:
        result = process(unit, story, SINCE, UNTIL, tmp_path / "out", _clients(replica))
    assert result.records == 3 and result.in_range == 3
    assert result.kept == 3
    staged = (tmp_path / "out" / "k.jsonl").read_text(encoding="utf-8")
    assert all(urlsplit(r.url).path in staged for r in published[:3])


def test_the_real_archives_keep_their_own_pace_and_a_mirror_the_delay():
    real = Clients("presswatch-test", AddressPolicy(), Endpoints(), 0.0)
    assert (real.cdx().min_interval_s, real.cdx().retry.throttle_floor_s) == (3.0, 60.0)
    assert (real.gdelt().min_interval_s, real.gdelt().retry.throttle_floor_s) == (5.0, 60.0)
    assert real.pages(Unit("k", "pages", "wayback", host="web.archive.org")).min_interval_s == 3
    assert real.pages(Unit("k", "pages", "urls", host="example.com")).min_interval_s == 0
    mirror = Clients("presswatch-test", AddressPolicy(),
                     Endpoints(cdx="http://127.0.0.9/cdx/search/cdx"), 0.5)
    assert (mirror.cdx().min_interval_s, mirror.cdx().retry.throttle_floor_s) == (0.5, 0.5)
