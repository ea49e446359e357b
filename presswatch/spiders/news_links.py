"""News aggregators' article links to the publisher's URL: plain functions, no Scrapy, no I/O.

Bing News wraps the publisher's URL in the `url` parameter of bing.com/news/apiclick.aspx.
Google News links (news.google.com/rss/articles/<id>, "CBMi..." and "AU_yqL..." ids) resolve as
Google serves them today: the article page carries a signature and a timestamp (data-n-a-sg,
data-n-a-ts on a `c-wiz > div[jscontroller]` element), and one POST to the same host's
batchexecute endpoint (rpc id Fbv4je, form field f.req) answers with the publisher's URL for a
batch of ids. This follows the exchange as googlenewsdecoder 0.2.2 (MIT) implements it; that
library is not used because its HTTP client and Google's address are fixed inside it, and the
spider must fetch through its own guards, politeness and rate limit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import lxml.etree
import lxml.html

from presswatch.spiders.urls import BadUrl, canonicalize, is_google_news_url

BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
RPC_ID = "Fbv4je"
_ARTICLE_PATH = re.compile(r"^/(?:rss/)?(?:articles|read)/([A-Za-z0-9_-]+)/?$")
_BING_HOSTS = {"bing.com", "www.bing.com", "cn.bing.com"}
_SIGNATURE = re.compile(rb'data-n-a-sg="([^"]+)"')
_TIMESTAMP = re.compile(rb'data-n-a-ts="([^"]+)"')
_XSSI_PREFIX = ")]}'"
_DEFAULT_LOCALE = {"hl": "en-US", "gl": "US", "ceid": "US:en"}
# The request context Google's own page sends with each garturlreq (as googlenewsdecoder does).
_GARTURLREQ_CONTEXT = [
    ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None, None, None,
     0, 1],
    "X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0, None, 0,
]


class BatchexecuteError(ValueError):
    """A batchexecute answer that cannot be read at all; the message says what it held."""


@dataclass(frozen=True)
class Signature:
    """What a Google News article page gives for one link: the id, its signature and time."""

    article_id: str
    signature: str
    timestamp: str


@dataclass(frozen=True)
class Decoded:
    """Google's answer for one link: the publisher's canonical URL, or why there is none."""

    url: str | None = None
    error: str | None = None


def bing_news_target(url: str) -> str | None:
    """The publisher URL inside a bing.com/news/apiclick.aspx?...&url=... link, canonical."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in _BING_HOSTS:
        return None
    if parts.path.lower() != "/news/apiclick.aspx":
        return None
    target = dict(parse_qsl(parts.query)).get("url")
    if not target:
        return None
    try:
        return canonicalize(target)
    except BadUrl:
        return None


def google_news_article_id(url: str) -> str | None:
    """The article id of a news.google.com/rss/articles/<id> (or /articles/, /read/) link."""
    if not is_google_news_url(url):
        return None
    match = _ARTICLE_PATH.match(urlsplit(url).path)
    return match.group(1) if match else None


def google_news_page_url(link: str, article_id: str) -> str:
    """The article page that carries the signature: /articles/<id> and /read/<id> send
    non-browser clients to a "sorry" page, /rss/articles/<id>?hl=&gl=&ceid= answers (the
    locale is the link's when it names one, else en-US, as googlenewsdecoder does)."""
    parts = urlsplit(link)
    given = dict(parse_qsl(parts.query))
    locale = {key: given.get(key) or default for key, default in _DEFAULT_LOCALE.items()}
    return (f"{parts.scheme}://{parts.netloc}/rss/articles/{article_id}?"
            + urlencode(locale, quote_via=quote, safe=":"))


def batchexecute_url(link: str) -> str:
    """The batchexecute endpoint on the link's own origin (https://news.google.com live)."""
    parts = urlsplit(link)
    return f"{parts.scheme}://{parts.netloc}{BATCHEXECUTE_PATH}"


def parse_signature(article_id: str, body: bytes) -> Signature | None:
    """The data-n-a-sg / data-n-a-ts pair on a Google News article page, if it carries one."""
    try:
        tree = lxml.html.fromstring(body[:2_000_000])
        nodes = tree.xpath("//c-wiz/div[@jscontroller][@data-n-a-sg][@data-n-a-ts]")
    except (lxml.etree.LxmlError, ValueError):
        nodes = []
    if nodes:
        return Signature(article_id, nodes[0].get("data-n-a-sg"), nodes[0].get("data-n-a-ts"))
    signature, timestamp = _SIGNATURE.search(body), _TIMESTAMP.search(body)
    if signature and timestamp:
        return Signature(article_id, signature.group(1).decode("ascii", "replace"),
                         timestamp.group(1).decode("ascii", "replace"))
    return None


def batchexecute_body(signatures: list[Signature]) -> str:
    """The form body (f.req=...) asking for every signature's publisher URL in one POST.

    Each request carries its position as its id, so answers are matched even when Google
    reorders or leaves out rows.
    """
    envelopes = []
    for index, item in enumerate(signatures):
        timestamp: int | str = int(item.timestamp) if item.timestamp.isdigit() else item.timestamp
        inner = ["garturlreq", _GARTURLREQ_CONTEXT, item.article_id, timestamp, item.signature]
        envelopes.append([RPC_ID, json.dumps(inner, separators=(",", ":")), None, str(index)])
    return "f.req=" + quote(json.dumps([envelopes], separators=(",", ":")), safe="")


def _frames(text: str) -> list[list]:
    """The JSON arrays of a batchexecute answer: `)]}'` then one array, or length-prefixed
    chunks (rt=c) of arrays."""
    body = text.lstrip()
    if body.startswith(_XSSI_PREFIX):
        body = body[len(_XSSI_PREFIX):]
    body = body.strip()
    try:
        whole = json.loads(body)
        return [whole] if isinstance(whole, list) else []
    except json.JSONDecodeError:
        pass
    frames, decoder, position = [], json.JSONDecoder(), 0
    while position < len(body):
        while position < len(body) and (body[position].isspace() or body[position].isdigit()):
            position += 1
        if position >= len(body):
            break
        try:
            value, position = decoder.raw_decode(body, position)
        except json.JSONDecodeError as exc:
            raise BatchexecuteError(f"not a batchexecute answer: {exc}") from exc
        if isinstance(value, list):
            frames.append(value)
    return frames


def parse_batchexecute(text: str, n_requests: int) -> dict[int, Decoded]:
    """What Google answered for each of the n_requests asked, by request index.

    Raises BatchexecuteError when the answer is not batchexecute framing at all.
    """
    frames = _frames(text)
    if not frames:
        raise BatchexecuteError(f"not a batchexecute answer: {text[:80]!r}")
    answers: dict[int, Decoded] = {}
    rows = [r for frame in frames for r in frame
            if isinstance(r, list) and len(r) >= 3 and r[0] == "wrb.fr" and r[1] == RPC_ID]
    for position, row in enumerate(rows):
        # Google echoes each request's id; a row without one ("generic", or none) answers
        # the request in its own position.
        index = _request_index(row)
        if index is None:
            index = position
        if not 0 <= index < n_requests:
            continue
        payload = row[2]
        try:
            payload = json.loads(payload) if isinstance(payload, str) else payload
        except json.JSONDecodeError:
            payload = None
        if isinstance(payload, list) and len(payload) > 1 and payload[0] == "garturlres":
            try:
                answers[index] = Decoded(url=canonicalize(str(payload[1])))
            except BadUrl:
                answers[index] = Decoded(
                    error=f"Google answered a URL that is not http(s): {payload[1]!r}")
            continue
        if answers.get(index, Decoded()).url is None:
            code = row[5] if len(row) > 5 else None
            answers[index] = Decoded(
                error=f"Google answered an error for this link (code {json.dumps(code)})")
    for index in range(n_requests):
        answers.setdefault(index, Decoded(
            error="no answer for this link in Google's batchexecute reply"))
    return answers


def _request_index(row: list) -> int | None:
    """The request id Google echoes in the row's seventh cell, if it is one of ours."""
    cell = row[6] if len(row) > 6 else None
    if isinstance(cell, str) and cell.isdigit():
        return int(cell)
    return None
