"""Hostile page text in the report: titles, quotes, speakers, outlet and feed names carrying
markup render as text, in the HTML and in a real browser; links only ever go to http(s)."""

from __future__ import annotations

import re

import lxml.html
import pytest

from presswatch.records import SourceResult, Statement, stable_id
from presswatch.report import build_report
from presswatch.report.build import href, inert
from presswatch.report.charts import UnsafeSvg, safe_svg
from presswatch.warehouse.store import open_warehouse

PWN = "document.body.setAttribute('data-pwned','1')"
SCRIPT = f"<script>{PWN}</script>"
IMG = f'"><img src=x onerror="{PWN}">'
HOSTILE_TITLE = f"Sora {SCRIPT} leak {IMG}"
HOSTILE_QUOTE = f"We paused {SCRIPT} access {IMG} today"
HOSTILE_SPEAKER = f"Niko {IMG} Felix"
HOSTILE_OUTLET = f"Evil {SCRIPT} News"


@pytest.fixture
def hostile_report(tmp_path, builder):
    text = (f"OpenAI said the Sora leak was serious. \"{HOSTILE_QUOTE},\" said {HOSTILE_SPEAKER}. "
            "More text follows here.")
    first = builder.article("https://evil.example/a", text, outlet="evil.example",
                            title=HOSTILE_TITLE, site_name=HOSTILE_OUTLET)
    bad_link = builder.article("javascript:alert(1)//x", text.replace("serious", "grave"),
                               outlet="evil.example", title="<b>bold</b> link")
    statement_id = stable_id("hostile statement")
    quotes = [builder.quote(a, HOSTILE_QUOTE, HOSTILE_SPEAKER, statement_id)
              for a in (first, bad_link)]
    statement = Statement(statement_id, HOSTILE_SPEAKER, f"spokesperson {SCRIPT}", "OpenAI",
                          HOSTILE_QUOTE, builder.T0, first.article_id)
    feed = SourceResult("https://feeds.example/rss", "feed", f"Feed {IMG}", 500,
                        error=f"HTTP 500 {SCRIPT}")
    db = tmp_path / "hostile.duckdb"
    with open_warehouse(db) as warehouse:
        warehouse.load_batch(builder.batch(
            "r1", [first, bad_link], quotes, [statement], sources=[feed],
            relevance={bad_link.article_id: (0.45, False, [f"term:{SCRIPT}@title"])},
            title=f"Story {SCRIPT}"))
        warehouse.publish()
    return build_report(db)


def _pages(report):
    return sorted(report.out_dir.rglob("*.html"))


def test_hostile_text_never_becomes_markup(hostile_report):
    pages = _pages(hostile_report)
    assert len(pages) >= 5  # overview, two indexes, a speaker page, a statement page
    for page in pages:
        html = page.read_text(encoding="utf-8")
        tree = lxml.html.fromstring(html)
        scripts = tree.xpath("//script")
        assert len(scripts) == 1 and "data-pwned" not in scripts[0].text_content(), page
        assert not tree.xpath("//img | //iframe | //object | //embed | //link"), page
        assert not tree.xpath("//@*[starts-with(name(), 'on')]"), page
        for target in tree.xpath("//a/@href"):
            assert not target.lower().startswith(("javascript:", "data:", "vbscript:")), page
        assert "<script>document" not in html and '<img src=x' not in html, page


def test_hostile_text_is_shown_as_text(hostile_report):
    overview = lxml.html.fromstring(hostile_report.index.read_text(encoding="utf-8"))
    text = overview.text_content()
    assert SCRIPT in text and IMG in text  # shown, literally, for the analyst to see
    assert HOSTILE_OUTLET in text  # the page's own (hostile) name, as text
    statement_page = next(hostile_report.out_dir.glob("statement/*.html"))
    page = lxml.html.fromstring(statement_page.read_text(encoding="utf-8"))
    marks = [m.text_content() for m in page.xpath("//mark")]
    assert HOSTILE_QUOTE in marks


def test_a_link_that_is_not_http_is_shown_without_a_link(hostile_report):
    statement_page = next(hostile_report.out_dir.glob("statement/*.html"))
    page = lxml.html.fromstring(statement_page.read_text(encoding="utf-8"))
    titles = {a.text_content(): a.get("href") for a in page.xpath("//a[@class='article']")}
    assert titles.get(HOSTILE_TITLE) == "https://evil.example/a"
    assert "<b>bold</b> link" not in titles  # no link for javascript:
    assert "<b>bold</b> link" in page.text_content()


def test_the_page_allows_only_its_own_script_and_style(hostile_report):
    html = hostile_report.index.read_text(encoding="utf-8")
    (policy,) = lxml.html.fromstring(html).xpath(
        "//meta[@http-equiv='Content-Security-Policy']/@content")
    assert "default-src 'none'" in policy
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)", policy)
    assert "unsafe-inline" not in policy


def test_a_browser_runs_none_of_it(hostile_report, browser):
    for page in _pages(hostile_report):
        dom = browser.dom(page.as_uri())
        assert "<body" in dom
        assert not re.search(r"<body[^>]*data-pwned", dom), page
        assert not re.search(r"<img\b", dom), page
        if 'class="sortable' in page.read_text(encoding="utf-8"):
            assert "<button" in dom, page  # the page's own script did run


@pytest.mark.parametrize("url, ok", [
    ("https://a.example/x?y=1", True), ("http://127.0.0.1:8000/", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False),
    ("//evil.example/x", False), ("https://a.example/\u202ex", False), ("https:///x", False),
    ("https://a.example/ x", False), (None, False),
])
def test_href_lets_only_web_links_through(url, ok):
    assert (href(url) is not None) == ok


def test_inert_removes_controls_and_bidi_overrides():
    assert inert("a\u202eb\x1b[31mc\r\nd\u2028e", 100) == "a b [31mc d e"
    assert inert("x" * 50, 10) == "x" * 9 + "…"


@pytest.mark.parametrize("svg", [
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x.example/a.png"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
    '<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://x.example/#a)"/></svg>',
])
def test_the_chart_svg_is_refused_when_it_is_more_than_a_drawing(svg):
    with pytest.raises(UnsafeSvg):
        safe_svg(svg)
