"""A failing callback still leaves a record: the spider middleware, called as Scrapy calls it."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.misc import is_generator_with_return_value

from presswatch.spiders.items import PageItem, SourceItem
from presswatch.spiders.middlewares import RecordCallbackErrorsMiddleware
from presswatch.spiders.spiders.articles import ArticlesSpider


def _response(meta: dict) -> HtmlResponse:
    request = Request("http://a.example/x", meta=meta)
    return HtmlResponse("http://a.example/x", status=200, body=b"<p>x</p>", request=request)


def test_a_page_callback_error_becomes_the_page_reason() -> None:
    meta = {"pw_url": "http://a.example/x", "pw_source": "http://a.example/feed"}
    [item] = RecordCallbackErrorsMiddleware().process_spider_exception(
        _response(meta), KeyError("boom"))
    assert isinstance(item, PageItem) and item.url == "http://a.example/x"
    assert item.reason == "internal error reading http://a.example/x: KeyError: 'boom'"
    assert item.body is None and item.source_url == "http://a.example/feed"


def test_a_source_callback_error_becomes_the_source_error() -> None:
    meta = {"pw_source": "http://a.example/feed", "pw_document": "http://a.example/feed",
            "pw_kind": "feed", "pw_name": "A"}
    [item] = RecordCallbackErrorsMiddleware().process_spider_exception(
        _response(meta), ValueError("bad"))
    assert isinstance(item, SourceItem) and item.kind == "feed" and item.name == "A"
    assert item.error.endswith("ValueError: bad")


def test_other_requests_are_left_to_scrapy() -> None:
    assert RecordCallbackErrorsMiddleware().process_spider_exception(
        _response({}), ValueError("x")) is None


def test_no_callback_is_a_generator_that_returns_a_value() -> None:
    """Scrapy's check for it is off in the crawl (settings.py: it ran before every callback);
    here it runs once over every callback and errback of the spider."""
    callbacks = [getattr(ArticlesSpider, name) for name in dir(ArticlesSpider)
                 if name.startswith(("parse", "_read")) or name.endswith("_failed")]
    assert len(callbacks) >= 8
    assert [c.__name__ for c in callbacks if is_generator_with_return_value(c)] == []
