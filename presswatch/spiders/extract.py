"""Page bytes to an Article: plain functions, run anywhere (no Scrapy).

trafilatura finds the main text and metadata; we decide the encoding, the canonical URL, the
language and the date bounds, because those decide identity and what analysts filter on.

Rules:
- Encoding: a byte-order mark wins; else a body that is valid UTF-8 is UTF-8 (servers and meta
  tags often claim latin-1 for UTF-8 pages, while real cp1252 text with accents is almost never
  valid UTF-8); a body of UTF-8 sequences with stray invalid bytes is UTF-8 with those bytes
  read as cp1252 (mixed encodings); else the HTTP charset, then the <meta> charset, then
  cp1252, then latin-1.
- Canonical URL: <link rel=canonical>, else og:url, made absolute against the final URL and
  canonicalised, kept only if it is http(s), on the same registered domain as the final URL,
  and not the site's front page (a common CMS bug) unless the page itself is the front page.
  Otherwise the canonicalised final URL. A cross-domain canonical (syndication) is ignored so a
  page can never claim another outlet's article id.
- Published time: the first time of day with a zone that the page states (JSON-LD Article
  datePublished, meta tags such as article:published_time, itemprop=datePublished; names in
  page_metadata.json), else trafilatura's date (htmldate keeps only the day when the URL has
  one); never after the fetch time (later ones are dropped).
- Authors: trafilatura's, or the page's own names (JSON-LD, itemprop=author, rel=author) when
  they include all of trafilatura's.
- Language: py3langid on the text when it is confident (p >= 0.9), else the page's lang
  attribute, else py3langid's best guess.
- raw_html_gz: the HTML as decoded here, stored UTF-8 and gzip-compressed, so re-analysis
  reads exactly what this extraction read.
- Skimmed pages: a run may ask for a skim of a page it already knows is off its story (the
  story's page gate, presswatch/nlp/gate.py, turned it away). trafilatura's full extraction is
  most of a page's cost and is skipped: the text is trafilatura's quick baseline (embedded
  JSON-LD text, <article>, or the paragraphs), the title its title finder, the date only one
  the page states, the authors the page's own, the language its lang attribute where it has
  one (py3langid would be a third of the skim's cost). The same checks (not HTML, walls,
  hostile markup, too few words) apply, and the raw page is kept, so a re-analysis under
  another story extracts it in full.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from trafilatura import bare_extraction, baseline
from trafilatura.metadata import extract_title
from trafilatura.utils import load_html
from w3lib.encoding import html_body_declared_encoding, resolve_encoding

from presswatch.language_id import SAMPLE_CHARS, language_identifier
from presswatch.records import Article, FetchedPage, stable_id
from presswatch.spiders.sniff import BOMS, sniff_non_html
from presswatch.spiders.urls import BadUrl, canonicalize, outlet_of
from presswatch.spiders.walls import find_wall
from presswatch.text import clean_line

MIN_WORDS = 20
MAX_AUTHORS = 8
MAX_ATTRIBUTES = 1000
# What lxml and trafilatura raise on some hostile pages: the page has no usable text.
LIBRARY_FAILURES = (
    ValueError, TypeError, AttributeError, LookupError, OverflowError, RecursionError,
    lxml.etree.LxmlError,
)
# [^<>] keeps the scan linear: a failed match stops at the next "<" instead of running on.
_LONG_TAG = re.compile(r"<[a-zA-Z][^<>]{20000,}")
_ATTRIBUTE = re.compile(r"\s[\w:.-]+\s*=")
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
LANGID_CONFIDENT = 0.9
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_STRAY_BYTES_AS_CP1252 = "presswatch-stray-bytes-as-cp1252"
_LANG_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{1,8})*$")
# Compiled once: `element.xpath(text)` compiles its expression on every page.
_DATE_PUBLISHED = lxml.etree.XPath('//*[@itemprop="datePublished"]')
_AUTHOR_ITEMS = lxml.etree.XPath('//*[@itemprop="author"]')
_AUTHOR_ITEM_NAMES = lxml.etree.XPath('.//*[@itemprop="name"]')
_AUTHOR_LINKS = lxml.etree.XPath('//a[contains(@rel, "author")]')


def _stray_bytes_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start:error.end]
    return stray.decode("cp1252", errors="replace"), error.end


codecs.register_error(_STRAY_BYTES_AS_CP1252, _stray_bytes_as_cp1252)


class NoArticleText(ValueError):
    """The page has no extractable article text; the message names the URL and why."""


@dataclass
class ExtractionFailure:
    """A page that gave no article: not fetched (stage "fetch") or no text (stage "extract")."""

    url: str
    final_url: str
    source_url: str
    fetched_at: datetime
    stage: str
    reason: str


def _strict(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    resolved = resolve_encoding(encoding)
    if not resolved:
        return None
    try:
        return body.decode(resolved)
    except (UnicodeDecodeError, LookupError):
        return None


def hostile_markup(html: str) -> str | None:
    """Markup built to stall the parser: libxml2 checks attributes pairwise, so one element
    with 50,000 attributes takes minutes to parse. Long tags are rare; only they are counted."""
    for tag in _LONG_TAG.finditer(html):
        if len(_ATTRIBUTE.findall(tag.group(0))) > MAX_ATTRIBUTES:
            return f"hostile markup: an element with more than {MAX_ATTRIBUTES} attributes"
    return None


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding used) following the rules in the module docstring."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(encoding, errors="replace"), encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_SEQUENCE.search(body):
        # Mostly UTF-8 with stray single bytes: a UTF-8 template around cp1252 content.
        return body.decode("utf-8", errors=_STRAY_BYTES_AS_CP1252), "utf-8+cp1252"
    declared = [http_charset, html_body_declared_encoding(body[:4096])]
    for encoding in declared:
        text = _strict(body, encoding)
        if text is not None:
            return text, resolve_encoding(encoding) or "unknown"
    text = _strict(body, "cp1252")
    if text is not None:
        return text, "cp1252"
    return body.decode("latin-1"), "latin-1"


def detect_language(text: str, html_lang: str | None) -> str | None:
    sample = text[:SAMPLE_CHARS]
    guess, probability = language_identifier().classify(sample) if sample.strip() else (None, 0)
    if guess and probability >= LANGID_CONFIDENT:
        return guess
    return declared_language(html_lang) or guess


def declared_language(html_lang: str | None) -> str | None:
    """The language code of a page's lang attribute, when it is one."""
    if html_lang and _LANG_TAG.match(html_lang.strip()):
        return html_lang.strip().split("-")[0].split("_")[0].lower()
    return None


@dataclass
class PageHints:
    """What the page states about itself, read before trafilatura prunes the tree."""

    canonical: str | None = None
    lang: str | None = None
    published: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    site_name: str | None = None  # og:site_name, or the JSON-LD publisher's name


@lru_cache(maxsize=1)
def _metadata_rules() -> tuple[frozenset[str], tuple[str, ...]]:
    text = (resources.files(__package__) / "page_metadata.json").read_text(encoding="utf-8")
    rules = json.loads(text)
    return frozenset(rules["article_types"]), tuple(rules["published_meta"])


def _json_ld_objects(value: object) -> Iterator[dict]:
    if isinstance(value, list):
        for item in value:
            yield from _json_ld_objects(item)
    elif isinstance(value, dict):
        yield value
        yield from _json_ld_objects(value.get("@graph"))


def _person_names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in _person_names(item)]
    return []


def _json_ld_hints(tree: lxml.html.HtmlElement, hints: PageHints) -> None:
    article_types, _ = _metadata_rules()
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            _json_ld_article_hints(json.loads(script.text), article_types, hints)
        except (ValueError, RecursionError):
            continue  # broken or absurdly nested JSON-LD says nothing we can trust


def _json_ld_article_hints(data: object, article_types: frozenset[str], hints: PageHints) -> None:
    for item in _json_ld_objects(data):
        kinds = item.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(isinstance(k, str) and k in article_types for k in kinds):
            continue
        if isinstance(item.get("datePublished"), str):
            hints.published.append(item["datePublished"])
        hints.authors.extend(_person_names(item.get("author")))
        publisher = _person_names(item.get("publisher"))
        if publisher and hints.site_name is None:
            hints.site_name = publisher[0]


def read_page_hints(tree: lxml.html.HtmlElement) -> PageHints:
    """Canonical link, language, and the publication times and authors the page states in
    JSON-LD, meta tags, microdata (itemprop) and rel=author links, in that order."""
    _, published_meta = _metadata_rules()
    hints = PageHints()
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href") and hints.canonical is None:
            hints.canonical = link.get("href")
    _json_ld_hints(tree, hints)
    og_url = None
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if not content:
            continue
        if key == "og:url" and og_url is None:
            og_url = content
        elif key == "og:site_name":
            hints.site_name = content
        elif key in published_meta:
            hints.published.append(content)
    hints.canonical = hints.canonical or og_url
    for element in _DATE_PUBLISHED(tree):
        value = element.get("datetime") or element.get("content")
        if value:
            hints.published.append(value)
    if not hints.authors:
        for element in _AUTHOR_ITEMS(tree):
            names = _AUTHOR_ITEM_NAMES(element)
            text = (names[0] if names else element).text_content()
            hints.authors.append(text)
    if not hints.authors:
        hints.authors = [a.text_content() for a in _AUTHOR_LINKS(tree)]
    root = tree.getroottree().getroot()
    hints.lang = root.get("lang") or root.get("xml:lang")
    return hints


def precise_published_at(values: Iterable[str], fetched_at: datetime) -> datetime | None:
    """The first stated time that has a time of day and a zone and is not after the fetch."""
    for value in values:
        text = value.strip()
        if len(text) <= 10:
            continue  # a bare date: trafilatura's own date is as good
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            continue
        parsed = parsed.astimezone(UTC)
        if parsed <= fetched_at:
            return parsed
    return None


def choose_canonical(final_url: str, declared: str | None) -> str:
    """The article's identity URL (rule in the module docstring)."""
    fallback = canonicalize(final_url)
    if not declared:
        return fallback
    try:
        candidate = canonicalize(urljoin(final_url, declared.strip()))
        same_outlet = outlet_of(candidate) == outlet_of(fallback)
    except (BadUrl, ValueError):
        return fallback
    front_page = urlsplit(candidate).path in ("", "/") and urlsplit(fallback).path not in ("", "/")
    if not same_outlet or front_page:
        return fallback
    return candidate


def _published_at(stated: list[str], extracted: str | None,
                  fetched_at: datetime) -> datetime | None:
    """A precise time the page states, else trafilatura's date; never after the fetch."""
    precise = precise_published_at(stated, fetched_at)
    if precise is not None or not extracted:
        return precise
    try:
        parsed = datetime.fromisoformat(extracted)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return parsed if parsed <= fetched_at else None


def _authors(stated: list[str], extracted: str | None) -> list[str]:
    """trafilatura's authors, or the page's own (JSON-LD, itemprop, rel=author) when those
    include everyone trafilatura found: it often keeps only the first of several names."""
    found = [clean_line(part, 200) for part in (extracted or "").split(";")]
    found = list(dict.fromkeys(name for name in found if name))
    named = list(dict.fromkeys(n for n in (clean_line(s, 200) for s in stated) if n))
    if named and len(named) <= MAX_AUTHORS and set(found) <= set(named):
        return named
    return found


def extract_article(page: FetchedPage, body: bytes, *, skim: bool = False) -> Article:
    """The article in one fetched page, or NoArticleText saying why there is none. skim: a
    page off the run's story, read quickly (see the module docstring)."""
    url = page.final_url or page.url
    if not body.strip():
        raise NoArticleText(f"{url}: empty body")
    not_html = sniff_non_html(body)
    if not_html:
        raise NoArticleText(f"{url}: body is {not_html}, not HTML")
    html, _ = decode_html(body, page.encoding)
    hostile = hostile_markup(html)
    if hostile:
        raise NoArticleText(f"{url}: {hostile}")
    wall = find_wall(body, url)  # an archive's copy of a bot wall is no article either
    if wall is not None:
        raise NoArticleText(f"{url}: {wall.describe()}")
    try:
        tree = load_html(html)
    except LIBRARY_FAILURES as exc:
        raise NoArticleText(f"{url}: not parseable as HTML ({exc!r})") from exc
    if tree is None:
        raise NoArticleText(f"{url}: not parseable as HTML")
    hints = read_page_hints(tree)
    try:
        canonical_url = choose_canonical(url, hints.canonical)
    except BadUrl as exc:
        raise NoArticleText(f"{url}: page URL unusable: {exc}") from exc
    fetched_at = page.fetched_at.astimezone(UTC)
    title, date, author, text = (_skimmed if skim else _extracted)(tree, url, fetched_at)
    word_count = len(text.split())
    if word_count < MIN_WORDS:
        raise NoArticleText(
            f"{url}: no article text found ({word_count} words, at least {MIN_WORDS} needed)"
        )
    return Article(
        article_id=stable_id(canonical_url),
        url=canonicalize(url),
        canonical_url=canonical_url,
        outlet=outlet_of(canonical_url),
        title=clean_line(title or "") or None,
        authors=_authors(hints.authors, author),
        published_at=_published_at(hints.published, date, fetched_at),
        language=(skim and declared_language(hints.lang)) or detect_language(text, hints.lang),
        text=text,
        word_count=word_count,
        fetched_at=page.fetched_at,
        source_url=page.source_url,
        raw_html_gz=gzip.compress(html.encode("utf-8", errors="replace")),
        site_name=clean_line(hints.site_name or "", 120) or None,
        turned_away=skim,
    )


# A test of a page's raw body and HTTP charset: False when it cannot be on the story
PageTest = Callable[[bytes, str | None], bool]
# A page's (title, date, author, text) as the extraction finds them
Found = tuple[str | None, str | None, str | None, str]


def _extracted(tree: lxml.html.HtmlElement, url: str, fetched_at: datetime) -> Found:
    """trafilatura's full extraction: main text, title, date (htmldate) and author."""
    try:
        document = bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params={
                "original_date": True,
                "extensive_search": True,
                "outputformat": DATE_FORMAT,
                "max_date": fetched_at.date().isoformat(),
            },
        )
    except LIBRARY_FAILURES as exc:
        raise NoArticleText(f"{url}: extraction failed on this page ({exc!r})") from exc
    if document is None:
        return None, None, None, ""
    return document.title, document.date, document.author, (document.text or "").strip()


def _skimmed(tree: lxml.html.HtmlElement, url: str, fetched_at: datetime) -> Found:
    """trafilatura's quick baseline text and its title finder: about a tenth of the cost."""
    try:
        _, text, _ = baseline(tree)  # works on a copy: the tree is left as it was
        title = extract_title(tree)
    except LIBRARY_FAILURES as exc:
        raise NoArticleText(f"{url}: extraction failed on this page ({exc!r})") from exc
    return title, None, None, text.strip()


def _failure(page: FetchedPage, stage: str, reason: str) -> ExtractionFailure:
    return ExtractionFailure(
        url=page.url,
        final_url=page.final_url,
        source_url=page.source_url,
        fetched_at=page.fetched_at,
        stage=stage,
        reason=reason,
    )


def extract_pages(pages: Iterable[FetchedPage], may_be_on_story: PageTest | None = None
                  ) -> Iterator[Article | ExtractionFailure]:
    """One Article or ExtractionFailure per page, in order, reading each body from its gzip
    file only when needed (so 10,000 pages never sit in memory together). A page that
    may_be_on_story turns away (its body and HTTP charset) is skimmed."""
    for page in pages:
        if page.reason is not None or not page.body_path:
            yield _failure(page, "fetch", page.reason or "no body was stored")
            continue
        try:
            body = gzip.decompress(Path(page.body_path).read_bytes())
        except (OSError, EOFError) as exc:
            yield _failure(page, "extract", f"cannot read stored body {page.body_path}: {exc}")
            continue
        try:
            skim = may_be_on_story is not None and not may_be_on_story(body, page.encoding)
            yield extract_article(page, body, skim=skim)
        except NoArticleText as exc:
            yield _failure(page, "extract", str(exc))
