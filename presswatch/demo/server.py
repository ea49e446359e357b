"""The bundled replay: fictional coverage of the Sora leak, served on loopback as of two days.

Every outlet runs its own HTTP server on its own loopback address (127.0.0.2, 127.0.0.3, ...),
so per-domain politeness, robots.txt and canonical hosts behave as they would across real
outlets. Pages, feeds and sitemaps are rendered at request time from the outlet templates, the
article bodies and manifest.json, so every link carries the real host:port and the URLs stay the
same when the day changes. manifest.json is also the ground truth the tests check against.

    with ReplaySite(day=1) as site:
        story = site.story()          # the Sora story, sources replaced by the replay's
        ...
        site.set_day(2)               # the coverage as it stood one day later
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from functools import cached_property
from importlib import resources
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

from presswatch.demo.loopback import LoopbackError, OutletServers, RequestRecord, Response
from presswatch.story import Feed, Sitemap, Story, default_story_path, load_story

DAYS = (1, 2)
AGGREGATOR = "aggregator"


class ReplayError(RuntimeError):
    """The replay cannot start or was asked for something it does not have."""


def site_dir() -> Path:
    return Path(str(resources.files("presswatch.demo") / "site"))


def manifest_path() -> Path:
    return Path(str(resources.files("presswatch.demo") / "manifest.json"))


def load_manifest(path: Path | None = None) -> dict:
    """The replay's ground truth: outlets, sources, articles, bad URLs and statements."""
    return json.loads((path or manifest_path()).read_text(encoding="utf-8"))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Rendering: plain functions of (catalogue, outlet, path, day, base URLs) -> Response


class Catalogue:
    """manifest.json plus the files under site/, read once and rendered on request."""

    def __init__(self, manifest: dict, root: Path):
        self.manifest = manifest
        self.root = root
        self.outlets: dict[str, dict] = manifest["outlets"]
        self.articles: dict[str, dict] = {a["id"]: a for a in manifest["articles"]}
        self.bad_urls: list[dict] = manifest["bad_urls"]
        self.sources: list[dict] = manifest["sources"]
        self.days: dict[str, dict] = manifest["days"]

    @cached_property
    def _templates(self) -> dict[tuple[str, str], Template]:
        found = {}
        for outlet in self.outlets:
            folder = self.root / "templates" / outlet
            for file in folder.glob("*.html"):
                found[(outlet, file.stem)] = Template(file.read_text(encoding="utf-8"))
        return found

    def template(self, outlet: str, name: str) -> Template:
        try:
            return self._templates[(outlet, name)]
        except KeyError as exc:
            raise ReplayError(f"no template {name}.html for outlet {outlet!r}") from exc

    def body_text(self, name: str) -> str:
        return (self.root / "articles" / f"{name}.txt").read_text(encoding="utf-8")

    def static(self, name: str) -> bytes:
        return (self.root / "static" / name).read_bytes()

    def articles_on(self, day: int, outlet: str | None = None) -> list[dict]:
        """Articles published by this day, newest first."""
        chosen = [
            a for a in self.articles.values()
            if a["day"] <= day and (outlet is None or a["outlet"] == outlet)
        ]
        return sorted(chosen, key=lambda a: a["published_at"], reverse=True)

    def find_article(self, outlet: str, path: str, day: int) -> dict | None:
        for article in self.articles.values():
            if article["outlet"] == outlet and article["path"] == path and article["day"] <= day:
                return article
        return None

    def find_bad(self, outlet: str, path: str, day: int) -> dict | None:
        for bad in self.bad_urls:
            if bad["outlet"] == outlet and bad["path"] == path and bad["day"] <= day:
                return bad
        return None

    def source(self, outlet: str, path: str) -> dict | None:
        for source in self.sources:
            if source["outlet"] == outlet and source["path"] == path:
                return source
        return None

    def as_of(self, day: int) -> datetime:
        return _utc(self.days[str(day)]["as_of"])


def smart_quotes(text: str) -> str:
    """Typographic quotes, as some outlets' CMSs print them (copies must survive this)."""
    text = re.sub(r'(^|[\s(\[\u2014-])"', "\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[\u2014-])'", "\\1\u2018", text)
    return text.replace("'", "\u2019")


_LINK = re.compile(r"\[([^\]]+)\]\((@[a-z]+)?(/[^)\s]*)\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def _inline(text: str, outlet: str, urls: dict[str, str], curly: bool) -> str:
    """Escape one paragraph and turn [text](@outlet/path) links into absolute links."""
    if curly:
        text = smart_quotes(text)

    def link(match: re.Match[str]) -> str:
        target_outlet = match.group(2)[1:] if match.group(2) else outlet
        href = urls[target_outlet] + match.group(3)
        return f'<a href="{html.escape(href)}">{match.group(1)}</a>'

    return _BOLD.sub(r"<strong>\1</strong>", _LINK.sub(link, html.escape(text, quote=False)))


def body_html(source: str, outlet: str, urls: dict[str, str], curly: bool = False) -> str:
    """The light article markup as HTML.

    Blocks are separated by blank lines: "## " starts a subheading, lines starting "> " are
    paragraphs of a block quote (consecutive quote blocks form one quote), "X> name|@handle|text"
    is an embedded post on X, anything else is a paragraph. Inline: [text](@outlet/path) links
    and **bold**.
    """
    out: list[str] = []
    quote: list[str] = []

    def flush() -> None:
        if quote:
            out.append("<blockquote>\n" + "\n".join(quote) + "\n</blockquote>")
            quote.clear()

    for block in (b.strip() for b in source.strip().split("\n\n")):
        if block.startswith("> "):
            quote.extend(
                f"<p>{_inline(line[2:], outlet, urls, curly)}</p>"
                for line in block.splitlines()
                if line.startswith("> ")
            )
            continue
        flush()
        if block.startswith("## "):
            out.append(f"<h2>{_inline(block[3:], outlet, urls, curly)}</h2>")
        elif block.startswith("X> "):
            name, handle, text = block[3:].split("|", 2)
            out.append(
                '<blockquote class="x-post" data-platform="x">'
                f"<p>{_inline(text, outlet, urls, curly)}</p>"
                f"&mdash; {html.escape(name)} ({html.escape(handle)})</blockquote>"
            )
        else:
            out.append(f"<p>{_inline(' '.join(block.splitlines()), outlet, urls, curly)}</p>")
    flush()
    return "\n".join(out)


def plain_text(source: str) -> str:
    """The article markup as the words a reader sees (for tests and the manifest checks)."""
    lines = []
    for block in (b.strip() for b in source.strip().split("\n\n")):
        if block.startswith("X> "):
            block = block[3:].split("|", 2)[2]
        block = re.sub(r"^(> |## )", "", block, flags=re.M)
        lines.append(_BOLD.sub(r"\1", _LINK.sub(r"\1", " ".join(block.splitlines()))))
    return "\n\n".join(lines)


def _local(moment: datetime, outlet: dict) -> datetime:
    return moment.astimezone(timezone(timedelta(minutes=outlet["utc_offset_minutes"])))


def display_date(moment: datetime, outlet: dict) -> str:
    """The date as the outlet prints it, in its own time zone and style."""
    local = _local(moment, outlet)
    style = outlet["date_style"]
    if style == "us":
        hour = local.strftime("%I:%M %p").lstrip("0").replace("AM", "a.m.").replace("PM", "p.m.")
        return f"{local.strftime('%b')}. {local.day}, {local.year}, {hour} {outlet['tz_label']}"
    if style == "italian":
        month = outlet["month_names"][local.month - 1]
        return f"{local.day} {month} {local.year}, ore {local.strftime('%H:%M')}"
    if style == "wire":
        return local.strftime("%b %d, %Y %H:%M ") + outlet["tz_label"]
    if style == "long":
        return f"{local.strftime('%B')} {local.day}, {local.year}"
    if style == "dotted":
        return local.strftime("%d.%m.%Y · %H:%M ") + outlet["tz_label"]
    raise ReplayError(f"outlet {outlet['name']!r}: unknown date_style {style!r}")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _json_for_script(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1).replace("</", "<\\/")


def _article_fields(cat: Catalogue, article: dict, urls: dict[str, str], day: int) -> dict:
    outlet_key = article["outlet"]
    outlet = cat.outlets[outlet_key]
    base = urls[outlet_key]
    published = _utc(article["published_at"])
    local = _local(published, outlet)
    source = cat.body_text(article["id"])
    text = plain_text(source)
    authors = article["authors"]
    related = [a for a in cat.articles_on(day, outlet_key) if a["id"] != article["id"]][:4]
    canonical = base + article["path"]
    jsonld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article["title"],
        "datePublished": local.isoformat(),
        "dateModified": local.isoformat(),
        "author": [{"@type": "Person", "name": a} for a in authors],
        "publisher": {"@type": "Organization", "name": outlet["name"]},
        "inLanguage": article["language"],
        "mainEntityOfPage": canonical,
    }
    return {
        "site_name": html.escape(outlet["name"]),
        "base": base,
        "title": html.escape(article["title"]),
        "canonical": html.escape(canonical),
        "description": html.escape(text.split("\n\n")[0][:160]),
        "authors_text": html.escape(" and ".join(authors)),
        "authors_meta": html.escape(", ".join(authors)),
        "author_links": ", ".join(
            f'<a rel="author" href="{base}/authors/{_slug(a)}">{html.escape(a)}</a>'
            for a in authors
        ),
        "author_items": "".join(
            f'<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
            f'<span itemprop="name">{html.escape(a)}</span></span>'
            for a in authors
        ),
        "date_iso": local.isoformat(),
        "date_utc": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date_display": display_date(published, outlet),
        "section": html.escape(article.get("section", "News")),
        "language": article["language"],
        "jsonld": _json_for_script(jsonld),
        "body": body_html(source, outlet_key, urls, outlet.get("curly_quotes", False)),
        "related": "\n".join(
            f'<li><a href="{base}{a["path"]}">{html.escape(a["title"])}</a></li>' for a in related
        ),
        "year": str(local.year),
    }


def _page(cat: Catalogue, outlet_key: str, urls: dict[str, str], title: str, main: str,
          head: str = "") -> str:
    outlet = cat.outlets[outlet_key]
    return cat.template(outlet_key, "page").substitute(
        site_name=html.escape(outlet["name"]),
        base=urls[outlet_key],
        page_title=html.escape(title),
        head_extra=head,
        main=main,
        language=outlet["language"],
        year="2024",
    )


def render_article(cat: Catalogue, article: dict, urls: dict[str, str], day: int) -> Response:
    fields = _article_fields(cat, article, urls, day)
    head = cat.template(article["outlet"], "article_head").substitute(fields)
    main = cat.template(article["outlet"], "article").substitute(fields)
    page = _page(cat, article["outlet"], urls, article["title"], main, head)
    return Response(200, page.encode("utf-8"), last_modified=_utc(article["published_at"]))


def render_index(cat: Catalogue, outlet_key: str, urls: dict[str, str], day: int) -> Response:
    outlet = cat.outlets[outlet_key]
    base = urls[outlet_key]
    items = "\n".join(
        f'<li class="teaser"><a href="{base}{a["path"]}">{html.escape(a["title"])}</a> '
        f'<span class="teaser-date">{display_date(_utc(a["published_at"]), outlet)}</span></li>'
        for a in cat.articles_on(day, outlet_key)
    )
    main = f'<section class="river"><h1>Latest</h1>\n<ul class="teasers">\n{items}\n</ul></section>'
    return Response(200, _page(cat, outlet_key, urls, outlet["name"], main).encode("utf-8"))


def render_about(cat: Catalogue, outlet_key: str, urls: dict[str, str]) -> Response:
    outlet = cat.outlets[outlet_key]
    main = f'<section class="about"><h1>About</h1><p>{html.escape(outlet["about"])}</p></section>'
    return Response(200, _page(cat, outlet_key, urls, "About", main).encode("utf-8"))


def render_not_found(cat: Catalogue, outlet_key: str, urls: dict[str, str]) -> Response:
    main = (
        '<section class="error"><h1>Page not found</h1><p>The page you were looking for has '
        'moved or no longer exists. Try the <a href="/">front page</a>.</p></section>'
    )
    page = _page(cat, outlet_key, urls, "Page not found", main)
    return Response(404, page.encode("utf-8"), cacheable=False)


@dataclass(frozen=True)
class FeedItem:
    title: str
    url: str
    published: datetime
    authors: list[str]
    summary: str
    outlet: str


def feed_items(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> list[FeedItem]:
    """What this feed or sitemap lists on this day: articles and bad URLs, newest first."""
    items = []
    for article in cat.articles_on(day):
        if source["key"] in article["listed_in"]:
            items.append(_item(cat, article, article["path"], urls))
    for bad in cat.bad_urls:
        if source["key"] in bad["listed_in"] and bad["day"] <= day:
            target = cat.articles.get(bad.get("article") or "")
            meta = target or bad
            items.append(_item(cat, meta, bad["path"], urls, outlet=bad["outlet"]))
    return sorted(items, key=lambda i: i.published, reverse=True)


def _item(cat: Catalogue, meta: dict, path: str, urls: dict[str, str],
          outlet: str | None = None) -> FeedItem:
    """One feed entry; an article's summary is its first paragraph, a bad URL has none."""
    outlet = outlet or meta["outlet"]
    is_article = meta.get("id") in cat.articles
    summary = plain_text(cat.body_text(meta["id"])).split("\n\n")[0] if is_article else ""
    return FeedItem(
        title=meta["title"],
        url=urls[outlet] + path,
        published=_utc(meta["published_at"]),
        authors=meta.get("authors", []),
        summary=summary,
        outlet=outlet,
    )


def _x(text: str) -> str:
    return xml_escape(text, {'"': "&quot;"})


def render_rss2(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> str:
    outlet = cat.outlets[source["outlet"]]
    base = urls[source["outlet"]]
    items = feed_items(cat, source, urls, day)
    rows = "".join(
        f"""
    <item>
      <title>{_x(i.title)}</title>
      <link>{_x(i.url)}</link>
      <guid isPermaLink="true">{_x(i.url)}</guid>
      <pubDate>{format_datetime(i.published, usegmt=True)}</pubDate>
      {''.join(f'<dc:creator>{_x(a)}</dc:creator>' for a in i.authors)}
      <description>{_x(i.summary)}</description>
    </item>"""
        for i in items
    )
    built = max((i.published for i in items), default=cat.as_of(day))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{_x(source.get('name') or outlet['name'])}</title>
    <link>{base}/</link>
    <atom:link href="{_x(base + source['path'])}" rel="self" type="application/rss+xml"/>
    <description>{_x(outlet['about'])}</description>
    <language>{outlet['language']}</language>
    <lastBuildDate>{format_datetime(built, usegmt=True)}</lastBuildDate>{rows}
  </channel>
</rss>
"""


def render_atom(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> str:
    outlet = cat.outlets[source["outlet"]]
    base = urls[source["outlet"]]
    items = feed_items(cat, source, urls, day)
    updated = max((i.published for i in items), default=cat.as_of(day))
    rows = "".join(
        f"""
  <entry>
    <title>{_x(i.title)}</title>
    <link rel="alternate" type="text/html" href="{_x(i.url)}"/>
    <id>{_x(i.url)}</id>
    <published>{i.published.isoformat()}</published>
    <updated>{i.published.isoformat()}</updated>
    {''.join(f'<author><name>{_x(a)}</name></author>' for a in i.authors)}
    <summary>{_x(i.summary)}</summary>
  </entry>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet['language']}">
  <title>{_x(source.get('name') or outlet['name'])}</title>
  <link rel="alternate" href="{base}/"/>
  <link rel="self" href="{_x(base + source['path'])}"/>
  <id>{base}/</id>
  <updated>{updated.isoformat()}</updated>{rows}
</feed>
"""


def render_rss1(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> str:
    outlet = cat.outlets[source["outlet"]]
    base = urls[source["outlet"]]
    items = feed_items(cat, source, urls, day)
    seq = "".join(f'\n        <rdf:li rdf:resource="{_x(i.url)}"/>' for i in items)
    rows = "".join(
        f"""
  <item rdf:about="{_x(i.url)}">
    <title>{_x(i.title)}</title>
    <link>{_x(i.url)}</link>
    <dc:date>{i.published.isoformat()}</dc:date>
    <dc:creator>{_x(', '.join(i.authors))}</dc:creator>
    <description>{_x(i.summary)}</description>
  </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{_x(base + source['path'])}">
    <title>{_x(source.get('name') or outlet['name'])}</title>
    <link>{base}/</link>
    <description>{_x(outlet['about'])}</description>
    <items>
      <rdf:Seq>{seq}
      </rdf:Seq>
    </items>
  </channel>{rows}
</rdf:RDF>
"""


def redirect_token(url_path: str, outlet: str) -> str:
    """An opaque token, as news aggregators put in their links instead of the publisher URL."""
    digest = hashlib.sha256(f"{outlet}{url_path}".encode()).hexdigest()[:24]
    return "CBMi" + digest


def render_aggregator(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> str:
    """A Google News search feed: items link through the aggregator's redirect endpoint."""
    base = urls[AGGREGATOR]
    items = feed_items(cat, source, urls, day)
    rows = []
    for i in items:
        path = urlsplit(i.url).path + (f"?{urlsplit(i.url).query}" if urlsplit(i.url).query else "")
        link = f"{base}/rss/articles/{redirect_token(path, i.outlet)}?oc=5"
        name = cat.outlets[i.outlet]["name"]
        rows.append(f"""
    <item>
      <title>{_x(i.title)} - {_x(name)}</title>
      <link>{_x(link)}</link>
      <guid isPermaLink="false">{redirect_token(path, i.outlet)}</guid>
      <pubDate>{format_datetime(i.published, usegmt=True)}</pubDate>
      <description>{_x(f'<a href="{link}">{i.title}</a>&nbsp;&nbsp;{name}')}</description>
      <source url="{_x(urls[i.outlet])}">{_x(name)}</source>
    </item>""")
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <generator>NFE/5.0</generator>
    <title>"{_x(source['query'])}" - Google News</title>
    <link>{base}/search?q={_x(source['query'])}</link>
    <language>en-US</language>
    <webMaster>news-webmaster@google.com</webMaster>
    <copyright>2024 Google Inc.</copyright>
    <lastBuildDate>{format_datetime(cat.as_of(day), usegmt=True)}</lastBuildDate>
    <description>Google News</description>{''.join(rows)}
  </channel>
</rss>
"""


def render_news_sitemap(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> str:
    outlet = cat.outlets[source["outlet"]]
    rows = "".join(
        f"""
  <url>
    <loc>{_x(i.url)}</loc>
    <lastmod>{i.published.isoformat()}</lastmod>
    <news:news>
      <news:publication>
        <news:name>{_x(outlet['name'])}</news:name>
        <news:language>{outlet['language']}</news:language>
      </news:publication>
      <news:publication_date>{i.published.isoformat()}</news:publication_date>
      <news:title>{_x(i.title)}</news:title>
    </news:news>
  </url>"""
        for i in feed_items(cat, source, urls, day)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{rows}
</urlset>
"""


def render_page_sitemap(cat: Catalogue, source: dict, urls: dict[str, str]) -> str:
    base = urls[source["outlet"]]
    rows = "".join(
        f"\n  <url><loc>{base}{page['path']}</loc><lastmod>{page['lastmod']}</lastmod></url>"
        for page in source["pages"]
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}
</urlset>
"""


def render_sitemap_index(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> str:
    base = urls[source["outlet"]]
    rows = "".join(
        f"\n  <sitemap><loc>{base}{child}</loc><lastmod>{cat.as_of(day).isoformat()}</lastmod>"
        "</sitemap>"
        for child in source["children"]
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}
</sitemapindex>
"""


_XML = "application/xml; charset=utf-8"
_FORMATS = {
    "rss2": (render_rss2, "application/rss+xml; charset=utf-8"),
    "atom": (render_atom, "application/atom+xml; charset=utf-8"),
    "rss1": (render_rss1, "application/rdf+xml; charset=utf-8"),
    "aggregator": (render_aggregator, "application/xml; charset=utf-8"),
    "news_sitemap": (render_news_sitemap, _XML),
    "sitemap_index": (render_sitemap_index, _XML),
}


def render_source(cat: Catalogue, source: dict, urls: dict[str, str], day: int) -> Response:
    """A feed or sitemap, or the broken answer a bad source is meant to give."""
    fmt = source["format"]
    if fmt in _FORMATS:
        render, content_type = _FORMATS[fmt]
        items = feed_items(cat, source, urls, day)
        modified = max((i.published for i in items), default=cat.as_of(day))
        body = render(cat, source, urls, day).encode("utf-8")
        return Response(200, body, content_type, last_modified=modified)
    if fmt == "page_sitemap":
        body = render_page_sitemap(cat, source, urls).encode("utf-8")
        return Response(200, body, _XML, last_modified=cat.as_of(1))
    if fmt == "truncated":
        # A feed cut off mid-item, as a CMS that died while writing it serves it.
        full = render_rss2(cat, source, urls, day).encode("utf-8")
        return Response(200, full[: int(len(full) * 0.6)], "application/rss+xml; charset=utf-8",
                        last_modified=cat.as_of(day))
    if fmt == "html":
        return render_index(cat, source["outlet"], urls, day)
    if fmt == "missing":
        return render_not_found(cat, source["outlet"], urls)
    raise ReplayError(f"source {source['key']!r}: unknown format {fmt!r}")


def respond(cat: Catalogue, outlet: str, target: str, urls: dict[str, str], day: int) -> Response:
    """Everything one outlet host answers, for one day."""
    parts = urlsplit(target)
    path = parts.path or "/"
    if path == "/robots.txt":
        return Response(200, cat.outlets[outlet]["robots"].encode(), "text/plain; charset=utf-8")
    source = cat.source(outlet, path)
    if source is not None:
        return render_source(cat, source, urls, day)
    if outlet == AGGREGATOR:
        return _aggregator_redirect(cat, path, urls, day)
    if path == "/":
        return render_index(cat, outlet, urls, day)
    if path == "/about":
        return render_about(cat, outlet, urls)
    article = cat.find_article(outlet, path, day)
    if article is not None:
        return render_article(cat, article, urls, day)
    bad = cat.find_bad(outlet, path, day)
    if bad is not None:
        return _bad_url(cat, bad, urls, day)
    return render_not_found(cat, outlet, urls)


def _bad_url(cat: Catalogue, bad: dict, urls: dict[str, str], day: int) -> Response:
    kind = bad["kind"]
    if kind == "redirect":
        location = urls[bad["outlet"]] + cat.articles[bad["article"]]["path"]
        return Response(bad["status"], b"", headers={"Location": location}, cacheable=False)
    if kind == "robots_blocked":
        # Served all the same: robots.txt is a request to crawlers, not access control.
        return render_article(cat, {**bad, "id": bad["body"]}, urls, day)
    if kind == "non_html":
        return Response(200, cat.static(bad["file"]), bad["content_type"])
    if kind == "tracking_variant":
        return render_article(cat, cat.articles[bad["article"]], urls, day)
    return render_not_found(cat, bad["outlet"], urls)


def _aggregator_redirect(cat: Catalogue, path: str, urls: dict[str, str], day: int) -> Response:
    token = path.rsplit("/", 1)[-1]
    for source in cat.sources:
        if source["outlet"] != AGGREGATOR or source["format"] != "aggregator":
            continue
        for item in feed_items(cat, source, urls, day):
            parts = urlsplit(item.url)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if redirect_token(local, item.outlet) == token:
                return Response(302, b"", headers={"Location": item.url}, cacheable=False)
    return render_not_found(cat, AGGREGATOR, urls)


class ReplaySite:
    """The bundled replay, served on loopback for as long as the `with` block lasts."""

    def __init__(self, day: int = 1, *, gzip: bool = True, manifest: dict | None = None,
                 root: Path | None = None):
        self._check_day(day)
        self.day = day
        self.gzip = gzip
        self.catalogue = Catalogue(manifest or load_manifest(), root or site_dir())
        self.request_log: list[RequestRecord] = []
        self._servers = OutletServers(self)
        self._lock = threading.Lock()

    @staticmethod
    def _check_day(day: int) -> None:
        if day not in DAYS:
            raise ReplayError(f"the replay has days {DAYS}, not {day!r}")

    @property
    def manifest(self) -> dict:
        return self.catalogue.manifest

    def __enter__(self) -> ReplaySite:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        outlets = [AGGREGATOR, *[k for k in self.catalogue.outlets if k != AGGREGATOR]]
        try:
            self._servers.start(outlets)
        except LoopbackError as exc:
            raise ReplayError(str(exc)) from exc

    def stop(self) -> None:
        self._servers.stop()

    def set_day(self, day: int) -> None:
        """Serve the coverage as it stood on this day; URLs do not change."""
        self._check_day(day)
        self.day = day

    @property
    def urls(self) -> dict[str, str]:
        """Outlet key -> base URL such as http://127.0.0.3:40123 (the aggregator included)."""
        if not self._servers.running:
            raise ReplayError("the replay is not running: use `with ReplaySite() as site:`")
        return self._servers.bases

    def url(self, outlet: str, path: str) -> str:
        return self.urls[outlet] + path

    def article_url(self, article_id: str) -> str:
        article = self.catalogue.articles[article_id]
        return self.url(article["outlet"], article["path"])

    def source_url(self, key: str) -> str:
        for source in self.catalogue.sources:
            if source["key"] == key:
                target = source["path"] + (f"?{source['query_string']}"
                                           if source.get("query_string") else "")
                return self.url(source["outlet"], target)
        raise ReplayError(f"no source {key!r} in the replay manifest")

    def outlet_of(self, url: str) -> str | None:
        """Which outlet serves this URL (by host:port), or None."""
        netloc = urlsplit(url).netloc
        for key, base in self.urls.items():
            if urlsplit(base).netloc == netloc:
                return key
        return None

    def respond(self, outlet: str, target: str) -> Response:
        return respond(self.catalogue, outlet, target, self.urls, self.day)

    def record(self, entry: RequestRecord) -> None:
        with self._lock:
            self.request_log.append(entry)

    def story(self, base: Story | None = None) -> Story:
        """The Sora story with its sources replaced by the replay's feeds and sitemaps."""
        base = base or load_story(default_story_path())
        chosen = [s for s in self.catalogue.sources if s.get("in_story")]
        feeds = [Feed(url=self.source_url(s["key"]), name=s["name"])
                 for s in chosen if s["kind"] == "feed"]
        sitemaps = [Sitemap(url=self.source_url(s["key"]), name=s["name"])
                    for s in chosen if s["kind"] == "sitemap"]
        crawl = base.crawl.model_copy(update={"allow_private_hosts": True, "download_delay": 0.0})
        # The replay's sources only: the story's GDELT queries would ask the live API.
        return base.model_copy(update={"feeds": feeds, "sitemaps": sitemaps, "gdelt": [],
                                       "crawl": crawl})

    def write_story(self, path: Path | str, base: Story | None = None) -> Path:
        """The replay story as a TOML story file, for the CLI and for manual runs."""
        path = Path(path)
        story = self.story(base)
        header = (f"# The bundled replay of the Sora leak coverage, day {self.day}.\n"
                  "# Written by presswatch.demo.server; valid only while that replay runs.\n\n")
        path.write_text(header + to_toml(story.model_dump(mode="json")), encoding="utf-8")
        return path


# ---------------------------------------------------------------------------------------------
# TOML output (the standard library reads TOML but does not write it)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ReplayError(f"cannot write {value!r} as TOML")


def _is_table(value: object) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _iso_dates(data: dict) -> Iterator[tuple[str, object]]:
    for key, value in data.items():
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            yield key, date.fromisoformat(value)
        else:
            yield key, value


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def to_toml(data: dict, prefix: str = "") -> str:
    """A small TOML writer for story files: scalars first, then tables, then arrays of tables."""
    items = [(k, v) for k, v in _iso_dates(data) if v is not None]
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in items
             if not _is_table(v) and not _is_table_array(v)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in items:
        name = f"{prefix}{_toml_key(key)}"
        if _is_table(value):
            out += f"\n[{name}]\n" + to_toml(value, f"{name}.")
        elif _is_table_array(value):
            for entry in value:
                out += f"\n[[{name}]]\n" + to_toml(entry, f"{name}.")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m presswatch.demo.server",
        description="Serve the bundled Sora-leak replay on loopback until Ctrl-C.",
    )
    parser.add_argument("--day", type=int, choices=DAYS, default=1)
    parser.add_argument("--story-out", type=Path, default=None,
                        help="write the replay story file here (default: print its sources)")
    parser.add_argument("--no-gzip", action="store_true", help="never compress responses")
    args = parser.parse_args(argv)
    with ReplaySite(day=args.day, gzip=not args.no_gzip) as site:
        for outlet, base in site.urls.items():
            print(f"{outlet:24} {base}/")
        if args.story_out:
            print(f"story file: {site.write_story(args.story_out)}")
        else:
            for feed in site.story().feeds:
                print(f"feed     {feed.url}")
        print("type 1 or 2 and Enter to switch day, Ctrl-D or Ctrl-C to stop")
        try:
            for line in iter(input, None):
                if line.strip() in {str(d) for d in DAYS}:
                    site.set_day(int(line.strip()))
                    print(f"serving day {site.day}")
        except (EOFError, KeyboardInterrupt):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
