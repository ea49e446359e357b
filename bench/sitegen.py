"""A synthetic coverage site for the end-to-end benchmark: N articles from 20 outlets.

Each outlet is its own HTTP server on its own loopback address (127.0.0.2, 127.0.0.3, ...) with
robots.txt, an RSS feed (its 50 newest articles) and a news sitemap (all of them), so Scrapy's
per-domain politeness and conditional GETs behave as they would across real outlets. About 30%
of the articles are about the Sora leak (the bundled story's names and terms, so relevance
fires), a tenth are wire copies of another outlet's article, and quotes in the usual forms
("...," X said / X said that ...) with invented speakers are mixed in.

Article texts are a pure function of (seed, index), rendered when requested, so the site holds
only the small per-article metadata: its memory does not grow with the texts.

The site runs in its own process (`serve`), so its CPU and memory are not counted against the
flow; the parent talks to it over stdin/stdout:

    python bench/sitegen.py serve --articles 2000      # prints {"outlets": [...]} then waits
    stats  -> one JSON line of request counts         reset -> zero them         EOF -> stop
"""

from __future__ import annotations

import argparse
import html
import json
import random
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from presswatch.demo.loopback import OutletServers, RequestRecord, Response

WORDS_FILE = Path(__file__).with_name("data") / "sitegen.json"
N_OUTLETS = 20
FEED_ITEMS = 50
RELEVANT_SHARE = 0.3
COPY_SHARE = 0.1
MIN_WORDS, MAX_WORDS = 300, 1500
FIRST_PUBLISHED = datetime(2024, 11, 27, 6, 0, tzinfo=UTC)


class SiteError(RuntimeError):
    """The synthetic site cannot start or was asked for something it does not have."""


@dataclass(frozen=True)
class SyntheticArticle:
    """One article's metadata; its text comes from Corpus.text(index)."""

    index: int
    outlet: int
    path: str
    title: str
    author: str
    published_at: datetime
    relevant: bool
    copy_of: int | None  # the article whose text this wire copy carries


def load_words(path: Path = WORDS_FILE) -> dict[str, list[str]]:
    return json.loads(path.read_text(encoding="utf-8"))


class Corpus:
    """N articles spread over 20 outlets and one day, all derived from the seed."""

    def __init__(self, n_articles: int, *, seed: int = 7, words: dict | None = None) -> None:
        if n_articles < 1:
            raise SiteError(f"--articles must be at least 1, not {n_articles}")
        self.n_articles = n_articles
        self.seed = seed
        self.words = words or load_words()
        self.outlet_names = self.words["outlets"][:N_OUTLETS]
        self.articles: list[SyntheticArticle] = []
        for index in range(n_articles):
            self.articles.append(self._meta(index))

    def _meta(self, index: int) -> SyntheticArticle:
        rng = random.Random(f"{self.seed}-meta-{index}")
        outlet = index % N_OUTLETS
        copy_of = None
        if index >= N_OUTLETS and rng.random() < COPY_SHARE:
            copy_of = rng.randrange(index - index % N_OUTLETS)  # an earlier, other-outlet one
            while copy_of % N_OUTLETS == outlet:
                copy_of = rng.randrange(index - index % N_OUTLETS)
        root = self.articles[copy_of] if copy_of is not None else None
        relevant = root.relevant if root else rng.random() < RELEVANT_SHARE
        w = self.words
        title = _fill(rng.choice(w["titles_story" if relevant else "titles_plain"]), rng, w)
        published = FIRST_PUBLISHED + timedelta(seconds=int(index * 86_400 / self.n_articles))
        slug = "-".join(title.lower().replace("'", "").split()[:6])
        slug = "".join(ch for ch in slug if ch.isalnum() or ch == "-")
        return SyntheticArticle(
            index=index,
            outlet=outlet,
            path=f"/{published:%Y/%m/%d}/{slug}-{index}",
            title=root.title if root else title,
            author=f"{rng.choice(w['first_names'])} {rng.choice(w['last_names'])}",
            published_at=published,
            relevant=relevant,
            copy_of=copy_of,
        )

    def text(self, index: int) -> str:
        """The article's words: paragraphs separated by blank lines."""
        article = self.articles[index]
        if article.copy_of is not None:
            origin = self.outlet_names[self.articles[article.copy_of].outlet]
            return self.text(article.copy_of) + f"\n\nThis story first appeared in {origin}."
        rng = random.Random(f"{self.seed}-text-{index}")
        w = self.words
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        paragraphs: list[str] = []
        count = 0
        while count < target:
            sentences = []
            for _ in range(rng.randint(2, 5)):
                draw = rng.random()
                if article.relevant and (not paragraphs and not sentences or draw < 0.3):
                    template = rng.choice(w["story_sentences"])
                elif draw > 0.8:
                    template = rng.choice(w["quote_forms"])
                else:
                    template = rng.choice(w["plain_sentences"])
                sentence = _fill(template, rng, w, outlet=self.outlet_names[article.outlet])
                sentences.append(sentence)
                count += len(sentence.split())
            paragraphs.append(" ".join(sentences))
        return "\n\n".join(paragraphs)

    def word_count(self, index: int) -> int:
        return len(self.text(index).split())

    def of_outlet(self, outlet: int) -> list[SyntheticArticle]:
        """The outlet's articles, newest first."""
        return sorted((a for a in self.articles if a.outlet == outlet),
                      key=lambda a: a.published_at, reverse=True)


def _fill(template: str, rng: random.Random, w: dict, outlet: str = "reporters",
          *, sentence: bool = True) -> str:
    """Fill a template's {slots} with words drawn from the lists (quotes and clauses nest)."""
    slots = {
        "org": lambda: rng.choice(w["orgs"]),
        "person": lambda: f"{rng.choice(w['first_names'])} {rng.choice(w['last_names'])}",
        "role": lambda: rng.choice(w["roles"]),
        "place": lambda: rng.choice(w["places"]),
        "product": lambda: rng.choice(w["products"]),
        "topic": lambda: rng.choice(w["topics"]),
        "num": lambda: str(rng.randint(2, 90)),
        "day": lambda: rng.choice(w["days"]),
        "adj": lambda: rng.choice(w["adjs"]),
        "noun": lambda: rng.choice(w["nouns"]),
        "verb": lambda: rng.choice(w["verbs"]),
        "outlet": lambda: outlet,
        "quote": lambda: _fill(rng.choice(w["quote_bodies"]), rng, w, outlet),
        "clause": lambda: _fill(rng.choice(w["clauses"]), rng, w, outlet, sentence=False),
    }
    out = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        out.append(before + slots[name]())
    out.append(rest)
    text = "".join(out)
    return text[0].upper() + text[1:] if sentence else text


# ---------------------------------------------------------------------------------------------
# Rendering


def article_html(corpus: Corpus, article: SyntheticArticle, base: str) -> bytes:
    outlet = corpus.outlet_names[article.outlet]
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in corpus.text(article.index)
                           .split("\n\n"))
    title = html.escape(article.title)
    published = article.published_at.isoformat()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {html.escape(outlet)}</title>
<link rel="canonical" href="{base}{article.path}">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{html.escape(outlet)}">
<meta property="article:published_time" content="{published}">
<meta name="author" content="{html.escape(article.author)}">
</head><body>
<header><nav><a href="/">Home</a> <a href="/tech">Tech</a> <a href="/business">Business</a>
<a href="/about">About</a> <a href="/subscribe">Subscribe</a></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {html.escape(article.author)} &middot;
<time datetime="{published}">{article.published_at:%B %d, %Y %H:%M} UTC</time></p>
{paragraphs}
</article>
<aside><h3>Most read</h3><ul><li><a href="/">Markets close mixed</a></li>
<li><a href="/">Weather: a cold week ahead</a></li></ul></aside></main>
<footer><p>&copy; 2024 {html.escape(outlet)}. All rights reserved.</p>
<p><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></p></footer>
</body></html>
""".encode()


def feed_xml(corpus: Corpus, outlet: int, base: str) -> bytes:
    items = "".join(
        f"""
    <item><title>{xml_escape(a.title)}</title><link>{base}{a.path}</link>
      <guid>{base}{a.path}</guid><pubDate>{format_datetime(a.published_at, usegmt=True)}</pubDate>
      <dc:creator>{xml_escape(a.author)}</dc:creator></item>"""
        for a in corpus.of_outlet(outlet)[:FEED_ITEMS]
    )
    name = xml_escape(corpus.outlet_names[outlet])
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>{name}</title><link>{base}/</link><description>{name} news</description>
  <language>en</language>{items}
</channel></rss>
""".encode()


def sitemap_xml(corpus: Corpus, outlet: int, base: str) -> bytes:
    name = xml_escape(corpus.outlet_names[outlet])
    rows = "".join(
        f"""
  <url><loc>{base}{a.path}</loc><news:news><news:publication><news:name>{name}</news:name>
    <news:language>en</news:language></news:publication>
    <news:publication_date>{a.published_at.isoformat()}</news:publication_date>
    <news:title>{xml_escape(a.title)}</news:title></news:news></url>"""
        for a in corpus.of_outlet(outlet)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{rows}
</urlset>
""".encode()


ROBOTS = b"User-agent: *\nDisallow: /private/\n"
FEED_PATH = "/feed.xml"
SITEMAP_PATH = "/news-sitemap.xml"


# ---------------------------------------------------------------------------------------------
# Serving: through presswatch.demo.loopback, the same HTTP rules as the bundled replay


def _kind(path: str) -> str:
    return {"/robots.txt": "robots", FEED_PATH: "feed", SITEMAP_PATH: "sitemap"}.get(
        path, "article")


class SyntheticSite:
    """The corpus served on loopback, one server per outlet, counting every request."""

    gzip = False

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.counts: Counter[str] = Counter()
        self._servers = OutletServers(self)
        self._lock = threading.Lock()
        self._paths = {(a.outlet, a.path): a for a in corpus.articles}

    def __enter__(self) -> SyntheticSite:
        self._servers.start([str(outlet) for outlet in range(N_OUTLETS)])
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._servers.stop()

    @property
    def bases(self) -> list[str]:
        return list(self._servers.bases.values())

    @cached_property
    def _documents(self) -> dict[tuple[int, str], Response]:
        """Feeds and sitemaps, rendered once: they do not change while the site runs."""
        found = {}
        for outlet, base in enumerate(self.bases):
            newest = self.corpus.of_outlet(outlet)[0].published_at
            for path, render, kind in ((FEED_PATH, feed_xml, "application/rss+xml"),
                                       (SITEMAP_PATH, sitemap_xml, "application/xml")):
                found[(outlet, path)] = Response(200, render(self.corpus, outlet, base),
                                                 f"{kind}; charset=utf-8", last_modified=newest)
        return found

    def respond(self, outlet_key: str, target: str) -> Response:
        outlet, path = int(outlet_key), target.split("?", 1)[0]
        if path == "/robots.txt":
            return Response(200, ROBOTS, "text/plain", cacheable=False)
        if path in (FEED_PATH, SITEMAP_PATH):
            return self._documents[(outlet, path)]
        article = self._paths.get((outlet, path))
        if article is not None:
            return Response(200, article_html(self.corpus, article, self.bases[outlet]),
                            cacheable=False)
        return Response(404, b"not found", "text/plain", cacheable=False)

    def record(self, entry: RequestRecord) -> None:
        path = entry.path.split("?", 1)[0]
        known = entry.status != 404 or path in (FEED_PATH, SITEMAP_PATH, "/robots.txt")
        with self._lock:
            self.counts["requests"] += 1
            self.counts[_kind(path) if known else "other"] += 1
            self.counts["conditional"] += entry.conditional
            self.counts["not_modified"] += entry.status == 304

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()


def serve(n_articles: int, seed: int, commands: Iterator[str]) -> None:
    """Serve until the commands end, answering `stats` and `reset` on stdout."""
    with SyntheticSite(Corpus(n_articles, seed=seed)) as site:
        _ = site._documents
        print(json.dumps({"outlets": site.bases}), flush=True)
        for line in commands:
            command = line.strip()
            if command == "stats":
                print(json.dumps(site.stats()), flush=True)
            elif command == "reset":
                site.reset()
                print("{}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/sitegen.py", description=__doc__)
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    serve(args.articles, args.seed, iter(sys.stdin.readline, ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
