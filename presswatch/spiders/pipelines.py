"""Item pipelines, one job each: validate, drop duplicates (with the reason), store bodies."""

from __future__ import annotations

import gzip
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from presswatch.records import stable_id
from presswatch.spiders.items import DecodeItem, PageItem, SourceItem

Item = PageItem | SourceItem | DecodeItem


class ValidateItemPipeline:
    """Drops items that would make a broken JSON line: a page with neither body nor reason,
    a source of unknown kind, a missing URL."""

    def process_item(self, item: Item) -> Item:
        if isinstance(item, PageItem):
            if not item.url or not item.fetched_at:
                raise DropItem(f"page record without url or fetch time: {item.url!r}")
            if item.body is None and item.reason is None:
                raise DropItem(f"page record for {item.url} has neither a body nor a reason")
        elif isinstance(item, SourceItem):
            if not item.source_url or item.kind not in {"feed", "sitemap", "gdelt"}:
                raise DropItem(f"source record with bad url or kind: {item.source_url!r}")
        elif isinstance(item, DecodeItem):
            if (item.publisher_url is None) == (item.error is None):
                raise DropItem(f"decode record for {item.link_url} needs a URL or an error")
        else:
            raise DropItem(f"unknown item type {type(item).__name__}")
        return item


class DropDuplicatePagesPipeline:
    """One record per requested URL; a second URL that lands on an already stored final URL
    keeps its record (so the fetch log is complete) but not a second copy of the body."""

    def __init__(self) -> None:
        self._urls: set[str] = set()
        self._final_urls: dict[str, str] = {}

    def process_item(self, item: Item) -> Item:
        if not isinstance(item, PageItem):
            return item
        if item.url in self._urls:
            raise DropItem(f"duplicate page record for {item.url}")
        self._urls.add(item.url)
        if item.body is not None:
            first = self._final_urls.setdefault(item.final_url, item.url)
            if first != item.url:
                item.body = None
                item.reason = f"duplicate: {item.final_url} was already fetched as {first}"
        return item


class StoreBodyPipeline:
    """Writes each body gzip-compressed to STAGING/bodies/<stable_id(url)>.html.gz and keeps
    the relative path, so the JSON lines stay small and the staging folder can move."""

    def __init__(self, staging_dir: Path) -> None:
        self.bodies = staging_dir / "bodies"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreBodyPipeline:
        return cls(Path(crawler.settings["PRESSWATCH_STAGING_DIR"]))

    def process_item(self, item: Item) -> Item:
        if not isinstance(item, PageItem) or item.body is None:
            return item
        self.bodies.mkdir(parents=True, exist_ok=True)
        name = f"{stable_id(item.url)}.html.gz"
        tmp = self.bodies / (name + ".part")
        with gzip.open(tmp, "wb", compresslevel=6) as out:
            out.write(item.body)
        tmp.replace(self.bodies / name)
        item.body_path = f"bodies/{name}"
        item.body = None
        return item
